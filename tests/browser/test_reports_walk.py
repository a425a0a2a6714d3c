"""Issue 17 walked in Chromium by each role it touches: activities, volunteers, the policy library, the statistical
reports and their completeness, the leaders' home, and the city above the county.

County staff record an activity with its attendance, read the volunteers and the invitation gaps, add a county
document and find it by "特别扶助", accept a town's warm-heart form and return another with a reason, read the
completeness and export the county's form (its file name). A town cadre fills the town's form for last month (a figure
raised, one lowered with a reason), submits it and drills from a cell to the visits behind it. A village cadre, on a
phone, searches the library, reads a document (the summary first) and records a village activity's attendance. An
association member who is a volunteer logs a service on the phone. The county's leader and the city's staff and leader
read the leaders' home (its figures equal those of the pages it links to), the counties side by side, the forms and
the completeness; the city users are refused every family's file, drill and activities page, and no page they reach
shows a household number, a name, an ID number or a phone.

The key pages are opened in Chinese and English, on a desktop and a 390-pixel phone
(test-artifacts/screenshots/reports_<role>_<lang>_<size>_<page>.png): no sideways scroll on the phone outside a
table's own scroll box, no raw field names or Python values, no English on a Chinese page, no Chinese labels on an
English page, no link that answers an error. The findings are collected and asserted together.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from accounts.roles import Role
from activities import services as activity_services
from activities.models import Activity, Attendance, ServiceLog, Volunteer
from households.models import Household, Member
from policies.models import PolicyDocument
from regions.models import Region
from reports.models import Report
from reports.services import coverage_snapshot_refresh
from reports.statforms import services as form_services
from reports.statforms.spec import Period
from tests.browser.conftest import PHONE
from tests.browser.walk import Walk
from tests.conftest import Area, Personas
from tests.factories import HouseholdFactory, MemberFactory, UserFactory
from tests.reports.statforms.helpers import city_over
from visits.models import Visit

pytestmark = pytest.mark.browser

# The refusals and links are asked through the page's request context: on a loaded CI machine (two test workers and
# Chromium on two cores) one answer took over the default 5 s, so these plain requests get longer.
REQUEST_TIMEOUT_MS = 30_000

USERNAMES = {"c_staff", "t1_cadre", "t2_cadre", "v1a_cadre", "c_leader", "v1a_member", "city_staff", "city_leader"}
# Latin words a Chinese page may show: file types, units, the users' login names.
ALLOWED_LATIN = {"PDF", "pdf", "xlsx", "Excel", "ID", "OK", "English"} | USERNAMES
RAW = re.compile(r"\b(None(?![.:]| this)|nan|[a-z]+_[a-z]+(?:_[a-z]+)*)\b")
# Links not followed by the dead-link check: leaving, language switches, downloads (checked on their own).
NOT_FOLLOWED = re.compile(r"/logout|/i18n/|/export|\.pdf$|/file/|/phone/|#")

LAST_MONTH = "2026-11"  # tests/reports/statforms: a period that has ended whenever the tests run


@dataclass
class ReportsWalk(Walk):
    """The reports' pages: what they may show, and more checks: the page's title and height, and every link a role
    is shown (followed by :meth:`dead_links`). English on a Chinese page is reported apart."""

    links: dict[str, set[str]] = field(default_factory=dict)  # role -> hrefs seen on its pages

    shot_name = "reports_{role}_{lang}_{size}_{name}.png"
    usernames = frozenset(USERNAMES)
    allowed_latin = frozenset(ALLOWED_LATIN)
    raw = RAW
    # Data in Chinese (names, places, titles typed in) is expected; labels are not.
    data = re.compile(r"[张李王赵陈刘东关城西区街道社区村镇市宁清真巷大众暖心讲座重阳联谊庆生会扶助办法特别]")
    chrome = "nav, th, label, button, dt, legend, .hint, .tag, h1, h2, h3"
    english_apart = True

    def check(self, page: Page, role: str, name: str, *, lang: str, size: str) -> str:
        text = super().check(page, role, name, lang=lang, size=size)
        where = f"{role}/{lang}/{size}/{name} ({page.url.replace(self.base_url, '')})"
        title = page.title()
        if "<" in title or not title.strip():
            self.findings.append(f"{where}: the page's title is {title!r}")
        height = page.evaluate("document.documentElement.scrollHeight")
        if height > 6000:
            self.findings.append(f"{where}: the page is {height}px high")
        # The links of the page's own content (the navigation is walked by the shell's tests); a city user's every
        # link, whose pages must not show a family.
        scope = "a[href]" if role.startswith("city") else "main a[href]"
        hrefs = page.evaluate(f"() => [...document.querySelectorAll('{scope}')].map(a => a.getAttribute('href'))")
        self.links.setdefault(role, set()).update(h for h in hrefs if h.startswith("/") and not NOT_FOLLOWED.search(h))
        return text

    def dead_links(self, pages: dict[str, Page]) -> None:
        """Every link a role was shown answers below 400 for that role."""
        for role, hrefs in self.links.items():
            page = pages.get(role)
            if page is None:
                continue
            for href in sorted(hrefs):
                status = page.request.get(href, max_redirects=5, timeout=REQUEST_TIMEOUT_MS).status
                if status >= 400:
                    self.findings.append(f"{role}: the link {href} answers {status}")


@pytest.fixture
def walk(browser: Browser, live_server, transactional_db) -> Iterator[ReportsWalk]:
    walk = ReportsWalk(browser, live_server.url, users={})
    yield walk
    walk.report("reports_walk.txt")


def _figure(page: Page, name: str) -> str:
    return " ".join(page.locator(f"[data-figure={name}]").first.inner_text().split())


@dataclass
class Scene:
    """What the walk set up, shared by its steps."""

    area: Area
    personas: Personas
    city: Region
    zhang: Household
    wang: Household
    chen: Household
    zhao: Household
    lecture: Activity
    party: Activity
    volunteer: Volunteer
    t2_report: Report
    secrets: set[str]
    opened: dict[str, Page] = field(default_factory=dict)
    document: PolicyDocument | None = None


def _scene(walk: ReportsWalk, area: Area, personas: Personas) -> Scene:
    """County C (towns T1, T2) and C2 under a city; four households, two routine visits last month, a lecture last
    month and a party this month in V1a, a volunteer with a login paired with a household, T2's form submitted."""
    city = city_over(area.C, area.C2)
    city_staff = UserFactory(username="city_staff", role=Role.CITY_STAFF, region=city)
    city_leader = UserFactory(username="city_leader", role=Role.LEADER, region=city)
    member_user = UserFactory(username="v1a_member", role=Role.MEMBER, region=area.V1a)
    zhang = HouseholdFactory(village=area.V1a, number="V1A-0001", address="幸福路1号")
    MemberFactory(household=zhang, name="张建国", role=Member.Role.HUSBAND)
    MemberFactory(household=zhang, name="李秀英", role=Member.Role.WIFE)
    wang = HouseholdFactory(village=area.V1a, number="V1A-0002", address="幸福路2号")
    MemberFactory(household=wang, name="王德明", role=Member.Role.HUSBAND)
    MemberFactory(household=wang, name="赵桂兰", role=Member.Role.WIFE)
    chen = HouseholdFactory(village=area.V1b, number="V1B-0001")
    MemberFactory(household=chen, name="陈玉梅", role=Member.Role.WIFE)
    zhao = HouseholdFactory(village=area.V2a, number="V2A-0001")
    MemberFactory(household=zhao, name="赵大海", role=Member.Role.HUSBAND)
    for household, day in ((zhang, 12), (wang, 20)):
        Visit.objects.create(
            household=household, date=date(2026, 11, day), visitor_role="staff", method="home", purpose="routine"
        )
    lecture = activity_services.activity_save(
        actor=personas.county_staff,
        data=activity_services.ActivityData(
            kind=Activity.Kind.LECTURE, title="政策讲座", starts_on=date(2026, 11, 15), organiser=area.V1a
        ),
        attendees=activity_services.Attendees(household_ids=[zhang.pk]),
    )
    party = activity_services.activity_save(
        actor=personas.county_staff,
        data=activity_services.ActivityData(
            kind=Activity.Kind.SOCIAL, title="重阳联谊", starts_on=date(2026, 12, 2), organiser=area.V1a
        ),
    )
    volunteer = activity_services.volunteer_save(
        actor=personas.county_staff, region=area.V1a, name="刘芳", user=member_user, skills=["social_worker"]
    )
    activity_services.pairing_start(
        actor=personas.county_staff, volunteer=volunteer, household=zhang, started_on=date(2026, 1, 5)
    )
    nov = Period.month(2026, 11)
    t2_report = form_services.report_open(
        actor=personas.other_town_cadre, template_code="warm_monthly", unit=area.T2, period=nov
    )
    form_services.report_submit(actor=personas.other_town_cadre, report=t2_report)
    coverage_snapshot_refresh(as_of=timezone.localdate())  # the nightly step the leaders' home reads
    secrets = {h.number for h in (zhang, wang, chen, zhao)}
    for m in Member.objects.all():
        secrets |= {m.name, m.id_number or "", m.phone or "", (m.phone or "")[-4:] and f"****{m.phone[-4:]}"}
    secrets.discard("")

    walk.users.update(
        {
            "county": personas.county_staff,
            "town": personas.town_cadre,
            "village": personas.village_cadre,
            "member": member_user,
            "leader": personas.leader,
            "city_staff": city_staff,
            "city_leader": city_leader,
        }
    )
    return Scene(area, personas, city, zhang, wang, chen, zhao, lecture, party, volunteer, t2_report, secrets)


