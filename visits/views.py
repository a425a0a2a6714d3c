"""Views of the visits app: thin — parse the request, call a selector or service, render.

Every household reached by id goes through the area gatekeeper first (outside the area: 404), then the
role's capability (403).
"""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.roles import Capability
from accounts.scope import require_capability
from accounts.sensitivity import restricted_fields
from audit.models import AccessEvent
from core.forms import form_errors_apply
from core.reversing import url_for_each
from households.models import Household
from households.services import household_access_record
from visits import exports, periods, selectors, services
from visits.exports import who_must_act
from visits.forms import (
    VISIT_NOTES,
    RuleForm,
    RuleSetForm,
    SupervisionFilterForm,
    VisitDeleteForm,
    VisitEditForm,
    VisitLogForm,
)
from visits.models import Notification, OverdueFlag, Rule, Visit
from visits.timeline import visit_notes

# A page of the worklist: about six phone screens, the most urgent first (the household list shows 25 too).
WORKLIST_PAGE_SIZE = 25


@login_required
@require_GET
def my_households(request: HttpRequest) -> HttpResponse:
    """The worklist. A user whose visits are not a family doctor's sees their own work ("yours", ordered without
    the doctor's rules) and, on a second tab, the households waiting for the family doctor."""
    require_capability(request.user, Capability.LOG_VISITS)
    today = timezone.localdate()
    doctor = selectors.clears_doctors_rules(request.user)
    waiting = not doctor and request.GET.get("show") == "doctor"
    # The most urgent first, a phone screen's worth at a time: the order is kept by the engine, so only the
    # page's households are read (visits.models.HouseholdUrgency).
    households = selectors.my_households(user=request.user, on=today, waiting_for_doctor=waiting)
    page = Paginator(households, WORKLIST_PAGE_SIZE).get_page(request.GET.get("page"))
    items = selectors.work_items(households=list(page.object_list), on=today, user=request.user)
    pks = [item.household.pk for item in items]
    log_urls, visits_urls = url_for_each("visits:log", pks), url_for_each("visits:household_visits", pks)
    for item in items:
        item.log_url, item.visits_url = log_urls[item.household.pk], visits_urls[item.household.pk]
    follow_ups = list(selectors.follow_ups_for_user(user=request.user)) if page.number == 1 and not waiting else []
    return render(
        request,
        "visits/my_households.html",
        {
            "items": items,
            "page_obj": page,
            "today": today,
            "follow_ups": follow_ups,
            "doctor": doctor,
            "waiting": waiting,
            "waiting_count": 0 if doctor else selectors.waiting_for_doctor_count(user=request.user, on=today),
        },
    )


def _logged_message(method: str) -> str:
    """What was logged, as it was made: a phone call is confirmed as a phone contact, not as a visit."""
    return {
        Visit.Method.HOME: _("Home visit to %(number)s logged."),
        Visit.Method.PHONE: _("Phone contact with %(number)s logged."),
        Visit.Method.ONLINE: _("Online contact with %(number)s logged."),
    }.get(method, _("Contact with %(number)s logged."))


def _state_after(household: Household, *, today: date) -> str:
    """What the household looks like after a visit was logged, corrected or deleted: the engine runs for it now
    (services.household_refresh_now), then its flags, each with who must act; or, when the nightly run holds the
    engine, that they are being brought up to date."""
    if not services.household_refresh_now(household.pk, today=today):
        return _("Its flags are being brought up to date.")
    flags = selectors.open_flags_for_household(household=household)
    if not flags:
        return _("Nothing is overdue now.")
    return _("Still open: %(flags)s.") % {"flags": "; ".join(f"{f.summary} ({f.waits_for_label})" for f in flags)}


