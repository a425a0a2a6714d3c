"""Issue 15 walked in Chromium: the insurance cycle done through the pages by each role it touches.

County staff create this year's hospital-nursing product (200 yuan a day, at most 30 days a stay, a 30-day waiting
period, hospitals of grade 2 and above), run the enrolment and export the list for the insurer (ID numbers masked).
The village cadre reports a hospital stay within 48 hours and sees its document checklist, attaches the scans; county
staff move it collecting → submitted → more documents asked (the village contact reads the follow-up in the inbox)
→ documents received → submitted again → paid, the amount within the computed benefit shown beside it. The town
cadre reports a stay at a grade-1 hospital, flagged and then rejected with a reason; a stay reported late is
accepted and flagged; county staff report a long stay in the other town (capped at 30 days). The leader reads the
insurance reports: the monthly count and amount equal a count made with the ORM here; the benefits home card's open
claims agree with the claims list and the report's open-claims table, for each role's area.

Every page each role visited is opened in Chinese and English, on a desktop and a 390-pixel phone: a screenshot of
each (test-artifacts/screenshots/<role>_<lang>_<size>_<page>.png), no horizontal scroll on the phone, no English
words on a Chinese page, no raw field names. The findings are collected and reported together.
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from benefits.insurance.benefit import stay_days
from benefits.models import ClaimDocument, InsuranceClaim, InsuranceProduct, InsuredLine
from households.models import Household, Member
from tests.browser.walk import Walk
from tests.conftest import Area, Personas
from tests.factories import AssignmentFactory, HouseholdFactory, MemberFactory, ServicePersonFactory
from visits.models import Notification

pytestmark = pytest.mark.browser

TODAY = timezone.localdate()
YEAR = TODAY.year
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
USERNAMES = {"c_staff", "t1_cadre", "v1a_cadre", "c_leader"}
# Latin a Chinese page may show: codes, units, file types, the users' login names, the age bands' signs.
ALLOWED_LATIN = {"PDF", "pdf", "xlsx", "Excel", "CSV", "csv", "ID", "OK", "English", "ICU", "JPEG", "PNG", "MB"}
ALLOWED_LATIN |= USERNAMES
# Strings of other apps still untranslated in the catalogue (medical pages, being written): reported, not failed.
ELSEWHERE = {"Medical care"}
# "None." is the English word of an empty section; a bare None is a Python value shown.
RAW = re.compile(r"\b(None(?!\.)|nan|[a-z]+_[a-z]+(?:_[a-z]+)*)\b")
# Data in Chinese (names, places, the product, hospitals, the cadres' notes) is expected on an English page.
DATA = re.compile(
    r"张建国|李秀英|王德明|赵桂兰|刘志强|陈玉梅|孙大海|周凤英|周丽|城东区|东关|大众街|清真巷|住院护理险|中国人寿|"
    r"人民医院|卫生院|卫生服务|补充|诊断|保险公司|已付|等级|逾期|幸福路"
)
# A Chinese term glossed in brackets (身份证, 二级), the monthly form's names, the language switch: meant.
GLOSS = re.compile(r"[(（][^)）]*[\u4e00-\u9fff][^)）]*[)）]|简体中文|一卡通|保险理赔|例|金额")

# Defects found by this walk outside the insurance templates and not fixed yet, warned about here (none now: the
# scan field's help text, formatted once at import, is said when shown since 07b6fdb).
KNOWN: tuple[str, ...] = ()

HOSPITAL = "城东区人民医院"
CLINIC = "东关社区卫生服务中心"
PROVINCE = "青海省人民医院"


@dataclass
class Family:
    household: Household
    husband: Member
    wife: Member


def _family(village, number: str, husband: str, wife: str, born: date) -> Family:
    household = HouseholdFactory(
        village=village,
        number=number,
        family_type=Household.FamilyType.DEATH,
        child_event_date=date(2012, 5, 3),
        residence=Household.Residence.RURAL,
        address=f"{village.name}幸福路{number[-1]}号",
    )
    h = MemberFactory(household=household, name=husband, role=Member.Role.HUSBAND, birth_date=born)
    w = MemberFactory(household=household, name=wife, role=Member.Role.WIFE, birth_date=born + timedelta(days=400))
    return Family(household, h, w)


class InsuranceWalk(Walk):
    """The insurance cycle's pages: what they may show."""

    shot_name = "{role}_{lang}_{size}_ins-{name}.png"  # ins-: apart from the other walks' pages
    usernames = frozenset(USERNAMES)
    allowed_latin = frozenset(ALLOWED_LATIN | ELSEWHERE)
    raw = RAW
    data = DATA
    gloss = GLOSS
    chrome = "nav, th, label, button, dt, legend, .hint, .help, .tag, h2, h3"


