"""Stored phones in the form of today's ``households.validation.phone_normalize`` (issue 13 A3: phonenumbers).

Re-normalises the phones of households.Member, accounts.User and contacts.ServicePerson (the models with a phone):
a mobile stored as a made-up landline (0159-20246633) becomes the mobile 15920246633; an account's phone, typed
freely until now, gets the stored form. A value today's rules refuse (an unallocated mobile prefix, an unknown
area code) is left as it is — only a person can correct it — and counted. The changed rows are written in one
UPDATE … FROM (VALUES …) per 5,000 rows (the statement-level history triggers of Member record them as one
change of the migration). Reversing does nothing: the old values were not kept in a form worth restoring.
"""

from __future__ import annotations

import sys
from typing import Any

from django.db import migrations

from households.validation import phone_renormalise

MODELS = (("households", "Member"), ("accounts", "User"), ("contacts", "ServicePerson"))
BATCH = 5000


def renormalise(model: Any, *, using: str = "default") -> tuple[int, int]:
    """Re-normalise ``model.phone`` in place; returns (how many values changed, how many are now invalid)."""
    from django.db import connections

    changed: list[tuple[int, str]] = []
    invalid = 0
    rows = model._base_manager.using(using).exclude(phone="").order_by().values_list("pk", "phone")
    for pk, phone in rows.iterator(chunk_size=BATCH):
        result = phone_renormalise(phone)
        if result.invalid:
            invalid += 1
        elif result.changed:
            changed.append((pk, result.value))
    connection = connections[using]
    table = connection.ops.quote_name(model._meta.db_table)
    pk_column = connection.ops.quote_name(model._meta.pk.column)
    phone_column = connection.ops.quote_name(model._meta.get_field("phone").column)
    with connection.cursor() as cursor:
        for start in range(0, len(changed), BATCH):
            batch = changed[start : start + BATCH]
            values = ", ".join(["(%s, %s)"] * len(batch))
            # Table and column names quoted by the backend, values bound as parameters.
            cursor.execute(
                f"UPDATE {table} AS t SET {phone_column} = v.phone FROM (VALUES {values}) AS v(id, phone) "
                f"WHERE t.{pk_column} = v.id",
                [item for pair in batch for item in pair],
            )
    return len(changed), invalid


def forwards(apps: Any, schema_editor: Any) -> None:
    for app_label, model_name in MODELS:
        model = apps.get_model(app_label, model_name)
        changed, invalid = renormalise(model, using=schema_editor.connection.alias)
        if changed or invalid:
            line = f"  phones of {app_label}.{model_name}: {changed} changed, {invalid} not valid (left as they are)"
            sys.stdout.write("\n" + line)  # after "Applying …", before its "OK"


class Migration(migrations.Migration):
    dependencies = [
        ("households", "0005_history_statement_level"),
        ("accounts", "0002_initial"),
        ("contacts", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
