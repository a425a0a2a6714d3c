"""The national special-assistance and reward-assistance standards (docs/BENEFITS.md §Standards).

Sources: 2008 pilot ≥ 100 / 80 yuan per person per month (child deceased / disabled); from 2012-01-01 135 / 110;
from 2014-01-01 urban 340 / 270 and rural 170 / 150; from 2022-07-01 590 / 460 and surgery complications
520 / 390 / 260 for grades 1 / 2 / 3 (财政部、国家卫生健康委, May 2022; docs/BENEFITS.md); reward assistance (奖扶) 80 yuan per
person per month from 2012. The intermediate 450 / 350 step is not national data (its date varies by province):
a province enters it as its own standard.
"""

from datetime import date
from decimal import Decimal

from django.db import migrations

D2008 = "全国计划生育家庭特别扶助标准（2008年起）"
D2012 = "全国计划生育家庭特别扶助标准（2012年1月1日起）"
D2014 = "全国计划生育家庭特别扶助标准（2014年1月1日起，城镇、农村）"
D2022 = "财政部、国家卫生健康委：提高计划生育家庭特别扶助标准（2022年5月，2022年7月1日起）"
DREWARD = "农村部分计划生育家庭奖励扶助金标准（2012年起）"

# (scheme, residence, grade, amount, from, to, document)
NATIONAL = [
    ("death", "", "", "100", date(2008, 1, 1), date(2011, 12, 31), D2008),
    ("disability", "", "", "80", date(2008, 1, 1), date(2011, 12, 31), D2008),
    ("death", "", "", "135", date(2012, 1, 1), date(2013, 12, 31), D2012),
    ("disability", "", "", "110", date(2012, 1, 1), date(2013, 12, 31), D2012),
    ("death", "urban", "", "340", date(2014, 1, 1), date(2022, 6, 30), D2014),
    ("death", "rural", "", "170", date(2014, 1, 1), date(2022, 6, 30), D2014),
    ("disability", "urban", "", "270", date(2014, 1, 1), date(2022, 6, 30), D2014),
    ("disability", "rural", "", "150", date(2014, 1, 1), date(2022, 6, 30), D2014),
    ("death", "", "", "590", date(2022, 7, 1), None, D2022),
    ("disability", "", "", "460", date(2022, 7, 1), None, D2022),
    ("complication", "", "1", "520", date(2022, 7, 1), None, D2022),
    ("complication", "", "2", "390", date(2022, 7, 1), None, D2022),
    ("complication", "", "3", "260", date(2022, 7, 1), None, D2022),
    ("reward", "rural", "", "80", date(2012, 1, 1), None, DREWARD),
]


def add_national(apps, schema_editor):
    Standard = apps.get_model("benefits", "Standard")
    for scheme, residence, grade, amount, start, end, document in NATIONAL:
        Standard.objects.create(
            scheme=scheme,
            level="national",
            area_code="",
            residence=residence,
            disability_grade=grade,
            amount=Decimal(amount),
            period="month",
            effective_from=start,
            effective_to=end,
            document=document,
        )


def remove_national(apps, schema_editor):
    apps.get_model("benefits", "Standard").objects.filter(level="national").delete()


class Migration(migrations.Migration):
    dependencies = [("benefits", "0001_initial")]

    operations = [migrations.RunPython(add_national, remove_national)]
