"""The second factor: an authenticator app (TOTP) with one-time recovery codes, through django-otp.

A deployment switches it on by naming the roles that must use it (``settings.OTP_REQUIRED_ROLES``, from the
environment; empty — the default, and the demo — is off). A user of such a role who has no confirmed device sets one
up after the password login (``second_factor_setup_confirm``); one who has a device gives a code from it, or a
recovery code, before any other page (``second_factor_verify``; ``accounts.middleware.SecondFactorMiddleware``
sends every other request there). The session then carries the device (django-otp's ``OTPMiddleware``:
``request.user.is_verified()``). Wrong codes are throttled per device by django-otp (``OTP_THROTTLE_FACTOR``,
policy). Every step is announced on ``accounts.hooks.second_factor_event`` (the audit app records it).

The secret of a device being set up lives in the session until a code confirms it: opening the setup page writes
nothing to the database (no state change on GET).
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from accounts.hooks import second_factor_event

if TYPE_CHECKING:
    from accounts.models import User

# The secret (hex) of the device being set up, until a code confirms it.
SETUP_KEY_SESSION = "accounts.otp_setup_key"
TOTP_DEVICE_NAME = "authenticator"
RECOVERY_DEVICE_NAME = "recovery codes"
CODE_MAX_LENGTH = 16


# ---- who must give a second factor ------------------------------------------------------------------------


def second_factor_required(user: Any) -> bool:
    """The deployment requires a second factor of this user's role (never of an anonymous user)."""
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "role", None) in settings.OTP_REQUIRED_ROLES)


def second_factor_verified(user: Any) -> bool:
    """This request's session was confirmed with the user's device (django-otp's OTPMiddleware)."""
    is_verified = getattr(user, "is_verified", None)
    return bool(callable(is_verified) and is_verified())


def second_factor_pending(request: HttpRequest) -> bool:
    """The user must still give a code (or set up a device) before any other page."""
    user = getattr(request, "user", None)
    return second_factor_required(user) and not second_factor_verified(user)


def totp_device_for(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-id").first()


def has_device(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


# ---- setting up -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SetupOffer:
    """What the setup page shows: the QR code (an SVG as a data: URI, made here) and the same secret as text."""

    qr_data_uri: str
    secret: str
    issuer: str
    account: str


def _setup_key(request: HttpRequest) -> str:
    key = request.session.get(SETUP_KEY_SESSION)
    if not isinstance(key, str) or len(key) != 40:
        key = random_hex(20)
        request.session[SETUP_KEY_SESSION] = key
    return key


def _check_may_set_up(request: HttpRequest) -> None:
    """Only a user whose role requires a second factor sets one up; one who has a device first proves it (else a
    stolen password would be enough to enrol the thief's phone)."""
    user = request.user
    if not second_factor_required(user):
        raise PermissionDenied(_("Your role does not use a second factor."))
    if has_device(user) and not second_factor_verified(user):  # type: ignore[arg-type]
        raise PermissionDenied(_("Enter a code from your authenticator app first."))


def second_factor_setup_offer(*, request: HttpRequest) -> SetupOffer:
    """The secret for a new device (kept in the session until confirmed), as a QR code and as text."""
    _check_may_set_up(request)
    device = TOTPDevice(user=request.user, key=_setup_key(request), name=TOTP_DEVICE_NAME)
    image = qrcode.make(
        device.config_url,
        image_factory=qrcode.image.svg.SvgPathFillImage,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        box_size=10,
        border=4,
    )
    buffer = io.BytesIO()
    image.save(buffer)
    secret = base64.b32encode(device.bin_key).decode()
    return SetupOffer(
        qr_data_uri="data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode(),
        secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        issuer=str(settings.OTP_TOTP_ISSUER),
        account=request.user.get_username(),
    )


def _normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()[:CODE_MAX_LENGTH]


def _refusal(info: dict | None) -> ValidationError:
    if info and info.get("locked_until"):
        until: datetime = info["locked_until"]
        return ValidationError(
            _("Too many wrong codes. Try again after %(time)s.")
            % {"time": formats.time_format(timezone.localtime(until), "H:i:s")},
            code="throttled",
        )
    return ValidationError(_("This code is not correct."), code="wrong")


def second_factor_setup_confirm(*, request: HttpRequest, code: str) -> list[str]:
    """Confirm the device being set up with a code from it; returns the new recovery codes (shown once).

    The new device replaces any earlier one of the user, and the recovery codes replace earlier ones. The session
    counts as verified with the new device. A wrong code raises ValidationError (and counts for the throttle).
    """
    _check_may_set_up(request)
    user: User = request.user  # type: ignore[assignment]
    key = _setup_key(request)
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False, key=key).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, key=key, confirmed=False)
        allowed, info = device.verify_is_allowed()
        verified = allowed and device.verify_token(_normalise(code))
    if not verified:
        second_factor_event.send(
            user=user, event="failed", request=request, detail={"step": "set up", "throttled": not allowed}
        )
        raise _refusal(info if not allowed else None)

    device.confirmed = True
    device.save(update_fields=["confirmed"])
    earlier = TOTPDevice.objects.filter(user=user).exclude(pk=device.pk)
    replaced = earlier.filter(confirmed=True).exists()
    earlier.delete()
    codes = _recovery_codes_issue(user)
    del request.session[SETUP_KEY_SESSION]
    request.session.cycle_key()
    otp_login(request, device)
    second_factor_event.send(
        user=user,
        event="set up",
        request=request,
        detail={"recovery codes": len(codes), "replaced an earlier device": replaced},
    )
    return codes


