"""The one area-scope mechanism (docs/SECURITY.md §Access).

Every list, detail, form, export, import, report, search, admin page and task reaches data through:

* ``Model.objects.visible_to(user)`` — a QuerySet method from :class:`ScopedQuerySet`;
* ``get_visible_or_404(queryset, user, **lookup)`` — the gatekeeper for one object: outside the area
  answers 404, the same as a missing object.

Fail closed: an anonymous or deactivated user, or a user with no region node, sees nothing. The user is read
through the attributes every account has (``is_authenticated``, ``is_active``, ``region``), so the regions app
stays below the accounts app (docs/ARCHITECTURE.md).
"""

from __future__ import annotations

from typing import Any, Protocol, Self, TypeVar, cast

from django.db import models
from django.http import Http404
from django.utils.translation import gettext as _


class AreaUser(Protocol):
    """What the scope reads of an account (accounts.models.User has it)."""

    # Read-only members: a model's fields and AbstractBaseUser's is_authenticated (a property) both satisfy them.
    @property
    def is_authenticated(self) -> bool: ...
    @property
    def is_active(self) -> bool: ...
    @property
    def region(self) -> Any: ...


def user_scope_path(user: AreaUser | None) -> str | None:
    """The materialised region path a user may see, or None when they may see nothing."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    region = getattr(user, "region", None)
    if region is None or not region.path:
        return None
    if getattr(region, "level", "") in ("city", "province"):
        # Above the county a user reads figures only (docs/SECURITY.md §Roles): no path-scoped row at all.
        return None
    return str(region.path)


_M = TypeVar("_M", bound=models.Model)


class ScopedQuerySet(models.QuerySet[_M]):
    """A QuerySet that knows how to reach the region path of its rows.

    Subclasses set ``scope_path_lookup`` to the lookup of the row's region path, e.g. ``"path"`` for a
    region, ``"region__path"`` for a user; rows whose area is reached another way (a household's village,
    or its county when the village is missing) override :meth:`scope_q` instead of ``visible_to``.
    """

    scope_path_lookup: str = ""

    def scope_q(self, path: str) -> models.Q | None:
        """The condition for rows inside the area `path`; None means "no rule": nothing is visible."""
        if not self.scope_path_lookup:
            return None
        return models.Q(**{f"{self.scope_path_lookup}__startswith": path})

    def visible_to(self, user: AreaUser | None) -> Self:
        path = user_scope_path(user)
        condition = None if path is None else self.scope_q(path)
        if condition is None:
            return self.none()
        return self.filter(condition)


def get_visible_or_404(queryset: models.QuerySet | type[models.Model], user: AreaUser | None, **lookup: Any) -> Any:
    """The gatekeeper: one object the user may see, or 404 (never 403, never a hint that it exists)."""
    # A scoped model's default manager reads through its ScopedQuerySet.
    scoped = cast(ScopedQuerySet, queryset._default_manager.all() if isinstance(queryset, type) else queryset)
    try:
        return scoped.visible_to(user).get(**lookup)
    except (scoped.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(_("Not found.")) from exc
