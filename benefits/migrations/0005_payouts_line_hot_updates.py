"""Payout lines: the return (回盘) is written as HOT updates — no index holds status, reason or time, and each page
keeps room for the new row versions (fillfactor 45: a line comes back once, and its new version fits beside it),
so a 50,000-line return touches no index and re-checks no exclusion constraint
(benefits.payouts.returns.payout_return_write)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("benefits", "0004_insurance_products_claims"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="payoutline", name="payoutline_batch_status"),
        migrations.RunSQL(
            "ALTER TABLE benefits_payoutline SET (fillfactor = 45)",
            reverse_sql="ALTER TABLE benefits_payoutline RESET (fillfactor)",
        ),
    ]