def _recovery_codes_issue(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes: list[str] = []
    while len(codes) < settings.OTP_RECOVERY_CODE_COUNT:
        token = StaticToken.random_token()
        if token not in codes:
            codes.append(token)
    StaticToken.objects.bulk_create(StaticToken(device=device, token=token) for token in codes)
    return codes


# ---- every login ------------------------------------------------------------------------------------------


def second_factor_verify(*, request: HttpRequest, code: str) -> str:
    """Check a code from the authenticator app (digits) or a recovery code (letters and digits, used up).

    Returns ``"totp"`` or ``"recovery"``; a wrong or throttled code raises ValidationError. The session then counts
    as verified (and gets a new key).
    """
    user: User = request.user  # type: ignore[assignment]
    if not second_factor_required(user):
        raise PermissionDenied(_("Your role does not use a second factor."))
    code = _normalise(code)
    kind = "totp" if code.isdigit() else "recovery"
    model: type[TOTPDevice] | type[StaticDevice] = TOTPDevice if kind == "totp" else StaticDevice
    allowed, info, device = False, None, None
    # The device row is locked while the code is checked: two requests cannot both use one code, and the
    # throttle counts every attempt. No exception inside the block: the throttle's count must be kept.
    with transaction.atomic():
        device = model.objects.select_for_update().filter(user=user, confirmed=True).order_by("-id").first()
        if device is not None:
            allowed, info = device.verify_is_allowed()
            verified = allowed and device.verify_token(code)
        else:
            verified = False
    if device is None or not verified:
        second_factor_event.send(
            user=user,
            event="failed",
            request=request,
            detail={"step": "login", "kind": kind, "throttled": device is not None and not allowed},
        )
        raise _refusal(info if device is not None and not allowed else None)

    request.session.cycle_key()
    otp_login(request, device)
    if kind == "recovery":
        second_factor_event.send(
            user=user, event="recovery code used", request=request, detail={"left": recovery_codes_left(user)}
        )
    else:
        second_factor_event.send(user=user, event="verified", request=request, detail={})
    return kind


def second_factor_reset(*, user: User, by: str) -> int:
    """Remove the user's devices and recovery codes (a lost phone): the next login sets up a new device.
    Returns how many devices were removed. ``by`` says who asked (kept in the audit event)."""
    removed = 0
    for model in (TOTPDevice, StaticDevice):
        devices = model.objects.filter(user=user)
        removed += devices.count()
        devices.delete()
    second_factor_event.send(user=user, event="reset", request=None, detail={"by": by})
    return removed
