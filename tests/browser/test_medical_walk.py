"""Issue 16 walked in Chromium by each role it touches.

County staff add a designated institution. The family doctor signs a contract for a household, records a
green-channel stay with its discharge: the hand-over opens on the doctor's worklist; the doctor's follow-up visit
closes it and opens the contact's step for the village cadre, whose visit closes that. The doctor records a PHQ-9
with item 9 above 0: the urgent message reaches the doctor and the village contact and names only the household.
The village and town cadres and an association member see of that household only that it has a doctor and cards —
never mental-health or disease content, on the household page, its print page and the medical page. The leader's
coverage dashboard shows the green-channel and family-doctor figures the database counts.

Every page is opened in Chinese and English, on a desktop and a 390-pixel phone
(test-artifacts/screenshots/medical_<role>_<lang>_<size>_<page>.png): no sideways scroll on the phone, no raw field
names, no English on a Chinese page. The findings are collected and reported together.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from django.db.models import Exists, OuterRef
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from accounts.roles import Role
from contacts.models import ServicePerson
from households.models import Household, Member
from medical import services as medical_services
from medical.models import ChannelUse, Contract, GreenCard, Institution, MentalAssessment
from reports.services import coverage_snapshot_refresh, medical_snapshot_refresh
from tests.browser.walk import Walk
from tests.conftest import Area, Personas
from tests.factories import AssignmentFactory, HouseholdFactory, MemberFactory, ServicePersonFactory, UserFactory
from visits.engine import overdue_refresh
from visits.models import EventPeriod, Notification, OverdueFlag

pytestmark = pytest.mark.browser

USERNAMES = {"c_staff", "t1_cadre", "v1a_cadre", "c_leader", "v1a_doctor", "v1a_member"}
# Latin words a Chinese page may show: instrument codes, units, file types, the users' login names.
ALLOWED_LATIN = {"PHQ-9", "PHQ", "PDF", "pdf", "xlsx", "Excel", "CSV", "csv", "ID", "OK", "English"} | USERNAMES
# "None." / "None: every rule is kept." / "None this month" are English words; a bare None is a Python value shown.
RAW = re.compile(r"\b(None(?![.:]| this)|nan|[a-z]+_[a-z]+(?:_[a-z]+)*)\b")
# What a cadre, a volunteer or an association member must never read of a household.
HEALTH_WORDS = re.compile(
    r"PHQ|心理|抑郁|评估|自伤|mental|assessment|depress|Diagnos|诊断|疾病|高血压|hypertension|Stay|住院|出院|城北医院",
    re.IGNORECASE,
)


class MedicalWalk(Walk):
    """The medical pages: what they may show. English on a Chinese page is reported apart."""

    shot_name = "medical_{role}_{lang}_{size}_{name}.png"
    usernames = frozenset(USERNAMES)
    allowed_latin = frozenset(ALLOWED_LATIN)
    raw = RAW
    # Data in Chinese (names, places, institutions, the notes typed in) is expected; labels are not.
    data = re.compile(r"[张李王赵陈周医院中心卫生东关城北街道社区村镇区幸福优先挂号复查]")
    english_apart = True


def _fill_date(page: Page, name: str, value: date) -> None:
    field_ = page.locator(f"main form [name={name}]")
    if not field_.is_visible():
        page.locator("main form details summary").first.click()
    field_.fill(value.isoformat())


def _open_flags(household: Household) -> set[str]:
    return set(OverdueFlag.objects.open().filter(household=household).values_list("rule__code", flat=True))


def _status_only(walk: Walk, zhang: Household, pages: dict[str, Page]) -> None:
    """The household page, its print page and the medical page as a cadre or a member reads them: that the household
    has a doctor and cards, nothing of health or mental health; the mental-health page refused."""
    for role, page in pages.items():
        for url, name in (
            (f"/households/{zhang.pk}/", "household"),
            (f"/households/{zhang.pk}/print/", "household_print"),
            (f"/medical/households/{zhang.pk}/", "medical_household"),
        ):
            response = page.goto(url)
            status = response.status if response else None
            if status != 200:
                if name == "household" or role != "member":
                    walk.findings.append(f"{role}: {url} answered {status}")
                continue
            texts = walk.look(page, role, name)
            for way, text in texts.items():
                hit = HEALTH_WORDS.search(text)
                assert hit is None, f"{role}/{way}/{name} shows health content: {hit.group(0)!r}"
            if name != "household_print":
                expect(page.locator("[data-medical-status] [data-status=doctor] .tag.ok")).to_be_visible()
        assert page.goto(f"/medical/mental/households/{zhang.pk}/").status == 403


@pytest.fixture
def walk(browser: Browser, live_server, transactional_db) -> Iterator[Walk]:
    walk = MedicalWalk(browser, live_server.url, users={})
    yield walk
    walk.report("medical_walk.txt")


def test_medical_work_walked_by_each_role(walk: Walk, area: Area, personas: Personas) -> None:
    today = timezone.localdate()
    # ---------------------------------------------------------------- a small county
    doctor_user = UserFactory(username="v1a_doctor", role=Role.FAMILY_DOCTOR, region=area.V1a)
    member_user = UserFactory(username="v1a_member", role=Role.MEMBER, region=area.V1a)
    doctor = ServicePersonFactory(
        name="王医生", role_type=ServicePerson.RoleType.FAMILY_DOCTOR, region=area.V1a, user=doctor_user
    )
    cadre = ServicePersonFactory(name="周丽", region=area.V1a, user=personas.village_cadre)
    zhang = HouseholdFactory(village=area.V1a, number="V1A-0001", registered_on=date(2020, 1, 1), address="幸福路1号")
    MemberFactory(household=zhang, name="张建国", role=Member.Role.HUSBAND, birth_date=date(1958, 2, 1))
    MemberFactory(household=zhang, name="李秀英", role=Member.Role.WIFE, birth_date=date(1962, 3, 1))
    wang = HouseholdFactory(village=area.V1a, number="V1A-0002", registered_on=date(2020, 1, 1))
    wang_h = MemberFactory(household=wang, name="王德明", role=Member.Role.HUSBAND, birth_date=date(1960, 8, 9))
    MemberFactory(household=wang, name="赵桂兰", role=Member.Role.WIFE, birth_date=date(1963, 7, 1))
    chen = HouseholdFactory(village=area.V1b, number="V1B-0001", registered_on=date(2020, 1, 1))
    MemberFactory(household=chen, name="陈玉梅", role=Member.Role.WIFE, birth_date=date(1964, 4, 1))
    for household in (zhang, wang):
        AssignmentFactory(household=household, person=doctor)
        AssignmentFactory(household=household, person=cadre)
    Institution.objects.create(
        county=area.C,
        region=area.T1,
        name="东关街道社区卫生服务中心",
        level=Institution.Level.COMMUNITY,
        responsible_name="李主任",
        rules_summary="优先挂号、优先就诊",
        services=[Institution.Service.REGISTRATION],
    )
    Institution.objects.create(county=area.C, region=area.T1, name="幸福村卫生室", level=Institution.Level.COMMUNITY)
    medical_services.green_card_record(
        actor=personas.county_staff,
        household=wang,
        member=wang_h,
        kind=GreenCard._meta.get_field("kind").choices[0][0],
        number="LT-0002",
        issued_on=today - timedelta(days=100),
        today=today,
    )
    medical_services.discharge_rules_ensure(county=area.C)
    overdue_refresh(as_of=today)
    coverage_snapshot_refresh(as_of=today)

    walk.users.update(
        {
            "county": personas.county_staff,
            "doctor": doctor_user,
            "village": personas.village_cadre,
            "town": personas.town_cadre,
            "member": member_user,
            "leader": personas.leader,
        }
    )

    # ---------------------------------------------------------------- 1. county staff add an institution
    staff = walk.open(personas.county_staff)
    staff.goto("/medical/")
    walk.look(staff, "county", "home")
    staff.goto("/medical/institutions/")
    walk.look(staff, "county", "institutions")
    staff.goto("/medical/institutions/new/")
    walk.look(staff, "county", "institution_form")
    form = staff.locator("main form")
    form.locator("[name=name]").fill("城北医院")
    form.locator("[name=level]").select_option(index=1)
    form.locator("[name=address]").fill("城北路8号")
    form.locator("[name=responsible_name]").fill("赵院长")
    form.locator("[name=responsible_phone]").fill("13900001111")
    form.locator("[name=liaison_name]").fill("陈护士")
    form.locator("[name=rules_summary]").fill("优先挂号、优先住院、减免床位费")
    form.locator("input[name=services]").first.check()
    form.locator("input[name=services]").nth(1).check()
    form.locator("button[type=submit]").click()
    expect(staff).to_have_url(re.compile(r"/medical/institutions/\d+/$"))
    hospital = Institution.objects.get(name="城北医院")
    assert hospital.county_id == area.C.pk
    assert Institution.objects.filter(pk=hospital.pk).working().exists()
    walk.look(staff, "county", "institution_detail")

    # ---------------------------------------------------------------- 2. the family doctor: contract, stay
    doc = walk.open(doctor_user)
    doc.goto(f"/medical/households/{zhang.pk}/")
    walk.look(doc, "doctor", "medical_household_before")
    doc.locator("[data-action=contract]").click()
    walk.look(doc, "doctor", "contract_form")
    doc.locator("main form [name=doctor]").select_option(str(doctor.pk))
    doc.locator("main form button[type=submit]").click()
    expect(doc).to_have_url(re.compile(rf"/medical/households/{zhang.pk}/$"))
    contract = Contract.objects.get(household=zhang)
    assert (contract.doctor_id, contract.status, contract.starts_on) == (doctor.pk, Contract.Status.SIGNED, today)

    admitted, discharged = today - timedelta(days=25), today - timedelta(days=20)
    doc.locator("[data-action=use]").click()
    walk.look(doc, "doctor", "use_form")
    form = doc.locator("main form")
    form.locator("[name=member]").select_option(label="张建国")
    form.locator("[name=institution]").select_option(label="城北医院")
    form.locator("[name=used_on]").fill(admitted.isoformat())
    form.locator("[name=kind]").select_option(ChannelUse.Kind.INPATIENT)
    form.locator("[name=admitted_on]").fill(admitted.isoformat())
    form.locator("[name=discharged_on]").fill(discharged.isoformat())
    form.locator("button[type=submit]").click()
    expect(doc).to_have_url(re.compile(rf"/medical/households/{zhang.pk}/$"))
    use = ChannelUse.objects.get(household=zhang)
    assert (use.discharged_on, use.handover_to_id) == (discharged, doctor.pk)
    codes = set(EventPeriod.objects.filter(household=zhang).values_list("rule__code", flat=True))
    assert {medical_services.HANDOVER, medical_services.DOCTOR_VISIT} <= codes
    walk.look(doc, "doctor", "medical_household_after_stay")

    # The hand-over (due 3 days after the discharge) and the follow-up visit (7 days) are overdue: on the doctor's
    # worklist at once, without waiting for the night.
    assert {medical_services.HANDOVER, medical_services.DOCTOR_VISIT} <= _open_flags(zhang)
    doc.goto("/visits/mine/")
    item = doc.locator(f"[data-worklist] [data-household={zhang.number}]")
    expect(item.locator(f"[data-flag={medical_services.HANDOVER}]")).to_be_visible()
    expect(item.locator(f"[data-flag={medical_services.DOCTOR_VISIT}]")).to_be_visible()
    walk.look(doc, "doctor", "worklist_handover")

    # The doctor's follow-up home visit, ten days before today: both steps close, the contact's step opens
    # (due 7 days after the doctor's visit: overdue today).
    visit_day = today - timedelta(days=10)
    item.locator("[data-log]").click()
    doc.locator("label.choice", has_text=re.compile("入户|Home")).first.click()
    _fill_date(doc, "date", visit_day)
    doc.locator("[data-save]").click()
    expect(doc.locator(".msg-success")).to_be_visible()
    liaison = EventPeriod.objects.get(household=zhang, rule__code=medical_services.LIAISON_VISIT)
    assert (liaison.start, liaison.due) == (visit_day + timedelta(days=1), visit_day + timedelta(days=7))
    flags = _open_flags(zhang)
    assert medical_services.HANDOVER not in flags
    assert medical_services.DOCTOR_VISIT not in flags
    assert medical_services.LIAISON_VISIT in flags
    closed = OverdueFlag.objects.get(household=zhang, rule__code=medical_services.HANDOVER)
    assert closed.closed_reason == OverdueFlag.CloseReason.MET
    expect(
        doc.locator(f"[data-worklist] [data-household={zhang.number}] [data-flag={medical_services.HANDOVER}]")
    ).to_have_count(0)

    # ---------------------------------------------------------------- 3. the village cadre's liaison visit
    village = walk.open(personas.village_cadre)
    village.goto("/visits/mine/")
    item = village.locator(f"[data-worklist] [data-household={zhang.number}]")
    expect(item.locator(f"[data-flag={medical_services.LIAISON_VISIT}]")).to_be_visible()
    walk.look(village, "village", "worklist_liaison")
    item.locator("[data-log]").click()
    village.locator("label.choice", has_text=re.compile("入户|Home")).first.click()
    walk.look(village, "village", "log_form")
    village.locator("[data-save]").click()
    expect(village.locator(".msg-success")).to_be_visible()
    assert medical_services.LIAISON_VISIT not in _open_flags(zhang)
    expect(
        village.locator(f"[data-worklist] [data-household={zhang.number}] [data-flag={medical_services.LIAISON_VISIT}]")
    ).to_have_count(0)

    # ---------------------------------------------------------------- 4. PHQ-9 with item 9 above 0
    doc.goto(f"/medical/mental/households/{zhang.pk}/")
    walk.look(doc, "doctor", "mental_household")
    doc.goto(f"/medical/mental/households/{zhang.pk}/new/phq9/")
    form = doc.locator("main form")
    form.locator("[name=member]").select_option(label="李秀英")
    form.locator("[name=consent]").check()
    for number in range(1, 10):
        form.locator(f"[name=item_{number}]").select_option(str(1 if number in (1, 2, 9) else 0))
    form.locator("[name=risk_level]").select_option(MentalAssessment.Risk.MEDIUM)
    form.locator("[name=action]").fill("一周内再次入户，联系精神科")
    walk.look(doc, "doctor", "phq9_form")
    form.locator("button[type=submit]").click()
    expect(doc).to_have_url(re.compile(r"/medical/mental/assessments/\d+/$"))
    assessment = MentalAssessment.objects.get(household=zhang)
    assert (assessment.score, assessment.urgent) == (3, True)
    walk.look(doc, "doctor", "phq9_assessment")

    for user, page, role in ((doctor_user, doc, "doctor"), (personas.village_cadre, village, "village")):
        message = Notification.objects.get(user=user, kind=Notification.Kind.URGENT_VISIT, household=zhang)
        assert zhang.number in message.message
        assert not HEALTH_WORDS.search(message.message), message.message
        assert "李秀英" not in message.message
        page.goto("/visits/inbox/")
        expect(page.locator("main")).to_contain_text(zhang.number)
        text = walk.look(page, role, "inbox_urgent")
        inbox_line = [line for line in text["zh_desktop"].splitlines() if zhang.number in line]
        for line in inbox_line:
            if HEALTH_WORDS.search(line) or "李秀英" in line:
                walk.findings.append(f"{role} inbox line says more than the household: {line!r}")

    # ---------------------------------------------------------------- 5. cadres and members: status only
    town = walk.open(personas.town_cadre)
    member = walk.open(member_user)
    _status_only(walk, zhang, {"village": village, "town": town, "member": member})

    # ---------------------------------------------------------------- 6. the leader's coverage
    medical_snapshot_refresh(as_of=today)  # the nightly medical step
    coverage_snapshot_refresh(as_of=today)
    leader = walk.open(personas.leader)
    leader.goto("/reports/coverage/")
    walk.look(leader, "leader", "coverage")

    county = Institution.objects.filter(region__path__startswith=area.C.path)
    working, institutions = county.working().count(), county.count()
    living = Member.objects.filter(household__status=Household.Status.ACTIVE, alive=True)
    living = living.filter(household__village__path__startswith=area.C.path)
    dedicated = GreenCard.objects.filter(member=OuterRef("pk"), issued_on__lte=today, withdrawn_on__isnull=True)
    # The county counts the contact card (its default): a member of a household with a current contact holds one.
    from contacts.models import Assignment

    posts = Assignment.objects.current(on=today).filter(household_id=OuterRef("household_id"))
    holders = living.filter(Exists(dedicated) | Exists(posts)).count()
    households = Household.objects.filter(status=Household.Status.ACTIVE, village__path__startswith=area.C.path)
    running = Contract.objects.filter(
        household=OuterRef("pk"), status=Contract.Status.SIGNED, starts_on__lte=today, ends_on__gte=today
    )
    signed = households.filter(Exists(running)).count()
    assert (working, institutions, holders, living.count(), signed, households.count()) == (2, 3, 4, 5, 1, 3)

    def figure(name: str) -> str:
        return " ".join(leader.locator(f"[data-figure={name}]").inner_text().split())

    assert re.search(rf"\b{working}\D+{institutions}\b", figure("institutions")), figure("institutions")
    assert re.search(rf"\b{holders}\D+{living.count()}\b", figure("cards")), figure("cards")
    assert re.search(rf"\b{signed}\D+{households.count()}\b", figure("signed")), figure("signed")
    assert f"{working / institutions:.0%}".rstrip("%") in figure("institutions").replace(" ", "")
    assert figure("unserved") == "0"

    # The town's page and the village's (households counted live) agree with the county's and the database.
    county_figures = {name: figure(name) for name in ("cards", "signed", "unserved")}
    leader.goto(f"/reports/coverage/{area.T1.pk}/")
    walk.look(leader, "leader", "coverage_town")
    leader.goto(f"/reports/coverage/{area.V1a.pk}/")
    walk.look(leader, "leader", "coverage_village")
    v1a_living = living.filter(household__village=area.V1a).count()
    v1a_holders = living.filter(household__village=area.V1a).filter(Exists(dedicated) | Exists(posts)).count()
    assert re.search(rf"\b{v1a_holders}\D+{v1a_living}\b", figure("cards")), figure("cards")
    v1a_households = households.filter(village=area.V1a)
    assert re.search(rf"\b{signed}\D+{v1a_households.count()}\b", figure("signed")), figure("signed")
    assert county_figures["unserved"] == figure("unserved")

    problems = walk.findings + walk.english
    assert not problems, "the walk found:\n" + "\n".join(problems)