def _county_activities(walk: ReportsWalk, d: Scene) -> None:
    """County staff: activities."""
    area = d.area
    chen = d.chen
    opened = d.opened
    staff = opened["county"] = walk.open("county")
    staff.goto("/activities/")
    walk.look(staff, "county", "activities")
    staff.goto("/activities/new/")
    form = staff.locator("main form")
    form.locator("[name=organiser]").select_option(str(area.V1b.pk))
    form.locator("[name=kind]").select_option(Activity.Kind.BIRTHDAY)
    form.locator("[name=title]").fill("集体庆生会")
    form.locator("[name=starts_on]").fill("2026-12-01")
    form.locator("[name=place]").fill("大众街社区活动室")
    walk.look(staff, "county", "activity_form", ways="zh")
    form.locator("button[type=submit]").click()
    # Saved, the attendance picker follows.
    expect(staff).to_have_url(re.compile(r"/activities/\d+/attendance/$"))
    birthday = Activity.objects.get(title="集体庆生会")
    staff.locator(f"[data-household='{chen.pk}'] input[data-whole]").check()
    walk.look(staff, "county", "attendance", ways="one")
    staff.locator("main form[method=post] button[type=submit]").click()
    expect(staff).to_have_url(re.compile(rf"/activities/{birthday.pk}/$"))
    assert Attendance.objects.filter(activity=birthday).count() == 1
    expect(staff.locator("main")).to_contain_text("陈玉梅")
    walk.look(staff, "county", "activity_detail", ways="zh")
    staff.goto("/activities/volunteers/")
    walk.look(staff, "county", "volunteers", ways="zh")
    staff.goto("/activities/gaps/")
    gaps = walk.look(staff, "county", "gaps")
    # zhang attended (the lecture) and chen (the birthday): wang and zhao were never invited.
    for number in ("V1A-0002", "V2A-0001"):
        assert number in gaps["zh_desktop"]
    for number in ("V1A-0001", "V1B-0001"):
        assert number not in gaps["zh_desktop"]


