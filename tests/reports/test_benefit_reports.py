"""The benefit reports (issue 14 part 7): every figure recomputed here in plain Python from the rows (an oracle
independent of the reports' SQL), on data built directly with the models — regular batches in every state, paid,
failed and corrected lines (a correction that failed and was corrected again), a line across the new year, lines of
another scheme and of another county, the annual review's cases, relief — then the pages, the exports and the home
page's card compared with it; the scope per role; a constant number of queries; English and Chinese."""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, ROUND_FLOOR, Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.db.backends.postgresql.psycopg_any import DateRange
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from audit.models import AccessEvent
from benefits.models import PayoutBatch, PayoutLine, Relief, ReviewCase, ReviewCycle, Scheme
from households.models import Member
from regions.models import Region
from reports import benefit_exports
from reports.benefits import (
    PLANNED_STATES,
    REFUSED_AT_REVIEW,
    Scope,
    benefit_card,
    failure_report,
    payout_rate_report,
    recipient_report,
    relief_report,
)
from tests.factories import HouseholdFactory, MemberFactory

pytestmark = pytest.mark.django_db

YEAR = 2025
TODAY = date(2025, 11, 20)
CENT = Decimal("0.01")


def _month(y: int, m: int) -> date:
    return date(y, m, 1)


class Builder:
    """Writes batches and lines directly (the payout services are another part's): each line with its months
    [first month, last month], its account and its status."""

    def __init__(self, county: Region) -> None:
        self.county = county
        self.seq = 0

    def batch(self, *, state: str, scheme: str = Scheme.DEATH, start: date, end: date, corrects=None, county=None):
        n = PayoutBatch.objects.filter(corrects=corrects).count() + 1 if corrects else None
        return PayoutBatch.objects.create(
            county=county or self.county,
            scheme=scheme,
            kind=PayoutBatch.Kind.CORRECTION if corrects else PayoutBatch.Kind.REGULAR,
            corrects=corrects,
            correction_number=n,
            period_start=start,
            period_end=end,
            title=f"batch {start:%Y-%m} {state}",
            state=state,
        )

    def line(self, batch, member: Member, amount: str, *, status="planned", reason="", corrects=None, months=None):
        self.seq += 1
        first, last = months or (batch.period_start, batch.period_end)
        count = (last.year - first.year) * 12 + last.month - first.month + 1
        return PayoutLine.objects.create(
            batch=batch,
            seq=self.seq,
            member=member,
            household=member.household,
            scheme=batch.scheme,
            months=DateRange(first, last, "[]"),
            month_count=count,
            amount=Decimal(amount),
            head_name=member.name,
            payee_name=member.name,
            payee_id_number=member.id_number,
            account_number="6217000012345678",
            bank_name="农村信用社",
            village_name="村",
            beneficiary_name=member.name,
            beneficiary_id_number=member.id_number,
            status=status,
            failure_reason=reason,
            corrects=corrects,
            is_regular=corrects is None,
        )


@dataclass
class Built:
    members: dict[str, Member]


