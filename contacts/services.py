"""Writes of the four-on-one contacts: keyword-only, transactional, validated; history is never overwritten.

Every row change is recorded by pghistory's triggers (bulk writes included); ``audit.history.history_context``
adds the actor, the area and the service to the context of those records.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from audit.history import history_context
from contacts.models import Assignment, ContactScheme, ServicePerson
from contacts.selectors import households_active_on
from core.forms import plain_messages
from households.models import Household
from regions.models import Region
from regions.paths import is_within
from regions.scope import user_scope_path

if TYPE_CHECKING:
    from accounts.models import User
from accounts.roles import Capability
from accounts.scope import require_capability

Slot = ServicePerson.RoleType

PERSON_FIELDS = ("name", "phone", "role_type", "unit", "region", "user", "active", "note")


def _require_within(actor: User, path: str, *, field: str | None = None) -> None:
    """A write names an area outside the actor's scope: an error (the views have already 404'd on ids)."""
    scope = user_scope_path(actor)
    if scope is None or not path.startswith(scope):
        message = _("This is outside your area.")
        raise ValidationError({field: message} if field else message)


# ---------------------------------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------------------------------


def service_person_create(*, actor: User, **data: Any) -> ServicePerson:
    require_capability(actor, Capability.MANAGE_CONTACTS)
    person = ServicePerson(**{k: v for k, v in data.items() if k in PERSON_FIELDS})
    if person.region_id:
        _require_within(actor, person.region.path, field="region")
    person.full_clean()
    with history_context(actor=actor, service="service_person_create"):
        person.save()
    return person


def service_person_update(*, actor: User, person: ServicePerson, data: dict[str, Any]) -> ServicePerson:
    require_capability(actor, Capability.MANAGE_CONTACTS)
    for key, value in data.items():
        if key in PERSON_FIELDS:
            setattr(person, key, value)
    _require_within(actor, person.region.path, field="region")
    person.full_clean()
    with history_context(actor=actor, service="service_person_update"):
        person.save()
    return person


# ---------------------------------------------------------------------------------------------------
# Schemes
# ---------------------------------------------------------------------------------------------------


def contact_scheme_set(*, actor: User, county: Region, kind: str, volunteers_required: int = 1) -> ContactScheme:
    require_capability(actor, Capability.CONFIGURE_CONTACTS)
    if county.level != Region.Level.COUNTY:
        raise ValidationError(_("A contact scheme belongs to a county."))
    _require_within(actor, county.path)
    scheme = ContactScheme.objects.filter(county=county).first() or ContactScheme(county=county)
    scheme.kind, scheme.volunteers_required = kind, volunteers_required
    scheme.full_clean()
    with history_context(actor=actor, service="contact_scheme_set"):
        scheme.save()
    return scheme


# ---------------------------------------------------------------------------------------------------
# One assignment
# ---------------------------------------------------------------------------------------------------


def _check_person_for(person: ServicePerson, *, slot: str, region_path: str) -> None:
    if not person.active:
        raise ValidationError({"person": _("%(name)s is no longer active.") % {"name": person.name}})
    if person.role_type != slot:
        raise ValidationError(
            {"person": _("%(name)s is not a %(slot)s.") % {"name": person.name, "slot": Slot(slot).label}}
        )
    if not is_within(region_path, person.region.path):
        raise ValidationError({"person": _("%(name)s serves another area.") % {"name": person.name}})


def _integrity(exc: IntegrityError) -> ValidationError:
    return ValidationError(_("Someone else changed these contacts at the same time. Reload and try again."))


@transaction.atomic
def assignment_set(
    *, actor: User, household: Household, slot: str, person: ServicePerson, start_date: date, note: str = ""
) -> Assignment:
    """Put `person` in `slot` of `household` from `start_date`.

    The current holder's term ends on `start_date` (history kept). Volunteers (1+1+N) are many: a volunteer
    is added beside the others. Assigning the current holder again changes nothing.
    """
    require_capability(actor, Capability.MANAGE_CONTACTS)
    _require_within(actor, household.region_path)
    if not household.is_active:
        raise ValidationError(_("The household is closed."))
    _check_person_for(person, slot=slot, region_path=household.region_path)
    # One writer per household at a time: the partial unique constraint is the last line of defence.
    Household.objects.select_for_update().filter(pk=household.pk).first()
    open_terms = list(
        Assignment.objects.holders()
        .filter(household=household, slot=slot)
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=start_date))
    )
    if slot == Slot.VOLUNTEER:  # volunteers are many: only the person's own terms matter
        open_terms = [a for a in open_terms if a.person_id == person.pk]
    if any(a.person_id == person.pk and a.start_date <= start_date for a in open_terms):
        return next(a for a in open_terms if a.person_id == person.pk)
    if any(a.start_date > start_date for a in open_terms):
        raise ValidationError(
            {"start_date": _("A later term already starts after this date; end or correct it first.")}
        )
    with history_context(actor=actor, service="assignment_set"):
        for term in open_terms:
            _end(term, end_date=start_date)
        assignment = Assignment(
            household=household, slot=slot, person=person, start_date=start_date, note=note, created_by=_user(actor)
        )
        assignment.full_clean(validate_constraints=False)
        try:
            with transaction.atomic():
                assignment.save()
        except IntegrityError as exc:
            raise _integrity(exc) from exc
    return assignment


@transaction.atomic
def assignments_set_household(
    *,
    actor: User,
    household: Household,
    persons: dict[str, ServicePerson | None],
    volunteers: list[ServicePerson] | None = None,
    start_date: date,
    note: str = "",
) -> list[Assignment]:
    """Every post of one household in one unit of work (the household page's "all posts" form).

    `persons` maps a slot to its person (None: leave the slot as it is). `volunteers`, for 1+1+N, is the whole
    list of volunteers from `start_date`: the ones not in it end their term on that day, the new ones start.
    Each slot goes through :func:`assignment_set`; any error and nothing is written — the errors come back keyed
    by slot ("volunteer" for the volunteers), so the form puts each next to its post.
    """
    require_capability(actor, Capability.MANAGE_CONTACTS)
    _require_within(actor, household.region_path)
    Household.objects.select_for_update().filter(pk=household.pk).first()
    errors: dict[str, list[str]] = {}
    started: list[Assignment] = []
    # The holders' terms running on or after the start date: choosing a holder again changes nothing (even one no
    # longer active, or one whose term starts later than the date typed).
    holding = list(
        Assignment.objects.holders()
        .filter(household=household)
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=start_date))
    )
    held = {(a.slot, a.person_id) for a in holding}

    def attempt(slot: str, person: ServicePerson) -> None:
        if (slot, person.pk) in held:
            return
        try:
            started.append(
                assignment_set(
                    actor=actor, household=household, slot=slot, person=person, start_date=start_date, note=note
                )
            )
        except ValidationError as exc:
            errors.setdefault(slot, []).extend(plain_messages(exc.messages))

    for slot, person in persons.items():
        if person is not None and slot != Slot.VOLUNTEER:
            attempt(slot, person)
    if volunteers is not None:
        chosen = {p.pk for p in volunteers}
        with history_context(actor=actor, service="assignments_set_household"):
            for term in holding:
                if term.slot == Slot.VOLUNTEER and term.person_id not in chosen and term.start_date <= start_date:
                    _end(term, end_date=start_date)
        for person in volunteers:
            attempt(Slot.VOLUNTEER, person)
    if errors:  # raised inside the transaction: every slot's writes roll back
        raise ValidationError(errors)
    return started


def _user(actor: User) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _end_substitutes_of(assignment_ids: list[int], *, end_date: date) -> None:
    """Substitutes still covering these terms after `end_date` end with them (one not yet started: on its
    own start, a term of no days)."""
    covering = Assignment.objects.filter(substitute_for_id__in=assignment_ids).filter(
        Q(end_date__isnull=True) | Q(end_date__gt=end_date)
    )
    covering.filter(start_date__lte=end_date).update(end_date=end_date)
    covering.filter(start_date__gt=end_date).update(end_date=F("start_date"))


def _end(assignment: Assignment, *, end_date: date) -> None:
    """End a term and the substitutes still covering it."""
    _end_substitutes_of([assignment.pk], end_date=end_date)
    assignment.end_date = end_date
    assignment.save(update_fields=["end_date"])


@transaction.atomic
def assignment_end(*, actor: User, assignment: Assignment, end_date: date, note: str = "") -> Assignment:
    """End a term on `end_date` (the first day the person no longer serves). An ended term stays ended."""
    require_capability(actor, Capability.MANAGE_CONTACTS)
    _require_within(actor, assignment.household.region_path)
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.end_date is not None and assignment.end_date <= end_date:
        raise ValidationError(_("This term has already ended."))
    if end_date < assignment.start_date:
        raise ValidationError({"end_date": _("The end date is before the start date.")})
    with history_context(actor=actor, service="assignment_end"):
        if note:
            assignment.note = (f"{assignment.note} · {note}" if assignment.note else note)[:200]
            assignment.save(update_fields=["note"])
        _end(assignment, end_date=end_date)
    return assignment


@transaction.atomic
def assignment_substitute(
    *,
    actor: User,
    assignment: Assignment,
    person: ServicePerson,
    start_date: date,
    end_date: date | None,
    note: str = "",
) -> Assignment:
    """代岗: `person` covers `assignment` while its holder is away, from `start_date` to `end_date`."""
    require_capability(actor, Capability.MANAGE_CONTACTS)
    household = assignment.household
    _require_within(actor, household.region_path)
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.is_substitute:
        raise ValidationError(_("Choose the holder's term, not a substitute's."))
    if person.pk == assignment.person_id:
        raise ValidationError({"person": _("A holder cannot substitute for themselves.")})
    _check_person_for(person, slot=assignment.slot, region_path=household.region_path)
    if end_date is not None and end_date < start_date:
        raise ValidationError({"end_date": _("The end date is before the start date.")})
    within_term = start_date >= assignment.start_date and (
        assignment.end_date is None or (end_date is not None and end_date <= assignment.end_date)
    )
    if not within_term:
        raise ValidationError(_("A substitute covers dates inside the holder's term."))
    overlapping = assignment.substitutes.filter(Q(end_date__isnull=True) | Q(end_date__gt=start_date))
    if end_date is not None:
        overlapping = overlapping.filter(start_date__lt=end_date)
    if overlapping.exists():
        raise ValidationError(_("Another substitute already covers these dates."))
    with history_context(actor=actor, service="assignment_substitute"):
        substitute = Assignment(
            household=household,
            slot=assignment.slot,
            person=person,
            start_date=start_date,
            end_date=end_date,
            substitute_for=assignment,
            note=note,
            created_by=_user(actor),
        )
        substitute.full_clean(validate_constraints=False)
        substitute.save()
    return substitute


# ---------------------------------------------------------------------------------------------------
# Bulk work
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BulkResult:
    assigned: int  # new terms started
    ended: int  # terms ended to make room
    unchanged: int  # households where the person already held the slot
    skipped: list[str]  # household numbers left alone (a later term already starts after the date)


@dataclass(frozen=True)
class PlanEnding:
    """A current term the village assignment ends (its holder's name; substitutes covering it end with it)."""

    assignment_id: int
    person_name: str
    start_date: date
    substitutes: tuple[str, ...]  # names of the substitutes covering it, who end too


@dataclass(frozen=True)
class PlanRow:
    household_id: int
    household_number: str
    action: str  # "start" | "unchanged" | "skipped"
    ends: tuple[PlanEnding, ...] = ()
    later_person: str = ""  # "skipped": whose later term is in the way


@dataclass(frozen=True)
class VillagePlan:
    """What :func:`assignments_assign_village` will do, household by household, before it is done."""

    village: Region
    person: ServicePerson
    slot: str
    start: date
    rows: tuple[PlanRow, ...]

    @property
    def starting(self) -> list[PlanRow]:
        return [r for r in self.rows if r.action == "start"]

    @property
    def ending(self) -> list[PlanEnding]:
        return [e for r in self.rows for e in r.ends]

    @property
    def unchanged(self) -> list[PlanRow]:
        return [r for r in self.rows if r.action == "unchanged"]

    @property
    def skipped(self) -> list[PlanRow]:
        return [r for r in self.rows if r.action == "skipped"]

    @property
    def token(self) -> str:
        """A digest of the inputs and of every row: the confirmation of a preview is refused when the situation
        it showed has changed since (another term started or ended, a household joined or left the roster)."""
        parts = [str(self.village.pk), self.slot, str(self.person.pk), self.start.isoformat()]
        for row in self.rows:
            ends = ",".join(f"{e.assignment_id}:{e.start_date.isoformat()}:{len(e.substitutes)}" for e in row.ends)
            parts.append(f"{row.household_id}:{row.action}:{ends}")
        return salted_hmac("contacts.village_plan", "|".join(parts)).hexdigest()


def _village_checks(*, actor: User, village: Region, person: ServicePerson, slot: str) -> None:
    require_capability(actor, Capability.MANAGE_CONTACTS)
    if village.level != Region.Level.VILLAGE:
        raise ValidationError({"village": _("Choose a village or community.")})
    _require_within(actor, village.path, field="village")
    _check_person_for(person, slot=slot, region_path=village.path)


def _village_plan(*, village: Region, person: ServicePerson, slot: str, start: date, lock: bool = False) -> VillagePlan:
    households = households_active_on(Household.objects.filter(village=village), on=start).filter(
        status=Household.Status.ACTIVE
    )
    if lock:
        households = households.select_for_update()
    numbers = dict(households.order_by("number", "pk").values_list("pk", "number"))
    open_terms = list(
        Assignment.objects.holders()
        .filter(household_id__in=list(numbers), slot=slot)
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=start))
        .select_related("person")
        .order_by("household_id", "start_date", "id")
    )
    if slot == Slot.VOLUNTEER:  # volunteers are many: only the person's own terms matter
        open_terms = [a for a in open_terms if a.person_id == person.pk]
    covering: dict[int, list[str]] = {}
    for sub in (
        Assignment.objects.filter(substitute_for_id__in=[a.pk for a in open_terms])
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=start))
        .select_related("person")
        .order_by("start_date", "id")
    ):
        covering.setdefault(cast(int, sub.substitute_for_id), []).append(sub.person.name)
    by_household: dict[int, list[Assignment]] = {}
    for term in open_terms:
        by_household.setdefault(term.household_id, []).append(term)
    rows = []
    for pk, number in numbers.items():
        terms = by_household.get(pk, [])
        later = [a for a in terms if a.start_date > start]
        if any(a.person_id == person.pk and a.start_date <= start for a in terms):
            rows.append(PlanRow(household_id=pk, household_number=number, action="unchanged"))
        elif later:
            rows.append(
                PlanRow(household_id=pk, household_number=number, action="skipped", later_person=later[0].person.name)
            )
        else:
            ends = tuple(
                PlanEnding(
                    assignment_id=a.pk,
                    person_name=a.person.name,
                    start_date=a.start_date,
                    substitutes=tuple(covering.get(a.pk, [])),
                )
                for a in terms
            )
            rows.append(PlanRow(household_id=pk, household_number=number, action="start", ends=ends))
    return VillagePlan(village=village, person=person, slot=slot, start=start, rows=tuple(rows))