def _county_policies(walk: ReportsWalk, d: Scene) -> None:
    """County staff: the policy library."""
    staff = d.opened["county"]
    staff.goto("/policies/new/")
    form = staff.locator("main form")
    form.locator("[name=title]").fill("城东区计划生育特别扶助金发放办法")
    form.locator("[name=issuer]").fill("城东区卫生健康局")
    form.locator("[name=number]").fill("城东卫字〔2026〕3号")
    form.locator("[name=issued_on]").fill("2026-03-01")
    form.locator("[name=topic]").select_option(PolicyDocument.Topic.ASSISTANCE)
    form.locator("[name=summary]").fill(
        "独生子女死亡或伤残的家庭，夫妻年满49周岁，每人每月领取特别扶助金，由县卫健局按季度发放到本人账户。"
    )
    walk.look(staff, "county", "policy_form", ways="zh")
    form.locator("button[type=submit]").click()
    expect(staff).to_have_url(re.compile(r"/policies/\d+/$"))
    document = PolicyDocument.objects.get(title__startswith="城东区计划生育特别扶助")
    staff.goto("/policies/?q=特别扶助")
    expect(staff.locator("main")).to_contain_text(document.title)
    walk.look(staff, "county", "policy_search")
    d.document = document


def _town_form(walk: ReportsWalk, d: Scene) -> None:
    """The town cadre fills last month's form."""
    area = d.area
    opened = d.opened
    town = opened["town"] = walk.open("town")
    town.goto(reverse("reports:forms:home"))
    walk.look(town, "town", "forms_home", ways="zh")
    report_url = reverse("reports:forms:report", args=[area.T1.pk, "warm_monthly", LAST_MONTH])
    town.goto(report_url)
    town.locator("[data-actions] button[value=open]").click()
    town.goto(reverse("reports:forms:fill", args=[area.T1.pk, "warm_monthly", LAST_MONTH]) + f"?row={area.V1a.pk}")
    fill = town.locator("[data-fill]")
    fill.locator("[name=v_visits_routine_households]").fill("3")
    fill.locator("[name=v_activities_person_times]").fill("1")
    fill.locator("[name=r_activities_person_times]").fill("一人中途离开")
    walk.look(town, "town", "fill", ways="all")
    fill.locator("button[type=submit]").click()
    expect(town).to_have_url(re.compile(re.escape(report_url)))
    # The drill from V1a's counted cell of routine-visit persons to the visits' households.
    cell = town.locator(f"[data-row='child-{area.V1a.pk}'] a[href*='/drill/visits_routine_persons']")
    expect(cell).to_have_text("4")
    cell.click()
    drill = walk.look(town, "town", "drill")
    for number in ("V1A-0001", "V1A-0002"):
        assert number in drill["zh_desktop"]
    town.goto(report_url)
    town.locator("[data-actions] button[value=submit]").click()
    expect(town.locator("[data-state]")).to_have_attribute("data-state", Report.State.SUBMITTED)
    walk.look(town, "town", "report_submitted", ways="zh")
    t1_report = Report.objects.get(unit=area.T1, template="warm_monthly", period_key=LAST_MONTH)
    assert t1_report.state == Report.State.SUBMITTED


