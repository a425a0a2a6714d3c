"""Every URL that takes an object's id is in a scope matrix (docs/SECURITY.md "Access"), the admin's included.

The resolver is walked through every include (the portal's apps and the Django admin). A URL takes an object's id
when one of its arguments is an ``int`` or is named ``pk``, ``object_id``, ``…_pk`` or ``…_id``. Each scope-matrix
test module declares the URLs it checks in a module-level ``MATRIX_URLS`` (URL names, ``namespace:name``; an
unnamed URL by its full route), derived from the very lists its tests run over; a persona outside the area gets
404 on GET and POST there and the database is unchanged. This test collects those declarations and fails,
naming the URL, when an id-taking URL is in none of them — so a new URL is added to a matrix in the same change.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter
from django.urls.resolvers import RoutePattern

TESTS = Path(__file__).resolve().parent.parent

# URLs that take an id but carry no object of the families' data, each with the reason. Nothing else goes here:
# a URL that shows or changes anything of an area is added to a matrix instead.
EXEMPT: dict[str, str] = {}


@dataclass(frozen=True)
class Url:
    key: str  # "namespace:name", or the full route of an unnamed URL
    route: str
    arguments: dict[str, str]  # argument → converter ("int", "path", "regex" …)

    @property
    def takes_an_id(self) -> bool:
        return any(
            converter == "int" or name in {"pk", "object_id"} or name.endswith(("_pk", "_id"))
            for name, converter in self.arguments.items()
        )


def _arguments(pattern) -> dict[str, str]:
    if isinstance(pattern, RoutePattern):
        return {
            name: "int" if isinstance(conv, IntConverter) else type(conv).__name__
            for name, conv in pattern.converters.items()
        }
    return dict.fromkeys(pattern.regex.groupindex, "regex")


def walk(patterns=None, *, route: str = "", namespace: str = "", arguments=None) -> Iterator[Url]:
    """Every URL of the project: the route from the root, the namespaced name, all arguments on the way."""
    patterns = get_resolver().url_patterns if patterns is None else patterns
    for entry in patterns:
        here = route + str(entry.pattern)
        found = {**(arguments or {}), **_arguments(entry.pattern)}
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, route=here, namespace=inner, arguments=found)
        elif isinstance(entry, URLPattern):
            key = f"{namespace}{entry.name}" if entry.name else here
            yield Url(key=key, route=here, arguments=found)


def matrix_modules() -> list[str]:
    """The test modules that declare MATRIX_URLS (found by their source, so a new matrix is found too)."""
    names = []
    for file in sorted(TESTS.rglob("test_*.py")):
        if re.search(r"^MATRIX_URLS\b", file.read_text(encoding="utf-8"), re.MULTILINE):
            names.append(".".join(file.relative_to(TESTS.parent).with_suffix("").parts))
    return names


def covered() -> dict[str, str]:
    """URL key → the matrix module that checks it."""
    found: dict[str, str] = {}
    for name in matrix_modules():
        for key in importlib.import_module(name).MATRIX_URLS:
            found.setdefault(key, name)
    return found


def id_urls() -> dict[str, Url]:
    return {url.key: url for url in walk() if url.takes_an_id}


def test_every_id_taking_url_is_in_a_scope_matrix():
    matrices = covered()
    missing = sorted(
        f"{key}  ({url.route})" for key, url in id_urls().items() if key not in matrices and key not in EXEMPT
    )
    assert not missing, "URLs that take an id but are in no scope matrix (add them to one):\n" + "\n".join(missing)


def test_every_declared_url_exists_and_takes_an_id():
    """A matrix may not claim a URL that is gone or renamed (the claim would hide nothing, but mislead)."""
    urls = {url.key: url for url in walk()}
    stale = sorted(f"{key} ({module})" for key, module in covered().items() if key not in urls)
    assert not stale, stale
    assert not (set(EXEMPT) & set(covered())), "an exempt URL is in a matrix: drop the exemption"
    assert all(urls[key].takes_an_id for key in EXEMPT if key in urls)


def test_the_walk_reaches_the_admin_and_nested_includes():
    """The inventory itself: includes at two levels and the admin's per-model URLs are found."""
    urls = id_urls()
    assert "households:roster:job" in urls  # households/ → roster/ → <int:pk>/
    assert "admin:accounts_user_change" in urls  # django-admin/ → accounts/user/ → <path:object_id>/change/
    assert "admin:view_on_site" in urls
    assert "django-admin/accounts/user/<path:object_id>/" in urls  # the admin's unnamed redirect
    assert "admin:app_list" not in urls  # an app label is not an object id
    assert len(matrix_modules()) >= 6
