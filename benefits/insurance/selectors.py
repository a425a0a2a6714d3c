"""Reads of insurance: products, enrolment figures, claims, the alerts and the reports (docs/BENEFITS.md
§Insurance). Every read goes through ``visible_to`` / ``get_visible_or_404``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from benefits.insurance.services import UNCLAIMED_STAY_DAYS, eligibility_sql
from benefits.models import ClaimDocument, HospitalGrade, InsuranceClaim, InsuranceProduct, InsuredLine
from households.models import Household
from medical.models import ChannelUse
from medical.selectors import Stay, stay_in_household, stays_for_household
from regions.models import Region
from regions.scope import get_visible_or_404, user_scope_path
from visits.models import Visit

if TYPE_CHECKING:
    from accounts.models import User

ZERO = Decimal("0.00")


def product_list_for_user(user: User) -> QuerySet[InsuranceProduct]:
    return (
        InsuranceProduct.objects.visible_to(user)
        .select_related("county")
        .annotate(enrolled=Count("lines", distinct=True))
    )


def product_get(user: User, pk: int) -> InsuranceProduct:
    return get_visible_or_404(InsuranceProduct.objects.select_related("county", "renews"), user, pk=pk)


def claim_get(user: User, pk: int) -> InsuranceClaim:
    return get_visible_or_404(
        InsuranceClaim.objects.select_related(
            "product", "line", "member", "household", "household__village", "household__village__parent"
        ),
        user,
        pk=pk,
    )


def document_get(user: User, pk: int) -> ClaimDocument:
    claim_ids = InsuranceClaim.objects.visible_to(user).values("pk")
    document = ClaimDocument.objects.filter(pk=pk, claim_id__in=claim_ids).select_related("claim", "claim__household")
    found = document.first()
    if found is None:
        from django.http import Http404

        raise Http404
    return found


@dataclass
class TownTotal:
    town: str
    persons: int
    running: int
    premium: Decimal


def enrolment_totals(*, product: InsuranceProduct, user: User, on: date) -> list[TownTotal]:
    """Enrolled persons, those still covered on ``on``, and the premium per town (the association's payment)."""
    rows = (
        InsuredLine.objects.visible_to(user)
        .filter(product=product)
        .values("town__name")
        .annotate(
            persons=Count("pk"),
            running=Count("pk", filter=Q(starts_on__lte=on, ends_on__gte=on)),
            premium=Sum("premium"),
        )
        .order_by("town__name")
    )
    return [TownTotal(r["town__name"] or "—", r["persons"], r["running"], r["premium"] or ZERO) for r in rows]


def enrolment_lines(*, product: InsuranceProduct, user: User, town_id: int | None = None) -> QuerySet[InsuredLine]:
    rows = (
        InsuredLine.objects.visible_to(user)
        .filter(product=product)
        .select_related("member", "household", "household__village", "town")
        .order_by("town__name", "household__number", "member_id")
    )
    if town_id:
        rows = rows.filter(town_id=town_id)
    return rows


@dataclass
class EligibleRow:
    member_id: int
    name: str
    household_id: int
    number: str
    village: str
    birth_date: date | None


def _area_clause(user: User) -> tuple[str, dict[str, Any]]:
    path = user_scope_path(user)
    if path is None:
        return "FALSE", {}
    return (
        "(v.path LIKE %(area)s OR (h.village_id IS NULL AND c.path LIKE %(area)s))",
        {"area": path.replace("%", r"\%").replace("_", r"\_") + "%"},
    )


def eligible_not_enrolled(*, product: InsuranceProduct, user: User, on: date, limit: int = 200) -> tuple[int, list]:
    """Persons the product covers on ``on`` (its start, or the day if later) who have no line yet, in the user's
    area: their count and the first ``limit``."""
    where, params = eligibility_sql(product, max(on, product.starts_on))
    area, area_params = _area_clause(user)
    params.update(area_params, product=product.pk, limit=limit)
    sql = f"""
        FROM households_member m
        JOIN households_household h ON h.id = m.household_id
        JOIN regions_region c ON c.id = h.county_id
        LEFT JOIN regions_region v ON v.id = h.village_id
       WHERE {where} AND {area}
         AND NOT EXISTS (SELECT 1 FROM benefits_insuredline l WHERE l.member_id = m.id AND l.product_id = %(product)s)
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) " + sql, params)
        count = cursor.fetchone()[0]
        cursor.execute(
            "SELECT m.id, m.name, h.id, h.number, COALESCE(v.name, ''), m.birth_date "
            + sql
            + " ORDER BY h.number, m.id LIMIT %(limit)s",
            params,
        )
        rows = [EligibleRow(*r) for r in cursor.fetchall()]
    return count, rows


@dataclass
class UnclaimedStay:
    visit_id: int
    household_id: int
    number: str
    village: str
    date: date
    days: int


def unclaimed_hospital_visits(*, user: User, today: date, limit: int = 200) -> list[UnclaimedStay]:
    """Hospital visits (住院探望) at least UNCLAIMED_STAY_DAYS old (within the last year) of households with someone
    insured that day, and no claim of a hospital stay of the household admitted in the 60 days before the visit or
    on the days after it, nor a stay recorded through the green channel in that window (those are listed by
    unclaimed_green_channel_stays, per person)."""
    stays = ChannelUse.objects.filter(
        household_id=OuterRef("household_id"),
        kind=ChannelUse.Kind.INPATIENT,
        admitted_on__gte=OuterRef("date") - timedelta(days=60),
        admitted_on__lte=OuterRef("date") + timedelta(days=UNCLAIMED_STAY_DAYS),
    )
    claims = InsuranceClaim.objects.filter(
        household_id=OuterRef("household_id"),
        kind=InsuranceClaim.Kind.HOSPITAL,
        admitted_on__gte=OuterRef("date") - timedelta(days=60),
        admitted_on__lte=OuterRef("date") + timedelta(days=UNCLAIMED_STAY_DAYS),
    )
    insured = InsuredLine.objects.filter(
        household_id=OuterRef("household_id"),
        starts_on__lte=OuterRef("date"),
        ends_on__gte=OuterRef("date"),
        product__daily_allowance__isnull=False,
    )
    visits = (
        Visit.objects.visible_to(user)
        .filter(
            purpose=Visit.Purpose.HOSPITAL,
            date__lte=today - timedelta(days=UNCLAIMED_STAY_DAYS),
            date__gte=today - timedelta(days=365),
        )
        .filter(Exists(insured))
        .exclude(Exists(claims))
        .exclude(Exists(stays))
        .select_related("household", "household__village")
        .order_by("date", "id")[:limit]
    )
    return [
        UnclaimedStay(
            v.pk,
            v.household_id,
            v.household.number,
            v.household.village.name if v.household.village is not None else "",
            v.date,
            (today - v.date).days,
        )
        for v in visits
    ]


# A claim "of" a green-channel stay: a hospital claim of the same person admitted within these days of the stay.
STAY_CLAIM_SLACK_DAYS = 2


def _claim_of_stay(*, member_ref: str, admitted_ref: str) -> Exists:
    return Exists(
        InsuranceClaim.objects.filter(
            member_id=OuterRef(member_ref),
            kind=InsuranceClaim.Kind.HOSPITAL,
            admitted_on__gte=OuterRef(admitted_ref) - timedelta(days=STAY_CLAIM_SLACK_DAYS),
            admitted_on__lte=OuterRef(admitted_ref) + timedelta(days=STAY_CLAIM_SLACK_DAYS),
        )
    )


def _insured_for_stays(*, member_ref: str, on_ref: str) -> Exists:
    return Exists(
        InsuredLine.objects.filter(
            member_id=OuterRef(member_ref),
            starts_on__lte=OuterRef(on_ref),
            ends_on__gte=OuterRef(on_ref),
            product__daily_allowance__isnull=False,
        )
    )


@dataclass
class UnclaimedGreenStay:
    use_id: int
    household_id: int
    number: str
    village: str
    member_name: str
    admitted_on: date
    discharged_on: date | None
    institution: str
    days: int


def unclaimed_green_channel_stays(*, user: User, today: date, limit: int = 200) -> list[UnclaimedGreenStay]:
    """Hospital stays recorded through the green channel (medical: an inpatient use) admitted UNCLAIMED_STAY_DAYS
    ago or more (within the last year), of a person insured on the day of admission by a product with a hospital
    allowance, and no hospital claim of that person admitted within STAY_CLAIM_SLACK_DAYS of the stay."""
    uses = (
        ChannelUse.objects.visible_to(user)
        .filter(
            kind=ChannelUse.Kind.INPATIENT,
            admitted_on__lte=today - timedelta(days=UNCLAIMED_STAY_DAYS),
            admitted_on__gte=today - timedelta(days=365),
        )
        .filter(_insured_for_stays(member_ref="member_id", on_ref="admitted_on"))
        .exclude(_claim_of_stay(member_ref="member_id", admitted_ref="admitted_on"))
        .select_related("household", "household__village", "member", "institution")
        .order_by("admitted_on", "id")[:limit]
    )
    return [
        UnclaimedGreenStay(
            u.pk,
            u.household_id,
            u.household.number,
            u.household.village.name if u.household.village is not None else "",
            u.member.name,
            u.admitted_on,  # type: ignore[arg-type]  # an inpatient use always has it (channeluse_stay_only_inpatient)
            u.discharged_on,
            u.institution.name,
            (today - u.admitted_on).days,  # type: ignore[operator]
        )
        for u in uses
    ]


def household_stays_without_claim(household: Household, *, today: date) -> list[Stay]:
    """The household's green-channel stays of the last year with no claim yet: the claim form offers to start from
    one (two queries)."""
    stays = stays_for_household(household.pk, since=today - timedelta(days=365))
    if not stays:
        return []
    claimed = set(
        InsuranceClaim.objects.filter(household=household, kind=InsuranceClaim.Kind.HOSPITAL).values_list(
            "member_id", "admitted_on"
        )
    )
    slack = [timedelta(days=d) for d in range(-STAY_CLAIM_SLACK_DAYS, STAY_CLAIM_SLACK_DAYS + 1)]
    return [s for s in stays if not any((s.member_id, s.admitted_on + d) in claimed for d in slack)]


def claim_initial_from_stay(household: Household, use_id: int) -> dict[str, Any] | None:
    """The claim form's initial values from a green-channel stay of the household: the person, a hospital claim, the
    dates, the hospital and its grade, and the product insuring the person on the day of admission."""
    stay = stay_in_household(household.pk, use_id)
    if stay is None:
        return None
    product_id = (
        InsuredLine.objects.filter(
            member_id=stay.member_id,
            starts_on__lte=stay.admitted_on,
            ends_on__gte=stay.admitted_on,
            product__daily_allowance__isnull=False,
        )
        .values_list("product_id", flat=True)
        .first()
    )
    grade = stay.institution_grade if stay.institution_grade in HospitalGrade.values else HospitalGrade.UNGRADED
    return {
        "member": stay.member_id,
        "product": product_id,
        "kind": InsuranceClaim.Kind.HOSPITAL,
        "event_date": stay.admitted_on,
        "admitted_on": stay.admitted_on,
        "discharged_on": stay.discharged_on,
        "hospital_name": stay.institution_name,
        "hospital_grade": grade,
    }


CLAIMS_COUNT_CAP = 1000


def claim_list_for_user(
    *,
    user: User,
    state: str = "",
    kind: str = "",
    town_id: int | None = None,
    flagged: bool = False,
    year: int | None = None,
) -> QuerySet[InsuranceClaim]:
    """The claims the user may see, newest report first. The area is an EXISTS on the claim's household (not a
    join), so a page is read along the index insuranceclaim_list and stops after it, instead of sorting every
    visible claim."""
    households = Household.objects.visible_to(user).filter(pk=OuterRef("household_id"))
    if town_id:
        town = Region.objects.filter(pk=town_id).first()
        households = households.filter(village__path__startswith=town.path) if town else households.none()
    rows = InsuranceClaim.objects.filter(Exists(households)).order_by("-reported_at", "-id")
    if state == "open":
        rows = rows.open()
    elif state:
        rows = rows.filter(state=state)
    if kind:
        rows = rows.filter(kind=kind)
    if flagged:
        rows = rows.exclude(flags=[])
    if year:
        rows = rows.filter(event_date__year=year)
    return rows


@dataclass
class ClaimPage:
    """A page of claims: ``count`` is exact up to CLAIMS_COUNT_CAP, else None ("more than …"; the filters narrow it,
    the reports count everything)."""

    claims: list[InsuranceClaim]
    number: int
    has_next: bool
    count: int | None
    size: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def num_pages(self) -> int | None:
        return None if self.count is None else max(1, -(-self.count // self.size))

    @property
    def cap(self) -> int:
        return CLAIMS_COUNT_CAP

    def __iter__(self) -> Iterator[InsuranceClaim]:
        return iter(self.claims)


def claim_page(rows: QuerySet[InsuranceClaim], *, number: int, size: int) -> ClaimPage:
    """One page of ``rows`` in three queries whatever the page: the page's ids (and one more, for "next") along the
    index, the count stopped at the cap, and the page's claims with what the list shows."""
    number = max(1, number)
    offset = (number - 1) * size
    ids = list(rows.values_list("pk", flat=True)[offset : offset + size + 1])
    count = rows.order_by().values("pk")[: CLAIMS_COUNT_CAP + 1].count()
    shown = ids[:size]
    claims = {
        c.pk: c
        for c in InsuranceClaim.objects.filter(pk__in=shown)
        .select_related("product", "member", "household", "household__village")
        .only(
            "pk",
            "kind",
            "event_date",
            "reported_at",
            "state",
            "flags",
            "benefit_max",
            "paid_amount",
            "hospital_name",
            "product__name",
            "product__year",
            "member__name",
            "household__number",
            "household__village__name",
        )
    }
    return ClaimPage(
        claims=[claims[pk] for pk in shown if pk in claims],
        number=number,
        has_next=len(ids) > size,
        count=count if count <= CLAIMS_COUNT_CAP else None,
        size=size,
    )


