"""Writes of the dated standards (docs/BENEFITS.md §Special assistance: "figures are dated data").

County staff add their province's, city's and county's top-ups; the national standards ship with the portal and
are read-only. Two rules hold every write:

* **No overlap**: a standard of the same scheme and area whose bands and dates overlap another's is refused with a
  message naming the other. The check runs under a transaction-scoped advisory lock, so two writes cannot both
  pass it; the exclusion constraint ``standard_no_overlap`` is the backstop (same band key, overlapping ages and
  dates).
* **A change never rewrites a month already paid**: a standard that a payout line used, or that is already in
  force, keeps its amount and bands; it can only be ended at a month's end (and a new one added from the next
  month, which :func:`standard_end` does in the same transaction). Only a standard never used may be deleted.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.roles import Capability
from accounts.scope import authorize
from audit.history import history_context
from benefits.models import LEVEL_CODE_LENGTH, BenefitSettings, Level, PayoutBatch, PayoutLine, Standard
from policies.models import PolicyDocument
from regions.models import Region

if TYPE_CHECKING:
    from accounts.models import User

# The fields that say what a standard is; the rest (document, note) may be corrected at any time.
STANDARD_FIELDS = (
    "scheme",
    "level",
    "area_code",
    "area_name",
    "residence",
    "disability_grade",
    "age_from",
    "age_to",
    "self_care",
    "amount",
    "period",
    "effective_from",
    "effective_to",
    "document",
    "policy_document",
    "note",
)
# What stays open to a correction once the standard is in force or used (its words, not its money).
WORDING_FIELDS = frozenset({"area_name", "document", "policy_document", "note"})

# One lock for every write of standards (pg_advisory_xact_lock: released at the transaction's end).
_LOCK_KEY = 0x5374_616E  # "Stan"


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def is_month_end(day: date) -> bool:
    return day == month_end(day)


def _lock() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])


def standard_describe(standard: Standard) -> str:
    """The standard as a message names it: "Special assistance, child deceased … Province 11, 310.00 per person
    per month, 2022-07-01 – open (#12)"."""
    area = standard.area_name or standard.area_code or standard.get_level_display()
    until = standard.effective_to.isoformat() if standard.effective_to else _("open")
    bands = [
        str(label)
        for label in (
            standard.get_residence_display() if standard.residence else "",
            standard.get_disability_grade_display() if standard.disability_grade else "",
            standard.get_self_care_display() if standard.self_care else "",
        )
        if label
    ]
    if standard.age_from is not None or standard.age_to is not None:
        bands.append(_("aged %(start)s–%(end)s") % {"start": standard.age_from or 0, "end": standard.age_to or "…"})
    return _("%(scheme)s, %(area)s%(bands)s, %(amount)s %(period)s, %(start)s – %(end)s (#%(id)s)") % {
        "scheme": standard.get_scheme_display(),
        "area": area,
        "bands": f" ({', '.join(bands)})" if bands else "",
        "amount": standard.amount,
        "period": standard.get_period_display(),
        "start": standard.effective_from.isoformat(),
        "end": until,
        "id": standard.pk,
    }


def _band_q(name: str, value: str) -> Q:
    """An empty band ("urban and rural", "every grade") overlaps each value; a value overlaps itself and empty."""
    return Q() if not value else Q(**{name: ""}) | Q(**{name: value})


def standard_overlapping(candidate: Standard) -> Standard | None:
    """Another standard of the same scheme and area in force on a day of ``candidate``'s with an overlapping band
    (residence, grade, self-care, age), or None."""
    rows = Standard.objects.filter(scheme=candidate.scheme, area_code=candidate.area_code)
    if candidate.pk:
        rows = rows.exclude(pk=candidate.pk)
    rows = rows.filter(Q(effective_to__isnull=True) | Q(effective_to__gte=candidate.effective_from))
    if candidate.effective_to is not None:
        rows = rows.filter(effective_from__lte=candidate.effective_to)
    rows = rows.filter(
        _band_q("residence", candidate.residence),
        _band_q("disability_grade", candidate.disability_grade),
        _band_q("self_care", candidate.self_care),
    )
    if candidate.age_to is not None:
        rows = rows.filter(Q(age_from__isnull=True) | Q(age_from__lte=candidate.age_to))
    if candidate.age_from is not None:
        rows = rows.filter(Q(age_to__isnull=True) | Q(age_to__gte=candidate.age_from))
    return rows.order_by("effective_from", "pk").first()


def _overlap_error(other: Standard | None) -> ValidationError:
    if other is None:
        return ValidationError(
            _("Another standard of the same scheme, area and bands is in force on some of these days."),
            code="standard_overlap",
        )
    return ValidationError(
        _("It overlaps another standard: %(other)s. End that one first, or choose other dates or bands.")
        % {"other": standard_describe(other)},
        code="standard_overlap",
    )


def standard_uses(standard_ids: list[int], *, area_prefix: str = "") -> dict[int, date]:
    """For each standard a payout line used (a part of its explanation carries the standard's ``standard_id``), the
    last day of the last month paid with it. ``area_prefix`` limits the search to the batches of the counties
    whose code starts with it (a province top-up: its two digits). One query."""
    if not standard_ids:
        return {}
    sql = f"""
        SELECT ids.standard_id, max(upper(l.months) - CASE WHEN upper_inc(l.months) THEN 0 ELSE 1 END)
          FROM {PayoutLine._meta.db_table} l
          JOIN {PayoutBatch._meta.db_table} b ON b.id = l.batch_id
          JOIN {Region._meta.db_table} r ON r.id = b.county_id
          CROSS JOIN LATERAL jsonb_path_query(l.explanation, 'lax $.**.standard_id') AS found(value)
          JOIN unnest(%s::int[]) AS ids(standard_id)
            ON jsonb_typeof(found.value) = 'number' AND found.value = to_jsonb(ids.standard_id)
         WHERE r.code LIKE %s
         GROUP BY ids.standard_id
    """
    used: dict[int, date] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(standard_ids), f"{area_prefix}%"])
        for standard_id, last_day in cursor.fetchall():
            if last_day is not None:
                used[standard_id] = month_end(last_day)
    return used


