"""Roles and what each may do inside its area. One table, read by User.has_capability()."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COUNTY_STAFF = "county_staff", _("County association staff")
    TOWN_CADRE = "town_cadre", _("Town/street cadre")
    VILLAGE_CADRE = "village_cadre", _("Village/community cadre")
    FAMILY_DOCTOR = "family_doctor", _("Family doctor")
    MEMBER = "member", _("Association member/volunteer")
    LEADER = "leader", _("Leader")
    ADMIN = "admin", _("System administrator")


class Capability:
    MANAGE_USERS = "manage_users"
    READ_AUDIT = "read_audit"
    VIEW_REGIONS = "view_regions"
    # Later issues add: edit households, reveal personal data, export lists, read mental health …


ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.COUNTY_STAFF: frozenset({Capability.MANAGE_USERS, Capability.READ_AUDIT, Capability.VIEW_REGIONS}),
    Role.ADMIN: frozenset({Capability.MANAGE_USERS, Capability.READ_AUDIT, Capability.VIEW_REGIONS}),
    Role.TOWN_CADRE: frozenset({Capability.VIEW_REGIONS}),
    Role.VILLAGE_CADRE: frozenset({Capability.VIEW_REGIONS}),
    Role.FAMILY_DOCTOR: frozenset({Capability.VIEW_REGIONS}),
    Role.MEMBER: frozenset(),
    Role.LEADER: frozenset({Capability.VIEW_REGIONS}),
}

# The region levels at which each role may work (a village cadre works at a village, and so on).
ROLE_LEVELS: dict[str, frozenset[str]] = {
    Role.COUNTY_STAFF: frozenset({"county"}),
    Role.ADMIN: frozenset({"county"}),
    Role.LEADER: frozenset({"county", "town"}),
    Role.TOWN_CADRE: frozenset({"town"}),
    Role.VILLAGE_CADRE: frozenset({"village"}),
    Role.FAMILY_DOCTOR: frozenset({"town", "village"}),
    Role.MEMBER: frozenset({"town", "village"}),
}

# Roles a user manager may hand out; only a system administrator creates another administrator.
ASSIGNABLE_ROLES: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset(Role.values),
    Role.COUNTY_STAFF: frozenset(set(Role.values) - {Role.ADMIN}),
}
