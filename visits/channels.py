"""Where a notification goes besides the inbox: email (Django's email backend) and SMS (pluggable).

The SMS channel is chosen by ``settings.VISITS_SMS_CHANNEL`` (a dotted path to a class implementing
:class:`SmsChannel`). The default logs the message and sends nothing: a county plugs in its provider's
gateway by writing one class.
"""

from __future__ import annotations

import logging
from typing import Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SmsChannel(Protocol):
    def send(self, *, phone: str, text: str) -> None:
        """Send one text message; raise on failure (the task retries)."""


class LoggingSmsChannel:
    """Sends nothing: writes the message length and a masked number to the log (no personal data)."""

    def send(self, *, phone: str, text: str) -> None:
        masked = f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "****"
        logger.info("SMS to %s (%d characters)", masked, len(text))


def sms_channel() -> SmsChannel:
    return import_string(getattr(settings, "VISITS_SMS_CHANNEL", "visits.channels.LoggingSmsChannel"))()


def email_send(*, to: str, subject: str, body: str) -> None:
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to], fail_silently=False)