def _claim_form(page: Page, *, member: Member, product: InsuranceProduct, admitted: date, discharged: date,
                hospital: str, grade: str, reported: datetime | None) -> None:  # fmt: skip
    form = page.locator("[data-form=claim]")
    form.locator("select[name=member]").select_option(str(member.pk))
    form.locator("select[name=product]").select_option(str(product.pk))
    form.locator("select[name=kind]").select_option("hospital")
    form.locator("input[name=event_date]").fill(admitted.isoformat())
    form.locator("input[name=admitted_on]").fill(admitted.isoformat())
    form.locator("input[name=discharged_on]").fill(discharged.isoformat())
    form.locator("input[name=hospital_name]").fill(hospital)
    form.locator("select[name=hospital_grade]").select_option(grade)
    form.locator("select[name=reported_by_kind]").select_option("cadre")
    if reported is not None:
        form.locator("input[name=reported_at]").fill(reported.strftime("%Y-%m-%dT%H:%M"))
    with page.expect_navigation():
        form.locator("button[type=submit].primary").click()
    expect(page).to_have_url(re.compile(r"/benefits/insurance/claims/\d+/$"))


def _claim_of(page: Page) -> InsuranceClaim:
    return InsuranceClaim.objects.get(pk=int(re.search(r"/claims/(\d+)/", page.url)[1]))


def _receive_all(page: Page, scan: Path) -> None:
    """Mark every missing document received, each with the scan attached."""
    rows = page.locator("[data-section=documents] tr[data-status=missing]")
    while rows.count():
        form = rows.first.locator("form[data-form=document]")
        form.locator("input[type=file]").set_input_files(str(scan))
        with page.expect_navigation():
            form.locator("button[type=submit]").click()
        expect(page.locator(".messages, [role=status], [role=alert]").first).to_be_visible()


def _step(page: Page, action: str, note: str = "") -> None:
    form = page.locator(f"[data-form={action}]")
    if note:
        form.locator("[name=note]").fill(note)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


def _card_count(page: Page) -> str:
    return page.locator("[data-card=insurance] [data-count]").inner_text().strip()


