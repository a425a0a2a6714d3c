"""Roles and what each may do inside its area. One table, read by User.has_capability()."""

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CITY_STAFF = "city_staff", _("City association staff")
    COUNTY_STAFF = "county_staff", _("County association staff")
    TOWN_CADRE = "town_cadre", _("Town/street cadre")
    VILLAGE_CADRE = "village_cadre", _("Village/community cadre")
    FAMILY_DOCTOR = "family_doctor", _("Family doctor")
    MEMBER = "member", _("Association member/volunteer")
    LEADER = "leader", _("Leader")
    ADMIN = "admin", _("System administrator")


class Capability(StrEnum):
    """What a role may do inside its area. One list for every app; each app's section says whose it is."""

    # accounts, audit, regions
    MANAGE_USERS = "manage_users"
    READ_AUDIT = "read_audit"
    VIEW_REGIONS = "view_regions"
    # households: the archive. A leader reads dashboards and reports only (docs/SECURITY.md §Roles).
    VIEW_HOUSEHOLDS = "view_households"
    EDIT_HOUSEHOLDS = "edit_households"
    REVEAL_PERSONAL = "reveal_personal"  # show one full ID number or phone, logged
    EXPORT_LISTS = "export_lists"  # only county staff export whole lists
    TRANSFER_HOUSEHOLDS = "transfer_households"  # 迁移: ask another county for a family, answer its requests
    # Sensitive data by tier (accounts.sensitivity): health and mental-health values, medical roles and county staff.
    VIEW_HEALTH = "view_health"
    VIEW_MENTAL_HEALTH = "view_mental_health"
    # contacts (四对一): see the people and a household's contacts, print cards; manage people and assignments;
    # choose the county's scheme (四对一 / 双岗 / 1+1+N).
    VIEW_CONTACTS = "view_contacts"
    MANAGE_CONTACTS = "manage_contacts"
    CONFIGURE_CONTACTS = "configure_contacts"
    # visits: log a visit and see "my households"; read the rules; edit the county's rules.
    LOG_VISITS = "log_visits"
    VIEW_RULES = "view_rules"
    EDIT_RULES = "edit_rules"
    # visits: the supervision worklist — the open overdue flags of the area, filtered (every level above the village).
    SUPERVISE_FLAGS = "supervise_flags"
    # reports: read the coverage dashboard and export its figures (it has no form).
    VIEW_COVERAGE = "view_coverage"
    # benefits (docs/BENEFITS.md): see the area's entitlements and their explanation; manage the county's standards,
    # settings and payout batches; the town's review step of a batch; the annual review at one's own level;
    # record relief; edit a person's bank account (masked) and reveal one (county staff only, logged); the reports.
    VIEW_ENTITLEMENTS = "view_entitlements"
    MANAGE_STANDARDS = "manage_standards"
    MANAGE_PAYOUTS = "manage_payouts"
    REVIEW_PAYOUTS = "review_payouts"
    REVIEW_BENEFITS = "review_benefits"
    RECORD_RELIEF = "record_relief"
    EDIT_BANK_ACCOUNTS = "edit_bank_accounts"
    REVEAL_BANK_ACCOUNT = "reveal_bank_account"
    VIEW_BENEFIT_REPORTS = "view_benefit_reports"
    # insurance (docs/BENEFITS.md §Insurance): county staff manage the products, the enrolment and the claims'
    # decisions (submit, paid, rejected); county, town and village cadres report a claim and collect its documents
    # in their area. Leaders read the insurance reports through VIEW_BENEFIT_REPORTS.
    MANAGE_INSURANCE = "manage_insurance"
    REPORT_CLAIMS = "report_claims"
    # medical (docs/MEDICAL.md): county staff manage the designated institutions and the county's medical settings;
    # family doctors and county staff record contracts, green-channel cards and uses, and health checks, and read
    # their content (the health tier); cadres and volunteers see only that a household has a doctor and a card.
    MANAGE_INSTITUTIONS = "manage_institutions"
    RECORD_MEDICAL = "record_medical"
    VIEW_MEDICAL_STATUS = "view_medical_status"
    # activities (issue 17, docs/ACTIVITIES.md): the 暖心家园 centres (county staff); record an activity and its
    # attendance in one's area; read the activities; manage volunteers, teams and pairings; log a volunteer's own
    # service (a volunteer who is a portal user, from the phone).
    MANAGE_CENTRES = "manage_centres"
    RECORD_ACTIVITIES = "record_activities"
    VIEW_ACTIVITIES = "view_activities"
    MANAGE_VOLUNTEERS = "manage_volunteers"
    LOG_VOLUNTEER_SERVICE = "log_volunteer_service"
    # policies: the policy library, read by every role (on a visit too); documents managed by county and city staff.
    VIEW_POLICIES = "view_policies"
    MANAGE_POLICIES = "manage_policies"
    # statistical reports (docs/REPORTS.md): read the forms and completeness of one's area (city and province
    # included — figures only); fill, confirm and submit one's own unit's form; accept, return or reopen the forms
    # of the level below; set the deadlines of one's area.
    VIEW_STAT_REPORTS = "view_stat_reports"
    FILL_STAT_REPORTS = "fill_stat_reports"
    ACCEPT_STAT_REPORTS = "accept_stat_reports"
    MANAGE_REPORT_DEADLINES = "manage_report_deadlines"


_S = Role.CITY_STAFF
_C = Role.COUNTY_STAFF
_T = Role.TOWN_CADRE
_V = Role.VILLAGE_CADRE
_D = Role.FAMILY_DOCTOR
_M = Role.MEMBER
_L = Role.LEADER
_A = Role.ADMIN