@pytest.fixture
def built(area, monkeypatch) -> Built:
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: TODAY)
    h = {
        "a": HouseholdFactory(village=area.V1a),
        "b": HouseholdFactory(village=area.V1a),
        "c": HouseholdFactory(village=area.V1b),
        "d": HouseholdFactory(village=area.V2a),
        "e": HouseholdFactory(village=area.V2a),
        "x": HouseholdFactory(village=area.V3a),  # the sibling county
    }
    m = {
        "a1": MemberFactory(household=h["a"]),
        "a2": MemberFactory(household=h["a"], role="wife"),
        "b1": MemberFactory(household=h["b"]),
        "c1": MemberFactory(household=h["c"]),
        "c2": MemberFactory(household=h["c"], role="wife"),
        "d1": MemberFactory(household=h["d"]),
        "d2": MemberFactory(household=h["d"], role="wife"),
        "e1": MemberFactory(household=h["e"]),
        "x1": MemberFactory(household=h["x"]),
    }
    b = Builder(area.C)
    # January–June, returned and closed: paid, failed open, failed then corrected, failed twice then corrected.
    h1 = b.batch(state=PayoutBatch.State.CLOSED, start=_month(2025, 1), end=_month(2025, 6))
    b.line(h1, m["a1"], "3540.00", status="paid")
    b.line(h1, m["a2"], "3540.00", status="failed", reason="账户已销户")
    failed_b1 = b.line(h1, m["b1"], "3540.00", status="failed", reason="户名与账号不符")
    failed_c1 = b.line(h1, m["c1"], "3540.00", status="failed", reason="账户已销户")
    b.line(h1, m["c2"], "3540.01", status="paid")  # 590.01 × 6 … the fen's remainder on January
    b.line(h1, m["d1"], "3540.00", status="paid")
    b.line(h1, m["d2"], "3540.00", status="failed", reason="账户冻结")
    corr1 = b.batch(state=PayoutBatch.State.RETURNED, start=_month(2025, 1), end=_month(2025, 6), corrects=h1)
    b.line(corr1, m["b1"], "3540.00", status="paid", corrects=failed_b1)
    c1_again = b.line(corr1, m["c1"], "3000.00", status="failed", reason="户名与账号不符", corrects=failed_c1)
    corr2 = b.batch(state=PayoutBatch.State.RETURNED, start=_month(2025, 1), end=_month(2025, 6), corrects=h1)
    b.line(corr2, m["c1"], "2999.99", status="paid", corrects=c1_again)
    # A correction not yet returned: d2's failure stays open.
    corr3 = b.batch(state=PayoutBatch.State.GENERATED, start=_month(2025, 1), end=_month(2025, 6), corrects=h1)
    b.line(corr3, m["d2"], "3540.00", corrects=PayoutLine.objects.get(member=m["d2"], batch=h1))
    # July–September, generated (not yet returned): planned, not paid.
    h2 = b.batch(state=PayoutBatch.State.GENERATED, start=_month(2025, 7), end=_month(2025, 9))
    b.line(h2, m["a1"], "1770.00")
    b.line(h2, m["d1"], "1770.00")
    # October–December, still in review: not planned.
    h3 = b.batch(state=PayoutBatch.State.COUNTY_REVIEW, start=_month(2025, 10), end=_month(2025, 12))
    b.line(h3, m["a1"], "1770.00")
    # December 2024 – January 2025 for e1 (the first month takes the remainder), failed and open.
    h4 = b.batch(state=PayoutBatch.State.RETURNED, start=_month(2024, 12), end=_month(2025, 1))
    b.line(h4, m["e1"], "1180.01", status="failed", reason="账户冻结")
    # Reward assistance in March, paid; and a 2024 line of the death scheme (another year).
    h5 = b.batch(state=PayoutBatch.State.CLOSED, scheme=Scheme.REWARD, start=_month(2025, 3), end=_month(2025, 3))
    b.line(h5, m["a1"], "80.00", status="paid")
    b.line(h5, m["e1"], "80.00", status="paid")
    h6 = b.batch(state=PayoutBatch.State.CLOSED, start=_month(2024, 1), end=_month(2024, 6))
    b.line(h6, m["b1"], "3540.00", status="failed", reason="账户冻结")
    # The sibling county.
    other = b.batch(state=PayoutBatch.State.CLOSED, start=_month(2025, 1), end=_month(2025, 6), county=area.C2)
    b.line(other, m["x1"], "3540.00", status="failed", reason="账户已销户")

    # The annual review of 2025 (and one case of 2024).
    cycle = ReviewCycle.objects.create(
        county=area.C,
        year=YEAR,
        applications_by=date(2025, 1, 15),
        village_by=date(2025, 2, 15),
        town_by=date(2025, 3, 15),
        county_by=date(2025, 3, 31),
    )
    old_cycle = ReviewCycle.objects.create(
        county=area.C,
        year=2024,
        applications_by=date(2024, 1, 15),
        village_by=date(2024, 2, 15),
        town_by=date(2024, 3, 15),
        county_by=date(2024, 3, 31),
    )
    other_cycle = ReviewCycle.objects.create(
        county=area.C2,
        year=YEAR,
        applications_by=date(2025, 1, 15),
        village_by=date(2025, 2, 15),
        town_by=date(2025, 3, 15),
        county_by=date(2025, 3, 31),
    )
    done = {"stage": ReviewCase.Stage.DONE, "decided_on": date(2025, 3, 28)}

    def case(member, kind, outcome=None, reason="", scheme=Scheme.DEATH, cycle=cycle):
        extra = done | {"outcome": outcome} if outcome else {}
        if cycle.year != YEAR and extra:
            extra["decided_on"] = date(cycle.year, 3, 28)
        return ReviewCase.objects.create(
            cycle=cycle, member=member, kind=kind, scheme=scheme, leave_reason=reason, **extra
        )

    case(m["a2"], "new", "confirmed")
    case(m["a2"], "new", "confirmed", scheme=Scheme.REWARD)  # the same person joins twice: counted once
    case(m["b1"], "leaver", "confirmed", "died")
    case(m["c1"], "recheck", "refused")
    case(m["c2"], "new", "refused")
    case(m["d1"], "recheck", "confirmed")  # stays: neither joined nor left
    case(m["d2"], "leaver", "confirmed", "moved_out")
    case(m["e1"], "leaver", "refused", scheme=Scheme.REWARD)
    case(m["a1"], "new")  # pending
    case(m["b1"], "new", "confirmed", cycle=old_cycle)
    case(m["x1"], "new", "confirmed", cycle=other_cycle)

    def relief(household, kind, amount, day, member=None):
        Relief.objects.create(
            household=household,
            member=member,
            kind=kind,
            amount=None if amount is None else Decimal(amount),
            given_on=day,
            source="县计生协",
            approved_by="王主任",
        )

    relief(h["a"], "temporary", "1000.00", date(2025, 2, 1))
    relief(h["a"], "temporary", "500.00", date(2025, 8, 1))
    relief(h["b"], "temporary", "1000.00", date(2025, 2, 1))
    relief(h["c"], "red_cross", "3000.00", date(2025, 5, 1), member=m["c1"])
    relief(h["d"], "festival", None, date(2025, 10, 1))  # goods: no amount
    relief(h["d"], "cake_card", "138.00", date(2025, 6, 1))
    relief(h["e"], "housekeeping", "300.00", date(2025, 12, 31))
    relief(h["e"], "temporary", "800.00", date(2024, 12, 31))  # another year
    relief(h["x"], "temporary", "1000.00", date(2025, 2, 1))  # another county
    return Built(members=m)