def _county_decides(walk: ReportsWalk, d: Scene) -> None:
    """The county accepts one, returns another."""
    area = d.area
    t2_report = d.t2_report
    staff = d.opened["county"]
    report_url = reverse("reports:forms:report", args=[d.area.T1.pk, "warm_monthly", LAST_MONTH])
    staff.goto(reverse("reports:forms:home"))
    walk.look(staff, "county", "forms_home")
    staff.goto(reverse("reports:forms:report", args=[area.C.pk, "warm_monthly", LAST_MONTH]))
    walk.look(staff, "county", "county_form")
    staff.goto(report_url)
    staff.locator("[data-actions] button[value=accept]").click()
    expect(staff.locator("[data-state]")).to_have_attribute("data-state", Report.State.ACCEPTED)
    t2_url = reverse("reports:forms:report", args=[area.T2.pk, "warm_monthly", LAST_MONTH])
    staff.goto(t2_url)
    staff.locator("[data-actions] input[name=reason]").fill("请核对日常走访户数")
    staff.locator("[data-actions] button[value=return]").click()
    expect(staff.locator("[data-return-reason]")).to_have_text("请核对日常走访户数")
    walk.look(staff, "county", "returned", ways="zh")
    t2_report.refresh_from_db()
    assert (t2_report.state, t2_report.return_reason) == (Report.State.RETURNED, "请核对日常走访户数")
    staff.goto(reverse("reports:forms:completeness", args=[area.C.pk, "warm_monthly", LAST_MONTH]))
    completeness = walk.look(staff, "county", "completeness")
    assert area.T2.name in completeness["zh_desktop"]  # returned: not reported
    staff.goto(reverse("reports:forms:report", args=[area.C.pk, "warm_monthly", LAST_MONTH]))
    with staff.expect_download() as info:
        staff.locator("[data-export]").click()
    name = info.value.suggested_filename
    if name != "城东区计生特殊家庭暖心行动月报表-2026-11.xlsx":
        walk.findings.append(f"county: the warm-heart export is named {name!r}")
    title = openpyxl.load_workbook(io.BytesIO(Path(info.value.path()).read_bytes())).active["A1"].value
    if "城东区计生特殊家庭暖心行动月报表" not in str(title):
        walk.findings.append(f"county: the warm-heart export's title is {title!r}")


