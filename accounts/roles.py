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
    # The household archive. A leader reads dashboards and reports only (docs/SECURITY.md §Roles), so has none of these.
    VIEW_HOUSEHOLDS = "view_households"
    EDIT_HOUSEHOLDS = "edit_households"
    REVEAL_PERSONAL = "reveal_personal"  # show one full ID number or phone, logged
    EXPORT_LISTS = "export_lists"  # only county staff export whole lists
    # Four-on-one contacts (contacts app): see the people and a household's contacts, print contact cards;
    # manage people and assignments inside the area; choose the county's scheme (四对一 / 双岗 / 1+1+N).
    VIEW_CONTACTS = "view_contacts"
    MANAGE_CONTACTS = "manage_contacts"
    CONFIGURE_CONTACTS = "configure_contacts"
    # Visits (visits app): log a visit and see "my households"; read the rules; edit the county's rules.
    LOG_VISITS = "log_visits"
    VIEW_RULES = "view_rules"
    EDIT_RULES = "edit_rules"
    # The coverage dashboard (reports app): read it, and export its figures.
    VIEW_COVERAGE = "view_coverage"
    # Later issues add: read mental health …


_HOUSEHOLD_EDITOR = frozenset({Capability.VIEW_HOUSEHOLDS, Capability.EDIT_HOUSEHOLDS, Capability.REVEAL_PERSONAL})

# The system administrator runs the system and has no need to read the families' records.
ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.COUNTY_STAFF: frozenset(
        {Capability.MANAGE_USERS, Capability.READ_AUDIT, Capability.VIEW_REGIONS, Capability.EXPORT_LISTS}
    )
    | _HOUSEHOLD_EDITOR,
    Role.ADMIN: frozenset({Capability.MANAGE_USERS, Capability.READ_AUDIT, Capability.VIEW_REGIONS}),
    Role.TOWN_CADRE: frozenset({Capability.VIEW_REGIONS}) | _HOUSEHOLD_EDITOR,
    Role.VILLAGE_CADRE: frozenset({Capability.VIEW_REGIONS}) | _HOUSEHOLD_EDITOR,
    # The family doctor calls and visits the families: reads the archive and may reveal a phone.
    Role.FAMILY_DOCTOR: frozenset({Capability.VIEW_REGIONS, Capability.VIEW_HOUSEHOLDS, Capability.REVEAL_PERSONAL}),
    # Association members and volunteers see the archive masked.
    Role.MEMBER: frozenset({Capability.VIEW_HOUSEHOLDS}),
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


# ---- contacts: county staff and town cadres manage the people and assignments of their area; the people who
# visit (village cadres, doctors, members) see them and print cards; only county staff choose the scheme.
_CONTACT_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.COUNTY_STAFF: frozenset({Capability.VIEW_CONTACTS, Capability.MANAGE_CONTACTS, Capability.CONFIGURE_CONTACTS}),
    Role.TOWN_CADRE: frozenset({Capability.VIEW_CONTACTS, Capability.MANAGE_CONTACTS}),
    Role.VILLAGE_CADRE: frozenset({Capability.VIEW_CONTACTS}),
    Role.FAMILY_DOCTOR: frozenset({Capability.VIEW_CONTACTS}),
    Role.MEMBER: frozenset({Capability.VIEW_CONTACTS}),
}
for _role, _capabilities in _CONTACT_CAPABILITIES.items():
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | _capabilities


# ---- visits and coverage: the people who visit log visits; everyone who works with the families reads the
# rules; only county staff edit them. Leaders, county staff and cadres read the coverage dashboard (read-only:
# it has no form); exporting its figures is part of reading them.
_VISIT_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.COUNTY_STAFF: frozenset(
        {Capability.LOG_VISITS, Capability.VIEW_RULES, Capability.EDIT_RULES, Capability.VIEW_COVERAGE}
    ),
    Role.TOWN_CADRE: frozenset({Capability.LOG_VISITS, Capability.VIEW_RULES, Capability.VIEW_COVERAGE}),
    Role.VILLAGE_CADRE: frozenset({Capability.LOG_VISITS, Capability.VIEW_RULES, Capability.VIEW_COVERAGE}),
    Role.FAMILY_DOCTOR: frozenset({Capability.LOG_VISITS, Capability.VIEW_RULES}),
    Role.MEMBER: frozenset({Capability.LOG_VISITS, Capability.VIEW_RULES}),
    Role.LEADER: frozenset({Capability.VIEW_RULES, Capability.VIEW_COVERAGE}),
}
for _role, _capabilities in _VISIT_CAPABILITIES.items():
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | _capabilities
