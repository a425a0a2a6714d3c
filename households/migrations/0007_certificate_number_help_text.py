"""The certificate number's help text in English (it was the Chinese term, shown as such in English); no SQL."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("households", "0006_phones_renormalised"),
    ]

    operations = [
        migrations.AlterField(
            model_name="household",
            name="certificate_number",
            field=models.CharField(
                blank=True,
                help_text="Number of the special-assistance certificate of a family-planning special-hardship family.",
                max_length=40,
                verbose_name="special-assistance certificate number",
            ),
        ),
        migrations.AlterField(
            model_name="householdevent",
            name="certificate_number",
            field=models.CharField(
                blank=True,
                help_text="Number of the special-assistance certificate of a family-planning special-hardship family.",
                max_length=40,
                verbose_name="special-assistance certificate number",
            ),
        ),
    ]
