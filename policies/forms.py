"""Forms of the policy library (the rules are in policies.services)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.forms import PlausibleDateField, PortalFormMixin
from policies import selectors
from policies.models import PolicyDocument
from policies.services import DOCUMENT_FIELDS, FILE_MAX_BYTES


def _any(choices: Any) -> list[tuple[str, str]]:
    return [("", _("Any")), *choices]


class SearchForm(PortalFormMixin, forms.Form):
    """The library's search box and filters (GET: a policy search carries no personal data)."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    level = forms.ChoiceField(label=_("Level"), required=False, choices=_any(PolicyDocument.Level.choices))
    topic = forms.ChoiceField(label=_("Topic"), required=False, choices=_any(PolicyDocument.Topic.choices))
    status = forms.ChoiceField(label=_("Status"), required=False, choices=_any(PolicyDocument.Status.choices))
    area = forms.TypedChoiceField(label=_("Area"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs.update({"placeholder": _("such as 特别扶助 or 7号"), "type": "search"})
        self.fields["area"].choices = [("", _("Any")), *selectors.area_choices(user=user)]

    def filters(self) -> selectors.Filters:
        data = self.cleaned_data if self.is_valid() else {}
        return selectors.Filters(
            query=(data.get("q") or "").strip(),
            level=data.get("level") or "",
            topic=data.get("topic") or "",
            status=data.get("status") or "",
            area=data.get("area"),
        )


class DocumentForm(PortalFormMixin, forms.ModelForm):
    """A document's words and file; with ``with_status`` also its status and what replaces it."""

    issued_on = PlausibleDateField(label=_("date issued"))
    upload = forms.FileField(label=_("file (PDF)"), required=False)
    status = forms.ChoiceField(label=_("status"), choices=PolicyDocument.Status.choices)
    replaced_by = forms.ModelChoiceField(
        label=_("replaced by"),
        queryset=PolicyDocument.objects.none(),
        required=False,
        help_text=_("Only when the status is “replaced”."),
    )

    class Meta:
        model = PolicyDocument
        fields = list(DOCUMENT_FIELDS)
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 6}),
            "body": forms.Textarea(attrs={"rows": 6}),
        }

    def __init__(self, *args: Any, user: Any, with_status: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["upload"].help_text = gettext("The document as a PDF, at most %(mb)d MB.") % {
            "mb": FILE_MAX_BYTES // (1024 * 1024)
        }
        self.fields["number"].help_text = _("As printed, such as 滨卫妇幼字〔2016〕7号; empty if it has none.")
        if with_status:
            self.fields["replaced_by"].queryset = selectors.successor_choices(user=user, document=self.instance)
            self.initial.setdefault("status", self.instance.status)
            self.initial.setdefault("replaced_by", self.instance.replaced_by_id)
        else:
            del self.fields["status"]
            del self.fields["replaced_by"]

    def _post_clean(self) -> None:
        pass  # validated once, by the service

    def service_data(self) -> dict[str, Any]:
        names = [*DOCUMENT_FIELDS, "status", "replaced_by"]
        return {name: self.cleaned_data.get(name) for name in names if name in self.fields}
