"""The household list's sortable columns and the search by the last four digits (issue 13 B8): indexes in the
order of the list sorted by type, living situation and status (a page read from the index, as by number), and
expression indexes on the last four characters of a member's ID number and phone (what a masked value shows;
households.selectors.search_household_ids), then ANALYZE of the members for the expressions' statistics. No data
changes."""

import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("households", "0007_certificate_number_help_text"),
        ("regions", "0001_initial"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="household",
            index=models.Index(
                fields=["family_type", "number", "id"],
                include=("village", "county", "status"),
                name="household_type_order",
            ),
        ),
        migrations.AddIndex(
            model_name="household",
            index=models.Index(
                fields=["living_situation", "number", "id"],
                include=("village", "county", "status"),
                name="household_living_order",
            ),
        ),
        migrations.AddIndex(
            model_name="household",
            index=models.Index(
                fields=["status", "number", "id"], include=("village", "county"), name="household_status_order"
            ),
        ),
        migrations.AddIndex(
            model_name="member",
            index=models.Index(django.db.models.functions.text.Right("id_number", 4), name="member_id_number_last4"),
        ),
        migrations.AddIndex(
            model_name="member",
            index=models.Index(django.db.models.functions.text.Right("phone", 4), name="member_phone_last4"),
        ),
        # The planner knows an expression index's values only after ANALYZE, which autovacuum would run only
        # after many rows changed: until then it guessed 500 members for four digits instead of about 10.
        migrations.RunSQL("ANALYZE households_member", migrations.RunSQL.noop),
    ]