# ----------------------------------------------------------------------------------------------------- reports


@dataclass
class RateRow:
    product: InsuranceProduct
    town: str
    eligible: int
    enrolled: int

    @property
    def rate(self) -> str:
        return f"{self.enrolled * 100 / self.eligible:.1f} %" if self.eligible else "—"


def enrolment_rates(*, user: User, year: int, on: date) -> list[RateRow]:
    """Per product of the year and town: persons the product covers on the day (its start if later, its end if
    earlier) and how many of them are enrolled on it — 参保率."""
    rows: list[RateRow] = []
    area, area_params = _area_clause(user)
    for product in InsuranceProduct.objects.visible_to(user).filter(year=year).order_by("name"):
        day = min(max(on, product.starts_on), product.ends_on)
        where, params = eligibility_sql(product, day)
        params.update(area_params, product=product.pk, day=day)
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                SELECT COALESCE(t.name, ''), count(*),
                       count(*) FILTER (WHERE EXISTS (
                           SELECT 1 FROM benefits_insuredline l WHERE l.member_id = m.id
                              AND l.product_id = %(product)s AND l.starts_on <= %(day)s AND l.ends_on >= %(day)s))
                  FROM households_member m
                  JOIN households_household h ON h.id = m.household_id
                  JOIN regions_region c ON c.id = h.county_id
                  LEFT JOIN regions_region v ON v.id = h.village_id
                  LEFT JOIN regions_region t ON t.id = v.parent_id
                 WHERE {where} AND {area}
                 GROUP BY t.name ORDER BY t.name
                """,
                params,
            )
            rows.extend(
                RateRow(product, town or "—", eligible, enrolled) for town, eligible, enrolled in cursor.fetchall()
            )
    return rows


@dataclass
class MonthRow:
    month: date
    town: str
    reported: int
    paid: int
    amount: Decimal


def claims_by_month_and_town(*, user: User, year: int) -> list[MonthRow]:
    """Claims of the year by the month of the event and the town: how many, how many paid and the money paid (the
    monthly form's 保险理赔 例 and 金额)."""
    rows = (
        InsuranceClaim.objects.visible_to(user)
        .filter(event_date__year=year)
        .annotate(month=TruncMonth("event_date"))
        .values("month", "household__village__parent__name")
        .annotate(
            reported=Count("pk"),
            paid=Count("pk", filter=Q(state=InsuranceClaim.State.PAID)),
            amount=Sum("paid_amount", filter=Q(state=InsuranceClaim.State.PAID)),
        )
        .order_by("month", "household__village__parent__name")
    )
    return [
        MonthRow(
            r["month"], r["household__village__parent__name"] or "—", r["reported"], r["paid"], r["amount"] or ZERO
        )
        for r in rows
    ]


AGE_BANDS: tuple[tuple[int, int | None], ...] = ((0, 7), (8, 30), (31, 90), (91, None))


def open_claims_by_age(*, user: User, today: date) -> dict[str, Any]:
    """Open claims by the days since the report (0–7, 8–30, 31–90, over 90) and state."""
    counts: dict[tuple[str, int], int] = {}
    for state, reported_at in InsuranceClaim.objects.visible_to(user).open().values_list("state", "reported_at"):
        age = (today - reported_at.date()).days
        band = next(i for i, (low, high) in enumerate(AGE_BANDS) if age >= low and (high is None or age <= high))
        counts[(state, band)] = counts.get((state, band), 0) + 1
    states = [s for s in InsuranceClaim.State if s.value not in InsuranceClaim.FINAL_STATES]
    return {
        "bands": AGE_BANDS,
        "rows": [(s.label, [counts.get((s.value, i), 0) for i in range(len(AGE_BANDS))]) for s in states],
    }


def rejection_reasons(*, user: User, year: int) -> list[tuple[str, int]]:
    rows = (
        InsuranceClaim.objects.visible_to(user)
        .filter(state=InsuranceClaim.State.REJECTED, event_date__year=year)
        .values("rejection_reason")
        .annotate(n=Count("pk"))
        .order_by("-n", "rejection_reason")
    )
    labels = dict(InsuranceClaim.RejectionReason.choices)
    return [(str(labels.get(r["rejection_reason"], r["rejection_reason"])), r["n"]) for r in rows]


# ----------------------------------------------------------------------------------------------------- archive


@dataclass
class HouseholdCover:
    lines: list[InsuredLine]
    claims: list[InsuranceClaim]


def household_cover(*, household: Household, today: date) -> HouseholdCover:
    """The household's members' cover this year and their claims (two queries)."""
    lines = list(
        # Through the members (insuredline_member): the line's household is a snapshot without an index of its own.
        InsuredLine.objects.filter(member__household=household, product__year=today.year)
        .select_related("member", "product")
        .order_by("member_id", "product__name")
    )
    claims = list(
        InsuranceClaim.objects.filter(household=household).select_related("member", "product").order_by("-event_date")
    )
    return HouseholdCover(lines, claims)
