"""Household numbers in one scheme per county (issue 13 B7): a bare number a roster gave (``00001``, ``1``) becomes
the county's number of that sequence, ``630103-00001``, as households.services.household_number_in_scheme now
reads every number a roster or a form gives.

One UPDATE for the whole table (set-based; the statement-level history trigger records it as one change of the
migration). A bare number is left as it is — and counted — when the county already has a household of its scheme
number (the portal numbered it before the roster came: a person must choose which household gets which number),
or when two bare numbers of the county are the same sequence (``1`` and ``00001``). Reversing does nothing: which
numbers were bare is in the households' history.
"""

from __future__ import annotations

import sys
from typing import Any

from django.db import migrations

BARE = "^[0-9]{1,5}$"

# Each bare number with its scheme number, and how many bare numbers of its county have that same scheme number.
CANDIDATES = """
    SELECT h.id, h.county_id, r.code || '-' || lpad(h.number, 5, '0') AS target,
           count(*) OVER (PARTITION BY h.county_id, lpad(h.number, 5, '0')) AS same
    FROM households_household h JOIN regions_region r ON r.id = h.county_id
    WHERE h.number ~ %s
"""


def forwards(apps: Any, schema_editor: Any) -> None:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE households_household h SET number = c.target
            FROM ({CANDIDATES}) c
            WHERE h.id = c.id AND c.same = 1
              AND NOT EXISTS (
                  SELECT 1 FROM households_household o WHERE o.county_id = c.county_id AND o.number = c.target
              )
            """,
            [BARE],
        )
        changed = cursor.rowcount
        cursor.execute("SELECT count(*) FROM households_household WHERE number ~ %s", [BARE])
        (left,) = cursor.fetchone()
    if changed or left:
        sys.stdout.write(
            f"\n  household numbers: {changed} bare numbers put in the county's scheme, {left} left bare "
            "(their scheme number is taken or given twice)"
        )


class Migration(migrations.Migration):
    dependencies = [("households", "0008_list_sort_and_last_four_indexes")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