# ------------------------------------------------------------------------------------------------ the oracle


def months_of(line: PayoutLine) -> list[date]:
    first = line.months.lower
    last_day = (
        line.months.upper if line.months.upper_inc else line.months.upper.fromordinal(line.months.upper.toordinal() - 1)
    )
    out, y, mo = [], first.year, first.month
    while (y, mo) <= (last_day.year, last_day.month):
        out.append(date(y, mo, 1))
        y, mo = (y + 1, 1) if mo == 12 else (y, mo + 1)
    return out


def shares(amount: Decimal, k: int) -> list[Decimal]:
    base = (amount / k).quantize(CENT, rounding=ROUND_FLOOR)
    return [amount - base * (k - 1)] + [base] * (k - 1)


def settle(line: PayoutLine, corrections: dict[int, PayoutLine]) -> tuple[bool, Decimal]:
    """Follow the correction chain: paid in the end?, and what the paying line paid."""
    while line.status == "failed" and line.pk in corrections:
        line = corrections[line.pk]
    return (True, line.amount) if line.status == "paid" else (False, Decimal(0))


@dataclass
class Cell:
    persons: set
    unpaid: set
    planned: Decimal
    paid: Decimal


def oracle(region: Region, *, year: int = YEAR, scheme: str = "", by_town: bool):
    """(per area, per month, total) as {key: (persons planned, persons paid, money planned, money paid)}; and the
    failures {reason: [lines, amount, open lines, open amount]} — from every line, in Python."""
    every = list(PayoutLine.objects.select_related("batch", "household__village"))
    corrections = {line.corrects_id: line for line in every if line.corrects_id}
    cells: dict = defaultdict(lambda: Cell(set(), set(), Decimal(0), Decimal(0)))
    failures: dict = defaultdict(lambda: [0, Decimal(0), 0, Decimal(0)])
    for line in every:
        village = line.household.village
        if not line.is_regular or line.batch.state not in PLANNED_STATES:
            continue
        if not village.path.startswith(region.path) or (scheme and line.scheme != scheme):
            continue
        months = months_of(line)
        paid, paid_amount = settle(line, corrections)
        planned_shares, paid_shares = shares(line.amount, len(months)), shares(paid_amount, len(months))
        area = village.parent_id if by_town else village.pk
        in_year = [i for i, mo in enumerate(months) if mo.year == year]
        for i in in_year:
            for key in ((area, months[i]), ("area", area), ("month", months[i]), ("total",)):
                cell = cells[key]
                cell.persons.add(line.member_id)
                if not paid:
                    cell.unpaid.add(line.member_id)
                cell.planned += planned_shares[i]
                cell.paid += paid_shares[i]
        if line.status == "failed" and in_year:
            amount = sum(planned_shares[i] for i in in_year)
            f = failures[line.failure_reason]
            f[0] += 1
            f[1] += amount
            if not paid:
                f[2] += 1
                f[3] += amount

    def figures(cell: Cell) -> tuple:
        return (len(cell.persons), len(cell.persons - cell.unpaid), cell.planned, cell.paid)

    return {key: figures(cell) for key, cell in cells.items()}, {k: tuple(v) for k, v in failures.items()}


