"""The national documents behind the shipped national standards (benefits/migrations/0002_national_standards), so
every reader finds them in the library and the standards link them (benefits/migrations/0010).

What is written comes from the project's sources (../shared/BENEFITS.md, docs/BENEFITS.md): the amounts, their
dates and who pays. The document numbers (文号) and exact issue dates are not in those sources, so they are left
empty here (docs/POLICIES.md §National documents): county staff see "number not recorded" and the shipped row can
be completed by a later migration once checked against the published text.

The search vector is written with policies.search (a pure function of the text), as the services write it.
"""

from django.db import migrations

from policies.search import tsvector_literal

ASSISTANCE = "assistance"

# (title, issuer, summary); the titles are the ones benefits/migrations/0010 links the standards to.
DOCUMENTS = [
    (
        "关于开展对农村部分计划生育家庭实行奖励扶助制度试点工作的意见",
        "国家人口计生委、财政部",
        "农村奖励扶助（奖扶）：农村实行计划生育的夫妻，年满60周岁起，每人每月领取奖励扶助金，直到亡故。"
        "每年由本人申报，村、乡镇、县逐级审核，名单公示后发放。标准见后来的调整文件（2012年起每人每月80元）。",
    ),
    (
        "全国独生子女伤残死亡家庭扶助制度试点方案",
        "国家人口计生委、财政部",
        "计划生育家庭特别扶助（特扶）：独生子女死亡，或独生子女伤残（持残疾人证，一至三级）的家庭，"
        "夫妻双方从女方年满49周岁起（单亲的从本人年满49周岁起），每人每月领取特别扶助金。"
        "2008年起每人每月：子女死亡的不低于100元，子女伤残的不低于80元。"
        "本人亡故、再生育或收养子女、伤残子女康复的，停止扶助。",
    ),
    (
        "关于调整全国农村部分计划生育家庭奖励扶助和计划生育家庭特别扶助标准的通知",
        "财政部、国家人口计生委",
        "从2012年1月1日起提高标准：特别扶助金每人每月，独生子女死亡家庭135元，伤残家庭110元；"
        "农村部分计划生育家庭奖励扶助金每人每月80元（年满60周岁起）。同时符合特扶和奖扶的，按本省规定领取。",
    ),
    (
        "关于进一步做好计划生育特殊困难家庭扶助工作的通知",
        "国家卫生计生委、民政部、财政部、人力资源社会保障部、住房城乡建设部",
        "从2014年1月1日起提高特别扶助金标准，每人每月：独生子女死亡家庭城镇340元、农村170元；"
        "独生子女伤残家庭城镇270元、农村150元。各地还应在养老、医疗、住房等方面给予特殊家庭帮扶。",
    ),
    (
        "提高计划生育家庭特别扶助制度扶助标准（2022年7月1日起）",
        "财政部、国家卫生健康委",
        "从2022年7月1日起，特别扶助金城乡统一，每人每月：独生子女死亡家庭590元，独生子女伤残家庭460元；"
        "因计划生育手术并发症一级、二级、三级的，分别为520元、390元、260元。中央和省级财政共同负担，"
        "省、市、县可以在此基础上增加。",
    ),
]


def add_documents(apps, schema_editor):
    PolicyDocument = apps.get_model("policies", "PolicyDocument")
    for title, issuer, summary in DOCUMENTS:
        if PolicyDocument.objects.filter(level="national", title=title).exists():
            continue
        document = PolicyDocument.objects.create(
            title=title, issuer=issuer, level="national", topic=ASSISTANCE, status="in_force", summary=summary
        )
        literal = tsvector_literal([(title, "A"), (issuer, "B"), (summary, "C")])
        schema_editor.execute(
            "UPDATE policies_policydocument SET search_vector = %s::tsvector WHERE id = %s", [literal, document.pk]
        )


def remove_documents(apps, schema_editor):
    apps.get_model("policies", "PolicyDocument").objects.filter(
        level="national", title__in=[title for title, _issuer, _summary in DOCUMENTS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("policies", "0001_initial")]

    operations = [migrations.RunPython(add_documents, remove_documents)]
