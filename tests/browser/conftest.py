"""Playwright fixtures for the browser tests: one Chromium per session, a fresh context per test.

The browser is the system Chromium (Debian's `chromium` package), never a Playwright download, so the tests
run on an intranet machine. Without it every test here is skipped with a plain reason.

Data made in a test must be visible to the live server's thread, so these tests run on `transactional_db`
(pytest-django's `live_server` asks for it): rows are committed, and the tables are flushed after each test.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

from accounts.models import User
from accounts.roles import Role
from tests.conftest import Area, Personas
from tests.factories import TEST_PASSWORD, UserFactory

# Playwright's sync API keeps an event loop running in the main thread; Django's async-safety check would
# then refuse every ORM call made by the test itself (factories, assertions on the database).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM_PATH = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

# Playwright's default wait is 30 s; a page of this portal answers in well under a second, so fail fast.
TIMEOUT_MS = 5_000
expect.set_options(timeout=TIMEOUT_MS)

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """No Chromium: skip every browser test before any database or server is set up for it."""
    if CHROMIUM_PATH.exists():
        return
    skip = pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM_PATH}: browser tests skipped")
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(skip)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[pytest.TestReport]:
    # Keep each phase's report on the item so the `page` fixture can screenshot a failure.
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM_PATH), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def viewport() -> dict[str, int]:
    """The page size; a test overrides it with `@pytest.mark.parametrize("viewport", [PHONE])`."""
    return DESKTOP


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_")


@pytest.fixture
def page(browser: Browser, viewport: dict[str, int], live_server, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A page in a fresh context (no cookies) on the live server.

    The browser asks for Chinese first, like the county's own machines, so the default language shows.
    A page that a Content-Security-Policy blocks something on, or whose static files fail to load, fails
    the test: both are invisible in the Django test client.
    """
    context = browser.new_context(viewport=viewport, locale="zh-CN", base_url=live_server.url)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"JavaScript error: {exc}"))
    page.on(
        "console",
        lambda msg: problems.append(f"console: {msg.text}") if "Content Security Policy" in msg.text else None,
    )
    page.on(
        "response",
        lambda resp: (
            problems.append(f"{resp.status} for {resp.url}") if "/static/" in resp.url and resp.status >= 400 else None
        ),
    )
    yield page
    call_report = getattr(request.node, "report_call", None)
    if call_report is not None and call_report.failed:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"{_safe_name(request.node.name)}-failure.png", full_page=True)
    context.close()
    assert not problems, "the browser reported problems:\n" + "\n".join(problems)


@pytest.fixture
def screenshot(page: Page, request: pytest.FixtureRequest) -> Callable[[str], Path]:
    """`screenshot("dashboard")` saves test-artifacts/screenshots/<test name>-dashboard.png."""

    def take(step: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{_safe_name(request.node.name)}-{_safe_name(step)}.png"
        page.screenshot(path=path, full_page=True)
        return path

    return take


def login(page: Page, username: str, password: str = TEST_PASSWORD, *, open_form: bool = True) -> None:
    """Log in through the real login form and wait until the portal has left it.

    `open_form=False` fills the login form the page already shows (after a redirect with `?next=`).
    """
    if open_form:
        page.goto("/login/")
    form = page.locator("main form")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(password)
    form.locator("button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/login/"))


@dataclass
class RoleUsers:
    """One user of each role, inside county C of the shared area fixture."""

    county_staff: User
    town_cadre: User
    village_cadre: User
    family_doctor: User
    member: User
    leader: User
    admin: User

    def of(self, role: str) -> User:
        return getattr(self, role)


@pytest.fixture
def role_users(transactional_db, area: Area, personas: Personas) -> RoleUsers:
    return RoleUsers(
        county_staff=personas.county_staff,
        town_cadre=personas.town_cadre,
        village_cadre=personas.village_cadre,
        family_doctor=UserFactory(username="v1a_doctor", role=Role.FAMILY_DOCTOR, region=area.V1a),
        member=UserFactory(username="v1a_member", role=Role.MEMBER, region=area.V1a),
        leader=personas.leader,
        admin=personas.admin,
    )
