"""The diff of a validated roster against the archive: what an import would create, update, leave alone,
and which households of the importer's area the roster no longer lists (docs/ROSTER.md §Outcome).

A person is identified by the ID number; a household by its number in the county, or else by its persons —
and a number is taken as the archive's household of that number only when one of the file's persons is among
its members (a town's roster numbered from 1 would otherwise rewrite another town's household 1).
A blank cell never erases a value of the archive. Households outside the importer's area are never
touched: a row that would is an error (docs/SECURITY.md §Access).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from core.db import among
from households.models import Household, Member, household_in_area, household_scope_q
from households.privacy import mask_value
from households.roster.validate import HouseholdRow, MemberRow, Note, Roster, place_of
from households.services import (
    IDENTITY_CONFLICT_MESSAGE,
    household_number_format,
    household_number_last,
    household_number_sequence,
)
from regions.models import Region

# roster field → Household field
HOUSEHOLD_MAP = {
    "family_type": "family_type",
    "certificate_number": "certificate_number",
    "address": "address",
    "poverty_registered": "poverty_registered",
    "difficulties": "difficulties_note",
    "child_name": "child_name",
    "child_event_date": "child_event_date",
    "disability_grade": "child_disability_grade",
    "child_sex": "child_sex",
    "child_birth_date": "child_birth_date",
}
# roster field → Member field
MEMBER_MAP = {
    "name": "name",
    "id_number": "id_number",
    "sex": "sex",
    "birth_date": "birth_date",
    "role": "role",
    "phone": "phone",
    "alive": "alive",
    "self_care": "self_care",
    "health": "health_notes",
}
HOUSEHOLD_VALUES = ("id", "number", "village_id", "county_id", "village__path", "status", *HOUSEHOLD_MAP.values())
MEMBER_VALUES = ("id", "household_id", "death_date", *MEMBER_MAP.values())
MASKED = ("id_number", "phone")
PREVIEW_LIMIT = 1000  # changed records listed in the preview; the counts are always complete


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


@dataclass
class Plan:
    households: Counts = field(default_factory=Counts)
    members: Counts = field(default_factory=Counts)
    # (file household, number to give it) for new households
    household_creates: list[tuple[HouseholdRow, str]] = field(default_factory=list)
    household_updates: dict[int, dict[str, Any]] = field(default_factory=dict)  # pk → {field: new}
    # (member row, household pk or the file household when it is new)
    member_creates: list[tuple[MemberRow, int | HouseholdRow]] = field(default_factory=list)
    member_updates: dict[int, dict[str, Any]] = field(default_factory=dict)
    changes: list[dict[str, Any]] = field(default_factory=list)  # preview of updates (old → new)
    missing: list[dict[str, str]] = field(default_factory=list)
    missing_count: int = 0
    # Masked ID numbers of persons registered outside the importer's area (refused neutrally; the job logs them).
    identity_conflicts: list[str] = field(default_factory=list)


def _in_area(household: dict[str, Any], area_path: str, county: Region) -> bool:
    return household_in_area(village_path=household["village__path"], county_path=county.path, area_path=area_path)


def _show(field_name: str, value: Any) -> Any:
    if value in (None, ""):
        return ""
    if field_name in MASKED:
        return mask_value(field_name, str(value))
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return value


@dataclass
class _Archive:
    """What the archive holds of the roster's households and persons, read once for the whole roster."""

    by_number: dict[str, dict[str, Any]]  # the county's households the roster names by number
    members: dict[str, dict[str, Any]]  # ID number → the archive's person
    member_households: dict[int, dict[str, Any]]  # pk → the household of one of those persons
    people: dict[int, tuple[set[str], set[str]]]  # pk of a household in by_number → its ID numbers and names
    village_names: dict[int, str]