def _village_phone(walk: ReportsWalk, d: Scene) -> None:
    """The village cadre on the phone."""
    wang = d.wang
    party = d.party
    opened = d.opened
    document = d.document
    village = opened["village"] = walk.open("village", viewport=PHONE)
    village.goto("/policies/")
    village.locator("main form [name=q]").fill("特别扶助")
    village.locator("main form [name=q]").press("Enter")
    expect(village.locator("main")).to_contain_text(document.title)
    walk.look(village, "village", "policy_search", ways="phone")
    village.locator("main a", has_text=document.title).first.click()
    expect(village).to_have_url(re.compile(rf"/policies/{document.pk}/$"))
    summary_box = village.locator("main").get_by_text("每人每月领取特别扶助金").first.bounding_box()
    facts_box = village.locator("main").get_by_text("城东卫字〔2026〕3号").first.bounding_box()
    assert summary_box
    assert facts_box
    assert summary_box["y"] < facts_box["y"], "the summary comes first"
    font = (
        village.locator("main")
        .get_by_text("每人每月领取特别扶助金")
        .first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    )
    if font < 16:
        walk.findings.append(f"village/phone: the document's summary is in {font}px type")
    walk.look(village, "village", "policy_document", ways="phone")
    village.goto(f"/activities/{party.pk}/attendance/")
    village.locator(f"[data-household='{wang.pk}'] input[data-whole]").check()
    walk.look(village, "village", "attendance", ways="one")
    village.locator("main form[method=post] button[type=submit]").click()
    expect(village).to_have_url(re.compile(rf"/activities/{party.pk}/$"))
    assert Attendance.objects.filter(activity=party).count() == 2
    walk.look(village, "village", "activity_detail", ways="one")


def _member_service(walk: ReportsWalk, d: Scene) -> None:
    """The volunteer logs a service."""
    zhang = d.zhang
    volunteer = d.volunteer
    opened = d.opened
    member = opened["member"] = walk.open("member", viewport=PHONE)
    member.goto("/activities/my-service/")
    walk.look(member, "member", "my_service_before", ways="phone")
    form = member.locator("main form.log-form")
    form.locator("[name=served_on]").fill("2026-12-03")
    form.locator("[name=hours]").fill("2.5")
    if form.locator("[name=household]").count():
        form.locator("[name=household]").select_option(str(zhang.pk))
    form.locator("[name=description]").fill("陪同就医")
    form.locator("button[type=submit]").click()
    expect(member.locator("[data-logs]")).to_contain_text("陪同就医")
    assert ServiceLog.objects.get(volunteer=volunteer).hours == 2.5
    walk.look(member, "member", "my_service_after", ways="zh")
    assert Volunteer.objects.get(pk=volunteer.pk).user_id == walk.users["member"].pk


