"""The request of a signed-in user, as the type checker reads it."""

from __future__ import annotations

from django.http import HttpRequest

from accounts.models import User


class AuthenticatedRequest(HttpRequest):
    """The request a view behind ``login_required`` receives: its user is an account, never AnonymousUser.

    Only an annotation (Django passes its own HttpRequest): ``request.user`` then reads as a ``User``, which the
    services and selectors take.
    """

    user: User
