"""Reads of the medical app: gatekeepers (outside the area: 404), a household's medical file, the stays of a member
(for insurance claims), renewals due, signed but not served, health checks due, the doctor's agreement with the
four-on-one post, and a household's status as a cadre may see it (a doctor, a card: never content).

Coverage, set-based (for the dashboard, later): see ``green_card_holders_q`` and ``signed_households_q``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from contacts.models import Assignment, ServicePerson
from households.models import Household, Member
from medical.models import (
    ChannelUse,
    Contract,
    Diagnosis,
    DiseaseFollowUp,
    GreenCard,
    HealthCheck,
    Institution,
    MedicalSettings,
)
from medical.services import settings_for
from regions.models import Region
from regions.scope import get_visible_or_404, user_scope_path
from visits.models import Visit

if TYPE_CHECKING:
    from accounts.models import User

DOCTOR_CONTACT_METHODS = (Visit.Method.HOME, Visit.Method.PHONE, Visit.Method.ONLINE)


# ---------------------------------------------------------------------------------------------------- gatekeepers


def user_county(user: User) -> Region | None:
    path = user_scope_path(user)
    return Region.objects.county_of(path) if path else None


def institution_list_for_user(user: User) -> QuerySet[Institution]:
    return Institution.objects.visible_to(user).select_related("region")


def institution_get_for_user(*, user: User, pk: int) -> Institution:
    return get_visible_or_404(Institution.objects.select_related("county", "region"), user, pk=pk)


def channel_use_get_for_user(*, user: User, pk: int) -> ChannelUse:
    return get_visible_or_404(
        ChannelUse.objects.select_related("household", "household__village", "household__county", "member"),
        user,
        pk=pk,
    )


def contract_get_for_user(*, user: User, pk: int) -> Contract:
    return get_visible_or_404(
        Contract.objects.select_related("household", "household__village", "household__county", "member", "doctor"),
        user,
        pk=pk,
    )


def green_card_get_for_user(*, user: User, pk: int) -> GreenCard:
    return get_visible_or_404(
        GreenCard.objects.select_related("household", "household__village", "household__county", "member"),
        user,
        pk=pk,
    )


# --------------------------------------------------------------------------------------------- stays (insurance)


@dataclass(frozen=True)
class Stay:
    """A hospital stay through the green channel, as insurance claims read it."""

    use_id: int
    admitted_on: date
    discharged_on: date | None
    institution_name: str
    institution_grade: str  # Institution.Grade value: "0" not graded, "1", "2", "3"
    member_id: int = 0
    member_name: str = ""


_STAY_FIELDS = (
    "pk",
    "admitted_on",
    "discharged_on",
    "institution__name",
    "institution__grade",
    "member_id",
    "member__name",
)


def stays_for_member(member_id: int) -> list[Stay]:
    """The member's stays, latest admission first (not scoped: the caller has the member through its gatekeeper)."""
    rows = (
        ChannelUse.objects.filter(member_id=member_id, kind=ChannelUse.Kind.INPATIENT)
        .order_by("-admitted_on", "-id")
        .values_list(*_STAY_FIELDS)
    )
    return [Stay(*row) for row in rows]


def stays_for_household(household_id: int, *, since: date) -> list[Stay]:
    """The household's stays admitted since ``since``, latest first (not scoped: the caller has the household
    through its gatekeeper)."""
    rows = (
        ChannelUse.objects.filter(household_id=household_id, kind=ChannelUse.Kind.INPATIENT, admitted_on__gte=since)
        .order_by("-admitted_on", "-id")
        .values_list(*_STAY_FIELDS)
    )
    return [Stay(*row) for row in rows]


def stay_in_household(household_id: int, use_id: int) -> Stay | None:
    """One stay of the household (a claim prefilled from it), or None."""
    row = (
        ChannelUse.objects.filter(household_id=household_id, kind=ChannelUse.Kind.INPATIENT, pk=use_id)
        .values_list(*_STAY_FIELDS)
        .first()
    )
    return Stay(*row) if row else None


# ------------------------------------------------------------------------------------------ a household's status


def green_card_holders_q(*, on: date, settings: MedicalSettings, prefix: str = "") -> Q:
    """Members (``prefix`` the way from the rows to the member) who hold a green-channel card on ``on``: a dedicated
    card not withdrawn, or — where the county counts them — the household's special-assistance certificate, or its
    contact card (printed from the current four-on-one assignments). Set-based: one EXISTS per source."""
    household = f"{prefix}household"
    member_pk = f"{prefix}pk" if prefix else "pk"
    dedicated = Exists(
        GreenCard.objects.filter(member_id=OuterRef(member_pk), issued_on__lte=on).filter(
            Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=on)
        )
    )
    condition = Q(dedicated)
    if settings.certificate_counts:
        condition |= ~Q(**{f"{household}__certificate_number": ""}) & Q(
            **{f"{household}__certificate_number__isnull": False}
        )
    if settings.contact_card_counts:
        condition |= Q(Exists(Assignment.objects.current(on=on).filter(household_id=OuterRef(f"{household}_id"))))
    return condition