@login_required
@require_http_methods(["GET", "POST"])
def visit_log(request: HttpRequest, pk: int) -> HttpResponse:
    """Log a contact in a few taps: the method, the date (today), save."""
    household = selectors.household_for_visit(user=request.user, pk=pk)
    require_capability(request.user, Capability.LOG_VISITS)
    from contacts.selectors import service_persons_for_household

    today = timezone.localdate()
    form = VisitLogForm(request.POST or None, visitors=service_persons_for_household(household=household), today=today)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        follow_ups = []
        if data["follow_up_action"]:
            follow_ups.append(
                {"action": data["follow_up_action"], "due_on": data["follow_up_due"], "owner": request.user}
            )
        try:
            visit = services.visit_record(
                user=request.user,
                household=household,
                date=data["date"],
                method=data["method"],
                purpose=data["purpose"],
                visitor=data["visitor"],
                **{k: data[k] for k in VISIT_NOTES},
                follow_ups=follow_ups,
                today=today,
            )
        except ValidationError as exc:
            form_errors_apply(form, exc)
        except IntegrityError:  # a rule of the database the form did not know: nothing was saved
            form.add_error(None, _("Someone else changed these records at the same time. Please try again."))
        else:
            state = _state_after(household, today=today)
            if visit.is_emergency:
                messages.warning(request, _("Emergency reported: the village, the town and the county are told."))
            messages.success(request, _logged_message(visit.method) % {"number": household.number} + " " + state)
            return redirect("visits:my_households")
    flags = selectors.open_flags_for_household(household=household)
    doctor_flags = not selectors.clears_doctors_rules(request.user) and any(f.rule.by_family_doctor for f in flags)
    return render(
        request,
        "visits/log.html",
        {"form": form, "household": household, "flags": flags, "doctor_flags": doctor_flags},
    )


def _visit_to_correct(request: HttpRequest, pk: int, *, today: date) -> Visit:
    """The correction pages' gatekeepers: the area (404), the role (403), the correction policy (403)."""
    visit = selectors.visit_get_for_user(user=request.user, pk=pk)
    require_capability(request.user, Capability.LOG_VISITS)
    if not visit.correctable_by(request.user, today=today):
        raise PermissionDenied(_("You may not correct this visit."))
    return visit


@login_required
@require_http_methods(["GET", "POST"])
def visit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a visit: the log form with its values (who may: Visit.correctable_by, enforced by the service)."""
    today = timezone.localdate()
    visit = _visit_to_correct(request, pk, today=today)
    household = visit.household
    form = VisitEditForm(
        request.POST or None, visit=visit, visitors=selectors.visitors_for_visit(visit=visit), today=today
    )
    # A note the user may not see (health, mood: accounts.sensitivity) is not in the form and stays as it is.
    for name in restricted_fields(request.user, Visit) & set(form.fields):
        del form.fields[name]
    if request.method == "GET":
        household_access_record(
            actor=request.user,
            household=household,
            action=AccessEvent.Action.VIEW,
            request=request,
            detail={"page": "visit_edit"},
        )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.visit_update(
                user=request.user,
                visit=visit,
                **{k: data[k] for k in ("date", "method", "purpose", "visitor", "reason")},
                **{k: data[k] if k in form.fields else getattr(visit, k) for k in VISIT_NOTES},
                today=today,
            )
        except ValidationError as exc:
            form_errors_apply(form, exc)
        except IntegrityError:
            form.add_error(None, _("Someone else changed these records at the same time. Please try again."))
        else:
            state = _state_after(household, today=today)
            messages.success(
                request, _("Visit of %(date)s corrected.") % {"date": visit.date.isoformat()} + " " + state
            )
            return redirect("visits:household_visits", pk=household.pk)
    return render(
        request,
        "visits/log.html",
        {"form": form, "household": household, "visit": visit, "flags": []},
    )


@login_required
@require_http_methods(["GET", "POST"])
def visit_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete a visit logged by mistake, with a reason (the history keeps it)."""
    today = timezone.localdate()
    visit = _visit_to_correct(request, pk, today=today)
    form = VisitDeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.visit_delete(user=request.user, visit=visit, reason=form.cleaned_data["reason"], today=today)
        except ValidationError as exc:
            form_errors_apply(form, exc)
        else:
            household = visit.household
            state = _state_after(household, today=today)
            messages.success(request, _("Visit of %(date)s deleted.") % {"date": visit.date.isoformat()} + " " + state)
            return redirect("visits:household_visits", pk=household.pk)
    return render(request, "visits/visit_delete.html", {"form": form, "visit": visit, "household": visit.household})


