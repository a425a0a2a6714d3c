"""Writing a planned import with set-based SQL: ``COPY … FROM STDIN`` and ``UPDATE … FROM (VALUES …)``.

Runs inside the caller's transaction (all or nothing).

Row history is written by the tracked models' own pghistory triggers, which for ``Household`` and ``Member``
are statement-level (``households.models``): each COPY and each ``UPDATE … FROM (VALUES …)`` page fires one
trigger that inserts the event rows of all its rows from the statement's transition table, with the import's
history context on every one. No trigger is stepped aside (``audit.triggers`` refuses it for history
triggers), and none runs per row (docs/PERFORMANCE.md, roster import).

The COPY text is built a column at a time (one conversion per column type, escapes only in a column that
needs them) and handed to the server a page at a time, so the server stores one page while the next is
being built.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any

import pghistory
import pghistory.config
from django.db import connection, models
from django.utils import timezone
from psycopg2.extras import execute_values

from core.db import array_literal
from households.models import Household, Member
from households.roster.plan import HOUSEHOLD_MAP, MEMBER_MAP, Plan
from households.roster.validate import HouseholdRow
from regions.models import Region

PAGE = 5000


def _history_context_attach(cursor: Any) -> None:
    """Give the import's statements the caller's history context. pghistory sends it with every statement
    that goes through Django's cursor; COPY and ``execute_values`` use psycopg2's own cursor, so the two
    settings its triggers read are set here, for the rest of the transaction, as pghistory sets them."""
    with pghistory.context() as current:  # the caller's (a job's, a command's), or a new one
        metadata = json.dumps(current.metadata, cls=pghistory.config.json_encoder())
        cursor.execute(
            "SELECT set_config('pghistory.context_id', %s, true), set_config('pghistory.context_metadata', %s, true)",
            [str(current.id), metadata],
        )


def _copy_text(value: Any) -> str:
    """A value in COPY's text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, list | tuple):
        return array_literal(value, cast="text")
    text = value.isoformat() if isinstance(value, date | datetime) else str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def _copy_column(values: list[Any]) -> list[str]:
    """A column of values in COPY's text format: what ``_copy_text`` gives for each, by type in one pass."""
    kinds = set(map(type, values))
    if kinds == {str}:
        joined = "".join(values)
        if "\\" in joined or "\t" in joined or "\n" in joined or "\r" in joined:
            return list(map(_copy_text, values))
        return values
    if kinds == {int}:
        return list(map(str, values))
    if kinds <= {date, type(None)}:  # exactly date: a datetime takes the general way
        return [value.isoformat() if value is not None else "\\N" for value in values]
    return list(map(_copy_text, values))


class _CopySource:
    """The file object COPY reads: each ``read`` returns the next page of rows ("" at the end)."""

    def __init__(self, pages: Iterable[str]) -> None:
        self._pages = iter(pages)

    def read(self, size: int = -1) -> str:
        return next(self._pages, "")


def _copy_pages(ids: list[int], columns: list[Sequence[Any] | str]) -> Iterator[str]:
    """The COPY text of the rows, ``PAGE`` rows at a time. A column is its values, or one text for all rows."""
    for start in range(0, len(ids), PAGE):
        page = [list(map(str, ids[start : start + PAGE]))]
        for column in columns:
            if isinstance(column, str):
                page.append([column] * len(page[0]))
            else:
                page.append(_copy_column(column[start : start + PAGE]))
        yield "\n".join(map("\t".join, zip(*page, strict=True))) + "\n"


def _insert(
    cursor: Any, model: type[models.Model], count: int, columns: dict[str, Sequence[Any]], now: Any, **same: Any
) -> list[int]:
    """COPY ``count`` rows in, ids taken from the table's sequence first.

    ``columns`` holds the values of some fields (attname → one value per row), ``same`` the value of others
    for every row; the rest get their defaults (``created_at`` and ``updated_at`` now).
    """
    if not count:
        return []
    table = model._meta.db_table
    # The sequence looked up once (inside nextval() it would be looked up again for every row), and the ids as
    # one text value rather than 50,000 result rows (psycopg2 builds a tuple per row).
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    sequence = cursor.fetchone()[0]
    cursor.execute("SELECT string_agg(nextval(%s::regclass)::text, ',') FROM generate_series(1, %s)", [sequence, count])
    ids = list(map(int, cursor.fetchone()[0].split(",")))
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    defaults = {f.attname: f.get_default() for f in fields}
    defaults.update(created_at=now, updated_at=now, **same)
    values = [columns[f.attname] if f.attname in columns else _copy_text(defaults[f.attname]) for f in fields]
    names = ", ".join(f'"{f.column}"' for f in fields)
    cursor.copy_expert(f'COPY "{table}" (id, {names}) FROM STDIN', _CopySource(_copy_pages(ids, values)))
    return ids


