"""Insurance speed: the enrolment line's product and member keep no single-column index of their own (the unique
(product, member) and the (member, series) index lead with them); written by hand so that it holds only these two
fields (other fields' pending label changes are not part of it)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("benefits", "0005_payouts_line_hot_updates"),
        ("households", "0010_household_benefit_facts"),
    ]

    operations = [
        migrations.AlterField(
            model_name="insuredline",
            name="product",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="lines",
                to="benefits.insuranceproduct",
                verbose_name="insurance product",
            ),
        ),
        migrations.AlterField(
            model_name="insuredline",
            name="member",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="insured_lines",
                to="households.member",
                verbose_name="person",
            ),
        ),
    ]
