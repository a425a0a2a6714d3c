"""Writes of the statistical forms' lifecycle (docs/REPORTS.md §Lifecycle).

not started (no row) → draft → submitted → accepted | returned (with a reason) → locked (when the parent submits
its own form). The unit's fillers (FILL_STAT_REPORTS at the unit) open, type, submit (a nil report too); the level
above (ACCEPT_STAT_REPORTS at the parent unit) accepts, returns and reopens — never its own report. Every state
change is a ReportTransition row; every write runs in a history context. A refused act raises ValidationError
(a message in the reader's language) or PermissionDenied and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Capability
from accounts.scope import require_capability
from audit.history import history_context
from regions.models import Region
from reports.models import Report, ReportDeadline, ReportReminder, ReportTransition, ReportValue
from reports.statforms import selectors
from reports.statforms.spec import TEMPLATES, FormTemplate, Period, Source, template_errors

if TYPE_CHECKING:
    from accounts.models import User

EDITABLE_STATES = (Report.State.DRAFT, Report.State.RETURNED)
MAX_VALUE = Decimal("999999999999")


def _own_unit(actor: User, unit: Region) -> None:
    """Fill one's own unit's form only: another unit's is outside the actor's reach (403)."""
    require_capability(actor, Capability.FILL_STAT_REPORTS)
    if actor.region_id is None or actor.region_id != unit.pk or not actor.is_active:
        raise PermissionDenied(_("Only the unit's own staff fill its form."))


def _level_above(actor: User, report: Report) -> None:
    """Accept, return or reopen: the level above (ACCEPT_STAT_REPORTS at the unit's parent), never one's own."""
    require_capability(actor, Capability.ACCEPT_STAT_REPORTS)
    if actor.region_id is not None and actor.region_id == report.unit_id:
        raise PermissionDenied(_("A unit does not decide on its own report; the level above does."))
    if report.submitted_by_id is not None and report.submitted_by_id == actor.pk:
        raise PermissionDenied(_("You cannot decide on a report you submitted."))
    if actor.region_id is None or report.unit.parent_id != actor.region_id or not actor.is_active:
        raise PermissionDenied(_("Only the level directly above decides on this report."))


def _log(
    report: Report, *, actor: User, action: str, from_state: str, reason: str = "", at: datetime | None = None
) -> None:
    ReportTransition.objects.create(
        report=report,
        action=action,
        from_state=from_state,
        to_state=report.state,
        reason=reason,
        by=actor,
        at=at or timezone.now(),
    )


def _template(code: str) -> FormTemplate:
    if code not in TEMPLATES:
        raise ValidationError(_("Unknown form."))
    return TEMPLATES[code]


def _check_template(template: FormTemplate) -> None:
    errors = template_errors(template)
    if errors:
        raise ValidationError([_("The form's layout is not sound:"), *errors])


def report_open(*, actor: User, template_code: str, unit: Region, period: Period, at: datetime | None = None) -> Report:
    """The unit's report for the period, opened as a draft when it has none (logged); the existing one else."""
    template = _template(template_code)
    _own_unit(actor, unit)
    if not selectors.filed_at(template, unit):
        raise ValidationError(_("Units of this level do not file this form."))
    if period.kind not in template.period_kinds:
        raise ValidationError(_("This form is not filed for this kind of period."))
    with transaction.atomic(), history_context(actor=actor, service="report_open"):
        report, created = Report.objects.get_or_create(
            template=template.code,
            unit=unit,
            period_key=period.key,
            defaults={"period_kind": period.kind, "period_start": period.start, "period_end": period.end},
        )
        if created:
            _log(report, actor=actor, action=ReportTransition.Action.OPEN, from_state="", at=at)
    return report


@dataclass(frozen=True)
class CellInput:
    """One typed figure: the row (a child unit's id, or None for the own level), the column, the text typed (blank:
    as counted) and the reason."""

    row_unit_id: int | None
    column: str
    value: str
    reason: str = ""


def _parse(text: str) -> Decimal | None:
    text = (text or "").strip().replace(",", "")
    if text == "":
        return None
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(_("“%(value)s” is not a number.") % {"value": text}) from exc
    if not value.is_finite():
        raise ValueError(_("“%(value)s” is not a number.") % {"value": text})
    if value < 0:
        raise ValueError(_("A figure cannot be negative."))
    if value > MAX_VALUE or value != value.quantize(Decimal("0.01")):
        raise ValueError(_("“%(value)s” is too large or has more than two decimals.") % {"value": text})
    return value


def _editable(report: Report) -> None:
    if report.state not in EDITABLE_STATES:
        raise ValidationError(
            _("This report is %(state)s and cannot be edited; the level above may reopen it.")
            % {"state": report.get_state_display()}
        )


def report_values_save(*, actor: User, report: Report, cells: list[CellInput]) -> int:
    """Save typed figures (all or none). A counted cell may be raised, or lowered with a reason; a typed column
    takes any figure ≥ 0. Returns the number of cells written."""
    _own_unit(actor, report.unit)
    _editable(report)
    template = _template(report.template)
    period = Period.from_key(report.period_key)
    form = selectors.form_build(template=template, period=period, unit=report.unit, report=report, live=True)
    rows = {row.key: row for row in form.body}
    errors: dict[str, list[str]] = {}
    parsed: list[tuple[selectors.FormRow, selectors.Cell, Decimal | None, str]] = []
    for item in cells:
        key: selectors.RowKey = selectors.OWN if item.row_unit_id is None else (ReportValue.Row.CHILD, item.row_unit_id)
        name = f"{item.row_unit_id or 'own'}:{item.column}"
        row = rows.get(key)
        try:
            cell = row.cell(item.column) if row is not None else None
        except StopIteration:
            cell = None
        if row is None or cell is None or not cell.editable:
            errors.setdefault(name, []).append(_("This cell cannot be typed."))
            continue
        try:
            value = _parse(item.value)
        except ValueError as exc:
            errors.setdefault(name, []).append(str(exc))
            continue
        reason = (item.reason or "").strip()[:300]
        if value is not None and cell.counted is not None and value < cell.counted and not reason:
            errors.setdefault(name, []).append(
                _("%(row)s, %(column)s: %(value)s is below the count of the records (%(count)s); give a reason.")
                % {"row": row.label, "column": item.column, "value": value, "count": cell.counted}
            )
            continue
        parsed.append((row, cell, value, reason))
    if errors:
        raise ValidationError(errors)
    written = 0
    with transaction.atomic(), history_context(actor=actor, service="report_values_save"):
        locked = Report.objects.select_for_update().get(pk=report.pk)
        _editable(locked)
        for row, cell, value, reason in parsed:
            row_kind, unit_id = row.key
            if value is None and not reason:
                written += ReportValue.objects.filter(
                    report=locked, row=row_kind, row_unit_id=unit_id, column=cell.column.key
                ).delete()[0]
                continue
            ReportValue.objects.update_or_create(
                report=locked,
                row=row_kind,
                row_unit_id=unit_id,
                column=cell.column.key,
                defaults={"counted": cell.counted, "typed": value, "reason": reason if value is not None else ""},
            )
            written += 1
        Report.objects.filter(pk=locked.pk).update(updated_at=timezone.now())
    return written


def _freeze(report: Report, form: selectors.Form) -> None:
    """The cells as submitted: every row's counted and typed values, and the total row's shown sums."""
    ReportValue.objects.filter(report=report).delete()
    values = []
    for row in form.rows:
        row_kind, unit_id = row.key
        for cell in row.cells:
            if cell.column.source not in (Source.COUNTED, Source.TYPED):
                continue
            typed, reason = cell.typed, cell.reason
            if row.is_total:
                typed = cell.shown if cell.shown != cell.counted else None
                reason = _("The sum of the rows.") if typed is not None and cell.counted is not None else ""
            elif row.child_report is not None:
                typed = cell.child_value if cell.child_value != cell.counted else None
                reason = _("As submitted by %(unit)s.") % {"unit": row.label} if typed is not None else ""
            values.append(
                ReportValue(
                    report=report,
                    row=row_kind,
                    row_unit_id=unit_id,
                    column=cell.column.key,
                    counted=cell.counted,
                    typed=typed,
                    reason=reason[:300],
                )
            )
    ReportValue.objects.bulk_create(values)


def report_submit(*, actor: User, report: Report, at: datetime | None = None, nil: bool = False) -> Report:
    """Submit the report for its period (a nil report: the unit has nothing to report). Refused before the period
    has ended, when the form does not add up, or when a nil report is filed while the records count something.
    The values are frozen; the children's accepted reports lock. ``at``: the moment of submission (now)."""
    at = at or timezone.now()
    today = timezone.localtime(at).date()
    _own_unit(actor, report.unit)
    _editable(report)
    template = _template(report.template)
    _check_template(template)
    period = Period.from_key(report.period_key)
    if not period.has_ended(today):
        raise ValidationError(
            _("The period %(period)s has not ended; its report can be submitted from %(day)s.")
            % {"period": period.label, "day": date.fromordinal(period.end.toordinal() + 1).isoformat()}
        )
    # Counted from the records now, never read from the snapshot: a submitted report is never stale.
    form = selectors.form_build(template=template, period=period, unit=report.unit, report=report, live=True)
    errors = selectors.form_sum_errors(form)
    below = [
        f"{row.label}, {cell.column.key}"
        for row in form.body
        for cell in row.cells
        if cell.below_count and not cell.reason
    ]
    if below:
        errors.append(_("Figures below the count without a reason: %(cells)s.") % {"cells": "; ".join(below)})
    if nil and any((cell.shown or 0) > 0 for cell in form.total.cells):
        errors.append(_("The records count figures for this period: a nil report cannot be filed."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic(), history_context(actor=actor, service="report_submit"):
        locked = Report.objects.select_for_update().get(pk=report.pk)
        _editable(locked)
        before = locked.state
        _freeze(locked, form)
        locked.state = Report.State.SUBMITTED
        locked.nil = nil
        locked.submitted_at = at
        locked.submitted_by = actor
        locked.deadline = selectors.deadline_for(template=template, unit=locked.unit, period=period)
        locked.decided_at = None
        locked.decided_by = None
        locked.return_reason = ""
        locked.full_clean()
        locked.save()
        _log(
            locked,
            actor=actor,
            action=ReportTransition.Action.NIL if nil else ReportTransition.Action.SUBMIT,
            from_state=before,
            at=at,
        )
        children = [row.unit for row in form.body if row.child_report is not None]
        _children_lock(locked, actor=actor, children=children, at=at)
    return locked


def _children_lock(parent: Report, *, actor: User, children: list[Region | None], at: datetime) -> None:
    ids = [c.pk for c in children if c is not None]
    for child in Report.objects.select_for_update().filter(
        template=parent.template, period_key=parent.period_key, unit_id__in=ids, state=Report.State.ACCEPTED
    ):
        child.state = Report.State.LOCKED
        child.save(update_fields=["state", "updated_at"])
        _log(child, actor=actor, action=ReportTransition.Action.LOCK, from_state=Report.State.ACCEPTED, at=at)


def _decide(report: Report, *, actor: User, service: str, allowed: tuple[str, ...]) -> Report:
    _level_above(actor, report)
    locked = Report.objects.select_for_update().select_related("unit").get(pk=report.pk)
    if locked.state not in allowed:
        raise ValidationError(
            _("This report is %(state)s: this cannot be done now.") % {"state": locked.get_state_display()}
        )
    return locked


def report_accept(*, actor: User, report: Report, at: datetime | None = None) -> Report:
    with transaction.atomic(), history_context(actor=actor, service="report_accept"):
        locked = _decide(report, actor=actor, service="report_accept", allowed=(Report.State.SUBMITTED,))
        locked.state = Report.State.ACCEPTED
        locked.decided_at, locked.decided_by = at or timezone.now(), actor
        locked.save()
        _log(locked, actor=actor, action=ReportTransition.Action.ACCEPT, from_state=Report.State.SUBMITTED, at=at)
    return locked


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Give a reason.")]})
    return reason[:500]


def report_return(*, actor: User, report: Report, reason: str, at: datetime | None = None) -> Report:
    """Send a submitted (or accepted, not locked) report back to its unit with a reason; it becomes editable."""
    text = _reason(reason)
    with transaction.atomic(), history_context(actor=actor, service="report_return", reason=text):
        locked = _decide(
            report, actor=actor, service="report_return", allowed=(Report.State.SUBMITTED, Report.State.ACCEPTED)
        )
        before = locked.state
        locked.state = Report.State.RETURNED
        locked.return_reason = text
        locked.decided_at, locked.decided_by = at or timezone.now(), actor
        locked.save()
        _log(locked, actor=actor, action=ReportTransition.Action.RETURN, from_state=before, reason=text, at=at)
    return locked


def report_reopen(*, actor: User, report: Report, reason: str) -> Report:
    """Reopen a submitted, accepted or locked report as a draft (a logged act of the level above, with a reason).
    A locked report reopens only when the parent's own report is editable again (its frozen rows read it)."""
    text = _reason(reason)
    with transaction.atomic(), history_context(actor=actor, service="report_reopen", reason=text):
        locked = _decide(
            report,
            actor=actor,
            service="report_reopen",
            allowed=(Report.State.SUBMITTED, Report.State.ACCEPTED, Report.State.LOCKED),
        )
        if (
            locked.state == Report.State.LOCKED
            and Report.objects.filter(
                template=locked.template,
                unit_id=locked.unit.parent_id,
                period_key=locked.period_key,
                state__in=Report.REPORTED_STATES,
            ).exists()
        ):
            raise ValidationError(
                _("Your own report for this period includes this one: have it returned or reopened first.")
            )
        before = locked.state
        locked.state = Report.State.DRAFT
        locked.nil = False
        locked.decided_at, locked.decided_by = timezone.now(), actor
        locked.save()
        _log(locked, actor=actor, action=ReportTransition.Action.REOPEN, from_state=before, reason=text)
    return locked


def report_deadline_set(
    *, actor: User, region: Region, template_code: str, level: str, day: int, reminder_days: int
) -> ReportDeadline:
    """A county or a city sets the deadline of a form for a level of its area."""
    require_capability(actor, Capability.MANAGE_REPORT_DEADLINES)
    if actor.region_id != region.pk or region.level not in (Region.Level.COUNTY, Region.Level.CITY):
        raise PermissionDenied(_("Deadlines are set by a county or a city for its own area."))
    template = _template(template_code)
    if level not in template.deadlines:
        raise ValidationError(_("Units of this level do not file this form."))
    if not 1 <= day <= 31:
        raise ValidationError({"day": [_("The day must be between 1 and 31.")]})
    if not 0 <= reminder_days <= 15:
        raise ValidationError({"reminder_days": [_("Reminders go out 0 to 15 days before the deadline.")]})
    with transaction.atomic(), history_context(actor=actor, service="report_deadline_set"):
        row, _created = ReportDeadline.objects.update_or_create(
            region=region, template=template.code, level=level, defaults={"day": day, "reminder_days": reminder_days}
        )
    return row


# ------------------------------------------------------------------------------------------------------ reminders


def _due_periods(template: FormTemplate, as_of: date) -> list[Period]:
    """The ended periods of the template's first kind whose deadlines may still lie ahead (the last two)."""
    last = Period.containing(template.period_kinds[0], as_of).previous()
    return [last, last.previous()]


def report_reminders_refresh(*, as_of: date) -> int:
    """Remind the fillers of every unit that has not reported for a period whose deadline is at most the reminder
    days away (and not past): one ReportReminder per user, form, unit and period — a run repeated the same day or
    the next writes nothing new. Returns the number of reminders written."""
    from accounts.models import User
    from reports.statforms.completeness import expected_units

    fillers: dict[int, list[User]] = {}
    for user in User.objects.filter(is_active=True, region__isnull=False).select_related("region"):
        if user.has_capability(Capability.FILL_STAT_REPORTS):
            fillers.setdefault(user.region_id, []).append(user)
    before = ReportReminder.objects.count()
    roots = Region.objects.filter(parent__isnull=True)
    for template in TEMPLATES.values():
        if not template.deadlines:
            continue
        for period in _due_periods(template, as_of):
            reported = set(
                Report.objects.filter(
                    template=template.code, period_key=period.key, state__in=Report.REPORTED_STATES
                ).values_list("unit_id", flat=True)
            )
            reminders = []
            for root in roots:
                for unit in expected_units(template=template, region=root):
                    if unit.pk in reported or unit.pk not in fillers:
                        continue
                    rule = next(
                        (r for r in selectors.deadline_rules(template=template, region=unit) if r.level == unit.level),
                        None,
                    )
                    if rule is None:
                        continue
                    deadline = selectors.deadline_date(period, rule.day)
                    if not 0 <= (deadline - as_of).days <= rule.reminder_days:
                        continue
                    reminders += [
                        ReportReminder(
                            user=user, template=template.code, unit=unit, period_key=period.key, deadline=deadline
                        )
                        for user in fillers[unit.pk]
                    ]
            ReportReminder.objects.bulk_create(reminders, ignore_conflicts=True)  # a reminder already sent stays one
    return ReportReminder.objects.count() - before


def report_reminders_deliver(*, limit: int = 500) -> int:
    """Email and SMS of the reminders not yet delivered (rows locked SKIP LOCKED: two workers never send one twice)."""
    from django.utils import translation

    from visits.channels import email_send, sms_channel
    from visits.services import user_language

    with transaction.atomic():
        pending = list(
            ReportReminder.objects.filter(delivered_at__isnull=True)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("user", "unit")
            .order_by("id")[:limit]
        )
        channel = sms_channel()
        for reminder in pending:
            user = reminder.user
            with translation.override(user_language(user)):
                text = reminder_text(reminder)
                if user.email:
                    email_send(to=user.email, subject=_("Special families portal: a form is due"), body=text)
                if user.phone:
                    channel.send(phone=user.phone, text=text)
        ReportReminder.objects.filter(pk__in=[r.pk for r in pending]).update(delivered_at=timezone.now())
    return len(pending)


def reminder_text(reminder: ReportReminder) -> str:
    """The reminder in the active language."""
    template = TEMPLATES.get(reminder.template)
    return _("%(form)s of %(unit)s for %(period)s is due by %(deadline)s.") % {
        "form": template.name if template else reminder.template,
        "unit": reminder.unit.name,
        "period": Period.from_key(reminder.period_key).label,
        "deadline": reminder.deadline.isoformat(),
    }