def _archive_read(roster: Roster, county: Region) -> _Archive:
    numbers = {h.number for h in roster.households if h.number}
    ids = {m.values["id_number"] for h in roster.households for m in h.members if m.values.get("id_number")}
    by_number = {
        h["number"]: h
        for h in Household.objects.filter(county=county)
        .filter(among("number", numbers, cast="text"))
        .values(*HOUSEHOLD_VALUES)
    }
    members = {
        m["id_number"]: m for m in Member.objects.filter(among("id_number", ids, cast="text")).values(*MEMBER_VALUES)
    }
    member_households = {
        h["id"]: h
        for h in Household.objects.filter(among("id", {m["household_id"] for m in members.values()})).values(
            *HOUSEHOLD_VALUES, "county__path"
        )
    }
    return _Archive(
        by_number=by_number,
        members=members,
        member_households=member_households,
        people=_people_of({h["id"] for h in by_number.values()}),
        village_names=dict(Region.objects.filter(path__startswith=county.path).values_list("pk", "name")),
    )


def roster_plan(*, roster: Roster, county: Region, area_path: str, today: date) -> Plan:
    """Compare the roster with the archive. Errors found here (area, identity) are added to the roster."""
    plan = Plan()
    archive = _archive_read(roster, county)
    # The county's numbering (households.services), for the households the file gives no number (a couple
    # roster's row is a household): the caller holds the county row's lock, as household_number_next does.
    # Numbers the file gives in the scheme (a bare 00001 read as 630103-00001) are not handed out again.
    in_file = (household_number_sequence(county=county, number=h.number) for h in roster.households if h.number)
    last_number = max([household_number_last(county=county), *(n for n in in_file if n is not None)])
    targets: dict[int, HouseholdRow] = {}

    for household in roster.households:
        accepted, target = _household_target(roster, household, archive, targets, area_path=area_path, county=county)
        if not accepted:
            continue
        owner: int | HouseholdRow
        if target is None:
            number = household.number
            if not number:
                last_number += 1
                number = household_number_format(county=county, sequence=last_number)
            _plan_household_create(plan, roster, household, number)
            owner = household
        else:
            targets[target["id"]] = household
            _plan_household_update(plan, roster, household, target, archive)
            owner = target["id"]
        for member in household.members:
            _plan_member(
                plan,
                roster,
                member,
                owner,
                archive.members,
                archive.member_households,
                area_path,
                county,
                household,
                target,
            )

    _plan_missing(plan, roster, county=county, area_path=area_path, matched=set(targets))
    return plan


def _household_target(
    roster: Roster,
    household: HouseholdRow,
    archive: _Archive,
    targets: dict[int, HouseholdRow],
    *,
    area_path: str,
    county: Region,
) -> tuple[bool, dict[str, Any] | None]:
    """The archive's household the roster's household is — by its number, else by one of its persons' ID
    numbers — or None for a new one. (False, None) when the roster's household is refused: the error is added
    to the roster (outside the area, another household's number, the same household twice in the file)."""
    target = archive.by_number.get(household.number) if household.number else None
    if target is not None and not _in_area(target, area_path, county):
        roster.error(
            household.where,
            "household_number",
            _("Household number %(number)s belongs to a household outside your area.") % {"number": household.number},
        )
        return False, None
    if target is not None and not _same_people(household, archive.people.get(target["id"])):
        roster.error(
            household.where,
            "household_number",
            _(
                "Household number %(number)s already belongs to another household (in %(village)s): none of "
                "its members is among these persons. A household number stands for one household in the "
                "whole county: check the number (sheets that each number from 1 need numbers of their own)."
            )
            % {"number": household.number, "village": archive.village_names.get(target["village_id"], "")},
        )
        return False, None
    if target is None:
        target = _household_of_a_member(household, archive, area_path=area_path, county=county)
    if target is not None and target["id"] in targets:
        roster.error(
            household.where,
            "household_number" if household.number else "id_number",
            _("These persons belong to the same household as %(place)s.")
            % {"place": place_of(targets[target["id"]].where, household.where)},
        )
        return False, None
    return True, target