def _key(f) -> tuple:
    return (f.persons_planned, f.persons_paid, f.amount_planned, f.amount_paid)


# ------------------------------------------------------------------------------------------------ the figures


@pytest.mark.parametrize("scheme", ["", Scheme.DEATH, Scheme.REWARD])
def test_payout_rate_by_town_and_month_is_the_oracles(built, personas, area, scheme):
    report = payout_rate_report(Scope(user=personas.leader, region=area.C, year=YEAR, scheme=scheme))
    cells, _failures = oracle(area.C, scheme=scheme, by_town=True)

    assert _key(report.total) == cells.get(("total",), (0, 0, 0, 0))
    for row in report.rows:
        assert _key(row.figures) == cells.get(("area", row.key), (0, 0, 0, 0)), row.label
    for month, figures in report.months:
        assert _key(figures) == cells.get(("month", month), (0, 0, 0, 0)), month
    for (area_id, month), figures in report.by_area_month.items():
        assert _key(figures) == cells[(area_id, month)]
    assert len(report.by_area_month) == sum(1 for key in cells if len(key) == 2 and key[0] not in ("area", "month"))


def test_payout_rate_known_values(built, personas, area):
    """A few figures by hand, so the oracle itself is checked: T1's January and the county's year."""
    report = payout_rate_report(Scope(user=personas.leader, region=area.C, year=YEAR))
    january = dict(report.months)[date(2025, 1, 1)]
    # a1 paid, a2 open, b1 corrected, c1 corrected twice, c2 paid, d1 paid, d2 open (correction pending), e1 open.
    assert (january.persons_planned, january.persons_paid) == (8, 5)
    # c2's 3540.01 puts its fen in January (590.01); e1's 1180.01 puts its fen in December 2024.
    assert january.amount_planned == Decimal("590.00") * 7 + Decimal("590.01")
    # a1, b1 (its correction), d1 590 each, c2 590.01; c1's second correction paid 2999.99: 500.04 in January.
    assert january.amount_paid == Decimal("590.00") * 3 + Decimal("590.01") + Decimal("500.04")
    t1 = {row.label: row.figures for row in report.rows}["东关街道"]
    # a1 (July–September not yet returned) and a2 (open) unpaid; b1, c1 (corrected) and c2 paid.
    assert (t1.persons_planned, t1.persons_paid) == (5, 3)
    assert t1.person_pct == "60.0%"
    assert report.total.money_rate < 1