def standard_is_locked(standard: Standard, *, today: date, used: bool | None = None) -> bool:
    """A standard a payout line used or already in force keeps its amount and bands (it can only be ended)."""
    if used is None:
        used = standard.pk in standard_uses([standard.pk]) if standard.pk else False
    return used or standard.effective_from <= today


def _allowed_area_codes(county: Region) -> dict[str, str]:
    """The area codes a county's staff may set, by level: the county's own, its city's and its province's."""
    code = county.code[:6]
    return {Level.PROVINCE: code[:2], Level.CITY: code[:4], Level.COUNTY: code}


def _check(candidate: Standard, *, county: Region) -> None:
    errors: dict[str, list[Any]] = {}
    if candidate.level == Level.NATIONAL:
        errors.setdefault("level", []).append(_("National standards ship with the portal and cannot be entered here."))
    else:
        allowed = _allowed_area_codes(county)
        expected = allowed.get(candidate.level, "")
        if candidate.area_code != expected:
            errors.setdefault("area_code", []).append(
                _("The area code of a %(level)s top-up for this county is %(code)s (%(length)d digits).")
                % {
                    "level": Level(candidate.level).label,
                    "code": expected,
                    "length": LEVEL_CODE_LENGTH[candidate.level],
                }
            )
    if candidate.effective_from and candidate.effective_from.day != 1:
        errors.setdefault("effective_from", []).append(_("A standard starts on the first day of a month."))
    if candidate.effective_to and not is_month_end(candidate.effective_to):
        errors.setdefault("effective_to", []).append(_("A standard ends on the last day of a month."))
    if candidate.effective_from and candidate.effective_to and candidate.effective_to < candidate.effective_from:
        errors.setdefault("effective_to", []).append(_("The end is before the start."))
    if candidate.age_from is not None and candidate.age_to is not None and candidate.age_to < candidate.age_from:
        errors.setdefault("age_to", []).append(_("The upper age is below the lower age."))
    if candidate.amount is not None and candidate.amount <= 0:
        errors.setdefault("amount", []).append(_("The amount must be more than zero."))
    if errors:
        raise ValidationError(errors)
    try:
        candidate.full_clean(exclude=["created_by"], validate_constraints=False)
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from exc