def _leaders(walk: ReportsWalk, d: Scene) -> None:
    """The leaders' home: county, city."""
    area = d.area
    city = d.city
    opened = d.opened
    leader = opened["leader"] = walk.open("leader")
    leader.goto("/")
    home = {
        n: _figure(leader, n) for n in ("households", "sessions", "person-times", "never-invited", "reporting-rate")
    }
    walk.look(leader, "leader", "home")
    assert home["households"] == str(Household.objects.filter(county=area.C).count())
    leader.goto("/reports/coverage/")
    if _figure(leader, "households") != home["households"]:
        walk.findings.append(f"leader: home households {home['households']} ≠ coverage {_figure(leader, 'households')}")
    leader.goto("/")
    leader.locator("[data-completeness-link]").click()
    expect(leader).to_have_url(re.compile(r"/completeness/warm_monthly/" + LAST_MONTH))
    walk.look(leader, "leader", "completeness", ways="zh")
    rate = _figure(leader, "rate")
    if not home["reporting-rate"].startswith(rate):
        walk.findings.append(f"leader: home reporting rate {home['reporting-rate']} ≠ completeness page {rate}")

    city_pages = {}
    for role in ("city_staff", "city_leader"):
        page = opened[role] = city_pages[role] = walk.open(role)
        page.goto("/")
        walk.look(page, role, "home", ways="all" if role == "city_staff" else "zh")
        page.goto(reverse("reports:forms:home"))
        walk.look(page, role, "forms_home", ways="zh")
        page.goto(reverse("reports:forms:report", args=[city.pk, "warm_monthly", LAST_MONTH]))
        walk.look(page, role, "city_form", ways="all" if role == "city_staff" else "one")
        page.goto(reverse("reports:forms:report", args=[area.C.pk, "warm_monthly", LAST_MONTH]))
        walk.look(page, role, "county_form", ways="one")
        page.goto(reverse("reports:forms:completeness", args=[city.pk, "warm_monthly", LAST_MONTH]))
        walk.look(page, role, "completeness", ways="one")


def _city_refusals(walk: ReportsWalk, d: Scene) -> None:
    """A city user never reaches a family: every family's page, drill and activities page refused (404/403), the
    assistance form's persons' sheets left out of the export, and no page they are shown links to shows a household
    number, a member's name, an ID number or a phone."""
    area, zhang, lecture, volunteer = d.area, d.zhang, d.lecture, d.volunteer
    refused = [
        f"/households/{zhang.pk}/",
        f"/households/{zhang.pk}/print/",
        "/households/",
        f"/medical/households/{zhang.pk}/",
        "/activities/",
        f"/activities/{lecture.pk}/",
        f"/activities/{lecture.pk}/attendance/",
        "/activities/gaps/",
        "/activities/volunteers/",
        f"/activities/volunteers/{volunteer.pk}/",
        "/activities/my-service/",
        reverse("reports:forms:drill", args=[area.T1.pk, "warm_monthly", LAST_MONTH, "visits_routine_persons"]),
        reverse("reports:forms:drill", args=[area.C.pk, "warm_monthly", LAST_MONTH, "activities_person_times"]),
        reverse("reports:forms:drill", args=[area.C.pk, "assistance_monthly", LAST_MONTH, "assist_closed"]),
    ]
    for role in ("city_staff", "city_leader"):
        page = d.opened[role]
        for url in refused:
            status = page.request.get(url, max_redirects=0, timeout=REQUEST_TIMEOUT_MS).status
            if status not in (403, 404):
                walk.findings.append(f"{role}: {url} answered {status}, not a refusal")
        export = page.request.get(
            reverse("reports:forms:export", args=[area.C.pk, "assistance_monthly", LAST_MONTH]) + "?details=1",
            timeout=REQUEST_TIMEOUT_MS,
        )
        if export.status == 200:
            sheets = openpyxl.load_workbook(io.BytesIO(export.body())).sheetnames
            if len(sheets) != 1:
                walk.findings.append(f"{role}: the assistance export has the persons' sheets {sheets}")
        elif export.status not in (403, 404):
            walk.findings.append(f"{role}: the assistance export answered {export.status}")
        for href in sorted(walk.links.get(role, ())):
            response = page.request.get(href, timeout=REQUEST_TIMEOUT_MS)
            body = response.text() if response.status == 200 else ""
            shown = sorted(s for s in d.secrets if s in body)
            if shown:
                walk.findings.append(f"{role}: {href} shows {shown}")
            if re.search(r'href="/households/\d+', body):
                walk.findings.append(f"{role}: {href} links a household")


def test_reports_walked_by_each_role(walk: ReportsWalk, area: Area, personas: Personas) -> None:
    d = _scene(walk, area, personas)
    _county_activities(walk, d)
    _county_policies(walk, d)
    _town_form(walk, d)
    _county_decides(walk, d)
    _village_phone(walk, d)
    _member_service(walk, d)
    _leaders(walk, d)
    _city_refusals(walk, d)
    walk.dead_links(d.opened)
    problems = walk.findings + walk.english
    assert not problems, "the walk found:\n" + "\n".join(problems)
