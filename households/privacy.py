"""Masked display of personal values (GB/T 35273): the server only ever sends the masked form by default.

Showing a full value is a capability (REVEAL_PERSONAL), an explicit action and a logged event
(households.services.member_value_reveal).
"""

from __future__ import annotations

REVEALABLE_FIELDS = ("id_number", "phone")


def mask_id_number(value: str) -> str:
    """``630103196503020695`` → ``6301**********0694`` (first four and last four kept)."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    """Mobile ``13800000014`` → ``138****0014``; landline ``0971-1234567`` → ``0971-***4567``."""
    if not value:
        return ""
    if "-" in value:
        area, _sep, rest = value.partition("-")
        return f"{area}-{'*' * max(len(rest) - 4, 0)}{rest[-4:]}"
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


MASKERS = {"id_number": mask_id_number, "phone": mask_phone}


def mask_value(field: str, value: str) -> str:
    return MASKERS[field](value)
