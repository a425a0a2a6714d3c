"""The shipped national standards (0002_national_standards) link their documents in the policy library
(policies/migrations/0002_national_documents), matched by the standard's document text. A standard a county entered
keeps no link until its staff choose one on the standards page."""

from django.db import migrations

D2008 = "全国计划生育家庭特别扶助标准（2008年起）"
D2012 = "全国计划生育家庭特别扶助标准（2012年1月1日起）"
D2014 = "全国计划生育家庭特别扶助标准（2014年1月1日起，城镇、农村）"
D2022 = "财政部、国家卫生健康委：提高计划生育家庭特别扶助标准（2022年5月，2022年7月1日起）"
DREWARD = "农村部分计划生育家庭奖励扶助金标准（2012年起）"

# the standard's document text (benefits 0002) → the title of the library's document (policies 0002)
LINKS = {
    D2008: "全国独生子女伤残死亡家庭扶助制度试点方案",
    D2012: "关于调整全国农村部分计划生育家庭奖励扶助和计划生育家庭特别扶助标准的通知",
    DREWARD: "关于调整全国农村部分计划生育家庭奖励扶助和计划生育家庭特别扶助标准的通知",
    D2014: "关于进一步做好计划生育特殊困难家庭扶助工作的通知",
    D2022: "提高计划生育家庭特别扶助制度扶助标准（2022年7月1日起）",
}


def link(apps, schema_editor):
    Standard = apps.get_model("benefits", "Standard")
    PolicyDocument = apps.get_model("policies", "PolicyDocument")
    for text, title in LINKS.items():
        document = PolicyDocument.objects.filter(level="national", title=title).first()
        if document is not None:
            Standard.objects.filter(level="national", document=text, policy_document=None).update(
                policy_document=document
            )


def unlink(apps, schema_editor):
    apps.get_model("benefits", "Standard").objects.filter(level="national").update(policy_document=None)


class Migration(migrations.Migration):
    dependencies = [
        ("benefits", "0009_standard_policy_document"),
        ("policies", "0002_national_documents"),
    ]

    operations = [migrations.RunPython(link, unlink)]
