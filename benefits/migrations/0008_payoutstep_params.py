from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("benefits", "0007_insurance_policy_key")]

    operations = [
        migrations.AddField(
            model_name="payoutstep",
            name="params",
            field=models.JSONField(blank=True, default=dict, verbose_name="parameters"),
        ),
    ]