# Who has each capability: the one table, read like the tests' matrices. The system administrator runs the
# system and reads no family's file; the family doctor calls and visits the families (reads the archive, may
# reveal a phone); association members and volunteers see the archive masked; leaders read figures only.
CAPABILITY_ROLES: dict[Capability, frozenset[Role]] = {
    Capability.MANAGE_USERS: frozenset({_S, _C, _A}),
    Capability.READ_AUDIT: frozenset({_C, _A}),
    Capability.VIEW_REGIONS: frozenset({_C, _A, _T, _V, _D, _L}),
    Capability.VIEW_HOUSEHOLDS: frozenset({_C, _T, _V, _D, _M}),
    Capability.EDIT_HOUSEHOLDS: frozenset({_C, _T, _V}),
    Capability.REVEAL_PERSONAL: frozenset({_C, _T, _V, _D}),
    Capability.EXPORT_LISTS: frozenset({_C}),
    Capability.TRANSFER_HOUSEHOLDS: frozenset({_C}),
    Capability.VIEW_HEALTH: frozenset({_C, _D}),
    Capability.VIEW_MENTAL_HEALTH: frozenset({_C, _D}),
    Capability.VIEW_CONTACTS: frozenset({_C, _T, _V, _D, _M}),
    Capability.MANAGE_CONTACTS: frozenset({_C, _T}),
    Capability.CONFIGURE_CONTACTS: frozenset({_C}),
    Capability.LOG_VISITS: frozenset({_C, _T, _V, _D, _M}),
    Capability.VIEW_RULES: frozenset({_C, _T, _V, _D, _M, _L}),
    Capability.EDIT_RULES: frozenset({_C}),
    # Not leaders: they read figures (docs/SECURITY.md §Roles); their home page counts the open flags.
    Capability.SUPERVISE_FLAGS: frozenset({_C, _T}),
    Capability.VIEW_COVERAGE: frozenset({_S, _C, _T, _V, _L}),
    Capability.VIEW_ENTITLEMENTS: frozenset({_C, _T, _V}),
    Capability.MANAGE_STANDARDS: frozenset({_C}),
    Capability.MANAGE_PAYOUTS: frozenset({_C}),
    Capability.REVIEW_PAYOUTS: frozenset({_C, _T}),  # the town's step by a town cadre, the county's by staff
    Capability.REVIEW_BENEFITS: frozenset({_C, _T, _V}),  # each at its own level
    Capability.RECORD_RELIEF: frozenset({_C, _T, _V}),
    Capability.EDIT_BANK_ACCOUNTS: frozenset({_C, _T, _V}),  # the village fixes a failed account on its next visit
    Capability.REVEAL_BANK_ACCOUNT: frozenset({_C}),
    Capability.VIEW_BENEFIT_REPORTS: frozenset({_S, _C, _T, _V, _L}),  # city staff: their counties side by side
    # insurance
    Capability.MANAGE_INSURANCE: frozenset({_C}),
    Capability.REPORT_CLAIMS: frozenset({_C, _T, _V}),
    # medical
    Capability.MANAGE_INSTITUTIONS: frozenset({_C}),
    Capability.RECORD_MEDICAL: frozenset({_C, _D}),
    Capability.VIEW_MEDICAL_STATUS: frozenset({_C, _T, _V, _D, _M}),
    # activities
    Capability.MANAGE_CENTRES: frozenset({_C}),
    Capability.RECORD_ACTIVITIES: frozenset({_C, _T, _V}),
    Capability.VIEW_ACTIVITIES: frozenset({_C, _T, _V, _D, _M}),
    Capability.MANAGE_VOLUNTEERS: frozenset({_C, _T}),
    Capability.LOG_VOLUNTEER_SERVICE: frozenset({_C, _T, _V, _M}),
    # policies: every role reads the library
    Capability.VIEW_POLICIES: frozenset(Role),
    Capability.MANAGE_POLICIES: frozenset({_S, _C}),
    # statistical reports: each level fills its own form and accepts the level below's; leaders read
    Capability.VIEW_STAT_REPORTS: frozenset({_S, _C, _T, _V, _L}),
    Capability.FILL_STAT_REPORTS: frozenset({_S, _C, _T, _V}),
    Capability.ACCEPT_STAT_REPORTS: frozenset({_S, _C, _T}),
    Capability.MANAGE_REPORT_DEADLINES: frozenset({_S, _C}),
}

# The same table by role, for User.has_capability().
ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    role: frozenset(capability for capability, roles in CAPABILITY_ROLES.items() if role in roles) for role in Role
}

# The region levels at which each role may work (a village cadre works at a village, and so on). Above the county
# (city, province) only the city association's staff, its leaders and a system administrator work: figures only.
ROLE_LEVELS: dict[str, frozenset[str]] = {
    Role.CITY_STAFF: frozenset({"city", "province"}),
    Role.COUNTY_STAFF: frozenset({"county"}),
    Role.ADMIN: frozenset({"county", "city", "province"}),
    Role.LEADER: frozenset({"county", "town", "city", "province"}),
    Role.TOWN_CADRE: frozenset({"town"}),
    Role.VILLAGE_CADRE: frozenset({"village"}),
    Role.FAMILY_DOCTOR: frozenset({"town", "village"}),
    Role.MEMBER: frozenset({"town", "village"}),
}

# Roles a user manager may hand out; only a system administrator creates another administrator.
ASSIGNABLE_ROLES: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset(Role.values),
    Role.COUNTY_STAFF: frozenset(set(Role.values) - {Role.ADMIN, Role.CITY_STAFF}),
    Role.CITY_STAFF: frozenset({Role.CITY_STAFF, Role.LEADER}),
}