def test_failures_by_reason_are_the_oracles(built, personas, area):
    report = failure_report(Scope(user=personas.county_staff, region=area.C, year=YEAR))
    _cells, failures = oracle(area.C, by_town=True)

    assert {reason: (f.lines, f.amount, f.open_lines, f.open_amount) for reason, f in report.reasons} == failures
    assert report.total.lines == 5  # a2, b1, c1, d2 (January–June) and e1 (its January)
    assert report.total.open_lines == 3  # a2, d2 (its correction not yet returned), e1
    assert report.total.corrected_lines == 2  # b1; c1 after a second correction
    assert dict(report.reasons)["账户冻结"].amount == Decimal("3540.00") + Decimal("590.00")  # e1: January only


def _recipients_oracle(region: Region, *, by_town: bool, scheme: str = ""):
    joined, left, refused = defaultdict(set), defaultdict(set), defaultdict(set)
    reasons: dict = defaultdict(lambda: defaultdict(set))
    for c in ReviewCase.objects.select_related("cycle", "member__household__village"):
        village = c.member.household.village
        if c.cycle.year != YEAR or not village.path.startswith(region.path) or c.outcome == "pending":
            continue
        if scheme and c.scheme != scheme:
            continue
        for key in (village.parent_id if by_town else village.pk, "total"):
            if c.kind == "new":
                (joined if c.outcome == "confirmed" else refused)[key].add(c.member_id)
            elif c.outcome == "refused":
                left[key].add(c.member_id)
                reasons[key][REFUSED_AT_REVIEW].add(c.member_id)
            elif c.kind == "leaver":
                left[key].add(c.member_id)
                reasons[key][c.leave_reason].add(c.member_id)
    return joined, left, refused, reasons


def test_joined_and_left_are_the_oracles(built, personas, area):
    report = recipient_report(Scope(user=personas.leader, region=area.C, year=YEAR))
    joined, left, refused, reasons = _recipients_oracle(area.C, by_town=True)

    for key, f in [*((row.key, row.figures) for row in report.rows), ("total", report.total)]:
        assert (f.joined, f.left, f.refused_applications) == (len(joined[key]), len(left[key]), len(refused[key]))
        assert {k: n for k, n in f.left_by_reason.items() if n} == {k: len(v) for k, v in reasons[key].items()}
    assert (report.total.joined, report.total.left, report.total.refused_applications) == (1, 4, 1)
    assert report.total.left_by_reason == {
        "died": 1,
        "other_child": 0,
        "moved_out": 1,
        "child_recovered": 0,
        "not_eligible": 0,
        "other": 0,
        REFUSED_AT_REVIEW: 2,
    }


def test_relief_by_kind_is_the_oracles(built, personas, area):
    report = relief_report(Scope(user=personas.leader, region=area.C, year=YEAR))
    expected: dict = defaultdict(lambda: [0, set(), Decimal(0)])
    for r in Relief.objects.select_related("household__village"):
        village = r.household.village
        if r.given_on.year != YEAR or not village.path.startswith(area.C.path):
            continue
        for key in ((village.parent_id, r.kind), ("kind", r.kind), (village.parent_id, "total"), ("total",)):
            expected[key][0] += 1
            expected[key][1].add(r.household_id)
            expected[key][2] += r.amount or 0

    def as_tuple(key):
        n, households, amount = expected.get(key, [0, set(), Decimal(0)])
        return (n, len(households), amount)

    assert [(k, (f.records, f.households, f.amount)) for k, _l, f in report.kinds] == [
        (k, as_tuple(("kind", k))) for k in Relief.Kind.values
    ]
    assert (report.total.records, report.total.households, report.total.amount) == as_tuple(("total",))
    assert report.total.amount == Decimal("5938.00")
    for a in report.areas:
        assert (a.total.records, a.total.households, a.total.amount) == as_tuple((a.row.key, "total"))
        for kind, _label, f in a.kinds:
            assert (f.records, f.households, f.amount) == as_tuple((a.row.key, kind))


