"""Insurance speed: "no person covered twice on a day by one product line" moves from a GiST exclusion key on every
enrolled person (insuredline_no_overlap, three ranges per line: most of the enrolment's time) to the products —
insuranceproduct_no_overlap over the few products of a line, every line inside its product's period
(insuredline_inside_policy) over the product's dates carried on the line by the composite foreign key
insuredline_policy (product, series, policy dates → the product's id, series, starts_on, ends_on; ON UPDATE
CASCADE), which replaces the line's plain product key — and insuredline_once_per_product. The line's household and
town snapshots lose their database keys and indexes, and the (product, town) index goes (one row per enrolled
person pays for each). Written by hand so that it holds only these changes."""

import django.contrib.postgres.constraints
import django.db.models.deletion
from django.db import migrations, models

POLICY_KEY = """
ALTER TABLE benefits_insuredline ADD CONSTRAINT insuredline_policy
    FOREIGN KEY (product_id, series, policy_starts_on, policy_ends_on)
    REFERENCES benefits_insuranceproduct (id, series, starts_on, ends_on)
    ON UPDATE CASCADE DEFERRABLE INITIALLY DEFERRED
"""


class Migration(migrations.Migration):
    dependencies = [
        ("benefits", "0006_insurance_speed_indexes"),
        ("households", "0010_household_benefit_facts"),
        ("regions", "0001_initial"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="insuranceproduct",
            constraint=django.contrib.postgres.constraints.ExclusionConstraint(
                condition=models.Q(("series__isnull", False)),
                expressions=[
                    (
                        models.Func(models.F("series"), models.F("series"), models.Value("[]"), function="int8range"),
                        "&&",
                    ),
                    (
                        models.Func(
                            models.F("starts_on"), models.F("ends_on"), models.Value("[]"), function="daterange"
                        ),
                        "&&",
                    ),
                ],
                name="insuranceproduct_no_overlap",
            ),
        ),
        migrations.AddConstraint(
            model_name="insuranceproduct",
            constraint=models.UniqueConstraint(
                fields=("id", "series", "starts_on", "ends_on"), name="insuranceproduct_policy"
            ),
        ),
        migrations.AddField(
            model_name="insuredline",
            name="policy_starts_on",
            field=models.DateField(editable=False, null=True, verbose_name="policy from"),
        ),
        migrations.AddField(
            model_name="insuredline",
            name="policy_ends_on",
            field=models.DateField(editable=False, null=True, verbose_name="policy to"),
        ),
        migrations.RunSQL(
            """
            UPDATE benefits_insuredline l SET policy_starts_on = p.starts_on, policy_ends_on = p.ends_on
              FROM benefits_insuranceproduct p WHERE p.id = l.product_id
            """,
            migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="insuredline",
            name="policy_starts_on",
            field=models.DateField(editable=False, verbose_name="policy from"),
        ),
        migrations.AlterField(
            model_name="insuredline",
            name="policy_ends_on",
            field=models.DateField(editable=False, verbose_name="policy to"),
        ),
        migrations.AddConstraint(
            model_name="insuredline",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("ends_on__lte", models.F("policy_ends_on")), ("starts_on__gte", models.F("policy_starts_on"))
                ),
                name="insuredline_inside_policy",
            ),
        ),
        migrations.AlterField(
            model_name="insuredline",
            name="product",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="lines",
                to="benefits.insuranceproduct",
                verbose_name="insurance product",
            ),
        ),
        migrations.RunSQL(POLICY_KEY, "ALTER TABLE benefits_insuredline DROP CONSTRAINT insuredline_policy"),
        migrations.RemoveConstraint(model_name="insuredline", name="insuredline_no_overlap"),
        migrations.RemoveIndex(model_name="insuredline", name="insuredline_product_town"),
        migrations.AlterField(
            model_name="insuredline",
            name="household",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="households.household",
                verbose_name="household",
            ),
        ),
        migrations.AlterField(
            model_name="insuredline",
            name="town",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="regions.region",
                verbose_name="town/street",
            ),
        ),
    ]