def _save(candidate: Standard, *, actor: User | None, service: str, command: str = "") -> Standard:
    """Check the overlap and save, under the lock; the exclusion constraint answers with the same message."""
    try:
        with transaction.atomic(), history_context(actor=actor, command=command, service=service):
            _lock()
            other = standard_overlapping(candidate)
            if other is not None:
                raise _overlap_error(other)
            candidate.save()
    except IntegrityError as exc:
        if "standard_no_overlap" not in str(exc):
            raise
        raise _overlap_error(standard_overlapping(candidate)) from exc
    return candidate


def _authorize(actor: User, county: Region) -> None:
    authorize(actor, Capability.MANAGE_STANDARDS, within=county.path)


def standard_create(*, actor: User, county: Region, data: dict[str, Any]) -> Standard:
    """Add a province, city or county top-up (county staff of ``county``)."""
    _authorize(actor, county)
    candidate = Standard(**{k: v for k, v in data.items() if k in STANDARD_FIELDS}, created_by=actor)
    _policy_document_check(actor, candidate)
    _normalise(candidate)
    _check(candidate, county=county)
    return _save(candidate, actor=actor, service="standard_create")


def _policy_document_check(actor: User, candidate: Standard) -> None:
    """The linked document is one of the library's that the actor reads (docs/POLICIES.md)."""
    if candidate.policy_document_id is not None and not (
        PolicyDocument.objects.visible_to(actor).filter(pk=candidate.policy_document_id).exists()
    ):
        raise ValidationError({"policy_document": _("Choose a document from the policy library.")})


def _normalise(candidate: Standard) -> None:
    for name in ("area_code", "area_name", "residence", "disability_grade", "self_care", "document", "note"):
        setattr(candidate, name, (getattr(candidate, name) or "").strip())


def _editable(standard: Standard, county: Region) -> None:
    if standard.level == Level.NATIONAL or standard.area_code not in _allowed_area_codes(county).values():
        raise ValidationError(_("This standard cannot be changed here."), code="standard_not_editable")


def standard_update(*, actor: User, county: Region, standard: Standard, data: dict[str, Any]) -> Standard:
    """Change a standard. Once in force or used by a payout, only its wording (area name, document, note)."""
    _authorize(actor, county)
    _editable(standard, county)
    today = timezone.localdate()
    with transaction.atomic():
        _lock()
        stored = Standard.objects.select_for_update().get(pk=standard.pk)
        if standard_is_locked(stored, today=today):
            changed = sorted(
                name
                for name in STANDARD_FIELDS
                if name in data and name not in WORDING_FIELDS and data[name] != getattr(stored, name)
            )
            if changed:
                raise ValidationError(
                    _(
                        "This standard is already in force or was used for a payout: its amount, bands and dates "
                        "cannot change (a change never rewrites a month already paid). End it and add a new one "
                        "from the next month."
                    ),
                    code="standard_locked",
                )
        for name in STANDARD_FIELDS:
            if name in data:
                setattr(stored, name, data[name])
        _policy_document_check(actor, stored)
        _normalise(stored)
        _check(stored, county=county)
        return _save(stored, actor=actor, service="standard_update")


@dataclass(frozen=True)
class Ended:
    ended: Standard
    successor: Standard | None


