"""The region-path API: one implementation of what a materialised path says.

A region's path is the codes from its county down, each followed by a slash: ``"630103/630103001/630103001002/"``
(county, town, village). Every question about where a row is, is asked here.
"""

from __future__ import annotations


def county_path(path: str) -> str:
    """The path of the county a path lies in: ``"630103/630103001/"`` → ``"630103/"``."""
    return path.split("/", 1)[0] + "/"


def ancestor_paths(path: str, *, include_self: bool = True) -> list[str]:
    """The paths from the county down to ``path`` (itself last unless ``include_self`` is False)."""
    parts = [p for p in path.split("/") if p]
    paths = ["/".join(parts[: i + 1]) + "/" for i in range(len(parts))]
    return paths if include_self else paths[:-1]


def is_within(path: str, area_path: str) -> bool:
    """True when ``path`` is ``area_path`` or lies below it."""
    return bool(path) and bool(area_path) and path.startswith(area_path)


def are_related(path: str, other: str) -> bool:
    """True when one path contains the other (the same node, an ancestor or a descendant)."""
    return is_within(path, other) or is_within(other, path)
