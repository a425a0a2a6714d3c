"""The one area-scope mechanism (docs/SECURITY.md §Access).

Every list, detail, form, export, import, report, search, admin page and task reaches data through:

* ``Model.objects.visible_to(user)`` — a QuerySet method from :class:`ScopedQuerySet`;
* ``get_visible_or_404(queryset, user, **lookup)`` — the gatekeeper for one object: outside the area
  answers 404, the same as a missing object;
* ``accounts.mixins.AreaScopedMixin`` — for class-based views, whose ``get_queryset`` goes through the first
  (in its own module only because view mixins cannot be imported while models load).

Fail closed: an anonymous or deactivated user, or a user with no region node, sees nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from accounts.models import User


def user_scope_path(user: Any) -> str | None:
    """The materialised region path a user may see, or None when they may see nothing."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    region = getattr(user, "region", None)
    if region is None or not region.path:
        return None
    return region.path


class ScopedQuerySet(models.QuerySet):
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

    def visible_to(self, user: User | Any) -> Self:
        path = user_scope_path(user)
        condition = None if path is None else self.scope_q(path)
        if condition is None:
            return self.none()
        return self.filter(condition)


def get_visible_or_404(queryset: models.QuerySet | type[models.Model], user: Any, **lookup: Any) -> Any:
    """The gatekeeper: one object the user may see, or 404 (never 403, never a hint that it exists)."""
    if isinstance(queryset, type):
        queryset = queryset._default_manager.all()
    try:
        return queryset.visible_to(user).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(_("Not found.")) from exc


def require_capability(user: Any, capability: str) -> None:
    """Roles limit functions inside the scope: refuse with 403 when the role lacks a capability."""
    if not getattr(user, "is_authenticated", False) or not user.has_capability(capability):
        raise PermissionDenied(_("Your role does not allow this."))