def assignments_assign_village_plan(
    *, actor: User, village: Region, person: ServicePerson, slot: str, start: date
) -> VillagePlan:
    """The preview of :func:`assignments_assign_village`: which terms it would start and which it would end, per
    household. Writes nothing."""
    _village_checks(actor=actor, village=village, person=person, slot=slot)
    return _village_plan(village=village, person=person, slot=slot, start=start)


@transaction.atomic
def assignments_assign_village(
    *,
    actor: User,
    village: Region,
    person: ServicePerson,
    slot: str,
    start: date,
    expected_token: str | None = None,
) -> BulkResult:
    """One person to `slot` of every household on the village roster, from `start`. Set-based: one UPDATE
    ends the current holders (and their substitutes), one INSERT starts the new terms.

    With `expected_token` (the :attr:`VillagePlan.token` of the preview the user confirmed), the work is refused
    when the plan is no longer the one previewed, and nothing is written."""
    _village_checks(actor=actor, village=village, person=person, slot=slot)
    plan = _village_plan(village=village, person=person, slot=slot, start=start, lock=True)
    if expected_token is not None and not constant_time_compare(plan.token, expected_token):
        raise ValidationError(
            _("The contacts of this village changed since the preview. Check the new preview and confirm again."),
            code="stale_preview",
        )
    targets = [row.household_id for row in plan.starting]
    with history_context(actor=actor, service="assignments_assign_village"):
        ended = _end_many([e.assignment_id for e in plan.ending], end_date=start)
        try:
            with transaction.atomic():
                Assignment.objects.bulk_create(
                    Assignment(household_id=pk, slot=slot, person=person, start_date=start, created_by=_user(actor))
                    for pk in targets
                )
        except IntegrityError as exc:
            raise _integrity(exc) from exc
    return BulkResult(
        assigned=len(targets),
        ended=ended,
        unchanged=len(plan.unchanged),
        skipped=sorted(row.household_number for row in plan.skipped),
    )


