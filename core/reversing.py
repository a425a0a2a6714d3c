"""URL reversing for long lists: one ``reverse`` per URL name, not one per row."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse

_SENTINEL = 987654321987


def url_for_each(name: str, pks: Iterable[int]) -> dict[int, str]:
    """The URL of `name` (one integer argument) for each primary key, reversed once: a page of 25 work items
    reversed 50 URLs, a village's dashboard 500."""
    pattern = reverse(name, args=[_SENTINEL])
    return {pk: pattern.replace(str(_SENTINEL), str(pk)) for pk in pks}
