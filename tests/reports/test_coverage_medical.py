"""三个全覆盖 complete (issue 16 part 8): the coverage dashboard's green-channel coverage (institutions with a working
channel; members holding a card) and family-doctor coverage (willing households signed; signed but not served),
with health checks, on the county's, a town's and a village's page and in the export — every figure recomputed
here from the rows in plain Python (an oracle independent of the snapshot's SQL and the village page's ORM); the
nightly medical step run twice leaves the same data."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from contacts.models import Assignment
from households.models import Household, Member
from medical.models import Contract, GreenCard, HealthCheck, Institution, MedicalSettings
from medical.services import DOCTOR_VISIT, channel_use_record, discharge_rules_ensure, settings_for
from portal.tasks import nightly_pipeline_run
from regions.models import Region
from reports.models import MedicalSnapshot
from reports.selectors import coverage_dashboard
from reports.services import coverage_snapshot_refresh, medical_nightly_run
from tests.factories import AssignmentFactory, HouseholdFactory, MemberFactory, ServicePersonFactory
from visits.models import EventPeriod, Visit
from visits.services import ruleset_create_default

pytestmark = pytest.mark.django_db

AS_OF = date(2025, 11, 20)
OLD = date(2020, 1, 1)


def _institution(area, region, name, **kw):
    fields = {
        "county": area.C,
        "region": region,
        "name": name,
        "level": Institution.Level.TOWNSHIP,
        "responsible_name": "负责人",
        "rules_summary": "优先挂号",
        "services": [Institution.Service.REGISTRATION],
        **kw,
    }
    return Institution.objects.create(**fields)


def _contract(household, doctor, starts_on, **kw):
    return Contract.objects.create(
        household=household,
        doctor=doctor,
        starts_on=starts_on,
        ends_on=kw.pop("ends_on", starts_on + timedelta(days=364)),
        packages=["basic"],
        **kw,
    )


@pytest.fixture
def built(area, monkeypatch):
    """V1a: a signed and served household with a card holder and a checked 60+ member; one signed long ago and
    never contacted (not served); one that refused (its last contract ended as refused); one never signed whose
    certificate counts as a card; one closed. V1b: a household whose contact card counts (an assignment), signed
    recently (not yet 90 days: served by definition). V2a: one household with a withdrawn card. Institutions: the
    county hospital (working), T1's health centre (no responsible person: not working), V1a's clinic (working),
    an inactive one in T2. The other county has its own, counted on its own pages only."""
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: AS_OF)
    ruleset_create_default(county=area.C)
    doctor = ServicePersonFactory(role_type="family_doctor", region=area.V1a)
    doctor_b = ServicePersonFactory(role_type="family_doctor", region=area.V1b)
    h = {
        "served": HouseholdFactory(village=area.V1a, registered_on=OLD, number="M1"),
        "unserved": HouseholdFactory(village=area.V1a, registered_on=OLD, number="M2"),
        "refused": HouseholdFactory(village=area.V1a, registered_on=OLD, number="M3"),
        "cert": HouseholdFactory(village=area.V1a, registered_on=OLD, number="M4", certificate_number="特扶-001"),
        "closed": HouseholdFactory(
            village=area.V1a,
            registered_on=OLD,
            number="M5",
            status="closed",
            closed_on=date(2025, 6, 1),
            closed_reason="moved_away",
        ),
        "assigned": HouseholdFactory(village=area.V1b, registered_on=OLD, number="M6"),
        "withdrawn": HouseholdFactory(village=area.V2a, registered_on=OLD, number="M7"),
    }
    m = {}
    for key, household in h.items():
        m[key, "old"] = MemberFactory(household=household, role=Member.Role.HUSBAND, birth_date=date(1955, 5, 1))
        m[key, "young"] = MemberFactory(household=household, role=Member.Role.WIFE, birth_date=date(1970, 5, 1))
    m["served", "young"].alive = False
    m["served", "young"].death_date = date(2024, 1, 1)
    m["served", "young"].save()
    GreenCard.objects.create(household=h["served"], member=m["served", "old"], kind="love", issued_on=date(2024, 1, 1))
    GreenCard.objects.create(
        household=h["withdrawn"],
        member=m["withdrawn", "old"],
        kind="love",
        issued_on=date(2024, 1, 1),
        withdrawn_on=date(2025, 3, 1),
    )
    GreenCard.objects.create(household=h["closed"], member=m["closed", "old"], kind="love", issued_on=OLD)
    AssignmentFactory(household=h["assigned"], person=doctor_b, start_date=date(2024, 1, 1))
    _contract(h["served"], doctor, date(2025, 1, 1))
    _contract(h["unserved"], doctor, date(2025, 2, 1))
    _contract(
        h["refused"],
        doctor,
        date(2024, 1, 1),
        status="ended",
        ended_on=date(2024, 8, 1),
        end_reason=Contract.EndReason.REFUSED,
    )
    _contract(h["assigned"], doctor_b, AS_OF - timedelta(days=30))
    Visit.objects.create(
        household=h["served"],
        date=AS_OF - timedelta(days=20),
        method=Visit.Method.PHONE,
        visitor_role=Visit.VisitorRole.FAMILY_DOCTOR,
        visitor_name="医生",
    )
    Visit.objects.create(  # a cadre's visit does not serve the doctor's contract
        household=h["unserved"],
        date=AS_OF - timedelta(days=5),
        method=Visit.Method.HOME,
        visitor_role=Visit.VisitorRole.VILLAGE_CADRE,
        visitor_name="干部",
    )
    HealthCheck.objects.create(
        household=h["served"], member=m["served", "old"], checked_on=date(2025, 4, 1), items=["blood"]
    )
    HealthCheck.objects.create(  # last year's does not count
        household=h["unserved"], member=m["unserved", "old"], checked_on=date(2024, 4, 1), items=["blood"]
    )
    _institution(area, area.C, "县人民医院", level=Institution.Level.COUNTY)
    _institution(area, area.T1, "东关卫生院", responsible_name="")
    _institution(area, area.V1a, "东关社区卫生室", level=Institution.Level.VILLAGE_CLINIC)
    _institution(area, area.T2, "清真巷卫生院", active=False)
    Institution.objects.create(county=area.C2, region=area.T3, name="西关卫生院", level="township")
    medical_nightly_run(as_of=AS_OF)
    coverage_snapshot_refresh(as_of=AS_OF)
    return h


# ---- the oracle: plain Python over the rows ---------------------------------------------------------------------


def _within(region: Region, path: str) -> bool:
    return path.startswith(region.path)


def oracle(region: Region, on: date) -> dict[str, int]:
    conf = settings_for(Region.objects.county_of(region.path))  # the county's settings as saved
    roster = [
        h
        for h in Household.objects.select_related("village")
        if h.village
        and _within(region, h.village.path)
        and h.registered_on <= on
        and (h.status == "active" or (h.closed_on and h.closed_on > on))
    ]
    ids = {h.pk for h in roster}
    contracts = [c for c in Contract.objects.all() if c.household_id in ids]
    visits = [v for v in Visit.objects.all() if v.household_id in ids]
    assignments = [a for a in Assignment.objects.all() if a.household_id in ids]
    cards = list(GreenCard.objects.all())
    checks = list(HealthCheck.objects.all())
    f = dict.fromkeys(("persons", "card_holders", "willing", "signed", "unserved", "checks_due", "checks_done"), 0)
    since = on - timedelta(days=conf.unserved_days)
    for h in roster:
        mine = [c for c in contracts if c.household_id == h.pk]
        running = [c for c in mine if c.status == "signed" and c.starts_on <= on <= c.ends_on]
        started = [c for c in mine if c.starts_on <= on]
        last = max(started, key=lambda c: (c.ended_on or c.ends_on, c.pk), default=None)
        refused = (
            not running
            and last is not None
            and last.status == "ended"
            and last.end_reason
            in (
                "refused",
                "resident",
            )
        )
        served = any(
            v.household_id == h.pk
            and v.visitor_role == "family_doctor"
            and v.method in ("home", "phone", "online")
            and since < v.date <= on
            for v in visits
        )
        f["willing"] += not refused
        f["signed"] += bool(running)
        f["unserved"] += any(c.starts_on <= since for c in running) and not served
        assigned = any(
            a.household_id == h.pk and a.start_date <= on and (a.end_date is None or a.end_date > on)
            for a in assignments
        )
        for member in Member.objects.filter(household=h, alive=True):
            f["persons"] += 1
            carded = any(
                c.member_id == member.pk and c.issued_on <= on and (c.withdrawn_on is None or c.withdrawn_on > on)
                for c in cards
            )
            f["card_holders"] += (
                carded
                or (conf.certificate_counts and bool(h.certificate_number))
                or (conf.contact_card_counts and assigned)
            )
            due = member.birth_date is not None and on.year - member.birth_date.year >= conf.check_age
            f["checks_due"] += due
            f["checks_done"] += due and any(k.member_id == member.pk and k.checked_on.year == on.year for k in checks)
    institutions = [i for i in Institution.objects.select_related("region") if _within(region, i.region.path)]
    f["institutions"] = len(institutions)
    f["institutions_working"] = sum(
        i.active and bool(i.responsible_name) and bool(i.services) and bool(i.rules_file or i.rules_summary)
        for i in institutions
    )
    return f


FIELDS = (
    "institutions",
    "institutions_working",
    "persons",
    "card_holders",
    "willing",
    "signed",
    "unserved",
    "checks_due",
    "checks_done",
)


def _figures(figures) -> dict[str, int]:
    return {name: getattr(figures, name) for name in FIELDS}


@pytest.mark.parametrize("where", ["C", "T1", "T2", "V1a", "V1b", "C2"])
def test_every_figure_against_the_oracle(built, area, personas, where):
    region = getattr(area, where)
    user = personas.other_county_staff if where == "C2" else personas.county_staff
    d = coverage_dashboard(user=user, region=region, as_of=AS_OF)
    assert _figures(d.total) == oracle(region, AS_OF)
    for row in d.rows:
        if row.region is not None:  # each child region's row is its own page's total
            assert _figures(row.figures) == oracle(row.region, AS_OF), row.label


def test_the_known_figures(built, area, personas):
    d = coverage_dashboard(user=personas.county_staff, region=area.C, as_of=AS_OF)
    # 6 households on the roster (M5 closed); the refused one is not willing; M1, M2, M6 signed; M2 not served.
    assert (d.total.willing, d.total.signed, d.total.unserved) == (5, 3, 1)
    assert (d.total.institutions, d.total.institutions_working) == (4, 2)
    # Living members 11: the card of M1's husband, M4's two by the certificate, M6's two by the contact card.
    assert (d.total.persons, d.total.card_holders) == (11, 5)
    assert (d.total.checks_due, d.total.checks_done) == (6, 1)
    village = coverage_dashboard(user=personas.county_staff, region=area.V1a, as_of=AS_OF)
    by_number = {row.label: row for row in village.rows}
    assert by_number["M3"].refused_doctor
    assert by_number["M2"].figures.unserved == 1
    assert (village.total.institutions, village.total.institutions_working) == (1, 1)


def test_the_countys_setting_changes_what_counts(built, area, personas):
    MedicalSettings.objects.create(county=area.C, certificate_counts=False, contact_card_counts=False, check_age=65)
    medical_nightly_run(as_of=AS_OF)
    for region in (area.C, area.V1a):
        d = coverage_dashboard(user=personas.county_staff, region=region, as_of=AS_OF)
        assert _figures(d.total) == oracle(region, AS_OF)
    assert coverage_dashboard(user=personas.county_staff, region=area.C, as_of=AS_OF).total.card_holders == 1


def test_a_doctors_visit_shows_at_once_in_the_village(built, area, personas):
    Visit.objects.create(
        household=built["unserved"],
        date=AS_OF,
        method=Visit.Method.HOME,
        visitor_role=Visit.VisitorRole.FAMILY_DOCTOR,
        visitor_name="医生",
    )
    coverage_snapshot_refresh(as_of=AS_OF, village_ids=[area.V1a.pk])  # what a visit there queues
    d = coverage_dashboard(user=personas.county_staff, region=area.C, as_of=AS_OF)
    assert d.total.unserved == 0
    assert _figures(d.total) == oracle(area.C, AS_OF)


def test_the_nightly_run_twice_leaves_the_data_whole(built, area, family_for_discharge):
    def state():
        return (
            sorted(
                MedicalSnapshot.objects.values_list(
                    "village_id",
                    "persons",
                    "card_holders",
                    "willing",
                    "signed",
                    "unserved",
                    "checks_due",
                    "checks_done",
                )
            ),
            sorted(EventPeriod.objects.values_list("household_id", "rule__code", "key", "start", "due")),
        )

    first = nightly_pipeline_run(as_of=AS_OF)
    assert first["medical"]["discharges_advanced"] == 1
    once = state()
    second = nightly_pipeline_run(as_of=AS_OF)
    assert second["medical"]["discharges_advanced"] == 0
    assert state() == once
    assert "medical" in second["seconds"]


@pytest.fixture
def family_for_discharge(built, area, personas):
    """A stay discharged on 10 November whose doctor's follow-up visit is logged: the night opens the contact's
    step once."""
    household = built["served"]
    institution = Institution.objects.get(name="县人民医院")
    discharge_rules_ensure(county=area.C)
    channel_use_record(
        actor=personas.county_staff,
        household=household,
        member=household.members.filter(alive=True).first(),
        institution=institution,
        used_on=date(2025, 11, 1),
        kind="inpatient",
        admitted_on=date(2025, 11, 1),
        discharged_on=date(2025, 11, 10),
        today=AS_OF,
    )
    Visit.objects.create(
        household=household,
        date=date(2025, 11, 12),
        method=Visit.Method.HOME,
        visitor_role=Visit.VisitorRole.FAMILY_DOCTOR,
        visitor_name="医生",
    )
    assert EventPeriod.objects.filter(rule__code=DOCTOR_VISIT).exists()
    return household


def test_the_pages_and_the_export(built, area, personas, client_for):
    client = client_for(personas.leader)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("reports:coverage")).content.decode()
    assert "Willing households signed with a family doctor" in html
    assert 'data-figure="unserved">1<' in html
    town = client.get(reverse("reports:coverage_region", args=[area.T1.pk])).content.decode()
    assert "Members holding a green-channel card" in town
    village = client.get(reverse("reports:coverage_region", args=[area.V1a.pk])).content.decode()
    assert "not served" in village
    assert "refused" in village
    response = client.get(reverse("reports:coverage_export"))
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[1]
    total = rows[-1]
    assert total[header.index("Signed but not served")] == 1
    assert total[header.index("Willing households")] == 5
    assert total[header.index("Institutions with a working green channel")] == 2
    with translation.override("zh-hans"):
        zh = client_for(personas.leader)
        zh.cookies["django_language"] = "zh-hans"
        assert zh.get(reverse("reports:coverage")).status_code == 200
