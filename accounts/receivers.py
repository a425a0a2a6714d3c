"""Login and logout stamp and end sessions.

Django's auth signals are the one place that sees every login path (portal, admin, axes), so this is
the exception to "no signals" in docs/ARCHITECTURE.md. The audit app records the same events (audit/receivers.py).
"""

import time

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from accounts.middleware import SESSION_LOGIN_AT
from accounts.services import user_end_all_sessions


@receiver(user_logged_in)
def _on_login(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_LOGIN_AT] = time.time()


@receiver(user_logged_out)
def _on_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        user_end_all_sessions(user=user)
