"""Who may do what, inside the area (docs/SECURITY.md §Access).

The area scope itself (``visible_to``, ``get_visible_or_404``, ``user_scope_path``) is ``regions.scope``. Here are
the role checks: a service that acts for a user calls :func:`authorize` with the capability and, when it acts on
rows of an area, that area's path — so a page, a task, a command and a future API all get the same answer.
Views keep the 404-before-403 order: they fetch through ``get_visible_or_404`` first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from regions.paths import is_within
from regions.scope import user_scope_path

if TYPE_CHECKING:
    from accounts.models import User


def require_capability(user: User, capability: str) -> None:
    """Roles limit functions inside the scope: refuse with 403 when the role lacks a capability."""
    if not getattr(user, "is_authenticated", False) or not user.has_capability(capability):
        raise PermissionDenied(_("Your role does not allow this."))


def require_within(user: User, region_path: str) -> None:
    """Refuse (403) an act on rows of an area outside the user's own."""
    path = user_scope_path(user)
    if path is None or not is_within(region_path, path):
        raise PermissionDenied(_("This is outside your area."))


def authorize(user: User, capability: str, *, within: str | None = None) -> None:
    """The check every service that acts for a user makes: the role has ``capability`` and, when the act touches
    an area (``within``: a region path), that area lies inside the user's."""
    require_capability(user, capability)
    if within is not None:
        require_within(user, within)