# ------------------------------------------------------------------------------- pages, exports, the home card


def _figure(content: bytes, name: str) -> str:
    marker = f'data-figure="{name}">'.encode()
    return content.split(marker, 1)[1].split(b"<", 1)[0].decode()


def test_the_home_card_and_the_pages_agree(built, personas, area, client_for):
    client = client_for(personas.leader)
    home = client.get(reverse("portal:home")).content
    payouts = client.get(reverse("reports:benefits", args=["payouts"])).content
    failures = client.get(reverse("reports:benefits", args=["failures"])).content
    card = benefit_card(user=personas.leader, year=YEAR)

    assert _figure(home, "benefit-person-rate") == _figure(payouts, "person-rate") == card.payouts.person_pct
    assert _figure(home, "benefit-money-rate") == _figure(payouts, "money-rate") == card.payouts.money_pct
    assert _figure(home, "benefit-open-failures") == _figure(failures, "open") == "3"
    cells, _ = oracle(area.C, by_town=True)
    persons, paid, *_ = cells[("total",)]
    assert card.payouts.person_pct == f"{(Decimal(paid * 100) / persons).quantize(Decimal('0.1'), ROUND_DOWN)}%"


@pytest.mark.parametrize("report", ["payouts", "failures", "recipients", "relief"])
def test_every_export_holds_the_pages_figures_and_is_logged(built, personas, area, client_for, report):
    client = client_for(personas.town_cadre)
    response = client.get(reverse("reports:benefits_export", args=[report]), {"year": YEAR})

    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert all(cell.data_type != "f" for sheet in book.worksheets for row in sheet.iter_rows() for cell in row)
    first = list(book.worksheets[0].iter_rows(values_only=True))
    scope = Scope(user=personas.town_cadre, region=area.T1, year=YEAR)
    if report == "payouts":
        r = payout_rate_report(scope)
        assert first[-1][1:3] == (r.total.persons_planned, r.total.persons_paid)
        assert Decimal(str(first[-1][5])) == r.total.amount_paid
        assert [row[0] for row in first[2:-1]] == ["东关社区", "大众街社区"]
    elif report == "failures":
        r = failure_report(scope)
        assert (first[-1][1], first[-1][3]) == (r.total.lines, r.total.open_lines)
    elif report == "recipients":
        r = recipient_report(scope)
        assert first[-1][1:3] == (r.total.joined, r.total.left)
    else:
        r = relief_report(scope)
        assert first[-1][1:3] == (r.total.records, r.total.households)
    event = AccessEvent.objects.get(action=AccessEvent.Action.EXPORT)
    assert (event.actor, event.region_path, event.detail["report"]) == (
        personas.town_cadre,
        area.T1.path,
        f"benefits_{report}",
    )


def test_the_scheme_and_year_filter_the_page(built, personas, area, client_for):
    client = client_for(personas.county_staff)
    reward = client.get(reverse("reports:benefits", args=["payouts"]), {"year": YEAR, "scheme": "reward"}).content
    assert _figure(reward, "persons-planned") == "2"
    assert _figure(reward, "person-rate") == "100.0%"
    last_year = client.get(reverse("reports:benefits", args=["failures"]), {"year": 2024}).content
    assert _figure(last_year, "failed") == "2"  # b1's 2024 line, e1's December