def _update(cursor: Any, model: type[models.Model], updates: dict[int, dict[str, Any]], now: Any) -> None:
    """One ``UPDATE … FROM (VALUES …)`` per set of changed fields."""
    groups: dict[tuple[str, ...], list[tuple[Any, ...]]] = defaultdict(list)
    for pk, changed in updates.items():
        fields = tuple(sorted(changed))
        groups[fields].append((pk, *(changed[f] for f in fields), now))
    for fields, rows in groups.items():
        columns = [model._meta.get_field(f) for f in (*fields, "updated_at")]
        assignments = ", ".join(f'"{c.column}" = v."{c.column}"' for c in columns)
        names = ", ".join(f'"{c.column}"' for c in columns)
        template = "(%s::bigint, " + ", ".join(f"%s::{c.db_type(connection)}" for c in columns) + ")"
        table = model._meta.db_table
        sql = f'UPDATE "{table}" AS t SET {assignments} FROM (VALUES %s) AS v(id, {names}) WHERE t.id = v.id'
        for start in range(0, len(rows), PAGE):
            execute_values(cursor, sql, rows[start : start + PAGE], template, PAGE)


def _household_columns(plan: Plan) -> dict[str, list[Any]]:
    """The new households' values by field: a value the file gives, else the field's default."""
    creates = plan.household_creates
    columns: dict[str, list[Any]] = {
        "village_id": [household.village.pk for household, _number in creates],
        "number": [number for _household, number in creates],
    }
    given = set().union(*(household.given for household, _number in creates))
    for name, attname in HOUSEHOLD_MAP.items():
        if name in given:
            default = Household._meta.get_field(attname).get_default()
            columns[attname] = [
                household.values[name] if name in household.given else default for household, _number in creates
            ]
    return columns


def _member_columns(plan: Plan, household_pk: Callable[[int | HouseholdRow], int]) -> dict[str, list[Any]]:
    """The new members' values by field: a value the file gives (not None), else the field's default."""
    creates = plan.member_creates
    columns: dict[str, list[Any]] = {"household_id": [household_pk(owner) for _member, owner in creates]}
    for name, attname in MEMBER_MAP.items():
        default = Member._meta.get_field(attname).get_default()
        columns[attname] = [
            value if (value := member.values.get(name)) is not None else default for member, _owner in creates
        ]
    return columns


def roster_apply(*, plan: Plan, county: Region, today: date) -> list[int]:
    """Write the plan; returns the ids of the households it created or changed."""
    now = timezone.now()

    with connection.cursor() as wrapper:
        cursor = wrapper.cursor  # psycopg2's own cursor, for execute_values
        _history_context_attach(cursor)
        household_ids = _insert(
            cursor,
            Household,
            len(plan.household_creates),
            _household_columns(plan),
            now,
            county_id=county.pk,
            registered_on=today,
        )
        pk_of = {id(row): pk for (row, _n), pk in zip(plan.household_creates, household_ids, strict=True)}

        def household_pk(owner: int | HouseholdRow) -> int:
            return owner if isinstance(owner, int) else pk_of[id(owner)]

        _update(cursor, Household, plan.household_updates, now)
        member_updates = {
            pk: (
                {**changed, "household_id": household_pk(changed["household_id"])}
                if "household_id" in changed
                else changed
            )
            for pk, changed in plan.member_updates.items()
        }
        _update(cursor, Member, member_updates, now)
        member_columns = _member_columns(plan, household_pk)
        _insert(cursor, Member, len(plan.member_creates), member_columns, now)
    moved_to = (changed["household_id"] for changed in member_updates.values() if "household_id" in changed)
    return sorted({*household_ids, *plan.household_updates, *member_columns["household_id"], *moved_to})
