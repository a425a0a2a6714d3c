"""Masked display of personal values (GB/T 35273): the server only ever sends the masked form by default.

The tiers and the masks are declared in one place, ``accounts.sensitivity``; this module names the member fields
that a permitted role may reveal. Showing a full value is a capability (REVEAL_PERSONAL), an explicit action and a
logged event (households.services.member_value_reveal).
"""

from __future__ import annotations

from accounts.sensitivity import FIELD_TIERS, Tier, mask, mask_id_number, mask_phone

# The member's personal fields (ID number, phone), as the registry declares them.
REVEALABLE_FIELDS = tuple(
    key.rsplit(".", 1)[1]
    for key, tier in FIELD_TIERS.items()
    if tier == Tier.PERSONAL and key.startswith("households.Member.")
)

__all__ = ["MASKERS", "REVEALABLE_FIELDS", "mask_id_number", "mask_phone", "mask_value"]

MASKERS = {"id_number": mask_id_number, "phone": mask_phone}


def mask_value(field: str, value: str) -> str:
    return mask("households.Member", field, value)