def test_bad_filter_input_is_refused_with_a_message(built, personas, area, client_for):
    client = client_for(personas.county_staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("reports:benefits", args=["payouts"]), {"year": "1850", "scheme": "bogus"})
    assert response.status_code == 200
    assert b"Choose a year from 2008 to 2026." in response.content
    assert b"Select a valid choice" in response.content
    assert b'data-figure="persons-planned">8<' in response.content  # this year's figures meanwhile


# ------------------------------------------------------------------------------------------------- the scope

MATRIX_URLS = {"reports:benefits_region", "reports:benefits_region_export"}


@pytest.mark.parametrize(
    ("persona", "region", "status"),
    [
        ("town_cadre", "T2", 404),
        ("town_cadre", "V2a", 404),
        ("village_cadre", "V1b", 404),
        ("village_cadre", "T1", 404),
        ("other_county_staff", "C", 404),
        ("other_county_staff", "V1a", 404),
        ("no_area", "C", 404),
        ("leader", "C2", 404),
        ("town_cadre", "V1b", 200),
        ("village_cadre", "V1a", 200),
        ("leader", "V2a", 200),
        ("county_staff", "C", 200),
    ],
)
def test_area_scope_matrix(built, personas, area, client_for, persona, region, status):
    client = client_for(getattr(personas, persona))
    pk = getattr(area, region).pk
    for name in sorted(MATRIX_URLS):
        for report in ("payouts", "failures", "recipients", "relief"):
            assert client.get(reverse(name, args=[report, pk])).status_code == status, (name, report)
            assert client.post(reverse(name, args=[report, pk])).status_code in (405, 404), (name, report)
    exports = AccessEvent.objects.filter(action=AccessEvent.Action.EXPORT).count()
    assert exports == (0 if status == 404 else 4)


@pytest.mark.parametrize(
    ("persona", "rows"),
    [
        ("county_staff", ["东关街道", "清真巷街道"]),
        ("leader", ["东关街道", "清真巷街道"]),
        ("town_cadre", ["东关社区", "大众街社区"]),
        ("village_cadre", ["东关社区"]),
    ],
)
def test_each_role_sees_its_own_area(built, personas, area, client_for, persona, rows):
    user = getattr(personas, persona)
    response = client_for(user).get(reverse("reports:benefits_home"))  # the navigation's entry: the payout rate
    assert response.status_code == 200
    assert [row.label for row in response.context["r"].rows] == rows
    cells, _ = oracle(user.region, by_town=user.region.level == "county")
    assert _figure(response.content, "persons-planned") == str(cells[("total",)][0])
    assert _figure(response.content, "amount-paid") == str(cells[("total",)][3])


def test_the_village_cadres_figures_are_the_villages_alone(built, personas, area):
    v = payout_rate_report(Scope(user=personas.village_cadre, region=area.V1a, year=YEAR)).total
    # A town cadre asking for the whole county gets only the town: the reader's area bounds the region asked.
    wide = payout_rate_report(Scope(user=personas.town_cadre, region=area.C, year=YEAR)).total
    t1 = payout_rate_report(Scope(user=personas.town_cadre, region=area.T1, year=YEAR)).total
    assert (v.persons_planned, v.persons_paid) == (3, 1)  # a1 (July not returned), a2 (open) unpaid; b1 corrected
    assert _key(wide) == _key(t1)


def test_a_role_without_the_reports_gets_403(built, area, client_for):
    from tests.factories import UserFactory

    doctor = UserFactory(role="family_doctor", region=area.C)
    assert client_for(doctor).get(reverse("reports:benefits", args=["payouts"])).status_code == 403
    assert client_for(doctor).get(reverse("reports:benefits", args=["unknown"])).status_code == 404
    home = client_for(doctor).get(reverse("portal:home"))
    assert b"data-benefits" not in home.content


# ------------------------------------------------------------------------------------ queries and languages


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, {"year": YEAR}).status_code == 200
    return len(captured)