def test_the_insurance_cycle_walked_by_each_role(
    browser: Browser, live_server, transactional_db, area: Area, personas: Personas, tmp_path: Path, settings
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    scan = tmp_path / "扫描件.pdf"
    scan.write_bytes(PDF)
    # ---------------------------------------------------------------- a small county: two towns, four families
    zhang = _family(area.V1a, "V1A-0001", "张建国", "李秀英", date(1958, 2, 1))
    wang = _family(area.V1a, "V1A-0002", "王德明", "赵桂兰", date(1960, 7, 1))
    liu = _family(area.V1b, "V1B-0001", "刘志强", "陈玉梅", date(1962, 4, 1))
    sun = _family(area.V2a, "V2A-0001", "孙大海", "周凤英", date(1959, 9, 9))
    contact = ServicePersonFactory(region=area.V1a, user=personas.village_cadre, name="周丽")
    for family in (zhang, wang):
        AssignmentFactory(household=family.household, person=contact)
    staff_user, town_user, village_user, leader_user = (
        personas.county_staff,
        personas.town_cadre,
        personas.village_cadre,
        personas.leader,
    )
    walk = InsuranceWalk(
        browser,
        live_server.url,
        users={"county": staff_user, "town": town_user, "village": village_user, "leader": leader_user},
    )
    staff = walk.open(staff_user)

    # ---------------------------------------------------------------- 1. the product, by county staff
    staff.goto("/benefits/")
    walk.look(staff, "county", "benefits_home")
    staff.locator("[data-card=insurance] a").first.click()
    expect(staff).to_have_url(re.compile(r"/benefits/insurance/$"))
    walk.look(staff, "county", "insurance_home")
    staff.locator("[data-action=create]").click()
    walk.look(staff, "county", "product_new")
    form = staff.locator("[data-form=product]")
    for name, value in {
        "year": str(YEAR),
        "name": "住院护理险",
        "insurer": "中国人寿城东支公司",
        "policy_number": "PICC-2026-0718",
        "starts_on": f"{YEAR}-01-01",
        "ends_on": f"{YEAR}-12-31",
        "premium": "160",
        "daily_allowance": "200",
        "max_days_per_stay": "30",
        "waiting_days": "30",
    }.items():
        form.locator(f"[name={name}]").fill(value)
    form.locator("select[name=hospital_grade_floor]").select_option("2")
    form.locator("input[name=document]").set_input_files(str(scan))
    with staff.expect_navigation():
        form.locator("button[type=submit].primary").click()
    expect(staff).to_have_url(re.compile(r"/benefits/insurance/products/\d+/$"))
    product = InsuranceProduct.objects.get()
    assert (product.daily_allowance, product.max_days_per_stay, product.waiting_days, product.hospital_grade_floor) == (
        Decimal("200"),
        30,
        30,
        "2",
    )
    walk.look(staff, "county", "product_new_saved")

    # ---------------------------------------------------------------- 2. the enrolment, and the list for the insurer
    enrol = staff.locator("[data-form=enrol]")
    enrol.locator("input[name=as_of]").fill(f"{YEAR}-01-01")
    with staff.expect_navigation():
        enrol.locator("button[type=submit]").click()
    assert InsuredLine.objects.filter(product=product).count() == 8
    total = staff.locator("[data-section=enrolment] tfoot [data-total] td")
    expect(total.nth(0)).to_have_text("8")  # without a reload
    expect(total.nth(2)).to_have_text("1280.00")
    expect(staff.locator(f"[data-section=enrolment] tr[data-town='{area.T1.name}'] td").nth(1)).to_have_text("6")
    walk.look(staff, "county", "product_enrolled")
    with staff.expect_download() as info:
        staff.locator("[data-form=export] button[type=submit]").click()
    sheet = openpyxl.load_workbook(io.BytesIO(Path(info.value.path()).read_bytes())).active
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    names = {m.name for f in (zhang, wang, liu, sun) for m in (f.husband, f.wife)}
    assert names <= set(cells)
    for f in (zhang, wang, liu, sun):
        for m in (f.husband, f.wife):
            assert m.id_number not in cells
            assert f"{m.id_number[:4]}{'*' * 10}{m.id_number[-4:]}" in cells  # masked for the insurer
    staff.locator("[data-action=lines]").click()
    expect(staff.locator("tr[data-line]")).to_have_count(8)
    walk.look(staff, "county", "product_lines")

    # ---------------------------------------------------------------- 3. the village cadre reports a stay (in 48 h)
    village = walk.open(village_user)
    village.goto(f"/households/{zhang.household.pk}/")
    panel = village.locator("[data-section=insurance]")
    expect(panel.locator("[data-cover] tr[data-line]")).to_have_count(2)
    walk.look(village, "village", "household_detail")
    panel.locator("[data-action=report-claim]").click()
    walk.look(village, "village", "claim_report")
    admitted, discharged = TODAY - timedelta(days=20), TODAY - timedelta(days=8)
    _claim_form(
        village,
        member=zhang.husband,
        product=product,
        admitted=admitted,
        discharged=discharged,
        hospital=HOSPITAL,
        grade="2",
        reported=datetime.combine(admitted + timedelta(days=1), time(9, 30)),
    )
    paid_claim = _claim_of(village)
    assert paid_claim.flags == []
    benefit = Decimal(200 * stay_days(admitted, discharged))  # 12 nights, under the cap of 30
    assert paid_claim.benefit_max == benefit == Decimal("2400")
    expect(village.locator("[data-state]")).to_have_attribute("data-state", "reported")
    expect(village.locator("[data-benefit-max]")).to_contain_text("2400.00")
    documents = village.locator("[data-section=documents] tr[data-document]")
    expect(documents).to_have_count(8)  # four for every claim, four for a stay
    expect(village.locator("[data-missing]")).to_have_attribute("data-missing", "8")
    walk.look(village, "village", "claim_checklist")
    _step(village, "collect")
    expect(village.locator("[data-state]")).to_have_attribute("data-state", "collecting")
    _receive_all(village, scan)
    expect(village.locator("[data-missing]")).to_have_count(0)
    assert ClaimDocument.objects.filter(claim=paid_claim, received_on__isnull=True).count() == 0
    assert all(d.file for d in ClaimDocument.objects.filter(claim=paid_claim))
    walk.look(village, "village", "claim_documents_received")

    # ---------------------------------------------------------------- 4. county staff: submit, more documents asked
    staff.goto("/benefits/insurance/claims/")
    walk.look(staff, "county", "claims")
    staff.locator(f"tr[data-claim='{paid_claim.pk}'] a").click()
    _step(staff, "submit", "已报送保险公司")
    expect(staff.locator("[data-state]")).to_have_attribute("data-state", "submitted")
    walk.look(staff, "county", "claim_submitted")
    ask = staff.locator("[data-form=ask]")
    ask.locator("input[name=kinds][value=diagnosis]").check()
    _step(staff, "ask", "保险公司要求补充诊断证明")
    expect(staff.locator("[data-state]")).to_have_attribute("data-state", "more_documents")
    expect(staff.locator("tr[data-document=diagnosis]")).to_have_attribute("data-status", "missing")
    walk.look(staff, "county", "claim_more_documents")

    # the village contact reads the follow-up in the inbox, and brings the document
    village.goto("/visits/inbox/")
    expect(village.locator("[data-inbox]")).to_contain_text("张建国")
    expect(village.locator("[data-inbox]")).to_contain_text("诊断证明")
    assert Notification.objects.filter(user=village_user, kind=Notification.Kind.INSURANCE_DOCUMENTS).exists()
    walk.look(village, "village", "inbox")
    village.goto(f"/benefits/insurance/claims/{paid_claim.pk}/")
    expect(village.locator("[data-missing]")).to_have_attribute("data-missing", "1")
    _receive_all(village, scan)
    expect(village.locator("tr[data-document=diagnosis]")).to_have_attribute("data-status", "received")

    # documents received → submitted again → paid, within the benefit shown beside it
    staff.goto(f"/benefits/insurance/claims/{paid_claim.pk}/")
    _step(staff, "submit", "补充材料已报送")
    expect(staff.locator("[data-state]")).to_have_attribute("data-state", "submitted")
    pay = staff.locator("[data-form=pay]")
    expect(pay.locator("input[name=amount]")).to_have_value("2400.00")
    pay.locator("input[name=amount]").fill("2200")
    expect(pay.locator("input[name=paid_on]")).to_have_value(TODAY.isoformat())
    with staff.expect_navigation():
        pay.locator("button[type=submit]").click()
    expect(staff.locator("[data-state]")).to_have_attribute("data-state", "paid")
    expect(staff.locator("[data-paid]")).to_contain_text("2200.00")
    expect(staff.locator("[data-benefit-max]")).to_contain_text("2400.00")
    paid_claim.refresh_from_db()
    assert (paid_claim.state, paid_claim.paid_amount) == ("paid", Decimal("2200.00"))
    assert list(paid_claim.steps.values_list("to_state", flat=True)) == [
        "reported", "collecting", "submitted", "more_documents", "submitted", "paid",
    ]  # fmt: skip
    walk.look(staff, "county", "claim_paid")

    # ---------------------------------------------------------------- 5. the town cadre: a grade-1 stay, rejected
    town = walk.open(town_user)
    town.goto("/benefits/")
    walk.look(town, "town", "benefits_home")
    town.goto(f"/households/{liu.household.pk}/")
    town.locator("[data-section=insurance] [data-action=report-claim]").click()
    admitted_b = TODAY - timedelta(days=15)
    _claim_form(
        town,
        member=liu.wife,
        product=product,
        admitted=admitted_b,
        discharged=TODAY - timedelta(days=9),
        hospital=CLINIC,
        grade="1",
        reported=datetime.combine(admitted_b, time(16, 0)),
    )
    rejected = _claim_of(town)
    assert rejected.flags == ["grade"]
    assert rejected.benefit_max == 0
    expect(town.locator("[data-flag]")).to_have_count(1)  # shown at once
    walk.look(town, "town", "claim_flagged")
    _step(town, "collect")
    _receive_all(town, scan)
    staff.goto(f"/benefits/insurance/claims/{rejected.pk}/")
    _step(staff, "submit")
    reject = staff.locator("[data-form=reject]")
    reject.locator("select[name=reason]").select_option("grade")
    _step(staff, "reject", "一级医院不在保障范围")
    expect(staff.locator("[data-state]")).to_have_attribute("data-state", "rejected")
    expect(staff.locator("[data-rejection]")).to_contain_text("一级医院不在保障范围")
    walk.look(staff, "county", "claim_rejected")
    town.goto("/benefits/insurance/claims/")
    walk.look(town, "town", "claims")

    # ---------------------------------------------------------------- 6. a stay reported late: accepted, flagged
    village.goto(f"/benefits/insurance/household/{wang.household.pk}/claim/")
    admitted_c = TODAY - timedelta(days=6)
    _claim_form(
        village,
        member=wang.wife,
        product=product,
        admitted=admitted_c,
        discharged=TODAY - timedelta(days=1),
        hospital=PROVINCE,
        grade="3",
        reported=None,  # now: four days after the stay began
    )
    late = _claim_of(village)
    assert late.flags == ["late"]
    assert late.benefit_max == Decimal("1000")
    expect(village.locator("[data-flag]")).to_have_count(1)
    walk.look(village, "village", "claim_late")

    # county staff: a long stay in the other town, capped at 30 days
    staff.goto(f"/benefits/insurance/household/{sun.household.pk}/claim/")
    admitted_d = TODAY - timedelta(days=50)
    _claim_form(
        staff,
        member=sun.husband,
        product=product,
        admitted=admitted_d,
        discharged=TODAY - timedelta(days=5),
        hospital=PROVINCE,
        grade="3",
        reported=datetime.combine(admitted_d + timedelta(days=1), time(8, 0)),
    )
    long_stay = _claim_of(staff)
    assert long_stay.benefit_max == Decimal("6000")
    assert long_stay.benefit_days == 30
    walk.look(staff, "county", "claim_capped")

    # ---------------------------------------------------------------- 7. open claims agree: card, list, report, ORM
    for role, page, user in (
        ("county", staff, staff_user),
        ("town", town, town_user),
        ("village", village, village_user),
    ):
        expected = InsuranceClaim.objects.visible_to(user).open().count()
        page.goto("/benefits/")
        assert _card_count(page) == str(expected), role
        page.goto("/benefits/insurance/claims/?state=open")
        expect(page.locator("tr[data-claim]")).to_have_count(expected)
        walk.look(page, role, "claims_open")
    assert (
        InsuranceClaim.objects.visible_to(staff_user).open().count(),
        InsuranceClaim.objects.visible_to(town_user).open().count(),
        InsuranceClaim.objects.visible_to(village_user).open().count(),
    ) == (2, 1, 1)
    village.goto("/benefits/")
    walk.look(village, "village", "benefits_home")
    staff.goto("/benefits/insurance/alerts/")
    walk.look(staff, "county", "alerts")

    # ---------------------------------------------------------------- 8. the leader reads the reports
    leader = walk.open(leader_user)
    leader.goto("/benefits/")
    walk.look(leader, "leader", "benefits_home")
    leader.locator("[data-card=reports] a[href$='/benefits/insurance/reports/']").click()
    expect(leader).to_have_url(re.compile(r"/benefits/insurance/reports/$"))
    walk.look(leader, "leader", "insurance_reports")
    months = (
        InsuranceClaim.objects.filter(event_date__year=YEAR)
        .annotate(month=TruncMonth("event_date"))
        .values("month")
        .annotate(n=Count("pk"), paid=Count("pk", filter=Q(state="paid")), amount=Sum("paid_amount"))
        .order_by("month")
    )
    assert sum(m["n"] for m in months) == 4
    for m in months:
        label = m["month"].strftime("%Y-%m")
        rows = leader.locator(f"[data-report=months] tr[data-month='{label}']")
        cells = [[c.strip() for c in rows.nth(i).locator("td").all_inner_texts()] for i in range(rows.count())]
        assert sum(int(c[2]) for c in cells) == m["n"], (label, cells)
        assert sum(int(c[3]) for c in cells) == m["paid"], (label, cells)
        assert sum(Decimal(c[4]) for c in cells) == (m["amount"] or Decimal("0")), (label, cells)
    foot = [c.strip() for c in leader.locator("[data-report=months] tfoot td").all_inner_texts()]
    assert foot == ["4", "1", "2200.00"], foot
    expect(leader.locator("[data-report=open] tbody td.num[data-label]")).to_have_count(16)  # labelled on a phone
    open_cells = leader.locator("[data-report=open] tbody td.num").all_inner_texts()
    assert sum(int(c) for c in open_cells) == InsuranceClaim.objects.open().count() == 2
    expect(leader.locator("[data-report=rejections] tbody")).to_contain_text(
        str(InsuranceClaim.RejectionReason.HOSPITAL_GRADE.label)
    )
    staff.goto("/benefits/insurance/reports/")
    walk.look(staff, "county", "insurance_reports")

    assert len(walk.shots) >= 100
    known = [f for f in walk.findings if any(k in f for k in KNOWN)]
    for finding in known:
        warnings.warn(f"known defect: {finding}", stacklevel=1)
    findings = [f for f in walk.findings if f not in known]
    assert not findings, "\n".join(findings)