def current_contracts(*, on: date) -> QuerySet[Contract]:
    return Contract.objects.filter(status=Contract.Status.SIGNED, starts_on__lte=on, ends_on__gte=on)


def signed_households_q(*, on: date) -> Q:
    """Households with a contract running on ``on`` (the household's or a member's): family-doctor coverage."""
    return Q(Exists(current_contracts(on=on).filter(household_id=OuterRef("pk"))))


@dataclass
class MedicalStatus:
    """What a cadre or volunteer may see: that the household has a doctor and a card, nothing of the content."""

    has_doctor: bool
    cards: int  # living members holding a card
    members: int  # living members


def household_status(*, household: Household, on: date) -> MedicalStatus:
    conf = settings_for(household.county)
    living = Member.objects.filter(household=household, alive=True)
    return MedicalStatus(
        has_doctor=current_contracts(on=on).filter(household=household).exists(),
        cards=living.filter(green_card_holders_q(on=on, settings=conf)).count(),
        members=living.count(),
    )


@dataclass
class DoctorAgreement:
    """The contract's doctor against the four-on-one family-doctor post (one source, or a visible mismatch)."""

    contract_doctors: list[ServicePerson]
    post_doctors: list[ServicePerson]

    @property
    def agrees(self) -> bool:
        return {p.pk for p in self.contract_doctors} == {p.pk for p in self.post_doctors}

    @property
    def mismatch(self) -> bool:
        return bool(self.contract_doctors or self.post_doctors) and not self.agrees


def doctor_agreement(*, household: Household, on: date) -> DoctorAgreement:
    contracts = current_contracts(on=on).filter(household=household).select_related("doctor")
    posts = (
        Assignment.objects.current(on=on)
        .holders()
        .filter(household=household, slot=ServicePerson.RoleType.FAMILY_DOCTOR)
        .select_related("person")
    )
    return DoctorAgreement(
        contract_doctors=list({c.doctor_id: c.doctor for c in contracts}.values()),
        post_doctors=list({a.person_id: a.person for a in posts}.values()),
    )


@dataclass
class MedicalFile:
    household: Household
    settings: MedicalSettings
    status: MedicalStatus
    agreement: DoctorAgreement
    cards: list[GreenCard] = field(default_factory=list)
    uses: list[ChannelUse] = field(default_factory=list)
    contracts: list[Contract] = field(default_factory=list)
    checks: list[HealthCheck] = field(default_factory=list)
    diagnoses: list[Diagnosis] = field(default_factory=list)  # the open ones first
    follow_ups: dict[int, list[DiseaseFollowUp]] = field(default_factory=dict)  # by diagnosis, the newest first


def household_medical_file(*, household: Household, on: date, diagnoses: bool = False) -> MedicalFile:
    """Everything medical of one household (the content: for readers of the health tier) in a constant number of
    queries: the county's settings, the contracts, the current contact assignments, the cards, the uses, the checks
    (six), and with ``diagnoses`` the diagnosed diseases and their follow-ups (two more). The status and the
    doctor's agreement are worked out from those rows (the same definitions as ``household_status``,
    ``doctor_agreement`` and ``green_card_holders_q``); the living members are the household's (prefetched by the
    archive page)."""
    conf = settings_for(household.county)
    contracts = list(Contract.objects.filter(household=household).select_related("member", "doctor", "township_doctor"))
    assignments = list(Assignment.objects.current(on=on).filter(household=household).select_related("person"))
    cards = list(GreenCard.objects.filter(household=household).select_related("member"))
    current = [c for c in contracts if c.status == Contract.Status.SIGNED and c.starts_on <= on and c.ends_on >= on]
    living = [m for m in household.members.all() if m.alive]
    holding = {
        card.member_id
        for card in cards
        if card.issued_on <= on and (card.withdrawn_on is None or card.withdrawn_on > on)
    }
    everyone = (conf.certificate_counts and bool(household.certificate_number)) or (
        conf.contact_card_counts and bool(assignments)
    )
    posts = [a for a in assignments if a.substitute_for_id is None and a.slot == ServicePerson.RoleType.FAMILY_DOCTOR]
    file = MedicalFile(
        household=household,
        settings=conf,
        status=MedicalStatus(
            has_doctor=bool(current),
            cards=sum(1 for m in living if everyone or m.pk in holding),
            members=len(living),
        ),
        agreement=DoctorAgreement(
            contract_doctors=list({c.doctor_id: c.doctor for c in current}.values()),
            post_doctors=list({a.person_id: a.person for a in posts}.values()),
        ),
        cards=cards,
        uses=list(
            ChannelUse.objects.filter(household=household).select_related("member", "institution", "handover_to")
        ),
        contracts=contracts,
        checks=list(HealthCheck.objects.filter(household=household).select_related("member", "institution")),
    )
    if diagnoses:
        # Two queries whether or not a disease is recorded (a prefetch would skip the second without one).
        file.diagnoses = list(
            Diagnosis.objects.filter(household=household)
            .select_related("member")
            .order_by(F("closed_on").asc(nulls_first=True), "-diagnosed_on", "-id")
        )
        for f in (
            DiseaseFollowUp.objects.filter(household=household)
            .select_related("by_person")
            .order_by("-followed_on", "-id")
        ):
            file.follow_ups.setdefault(f.diagnosis_id, []).append(f)
    return file