@pytest.mark.parametrize("report", ["payouts", "failures", "recipients", "relief"])
def test_a_constant_number_of_queries(built, personas, area, client_for, report):
    client = client_for(personas.county_staff)
    url = reverse("reports:benefits", args=[report])
    _queries(client, url)  # the session's first request reads more (the login's bookkeeping)
    few = _queries(client, url)
    # Many more rows in every table: more persons, batches, lines, corrections, cases, relief.
    b = Builder(area.C)
    b.seq = 1000
    cycle = ReviewCycle.objects.get(county=area.C, year=YEAR)
    batch = b.batch(state=PayoutBatch.State.RETURNED, start=_month(2025, 10), end=_month(2025, 11))
    corr = b.batch(state=PayoutBatch.State.RETURNED, start=_month(2025, 10), end=_month(2025, 11), corrects=batch)
    for i, village in enumerate([area.V1a, area.V1b, area.V2a] * 4):
        member = MemberFactory(household=HouseholdFactory(village=village))
        line = b.line(batch, member, "1180.00", status="failed" if i % 2 else "paid", reason="冻结" if i % 2 else "")
        if i % 4 == 1:
            b.line(corr, member, "1180.00", status="paid", corrects=line)
        ReviewCase.objects.create(
            cycle=cycle,
            member=member,
            kind="leaver",
            scheme=Scheme.DEATH,
            leave_reason="died",
            stage="done",
            outcome="confirmed",
            decided_on=date(2025, 3, 1),
        )
        Relief.objects.create(
            household=member.household,
            kind="festival",
            amount=200,
            given_on=date(2025, 9, 1),
            source="县",
            approved_by="王",
        )
    assert _queries(client, url) == few


def test_home_page_queries_do_not_grow_with_the_data(built, personas, area, client_for):
    client = client_for(personas.leader)
    client.get(reverse("portal:home"))  # the session's first request reads more (the login's bookkeeping)
    with CaptureQueriesContext(connection) as before:
        client.get(reverse("portal:home"))
    b = Builder(area.C)
    b.seq = 2000
    batch = b.batch(state=PayoutBatch.State.CLOSED, start=_month(2025, 10), end=_month(2025, 10))
    for village in (area.V1a, area.V2a, area.V1b):
        b.line(batch, MemberFactory(household=HouseholdFactory(village=village)), "590.00", status="paid")
    with CaptureQueriesContext(connection) as after:
        client.get(reverse("portal:home"))
    assert len(after) == len(before)


@pytest.mark.parametrize("report", ["payouts", "failures", "recipients", "relief"])
def test_pages_in_english_and_chinese(built, personas, client_for, report):
    client = client_for(personas.leader)
    chinese = client.get(reverse("reports:benefits", args=[report])).content.decode()
    assert 'lang="zh-hans"' in chinese
    assert "合计" in chinese  # "Total"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(reverse("reports:benefits", args=[report])).content.decode()
    assert 'lang="en"' in english
    assert "Benefit reports" in english
    assert "Total" in english
    titles = {"payouts": "Payout rate", "failures": "Failed payments", "recipients": "Joined and left"}
    assert titles.get(report, "Relief by kind") in english


def test_the_export_speaks_the_readers_language(built, personas, area):
    report = payout_rate_report(Scope(user=personas.leader, region=area.C, year=YEAR))
    with translation.override("en"):
        english = load_workbook(io.BytesIO(benefit_exports.payout_rate_xlsx(report)))
    assert english.sheetnames == ["By area", "By month", "By area and month"]
    assert list(english.worksheets[0].iter_rows(values_only=True))[1][:2] == ("Area", "Persons planned")
    with translation.override("zh-hans"):
        chinese = load_workbook(io.BytesIO(benefit_exports.payout_rate_xlsx(report)))
    assert list(chinese.worksheets[0].iter_rows(values_only=True))[-1][0] == "合计"