@login_required
@require_GET
def household_visits(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.household_for_visit(user=request.user, pk=pk)
    if not (
        request.user.has_capability(Capability.LOG_VISITS) or request.user.has_capability(Capability.VIEW_HOUSEHOLDS)
    ):
        require_capability(request.user, Capability.LOG_VISITS)
    today = timezone.localdate()
    household_access_record(
        actor=request.user,
        household=household,
        action=AccessEvent.Action.VIEW,
        request=request,
        detail={"page": "visits"},
    )
    visits = list(selectors.visit_list_for_household(household=household, limit=200))
    labels = {name: VisitLogForm.base_fields[name].label for name in VISIT_NOTES}
    for visit in visits:  # what the reader may see of each visit's notes (accounts.sensitivity)
        visit.shown_notes = visit_notes(visit, user=request.user, labels=labels)
    return render(
        request,
        "visits/household_visits.html",
        {
            "household": household,
            "visits": visits,
            "correctable": {v.pk for v in visits if v.correctable_by(request.user, today=today)},
            "flags": selectors.open_flags_for_household(household=household),
            "may_log": request.user.has_capability(Capability.LOG_VISITS) and household.is_active,
            "may_view_archive": request.user.has_capability(Capability.VIEW_HOUSEHOLDS),
        },
    )


@login_required
@require_POST
def follow_up_done(request: HttpRequest, pk: int) -> HttpResponse:
    follow_up = selectors.follow_up_get_for_user(user=request.user, pk=pk)
    require_capability(request.user, Capability.LOG_VISITS)
    if follow_up.status == follow_up.Status.OPEN:
        services.followup_complete(
            actor=request.user,
            follow_up=follow_up,
            outcome=request.POST.get("outcome", "")[:2000],
            on=timezone.localdate(),
        )
        messages.success(request, _("Follow-up marked done."))
    return redirect("visits:household_visits", pk=follow_up.visit.household_id)


# A page of the inbox.
INBOX_PAGE_SIZE = 25


def _inbox_filters(data: QueryDict) -> dict[str, str]:
    """The inbox's filters from a query or a form: ``show`` (all or unread), ``kind`` (one kind or all)."""
    show = data.get("show", "")
    kind = data.get("kind", "")
    return {
        "show": show if show in ("unread",) else "",
        "kind": kind if kind in Notification.Kind.values else "",
    }


def _inbox_url(filters: dict[str, str], page: str = "") -> str:
    query = urlencode({k: v for k, v in {**filters, "page": page}.items() if v})
    return reverse("visits:inbox") + (f"?{query}" if query else "")


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    """The user's messages, 25 a page, newest first: all or the unread ones, of every kind or one; each said in
    the page's language (Notification.text)."""
    # The inbox is for those who serve households (the navigation's entry): a leader or an administrator has none.
    require_capability(request.user, Capability.LOG_VISITS)
    filters = _inbox_filters(request.GET)
    messages_qs = selectors.inbox_page_queryset(user=request.user, unread=bool(filters["show"]), kind=filters["kind"])
    page = Paginator(messages_qs.select_related("household"), INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    counts = selectors.inbox_counts(user=request.user)
    return render(
        request,
        "visits/inbox.html",
        {
            "page_obj": page,
            "notifications": page.object_list,
            "filters": filters,
            "unread": counts[""],
            # (value, label, unread of the kind) for the kind filter
            "kinds": [(value, label, counts.get(value, 0)) for value, label in Notification.Kind.choices],
        },
    )


@login_required
@require_POST
def inbox_read(request: HttpRequest) -> HttpResponse:
    """Mark messages read: those named (``ids``), or with ``all`` every unread one of the filter's kind. Back to
    the same filters and page."""
    require_capability(request.user, Capability.LOG_VISITS)
    filters = _inbox_filters(request.POST)
    if request.POST.get("all"):
        services.notification_mark_all_read(user=request.user, kind=filters["kind"])
    else:
        ids = [int(v) for v in request.POST.getlist("ids") if v.isdigit()]
        services.notification_mark_read(user=request.user, notification_ids=ids)
    page = request.POST.get("page", "")
    return redirect(_inbox_url(filters, page if page.isdigit() else ""))


@login_required
@require_http_methods(["GET", "POST"])
def rules(request: HttpRequest) -> HttpResponse:
    """The county's rules and what "due" and "overdue" mean; county staff change the escalation days."""
    require_capability(request.user, Capability.VIEW_RULES)
    rule_set = selectors.rule_set_for_user(user=request.user)
    may_edit = request.user.has_capability(Capability.EDIT_RULES)
    form = None
    if rule_set is not None and may_edit:
        form = RuleSetForm(request.POST or None, instance=rule_set)
        if request.method == "POST" and form.is_valid():
            services.ruleset_update(actor=request.user, rule_set=rule_set, **form.cleaned_data)
            messages.success(request, _("Escalation days saved."))
            return redirect("visits:rules")
    elif request.method == "POST":
        require_capability(request.user, Capability.EDIT_RULES)
    today = timezone.localdate()
    return render(
        request,
        "visits/rules.html",
        {
            "rule_set": rule_set,
            "rules": rule_set.rules.all() if rule_set else [],
            "form": form,
            "may_edit": may_edit,
            "festivals": [
                (year, periods.spring_festival(year), periods.mid_autumn(year), periods.qingming(year))
                for year in (today.year, today.year + 1)
            ],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rule: Rule = selectors.rule_get_for_user(user=request.user, pk=pk)
    require_capability(request.user, Capability.EDIT_RULES)
    form = RuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        try:
            services.rule_update(actor=request.user, rule=rule, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_apply(form, exc)
        else:
            messages.success(request, _("Rule saved. The flags follow at the next run of the engine."))
            return redirect("visits:rules")
    return render(request, "visits/rule_form.html", {"form": form, "rule": rule})


# ---------------------------------------------------------------------------------------------------
# Supervision: the open overdue flags of the area, for every level above the village
# ---------------------------------------------------------------------------------------------------

SUPERVISION_PAGE_SIZE = 25
# How many flags one export may hold (more: narrow the filter).
SUPERVISION_EXPORT_MAX = 20_000


def _supervision_form(request: HttpRequest, data: QueryDict) -> SupervisionFilterForm:
    towns, villages = selectors.supervision_places(user=request.user)
    return SupervisionFilterForm(
        data, towns=towns, villages=villages, rules=selectors.supervision_rules(user=request.user)
    )


@login_required
@require_GET
def supervision(request: HttpRequest) -> HttpResponse:
    """The supervision worklist: one row per open overdue flag inside the user's area (a flag is what the rule,
    the escalation, the age and who must act describe), filtered and sorted, 25 a page; the counts at the top
    are the filtered list's (flags, and the households they belong to)."""
    require_capability(request.user, Capability.SUPERVISE_FLAGS)
    today = timezone.localdate()
    form = _supervision_form(request, request.GET)
    flags = selectors.supervision_flags(user=request.user, filters=form.filters(), on=today)
    counts = selectors.supervision_counts(flags)
    paginator = Paginator(flags.values_list("pk", flat=True), SUPERVISION_PAGE_SIZE)
    paginator.count = counts["flags"]  # counted above with the households: one query less
    page = paginator.get_page(request.GET.get("page"))
    rows = selectors.supervision_rows(list(page.object_list))
    may_open = request.user.has_capability(Capability.VIEW_HOUSEHOLDS)
    urls = url_for_each("households:detail", {f.household_id for f in rows}) if may_open else {}
    levels = dict(OverdueFlag.Level.choices)
    for flag in rows:
        flag.days_open = (today - flag.opened_on).days
        flag.level_label = levels.get(flag.escalation_level, "")
        flag.archive_url = urls.get(flag.household_id, "")
        flag.who_must_act = who_must_act(flag)
    params = form.params()
    return render(
        request,
        "visits/supervision.html",
        {
            "form": form,
            "params": params,
            "query": urlencode(params),
            "rows": rows,
            "page_obj": page,
            "counts": counts,
            "today": today,
            "may_export": request.user.has_capability(Capability.EXPORT_LISTS) and counts["flags"] > 0,
        },
    )


@login_required
@require_POST
def supervision_export(request: HttpRequest) -> HttpResponse:
    """The filtered supervision list as xlsx: county staff only (EXPORT_LISTS), logged as an access event."""
    require_capability(request.user, Capability.EXPORT_LISTS)
    today = timezone.localdate()
    form = _supervision_form(request, request.POST)
    params = form.params()
    flags = selectors.supervision_flags(user=request.user, filters=form.filters(), on=today)
    rows = list(flags.select_related(*selectors.SUPERVISION_RELATED)[: SUPERVISION_EXPORT_MAX + 1])
    if len(rows) > SUPERVISION_EXPORT_MAX:
        messages.error(
            request,
            _("The list has more than %(n)d flags. Narrow the filter and export again.")
            % {"n": SUPERVISION_EXPORT_MAX},
        )
        return redirect(reverse("visits:supervision") + (f"?{urlencode(params)}" if params else ""))
    households = len({f.household_id for f in rows})
    logged = dict(params)
    if params.get("rule"):  # the rule's name too: the audit log says it (a code is no word for people)
        logged["rule_name"] = next((r.name for r in form.rules if r.code == params["rule"]), "")
    services.supervision_export_record(
        actor=request.user, flags=len(rows), households=households, filters=logged, request=request
    )
    shown = [f"{form.fields[k].label}: {dict(form.fields[k].choices).get(v, v)}" for k, v in params.items()]  # type: ignore[attr-defined]
    region = request.user.region
    title = " · ".join([region.name if region else "", today.isoformat(), *shown])
    content = exports.supervision_xlsx(flags=rows, on=today, title=title)
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="overdue-{today.isoformat()}.xlsx"'
    return response
