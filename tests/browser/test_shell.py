"""The UI shell in a real browser: login by role, navigation by role, scope answers, language, phone layout."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, RoleUsers, login
from tests.conftest import Area
from tests.factories import TEST_PASSWORD, HouseholdFactory, MemberFactory

pytestmark = pytest.mark.browser

# The foundation's navigation by role: entries each role must see and must not see. Later issues add
# entries of their own (households, contacts …), so the lists say what must hold, not the whole menu.
ADMIN_ONLY = {"users", "audit"}
NAV_BY_ROLE = {
    "county_staff": ({"dashboard", "regions", "users", "audit"}, set()),
    "admin": ({"dashboard", "regions", "users", "audit"}, set()),
    "town_cadre": ({"dashboard", "regions"}, ADMIN_ONLY),
    "village_cadre": ({"dashboard", "regions"}, ADMIN_ONLY),
    "family_doctor": ({"dashboard", "regions"}, ADMIN_ONLY),
    "leader": ({"dashboard", "regions"}, ADMIN_ONLY),
    "member": ({"dashboard"}, ADMIN_ONLY | {"regions"}),
}


def nav_keys(page: Page) -> list[str]:
    return page.locator("#main-nav [data-nav]").evaluate_all("links => links.map(a => a.dataset.nav)")


@pytest.mark.parametrize("role", list(NAV_BY_ROLE))
def test_each_role_logs_in_and_sees_its_navigation(page: Page, role_users: RoleUsers, screenshot, role: str) -> None:
    login(page, role_users.of(role).username)

    expect(page).to_have_url(re.compile(r"/$"))
    must, must_not = NAV_BY_ROLE[role]
    keys = nav_keys(page)
    assert keys[0] == "dashboard"
    assert must <= set(keys)
    assert not must_not & set(keys)
    for key in must:
        expect(page.locator(f"#main-nav [data-nav={key}]")).to_be_visible()
    expect(page.locator("[data-area]")).to_be_visible()
    screenshot("dashboard-desktop")

    page.set_viewport_size(PHONE)
    expect(page.locator("#main-nav")).to_be_hidden()
    screenshot("dashboard-phone")
    page.locator("[data-nav-toggle]").click()
    expect(page.locator(f"#main-nav [data-nav={keys[-1]}]")).to_be_visible()
    screenshot("dashboard-phone-menu")


@pytest.mark.parametrize("role", ["town_cadre", "village_cadre", "family_doctor", "leader", "member"])
def test_roles_without_user_management_get_403_on_the_users_page(page: Page, role_users: RoleUsers, role: str) -> None:
    login(page, role_users.of(role).username)

    assert page.goto("/users/").status == 403
    # The portal's own page, in its layout, with the way back (not Django's bare "403 Forbidden").
    expect(page.locator("[data-error='403']")).to_be_visible()
    expect(page.locator("#main-nav [data-nav=dashboard]")).to_have_count(1)
    assert page.goto("/audit/").status == 403


def test_member_gets_403_on_the_regions_page(page: Page, role_users: RoleUsers) -> None:
    login(page, role_users.member.username)

    assert page.goto("/regions/").status == 403


def test_town_cadre_gets_404_for_a_region_outside_the_town(page: Page, role_users: RoleUsers, area: Area) -> None:
    login(page, role_users.town_cadre.username)

    assert page.goto(f"/regions/{area.V1a.pk}/").status == 200
    assert page.goto(f"/regions/{area.T2.pk}/").status == 404
    assert page.goto(f"/regions/{area.V3a.pk}/").status == 404


def test_village_cadre_sees_only_their_village(page: Page, role_users: RoleUsers, area: Area, screenshot) -> None:
    login(page, role_users.village_cadre.username)
    page.locator("#main-nav [data-nav=regions]").click()

    expect(page).to_have_url(re.compile(r"/regions/$"))
    rows = page.locator("table.tree tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(area.V1a.name)
    expect(rows.first).to_contain_text(area.V1a.code)
    screenshot("regions")


def test_language_switch_changes_the_page_language_and_keeps_the_page(page: Page, role_users: RoleUsers) -> None:
    login(page, role_users.county_staff.username)
    page.goto("/regions/")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "zh-hans")  # the default, and what a zh-CN browser asks for

    page.locator("[data-lang=en]").click()

    expect(html).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/regions/$"))
    expect(page.locator("#main-nav [data-nav=dashboard]")).to_have_text("Dashboard")
    expect(page.locator("[data-lang=en]")).to_have_attribute("aria-current", "true")

    page.locator("[data-lang=zh-hans]").click()

    expect(html).to_have_attribute("lang", "zh-hans")
    expect(page).to_have_url(re.compile(r"/regions/$"))
    expect(page.locator("[data-lang=zh-hans]")).to_have_attribute("aria-current", "true")


def test_language_chosen_on_the_login_page_stays_after_login(page: Page, role_users: RoleUsers) -> None:
    page.goto("/login/")
    page.locator("[data-lang=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")

    login(page, role_users.village_cadre.username)

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#main-nav [data-nav=dashboard]")).to_have_text("Dashboard")


@pytest.mark.parametrize("viewport", [PHONE], ids=["phone"])
def test_on_a_phone_the_hamburger_opens_the_navigation(page: Page, role_users: RoleUsers, screenshot) -> None:
    login(page, role_users.village_cadre.username)
    toggle = page.locator("[data-nav-toggle]")
    regions_link = page.locator("#main-nav [data-nav=regions]")

    expect(toggle).to_be_visible()
    expect(regions_link).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")

    toggle.click()

    expect(regions_link).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    screenshot("menu-open")
    regions_link.click()
    expect(page).to_have_url(re.compile(r"/regions/$"))


def test_logout_returns_to_the_login_page_and_ends_the_session(page: Page, role_users: RoleUsers) -> None:
    login(page, role_users.county_staff.username)

    page.locator("[data-logout]").click()

    expect(page).to_have_url(re.compile(r"/login/$"))
    expect(page.locator("main form input[name=password]")).to_be_visible()
    page.goto("/users/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/users/$"))


def test_after_login_the_user_lands_on_the_page_they_asked_for(page: Page, role_users: RoleUsers) -> None:
    page.goto("/regions/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/regions/$"))

    login(page, role_users.town_cadre.username, open_form=False)

    expect(page).to_have_url(re.compile(r"/regions/$"))


@pytest.mark.parametrize(
    ("username", "password"),
    [("t1_cadre", "wrong-Pass-1"), ("gone", TEST_PASSWORD), ("nobody-at-all", TEST_PASSWORD)],
    ids=["wrong-password", "deactivated", "unknown-user"],
)
def test_failed_login_shows_an_error_and_stays_logged_out(
    page: Page, role_users: RoleUsers, screenshot, username: str, password: str
) -> None:
    page.goto("/login/")
    form = page.locator("main form")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(password)
    form.locator("button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/login/$"))
    expect(form.locator("[role=alert]")).to_be_visible()
    expect(page.locator("#main-nav")).to_have_count(0)
    screenshot("error")


@pytest.mark.parametrize("viewport", [PHONE], ids=["phone"])
def test_on_a_phone_the_coverage_table_scrolls_in_its_frame_and_both_family_types_show(
    page: Page, role_users: RoleUsers, area: Area, screenshot
) -> None:
    from visits.services import ruleset_create_default

    ruleset_create_default(county=area.C)
    for number, family_type in (("630101-00001", "death"), ("630101-00002", "disability")):
        MemberFactory(household=HouseholdFactory(village=area.V1a, number=number, family_type=family_type))
    login(page, role_users.village_cadre.username)

    page.goto("/reports/coverage/")
    # The page never scrolls sideways; the table does, inside its own frame.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    frame = page.locator(".table-wrap.scroll-x").first
    scroll_width, client_width = frame.evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert scroll_width > client_width
    # The county and the town above the village are named, not linked (their pages answer 404 to this user).
    expect(page.locator(".breadcrumb")).to_contain_text(area.C.name)
    expect(page.locator(".breadcrumb a")).to_have_count(0)
    screenshot("coverage-phone")

    page.goto("/households/")
    cards = page.locator("[data-household-list] tbody tr")
    expect(cards).to_have_count(2)
    expect(page.locator("[data-household-list] .tag.death")).to_be_visible()
    expect(page.locator("[data-household-list] .tag.disability")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot("households-phone")