def _end_many(assignment_ids: list[int], *, end_date: date) -> int:
    if not assignment_ids:
        return 0
    _end_substitutes_of(assignment_ids, end_date=end_date)
    return Assignment.objects.filter(pk__in=assignment_ids).update(end_date=end_date)


@transaction.atomic
def assignments_handover(
    *, actor: User, from_person: ServicePerson, to_person: ServicePerson, on: date, deactivate: bool = False
) -> BulkResult:
    """Hand every household a leaving person holds (or substitutes for) on `on` to a successor in one step.

    The leaving person's terms end on `on`; the successor's start on `on` in the same slots (a term that
    was to end later keeps that end; a substitution keeps covering the same holder). Terms that start after
    `on` are handed over whole. With `deactivate`, the leaving person is marked inactive.
    """
    require_capability(actor, Capability.MANAGE_CONTACTS)
    if from_person.pk == to_person.pk:
        raise ValidationError({"to_person": _("Choose another person as the successor.")})
    _require_within(actor, from_person.region.path, field="from_person")
    _require_within(actor, to_person.region.path, field="to_person")
    if to_person.role_type != from_person.role_type:
        raise ValidationError({"to_person": _("The successor must have the same role.")})
    if not to_person.active:
        raise ValidationError({"to_person": _("%(name)s is no longer active.") % {"name": to_person.name}})
    terms = list(
        Assignment.objects.select_for_update(of=("self",))
        .filter(person=from_person)
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=on))
        .exclude(end_date=F("start_date"))  # cancelled before it began
        .select_related("household", "household__village", "substitute_for")
        .order_by("household_id", "id")
    )
    outside = sorted(
        {a.household.number for a in terms if not is_within(a.household.region_path, to_person.region.path)}
    )
    if outside:
        raise ValidationError(
            {
                "to_person": _("%(name)s does not serve households %(numbers)s.")
                % {"name": to_person.name, "numbers": ", ".join(outside[:10])}
            }
        )
    already = set(
        Assignment.objects.holders()
        .filter(person=to_person, household_id__in=[a.household_id for a in terms])
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=on))
        .values_list("household_id", "slot")
    )
    original_end = {a.pk: a.end_date for a in terms}
    with history_context(actor=actor, service="assignments_handover"):
        # Every term ends on `on`, or on its own start when it had not started yet (a term of no days: the
        # row stays in the history). The successor's term starts where the old one would have.
        successor_start = {a.pk: max(on, a.start_date) for a in terms}
        for term in terms:
            term.end_date = successor_start[term.pk]
        Assignment.objects.bulk_update(terms, ["end_date"])
        _end_substitutes_of([a.pk for a in terms], end_date=on)
        new = [
            Assignment(
                household_id=a.household_id,
                slot=a.slot,
                person=to_person,
                start_date=successor_start[a.pk],
                end_date=original_end[a.pk],
                substitute_for_id=a.substitute_for_id,
                note=_("Handed over from %(name)s") % {"name": from_person.name},
                created_by=_user(actor),
            )
            for a in terms
            if (a.substitute_for_id is None and (a.household_id, a.slot) not in already)
            or (a.substitute_for is not None and a.substitute_for.person_id != to_person.pk)
        ]
        try:
            with transaction.atomic():
                Assignment.objects.bulk_create(new)
        except IntegrityError as exc:
            raise _integrity(exc) from exc
        if deactivate and from_person.active:
            from_person.active = False
            from_person.save(update_fields=["active", "updated_at"])
    return BulkResult(assigned=len(new), ended=len(terms), unchanged=len(terms) - len(new), skipped=[])


def assignments_end_for_households(*, household_ids: list[int], end_date: date) -> int:
    """End every open term of these households on ``end_date`` (a term starting later: on its own start, a term of
    no days), substitutes included — the households moved to another county (迁移), whose people serve them now.
    Runs inside the caller's transaction and history context."""
    open_terms = Assignment.objects.filter(household_id__in=household_ids).filter(
        Q(end_date__isnull=True) | Q(end_date__gt=end_date)
    )
    ended = open_terms.filter(start_date__lte=end_date).update(end_date=end_date)
    return ended + open_terms.filter(start_date__gt=end_date).update(end_date=F("start_date"))