def standard_end(
    *,
    actor: User,
    county: Region,
    standard: Standard,
    effective_to: date,
    new_amount: Decimal | None = None,
    new_document: str = "",
) -> Ended:
    """End a standard at a month's end — never before a month already paid with it — and, given a new amount,
    add its successor with the same scheme, area and bands from the next month (one transaction)."""
    _authorize(actor, county)
    _editable(standard, county)
    if not is_month_end(effective_to):
        raise ValidationError({"effective_to": [_("A standard ends on the last day of a month.")]})
    with transaction.atomic():
        _lock()
        stored = Standard.objects.select_for_update().get(pk=standard.pk)
        if effective_to < stored.effective_from:
            raise ValidationError({"effective_to": [_("The end is before the start.")]})
        if stored.effective_to is not None and effective_to > stored.effective_to:
            raise ValidationError(
                {
                    "effective_to": [
                        _("The standard already ends on %(date)s.") % {"date": stored.effective_to.isoformat()}
                    ]
                }
            )
        paid_through = standard_uses([stored.pk]).get(stored.pk)
        if paid_through is not None and effective_to < paid_through:
            raise ValidationError(
                {
                    "effective_to": [
                        _("Months up to %(date)s were paid with this standard: it cannot end before then.")
                        % {"date": paid_through.isoformat()}
                    ]
                }
            )
        with history_context(actor=actor, service="standard_end"):
            stored.effective_to = effective_to
            stored.save(update_fields=["effective_to"])
        successor = None
        if new_amount is not None:
            successor = Standard(
                **{
                    name: getattr(stored, name)
                    for name in STANDARD_FIELDS
                    if name not in {"amount", "effective_from", "effective_to", "document", "policy_document"}
                },
                # a new document's text names another document: the staff link it on the standard's form
                policy_document=None if new_document else stored.policy_document,
                amount=new_amount,
                effective_from=effective_to + timedelta(days=1),
                effective_to=None,
                document=(new_document or stored.document).strip(),
                created_by=actor,
            )
            _check(successor, county=county)
            _save(successor, actor=actor, service="standard_end")
    return Ended(ended=stored, successor=successor)


def standard_delete(*, actor: User, county: Region, standard: Standard) -> None:
    """Delete a top-up never used by a payout."""
    _authorize(actor, county)
    _editable(standard, county)
    with transaction.atomic():
        _lock()
        if standard_uses([standard.pk]):
            raise ValidationError(
                _("This standard was used for a payout and cannot be deleted. End it instead."),
                code="standard_used",
            )
        with history_context(actor=actor, service="standard_delete"):
            standard.delete()


LINE_ERROR = gettext_noop("Line %(line)d: %(error)s")


def standards_import(*, rows: list[tuple[int, Standard]], command: str) -> tuple[list[Standard], list[Standard]]:
    """Write checked standards (the CSV loader's rows, each with its line number), all or nothing; a row identical
    to a stored standard is skipped. Returns (created, skipped); raises ValidationError with one message per
    refused line ("Line 4: It overlaps another standard: …"), nothing written."""
    created: list[Standard] = []
    skipped: list[Standard] = []
    with transaction.atomic(), history_context(command=command, service="standards_import"):
        _lock()
        errors: list[str] = []
        for line, row in rows:
            identical = standard_identical(row)
            if identical is not None:
                skipped.append(identical)
                continue
            other = standard_overlapping(row)
            if other is None:
                try:
                    with transaction.atomic():
                        row.save()
                except IntegrityError as exc:
                    if "standard_no_overlap" not in str(exc):
                        raise
                    other = standard_overlapping(row)
                else:
                    created.append(row)
                    continue
            errors.append(_(LINE_ERROR) % {"line": line, "error": _overlap_error(other).messages[0]})
        if errors:
            raise ValidationError(errors, code="standards_import")
    return created, skipped


def standard_identical(row: Standard) -> Standard | None:
    """A stored standard equal to ``row`` in every field that says what it is (the loader's re-run)."""
    lookup = {
        name: getattr(row, name) for name in STANDARD_FIELDS if name not in {"note", "area_name", "policy_document"}
    }
    lookup["effective_to__isnull"] = lookup.get("effective_to") is None
    if lookup["effective_to__isnull"]:
        del lookup["effective_to"]
    return Standard.objects.filter(**lookup).first()


SETTINGS_FIELDS = (
    "death_pays_through",
    "reward_overlap",
    "child_event_start",
    "qualifying_age",
    "reward_age",
    "applications_by",
    "village_by",
    "town_by",
    "county_by",
    "notice_days",
)


def benefit_settings_save(*, actor: User, county: Region, data: dict[str, Any]) -> BenefitSettings:
    """Save the county's own options (its row is created on the first save)."""
    _authorize(actor, county)
    with transaction.atomic(), history_context(actor=actor, service="benefit_settings_save"):
        row = BenefitSettings.objects.select_for_update().filter(area_code=county.code[:6]).first()
        if row is None:
            row = BenefitSettings(area_code=county.code[:6])
        row.area_name = county.name
        for name in SETTINGS_FIELDS:
            if name in data:
                setattr(row, name, data[name])
        row.full_clean()
        row.save()
    return row
