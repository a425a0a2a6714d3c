"""The policy library's pages: the search, a document, the staff's forms, the file (phone-first templates)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.roles import Capability
from accounts.scope import require_capability
from core.forms import form_errors_apply
from policies import selectors, services
from policies.forms import DocumentForm, SearchForm
from policies.models import PolicyDocument


@login_required
@require_GET
def library(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, Capability.VIEW_POLICIES)
    form = SearchForm(request.GET or None, user=request.user)
    filters = form.filters() if request.GET else selectors.Filters()
    result = selectors.document_search(user=request.user, filters=filters)
    return render(
        request,
        "policies/library.html",
        {
            "form": form,
            "filters": filters,
            "result": result,
            "may_manage": services.managed_area(request.user) is not None,
        },
    )


@login_required
@require_GET
def document(request: HttpRequest, pk: int) -> HttpResponse:
    doc = selectors.document_get_for_user(user=request.user, pk=pk)
    require_capability(request.user, Capability.VIEW_POLICIES)
    return render(
        request,
        "policies/document.html",
        {
            "document": doc,
            "predecessors": selectors.document_predecessors(user=request.user, document=doc),
            "may_manage": services.document_may_manage(request.user, doc),
        },
    )


@login_required
@require_GET
def document_file(request: HttpRequest, pk: int) -> FileResponse:
    doc = selectors.document_get_for_user(user=request.user, pk=pk)
    if not doc.file:
        raise Http404
    handle = services.document_file_open(actor=request.user, document=doc, request=request)
    response = FileResponse(
        handle, content_type="application/pdf", filename=doc.file_name or f"{doc.pk}.pdf", as_attachment=False
    )
    response["Cache-Control"] = "no-store"
    return response


def _form_page(request: HttpRequest, form: DocumentForm, *, title: str, document: PolicyDocument | None, save):
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(form.service_data(), form.cleaned_data.get("upload"), timezone.localdate())
        except ValidationError as exc:
            form_errors_apply(form, exc)
        else:
            messages.success(request, _("Saved: %(title)s") % {"title": saved.title})
            return redirect("policies:document", saved.pk)
    return render(request, "policies/form.html", {"form": form, "title": title, "document": document})


@login_required
@require_http_methods(["GET", "POST"])
def document_create(request: HttpRequest) -> HttpResponse:
    area = services.authorize_manage(request.user)  # 403 without a managed area
    form = DocumentForm(request.POST or None, request.FILES or None, user=request.user)
    return _form_page(
        request,
        form,
        title=_("Add a document of %(area)s") % {"area": area.name},
        document=None,
        save=lambda data, upload, today: services.document_create(
            actor=request.user, data=data, upload=upload, today=today
        ),
    )


def _managed(request: HttpRequest, pk: int) -> PolicyDocument:
    """404 outside what the user reads first, then 403 for a document of another area."""
    doc = selectors.document_get_for_user(user=request.user, pk=pk)
    services.authorize_manage(request.user, doc)
    return doc


@login_required
@require_http_methods(["GET", "POST"])
def document_edit(request: HttpRequest, pk: int) -> HttpResponse:
    doc = _managed(request, pk)
    form = DocumentForm(request.POST or None, request.FILES or None, instance=doc, user=request.user, with_status=True)
    return _form_page(
        request,
        form,
        title=_("Edit: %(title)s") % {"title": doc.title},
        document=doc,
        save=lambda data, upload, today: services.document_update(
            actor=request.user, document=PolicyDocument.objects.get(pk=doc.pk), data=data, upload=upload, today=today
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def document_replace(request: HttpRequest, pk: int) -> HttpResponse:
    doc = _managed(request, pk)
    initial = {name: getattr(doc, name) for name in ("title", "issuer", "topic", "summary")}
    form = DocumentForm(request.POST or None, request.FILES or None, initial=initial, user=request.user)
    return _form_page(
        request,
        form,
        title=_("Replace: %(title)s") % {"title": doc.title},
        document=doc,
        save=lambda data, upload, today: services.document_replace(
            actor=request.user, document=doc, data=data, upload=upload, today=today
        ),
    )