def _household_of_a_member(
    household: HouseholdRow, archive: _Archive, *, area_path: str, county: Region
) -> dict[str, Any] | None:
    """The archive's household (of the county, in the area) of the first of the roster household's persons
    the archive knows by ID number."""
    for member in household.members:
        existing = archive.members.get(member.values.get("id_number"))
        if existing is not None:
            candidate = archive.member_households[existing["household_id"]]
            if candidate["county_id"] == county.pk and _in_area(candidate, area_path, county):
                return candidate
    return None


def _plan_household_create(plan: Plan, roster: Roster, household: HouseholdRow, number: str) -> None:
    if "family_type" not in household.given and not any(
        e.row == household.where.row and e.field == "family_type" for e in roster.errors
    ):
        roster.error(household.where, "family_type", _("Enter the family type (独生子女死亡 or 独生子女伤残)."))
    plan.household_creates.append((household, number))
    plan.households.created += 1
    _check_grade(roster, household, household.values.get("family_type"))


def _plan_household_update(
    plan: Plan, roster: Roster, household: HouseholdRow, target: dict[str, Any], archive: _Archive
) -> None:
    _warn_new_id_of_a_known_name(roster, household, archive.people.get(target["id"]), archive.members)
    changed = _household_diff(household, target)
    family_type = changed.get("family_type", target["family_type"])
    _check_grade(
        roster, household, family_type, changed.get("child_disability_grade", target["child_disability_grade"])
    )
    if changed:
        plan.household_updates[target["id"]] = changed
        plan.households.updated += 1
        _preview(
            plan,
            "household",
            target["number"],
            "",
            {k: (target.get(k), v) for k, v in changed.items()},
            archive.village_names,
        )
    else:
        plan.households.unchanged += 1


def _plan_missing(plan: Plan, roster: Roster, *, county: Region, area_path: str, matched: set[int]) -> None:
    """The active households of the importer's area (of the roster's towns, when it names them) it does not list."""
    area = Household.objects.filter(county=county, status=Household.Status.ACTIVE)
    if area_path != county.path:  # the whole county needs no path match (household_scope_q's OR plans badly)
        area = area.filter(household_scope_q(area_path))
    if roster.towns:
        area = area.filter(village__parent_id__in=roster.towns)
    # Subtracted here rather than with NOT IN (25,000 ids), which PostgreSQL plans badly.
    missing = sorted(
        (number, village or "")
        for pk, number, village in area.values_list("pk", "number", "village__name")
        if pk not in matched
    )
    plan.missing_count = len(missing)
    plan.missing = [{"number": number, "village": village} for number, village in missing[:PREVIEW_LIMIT]]


def _people_of(household_ids: set[int]) -> dict[int, tuple[set[str], set[str]]]:
    """The ID numbers and names of the members of these households (those the roster names by number)."""
    people: dict[int, tuple[set[str], set[str]]] = {}
    if not household_ids:
        return people
    for household_id, id_number, name in Member.objects.filter(among("household_id", household_ids)).values_list(
        "household_id", "id_number", "name"
    ):
        ids, names = people.setdefault(household_id, (set(), set()))
        if id_number:
            ids.add(id_number)
        names.add(name)
    return people


def _same_people(household: HouseholdRow, people: tuple[set[str], set[str]] | None) -> bool:
    """Whether the roster's household can be the archive's household of the same number: one person in common
    (by ID number, or by name: an ID number corrected since). A household without members in the archive, or
    persons without an ID number or name in the file, give nothing to compare: the number decides."""
    if people is None:
        return True
    ids, names = people
    listed = [(m.values.get("id_number"), m.values.get("name")) for m in household.members]
    if not any(id_number or name for id_number, name in listed):
        return True
    return any((id_number and id_number in ids) or (name and name in names) for id_number, name in listed)


def _warn_new_id_of_a_known_name(
    roster: Roster, household: HouseholdRow, people: tuple[set[str], set[str]] | None, members: dict[str, Any]
) -> None:
    """A person added to a known household under the name of one of its members: an ID number corrected in
    the roster adds a person (a person is their ID number), so say so before the import does it."""
    if people is None:
        return
    for member in household.members:
        id_number, name = member.values.get("id_number"), member.values.get("name")
        if id_number and id_number not in members and name in people[1]:
            roster.warnings.append(
                Note(
                    member.where.sheet,
                    member.where.row,
                    _(
                        "%(name)s is already a member of household %(number)s under another ID number: the import "
                        "adds a second person. If the ID number was corrected, correct it in the archive instead."
                    )
                    % {"name": name, "number": household.number},
                )
            )