# ------------------------------------------------------------------------------------------------ the work lists


def renewals_due(*, user: User, on: date) -> list[Contract]:
    """Signed contracts of the user's area ending within the county's window, not yet followed by another."""
    county = user_county(user)
    if county is None:
        return []
    window = settings_for(county).renewal_window_days
    later = Contract.objects.filter(
        household_id=OuterRef("household_id"), starts_on__gt=OuterRef("ends_on"), status=Contract.Status.SIGNED
    ).filter(Q(member_id=OuterRef("member_id")) | Q(member__isnull=True))
    return list(
        Contract.objects.visible_to(user)
        .filter(status=Contract.Status.SIGNED, ends_on__gte=on, ends_on__lte=on + timedelta(days=window))
        .exclude(Exists(later))
        .select_related("household", "household__village", "member", "doctor")
        .order_by("ends_on", "household__number")
    )


@dataclass(frozen=True)
class Unserved:
    """签而不约: a signed household whose family doctor has not contacted it for the county's number of days."""

    contract: Contract
    last_contact: date | None


def signed_not_served(*, user: User, on: date) -> list[Unserved]:
    """Contracts running on ``on``, signed at least ``unserved_days`` ago, whose household has no contact by a
    family doctor (home, phone, online) in the last ``unserved_days`` days. Two queries."""
    county = user_county(user)
    if county is None:
        return []
    days = settings_for(county).unserved_days
    since = on - timedelta(days=days)
    doctor_visits = Visit.objects.filter(
        household_id=OuterRef("household_id"),
        visitor_role=Visit.VisitorRole.FAMILY_DOCTOR,
        method__in=DOCTOR_CONTACT_METHODS,
        date__lte=on,
    )
    rows = list(
        current_contracts(on=on)
        .visible_to(user)
        .filter(starts_on__lte=since)
        .exclude(Exists(doctor_visits.filter(date__gt=since)))
        .select_related("household", "household__village", "member", "doctor")
        .order_by("household__number", "id")
    )
    last: dict[int, date] = {}
    for household_id, day in (
        Visit.objects.filter(
            household_id__in={c.household_id for c in rows},
            visitor_role=Visit.VisitorRole.FAMILY_DOCTOR,
            method__in=DOCTOR_CONTACT_METHODS,
            date__lte=on,
        )
        .order_by()
        .values_list("household_id", "date")
    ):
        last[household_id] = max(day, last.get(household_id, day))
    return [Unserved(contract=c, last_contact=last.get(c.household_id)) for c in rows]


# ------------------------------------------------------------------------------------------------ health checks


def checks_due_members(*, user: User, year: int) -> QuerySet[Member]:
    """Living members of active households of the user's area who reach the county's check age in ``year``,
    annotated with ``checked`` (a check dated in ``year``)."""
    county = user_county(user)
    if county is None:
        return Member.objects.none()
    age = settings_for(county).check_age
    born_by = date(year - age, 12, 31)
    checked = HealthCheck.objects.filter(member_id=OuterRef("pk"), checked_on__year=year)
    return (
        Member.objects.visible_to(user)
        .filter(alive=True, household__status=Household.Status.ACTIVE, birth_date__lte=born_by)
        .annotate(checked=Exists(checked))
    )


@dataclass
class VillageChecks:
    village: Region | None
    due: int = 0
    done: int = 0

    @property
    def not_done(self) -> int:
        return self.due - self.done


def checks_due_by_village(*, user: User, year: int) -> list[VillageChecks]:
    """Per village of the user's area: members due a check in ``year`` and those checked. One query."""
    counts: dict[Any, VillageChecks] = {}
    rows = checks_due_members(user=user, year=year).values_list("household__village_id", "checked")
    tally: dict[Any, list[int]] = defaultdict(lambda: [0, 0])
    for village_id, checked in rows:
        tally[village_id][0] += 1
        tally[village_id][1] += int(checked)
    villages = Region.objects.in_bulk([v for v in tally if v is not None])
    for village_id, (due, done) in tally.items():
        counts[village_id] = VillageChecks(village=villages.get(village_id), due=due, done=done)
    return sorted(counts.values(), key=lambda c: (c.village.path if c.village else "", 0))


def checks_not_done_in_village(*, user: User, year: int, village: Region) -> list[Member]:
    return list(
        checks_due_members(user=user, year=year)
        .filter(household__village=village, checked=False)
        .select_related("household")
        .order_by("household__number", "id")
    )
