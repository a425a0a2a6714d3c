"""What the issue walks share: each role's sessions, and every page looked at in the four ways.

A walk (test_benefits_cycle, test_insurance_cycle, test_medical_walk, test_reports_walk) opens a session per role,
and at each moment of its story looks at the page in front of the role, then at the same address in Chinese and
English, on a desktop and a 390-pixel phone (the role's other sessions). Each look takes a screenshot and checks:
no sideways scroll on the phone outside a table's own scroll box, no raw field names or Python values, no English
on a Chinese page, no Chinese labels on an English page. A walk subclasses :class:`Walk` and says what its pages may
show (the class attributes) and what more it checks (``check``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from playwright.sync_api import Browser, Page

from accounts.models import User
from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS, TIMEOUT_MS, login

# The other three ways of a page, after the one in front of the role; "zh", "phone" and "one" for fewer.
WAYS = {
    "all": (("zh", DESKTOP, "desktop"), ("zh", PHONE, "phone"), ("en", PHONE, "phone"), ("en", DESKTOP, "desktop")),
    "zh": (("zh", DESKTOP, "desktop"), ("zh", PHONE, "phone")),
    "phone": (("zh", PHONE, "phone"), ("en", PHONE, "phone")),
    "one": (),
}
# A Latin word (or words) on a Chinese page.
LATIN = re.compile(r"[A-Za-z][\w'’-]+(?: [A-Za-z][\w'’-]+)*")
HAN = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class Walk:
    browser: Browser
    base_url: str
    users: dict[str, User]  # role → user, for the role's other sessions
    findings: list[str] = field(default_factory=list)
    english: list[str] = field(default_factory=list)  # English on Chinese pages, when kept apart
    shots: list[Path] = field(default_factory=list)
    others: dict[tuple[str, str, str], Page] = field(default_factory=dict)  # (role, lang, size) → page

    # What a walk's pages may show.
    shot_name: ClassVar[str] = "{role}_{lang}_{size}_{name}.png"
    usernames: ClassVar[frozenset[str]] = frozenset()
    allowed_latin: ClassVar[frozenset[str]] = frozenset()  # Latin words a Chinese page may show
    raw: ClassVar[re.Pattern[str]] = re.compile(r"\b(None(?!\.)|nan|[a-z]+_[a-z]+(?:_[a-z]+)*)\b")
    data: ClassVar[re.Pattern[str]] = re.compile(r"(?!)")  # Chinese data expected on an English page
    gloss: ClassVar[re.Pattern[str]] = re.compile(r"[(（][^)）]*[\u4e00-\u9fff][^)）]*[)）]|简体中文")
    chrome: ClassVar[str] = "nav, th, label, button, dt, legend, .hint, .tag, h1, h2"  # labels, not data
    english_apart: ClassVar[bool] = False  # English on a Chinese page in ``english`` (reported) or in ``findings``

    def open(self, who: User | str, *, lang: str = "zh", viewport: dict[str, int] = DESKTOP) -> Page:
        """A logged-in session of a user (or of a role's user), its JavaScript errors, CSP refusals and missing
        static files recorded as findings."""
        user = self.users[who] if isinstance(who, str) else who
        label = f"{who}: " if isinstance(who, str) else ""
        context = self.browser.new_context(
            viewport=viewport, locale="zh-CN", base_url=self.base_url, accept_downloads=True
        )
        context.set_default_timeout(TIMEOUT_MS)
        if lang == "en":
            context.add_cookies([{"name": "django_language", "value": "en", "url": self.base_url}])
        page = context.new_page()
        page.on("pageerror", lambda exc: self.findings.append(f"{label}JavaScript error: {exc}"))
        page.on(
            "console",
            lambda msg: (
                self.findings.append(f"{label}CSP: {msg.text}") if "Content Security Policy" in msg.text else None
            ),
        )
        page.on(
            "response",
            lambda r: (
                self.findings.append(f"{r.status} for {r.url}") if "/static/" in r.url and r.status >= 400 else None
            ),
        )
        login(page, user.username)
        return page

    def _other(self, role: str, lang: str, size: str, viewport: dict[str, int]) -> Page:
        other = self.others.get((role, lang, size))
        if other is None:
            other = self.others[(role, lang, size)] = self.open(self.users[role], lang=lang, viewport=viewport)
        return other

    def look(self, page: Page, role: str, name: str, *, ways: str = "all") -> dict[str, str]:
        """The page in front of the role, then the same address in the other ways (``WAYS``). Returns each way's
        visible text, by "<lang>_<size>"."""
        size = "phone" if page.viewport_size and page.viewport_size["width"] < 500 else "desktop"
        lang = "en" if page.evaluate("document.documentElement.lang").startswith("en") else "zh"
        texts = {f"{lang}_{size}": self.check(page, role, name, lang=lang, size=size)}
        url = page.url.replace(self.base_url, "")
        for other_lang, viewport, other_size in WAYS[ways]:
            if (other_lang, other_size) == (lang, size):
                continue
            other = self._other(role, other_lang, other_size, viewport)
            response = other.goto(url)
            if response is None or response.status != 200:
                self.findings.append(
                    f"{role}/{other_lang}/{other_size}/{name}: {url} answered {response and response.status}"
                )
                continue
            texts[f"{other_lang}_{other_size}"] = self.check(other, role, name, lang=other_lang, size=other_size)
        return texts

    def look_after(self, page: Page, role: str, name: str, act: Callable[[Page], Any]) -> None:
        """``act(page)`` done in the role's four sessions (the answer of a form is not an address to open again),
        each page then checked as :meth:`look` checks it."""
        act(page)
        self.check(page, role, name, lang="zh", size="desktop")
        for lang, viewport, size in WAYS["all"][1:]:
            other = self._other(role, lang, size, viewport)
            act(other)
            self.check(other, role, name, lang=lang, size=size)

    def check(self, page: Page, role: str, name: str, *, lang: str, size: str) -> str:
        """The screenshot and the checks of one way of a page; returns the page's visible text."""
        url = page.url.replace(self.base_url, "")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / self.shot_name.format(role=role, lang=lang, size=size, name=name)
        page.screenshot(path=path, full_page=True)
        self.shots.append(path)
        where = f"{role}/{lang}/{size}/{name} ({url}; {path.name})"
        if size == "phone":
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"] + 1:
                wide = page.evaluate(
                    """() => [...document.querySelectorAll('main *')]
                         .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                         .filter(e => !e.closest('.scroll-x, .table-wrap'))
                         .slice(0, 4).map(e => e.tagName + '.' + e.className + ' ' + e.innerText.slice(0, 30))"""
                )
                self.findings.append(f"{where}: the page scrolls sideways ({width}px): {wide}")
        text = page.evaluate("document.body.innerText")
        for raw in set(self.raw.findall(text)) - self.usernames:
            self.findings.append(f"{where}: raw field name or None shown: {raw!r}")
        if lang == "zh":
            words = {w for w in LATIN.findall(text) if w not in self.allowed_latin}
            words = {w for w in words if not re.fullmatch(r"[A-Z0-9-]+", w)}
            if words:
                (self.english if self.english_apart else self.findings).append(
                    f"{where}: English in Chinese mode: {sorted(words)}"
                )
        else:
            chrome = page.evaluate(
                f"""() => [...document.querySelectorAll({self.chrome!r})]
                     .map(e => e.innerText).filter(t => /[\\u4e00-\\u9fff]/.test(t))"""
            )
            odd = [t.strip() for t in chrome if not self.data.search(t) and HAN.search(self.gloss.sub("", t))]
            if odd:
                self.findings.append(f"{where}: Chinese in English mode: {sorted(set(odd))[:8]}")
        return text

    def report(self, file_name: str) -> None:
        """Every screenshot and finding, in test-artifacts/<file_name> (also after a failed assertion)."""
        lines = [str(p) for p in self.shots] + ["", "English on Chinese pages:", *self.english]
        lines += ["", "Findings:", *self.findings]
        (SCREENSHOTS.parent / file_name).write_text("\n".join(lines) + "\n", encoding="utf-8")