def _check_grade(roster: Roster, household: HouseholdRow, family_type: str | None, grade: str | None = None) -> None:
    grade = household.values.get("disability_grade") or grade
    if grade and family_type and family_type != Household.FamilyType.DISABILITY:
        roster.error(household.where, "disability_grade", _("A disability grade applies only to a disability family."))


def _household_diff(household: HouseholdRow, target: dict[str, Any]) -> dict[str, Any]:
    changed: dict[str, Any] = {}
    if household.village is not None and household.village.pk != target["village_id"]:
        changed["village_id"] = household.village.pk
    if household.number and household.number != target["number"]:
        changed["number"] = household.number
    for name in household.given:
        model_field = HOUSEHOLD_MAP[name]
        value = household.values[name]
        if value != target[model_field]:
            changed[model_field] = value
    return changed


def _plan_member(
    plan: Plan,
    roster: Roster,
    member: MemberRow,
    owner: int | HouseholdRow,
    members: dict[str, dict[str, Any]],
    member_households: dict[int, dict[str, Any]],
    area_path: str,
    county: Region,
    household: HouseholdRow,
    target: dict[str, Any] | None,
) -> None:
    existing = members.get(member.values.get("id_number"))
    if existing is None:
        plan.member_creates.append((member, owner))
        plan.members.created += 1
        return
    current = member_households[existing["household_id"]]
    if current["county_id"] != county.pk or not _in_area(current, area_path, county):
        side = member.side
        # The same neutral answer as the household form: not where, not whose (no existence oracle).
        roster.error(member.where, "id_number", str(IDENTITY_CONFLICT_MESSAGE), side)
        plan.identity_conflicts.append(mask_value("id_number", member.values["id_number"]))
        return
    changed: dict[str, Any] = {}
    for name, model_field in MEMBER_MAP.items():
        value = member.values.get(name)
        if value in (None, ""):
            continue  # a blank cell never erases
        if value != existing[model_field]:
            changed[model_field] = value
    if changed.get("alive") is True and existing["death_date"] is not None:
        changed["death_date"] = None
    if isinstance(owner, int) and owner != existing["household_id"]:
        changed["household_id"] = owner
    elif not isinstance(owner, int):
        changed["household_id"] = owner  # moves into a new household: resolved to its pk on apply
    if changed:
        plan.member_updates[existing["id"]] = changed
        plan.members.updated += 1
        olds = {k: (existing.get(k), v) for k, v in changed.items() if k != "household_id"}
        if "household_id" in changed:
            new_number = household.number or _("(new household)")
            olds["household"] = (
                current["number"],
                new_number if not isinstance(owner, int) else (target or {}).get("number"),
            )
        _preview(
            plan, "member", (target or {}).get("number") or household.number, member.values.get("name") or "", olds, {}
        )
    else:
        plan.members.unchanged += 1


_LABELS = {
    "village_id": "village",
    "health_notes": "health",
    "difficulties_note": "difficulties",
    "child_disability_grade": "disability_grade",
}


def _preview(plan: Plan, kind: str, number: str, name: str, fields: dict[str, tuple[Any, Any]], villages: dict) -> None:
    if len(plan.changes) >= PREVIEW_LIMIT:
        return
    rows = []
    for model_field, (old, new) in fields.items():
        label = _LABELS.get(model_field, model_field)
        if model_field == "village_id":
            old, new = villages.get(old, ""), villages.get(new, "")
        rows.append([label, _show(label, old), _show(label, new)])
    plan.changes.append({"kind": kind, "household": number, "name": name, "fields": rows})


def plan_counts(plan: Plan) -> dict[str, Any]:
    return {"households": plan.households.as_dict(), "members": plan.members.as_dict()}
