"""Writing a planned import with set-based SQL: batched INSERTs and ``UPDATE … FROM (VALUES …)``.

Runs inside the caller's transaction (all or nothing). Row history is recorded by pghistory's triggers,
bulk writes included; the caller sets the pghistory context (who, which file).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from django.db import connection, models
from django.utils import timezone
from psycopg2.extras import execute_values

from households.models import Household, Member
from households.roster.plan import HOUSEHOLD_MAP, MEMBER_MAP, Plan
from households.roster.validate import HouseholdRow
from regions.models import Region

BATCH = 5000


def _update(model: type[models.Model], updates: dict[int, dict[str, Any]], now: Any) -> None:
    """One ``UPDATE … FROM (VALUES …)`` per set of changed fields (Django's bulk_update builds CASE
    expressions that grow with the batch)."""
    groups: dict[tuple[str, ...], list[tuple[Any, ...]]] = defaultdict(list)
    for pk, changed in updates.items():
        fields = tuple(sorted(changed))
        groups[fields].append((pk, *(changed[f] for f in fields), now))
    table = model._meta.db_table
    with connection.cursor() as cursor:
        for fields, rows in groups.items():
            columns = [model._meta.get_field(f) for f in (*fields, "updated_at")]
            assignments = ", ".join(f'"{c.column}" = v."{c.column}"::{c.db_type(connection)}' for c in columns)
            names = ", ".join(f'"{c.column}"' for c in columns)
            sql = f'UPDATE "{table}" AS t SET {assignments} FROM (VALUES %s) AS v(id, {names}) WHERE t.id = v.id'
            for start in range(0, len(rows), BATCH):
                execute_values(cursor.cursor, sql, rows[start : start + BATCH], page_size=BATCH)


def roster_apply(*, plan: Plan, county: Region, today: date) -> None:
    now = timezone.now()
    new_households = []
    for household, number in plan.household_creates:
        fields = {HOUSEHOLD_MAP[name]: household.values[name] for name in household.given}
        new_households.append(
            Household(county=county, village=household.village, number=number, registered_on=today, **fields)
        )
    Household.objects.bulk_create(new_households, batch_size=2000)
    pk_of: dict[int, int] = {
        id(row): obj.pk for (row, _number), obj in zip(plan.household_creates, new_households, strict=True)
    }

    def household_pk(owner: int | HouseholdRow) -> int:
        return owner if isinstance(owner, int) else pk_of[id(owner)]

    _update(Household, plan.household_updates, now)

    member_updates = {}
    for pk, changed in plan.member_updates.items():
        if "household_id" in changed:
            changed = {**changed, "household_id": household_pk(changed["household_id"])}
        member_updates[pk] = changed
    # Updates first: a person moving out of a household frees nothing the inserts need, but keeps the order
    # of history events readable (moves, then new persons).
    _update(Member, member_updates, now)

    new_members = []
    for member, owner in plan.member_creates:
        values = {MEMBER_MAP[name]: value for name, value in member.values.items() if name in MEMBER_MAP}
        values = {k: v for k, v in values.items() if v is not None}
        values.setdefault("alive", True)
        for text_field in ("phone", "self_care", "health_notes", "sex"):
            values.setdefault(text_field, "")
        new_members.append(Member(household_id=household_pk(owner), **values))
    Member.objects.bulk_create(new_members, batch_size=5000)
