"""Demo policy library of the demo county (docs/POLICIES.md): the county joins its city and province (西宁市, 青海省
for 630103), and the province, the city and the county get a few documents with plain-language summaries — one
replaced by a newer version — beside the national documents the migrations ship, so every role finds something.

The local documents are the demo's own: their titles follow the seeds (seed 000's 城中区 "格桑花暖心工程" programme
and its figures: 720 yuan a year of district assistance, 450 yuan accident insurance, 138-yuan cake cards, 300-yuan
housekeeping cards; BENEFITS.md's Qinghai hospital-escort insurance), their numbers are invented. Safe to run
again: a document whose title exists in its area is left as it is.
"""

from __future__ import annotations

from datetime import date

from audit.history import history_context
from policies.models import PolicyDocument
from policies.services import document_index_expression
from regions.models import Region
from regions.services import regions_load_csv

# (region key, title, issuer, number, date, topic, summary)
DOCUMENTS = [
    (
        "province",
        "青海省计划生育特殊家庭就医绿色通道实施意见",
        "青海省卫生健康委员会",
        "青卫家庭发〔2016〕21号",
        date(2016, 9, 12),
        "medical",
        "计划生育特殊家庭成员到定点医疗机构看病，凭扶助证或爱心联系卡，可以优先挂号、优先就诊、优先取药、优先住院。",
    ),
    (
        "province",
        "青海省计划生育特殊家庭就医绿色通道实施意见（2021年修订）",
        "青海省卫生健康委员会",
        "青卫家庭发〔2021〕8号",
        date(2021, 4, 6),
        "medical",
        "特殊家庭成员在各级定点医疗机构看病，凭扶助证或爱心联系卡享受优先挂号、优先就诊、优先交费、优先检查、"
        "优先取药、优先住院；急诊开通绿色通道，不得以任何理由拒绝或拖延救治；行动不便的，医院帮助联系120转诊；"
        "出院时医院与签约家庭医生交接。",
    ),
    (
        "province",
        "青海省计划生育特殊家庭住院陪护保险工作方案",
        "青海省计划生育协会",
        "青计生协发〔2022〕5号",
        date(2022, 3, 1),
        "insurance",
        "计生协每年为特殊家庭成员统一购买住院陪护保险，每份380元，家庭不用交钱。住院期间每天补助150元，"
        "最多60天；在重症监护室的每天300元。住院后48小时内告诉村里联系人或计生协，出院后交齐发票、费用清单、"
        "出院证明办理理赔。",
    ),
    (
        "city",
        "西宁市计划生育特殊家庭扶助关怀实施方案",
        "西宁市卫生健康委员会",
        "宁卫家庭发〔2020〕14号",
        date(2020, 6, 18),
        "elderly",
        "特殊家庭老人申请入住公办养老机构的优先安排；60岁以上成员每年免费体检一次；家庭医生签约服务，"
        "每年至少上门随访；逢年过节由联系人上门慰问。",
    ),
    (
        "city",
        "西宁市计划生育特殊家庭公共租赁住房优先保障办法",
        "西宁市住房和城乡建设局",
        "宁建保〔2021〕33号",
        date(2021, 10, 9),
        "housing",
        "住房困难的特殊家庭，符合公共租赁住房条件的优先配租，租金按规定减免。由本人向社区提出申请，"
        "计生协帮助准备材料。",
    ),
    (
        "county",
        "西宁市城中区2023年计生特殊家庭“格桑花暖心工程”项目实施方案",
        "西宁市城中区卫生健康局、城中区计划生育协会",
        "城中卫健发〔2023〕15号",
        date(2023, 3, 20),
        "assistance",
        "在省、市扶助标准之上，区里每年每人再发放区级扶助金720元；为每位成员购买综合意外保险（每人450元）；"
        "每年送生日蛋糕卡（138元）和家政服务卡（300元）；60岁以上成员每年免费体检，免费接种流感疫苗。"
        "看病可走全区基层医疗机构的“就医绿色通道”。",
    ),
    (
        "county",
        "城中区计生特殊家庭心理慰藉服务办法",
        "城中区计划生育协会",
        "城中计生协发〔2023〕4号",
        date(2023, 5, 8),
        "mental",
        "家庭医生签约时，区里为每人购买200元的个性化服务包，含心理咨询师上门谈心；家人也可以随时联系村里的"
        "联系人预约。谈话内容保密。",
    ),
]
REPLACED = {"青海省计划生育特殊家庭就医绿色通道实施意见": "青海省计划生育特殊家庭就医绿色通道实施意见（2021年修订）"}

KNOWN_NAMES = {"630000": "青海省", "630100": "西宁市"}


def _line_up(county: Region) -> dict[str, Region]:
    """The county's city and province, loaded (regions.services, idempotent) when the county has none."""
    if county.parent_id is None:
        province, city = f"{county.code[:2]}0000", f"{county.code[:4]}00"
        regions_load_csv(
            text="code,name,level,parent_code\n"
            f"{province},{KNOWN_NAMES.get(province, f'省{province}')},province,\n"
            f"{city},{KNOWN_NAMES.get(city, f'市{city}')},city,{province}\n"
            f"{county.code},{county.name},county,{city}\n"
        )
        county.refresh_from_db()
    city = county.parent
    return {"county": county, "city": city, "province": city.parent or city}


def demo_policies_seed(*, county: Region) -> int:
    """The demo's local documents (see the module); returns how many were created."""
    regions = _line_up(county)
    created = 0
    by_title: dict[str, PolicyDocument] = {}
    with history_context(service="demo_policies_seed"):
        for key, title, issuer, number, issued_on, topic, summary in DOCUMENTS:
            area = regions[key]
            document = PolicyDocument.objects.filter(area=area, title=title).first()
            if document is None:
                document = PolicyDocument(
                    title=title,
                    issuer=issuer,
                    number=number,
                    issued_on=issued_on,
                    level=area.level,
                    area=area,
                    topic=topic,
                    summary=summary,
                )
                document.full_clean(exclude=["search_vector"])
                document.search_vector = document_index_expression(document)  # type: ignore[assignment]
                document.save()
                created += 1
            by_title[title] = document
        for old, new in REPLACED.items():
            document = by_title[old]
            if document.status == PolicyDocument.Status.IN_FORCE:
                document.status, document.replaced_by = PolicyDocument.Status.REPLACED, by_title[new]
                document.save(update_fields=["status", "replaced_by"])
    return created
