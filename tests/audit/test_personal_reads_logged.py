"""Every page that shows a family's personal data logs its read (docs/SECURITY.md §Audit; issue 12, finding 6).

``LOGGED_READS`` lists the views of the households, contacts and visits apps that show one family's data (its
members, their health, its visits' notes, its contacts) or export a list of them, each with the request that opens
it; every one must write an access event naming what was read. ``OTHER_VIEWS`` lists every other view of those apps
with the reason it needs no event of its own. The URL resolver is walked: a view in neither list fails the test,
so a new page is classified — and, if it shows a family's data, logged — in the same change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import pytest
from django.urls import reverse

from audit.models import AccessEvent
from benefits.models import Relief
from tests.accounts.test_url_inventory import walk
from tests.factories import AssignmentFactory, HouseholdFactory, MemberFactory, ServicePersonFactory
from visits.models import Visit

pytestmark = pytest.mark.django_db

APPS = (
    "households:",
    "contacts:",
    "visits:",
    "benefits:standards:",
    "benefits:profiles:",
    "benefits:relief:",
    "benefits:review:",
    "benefits:payouts:",
    "benefits:insurance:",
    "reports:benefits",
    "reports:forms:",
    "medical:",
)


@dataclass
class Place:
    household: object
    member: object
    visit: object
    village: object
    relief: object = None
    actor: object = None  # the county's staff, who made the benefits' objects below
    made: dict = field(default_factory=dict)  # what a read's URL made for it (a batch, a product …), for its label


@dataclass(frozen=True)
class Read:
    method: str
    url: Callable[[Place], str]
    data: dict | None = None
    label: Callable[[Place], str] = lambda p: p.household.number  # the event's target_label


def _hh(name: str) -> Callable[[Place], str]:
    return lambda p: reverse(name, args=[p.household.pk])


LOGGED_READS: dict[str, Read] = {
    "households:detail": Read("get", _hh("households:detail")),
    "households:edit": Read("get", _hh("households:edit")),  # the form holds full ID numbers and phones
    "households:print": Read("get", _hh("households:print")),
    "households:pdf": Read("get", _hh("households:pdf")),
    "households:reveal": Read(
        "post", lambda p: reverse("households:reveal", args=[p.household.pk, p.member.pk]), {"field": "phone"}
    ),
    "households:export": Read("post", lambda p: reverse("households:export"), {}, lambda p: "1"),
    "households:roster:export": Read("post", lambda p: reverse("households:roster:export"), {}, lambda p: "1"),
    "visits:household_visits": Read("get", _hh("visits:household_visits")),
    "visits:visit_edit": Read("get", lambda p: reverse("visits:visit_edit", args=[p.visit.pk])),
    "contacts:household": Read("get", _hh("contacts:household")),
    "contacts:card": Read("get", _hh("contacts:card")),
    "contacts:village_cards": Read(
        "get", lambda p: reverse("contacts:village_cards", args=[p.village.pk]), label=lambda p: p.village.name
    ),
    "contacts:person_export": Read("get", lambda p: reverse("contacts:person_export"), label=lambda p: ""),
    # benefits: a parent's bank account (masked) and its reveal; a household's relief and its forms (members' names)
    "benefits:profiles:edit": Read("get", lambda p: reverse("benefits:profiles:edit", args=[p.member.pk])),
    "benefits:profiles:reveal": Read(
        "post", lambda p: reverse("benefits:profiles:reveal", args=[p.member.pk]), {"field": "account_number"}
    ),
    "benefits:relief:household": Read("get", _hh("benefits:relief:household")),
    "benefits:relief:create": Read("get", _hh("benefits:relief:create")),
    "benefits:relief:edit": Read("get", lambda p: reverse("benefits:relief:edit", args=[p.relief.pk])),
    # medical: a household's medical file; an institution's green-channel rules (a file, logged)
    # The statistical forms: the records behind a cell, and the assistance form's persons' sheets.
    "reports:forms:drill": Read(
        "get",
        lambda p: reverse(
            "reports:forms:drill", args=[p.village.pk, "warm_monthly", "2025-03", "visits_routine_households"]
        ),
        label=lambda p: p.village.name,
    ),
    "reports:forms:export": Read(
        "get",
        lambda p: reverse("reports:forms:export", args=[p.village.pk, "assistance_monthly", "2025-03"]) + "?details=1",
        label=lambda p: p.village.name,
    ),
    "medical:household": Read("get", _hh("medical:household")),
    "medical:card_add": Read("get", _hh("medical:card_add")),
    "medical:use_add": Read("get", _hh("medical:use_add")),
    "medical:contract_add": Read("get", _hh("medical:contract_add")),
    "medical:check_add": Read("get", _hh("medical:check_add")),
    "medical:institution_rules": Read(
        "get", lambda p: _institution_rules_url(p), label=lambda p: "东关街道社区卫生服务中心"
    ),
    # medical, mental health: a household's assessments, one assessment, the form (it lists the members)
    "medical:mental:household": Read("get", _hh("medical:mental:household")),
    "medical:mental:assessment_add": Read(
        "get", lambda p: reverse("medical:mental:assessment_add", args=[p.household.pk, "phq9"])
    ),
    "medical:mental:assessment": Read("get", lambda p: _mental_assessment_url(p)),
    # medical, disease and treatment: a household's diseases and the forms that show a disease or the members
    "medical:disease:household": Read("get", _hh("medical:disease:household")),
    "medical:disease:diagnosis_add": Read("get", _hh("medical:disease:diagnosis_add")),
    "medical:disease:diagnosis_edit": Read("get", lambda p: _diagnosis_url(p, "diagnosis_edit")),
    "medical:disease:follow_up_add": Read("get", lambda p: _diagnosis_url(p, "follow_up_add")),
    "medical:disease:cost_add": Read("get", lambda p: _diagnosis_url(p, "cost_add")),
    # benefits, annual review: a case, a proof, a village's public notice; the person steps list the parents by name
    "benefits:review:case": Read("get", lambda p: reverse("benefits:review:case", args=[_review_case(p).pk])),
    "benefits:review:proof": Read("get", lambda p: reverse("benefits:review:proof", args=[_review_proof(p).pk])),
    "benefits:review:notice": Read(
        "get",
        lambda p: reverse("benefits:review:notice", args=[_review_cycle(p).pk, p.village.pk]),
        label=lambda p: p.village.name,
    ),
    "benefits:review:notice_pdf": Read(
        "get",
        lambda p: reverse("benefits:review:notice_pdf", args=[_review_cycle(p).pk, p.village.pk]),
        label=lambda p: p.village.name,
    ),
    "benefits:review:apply": Read("get", lambda p: _review_person_url(p, "apply"), {"number": "630101-00031"}),
    "benefits:review:leaver": Read("get", lambda p: _review_person_url(p, "leaver"), {"number": "630101-00031"}),
    # benefits, payouts: a batch's lines (masked), its reconciliation, the roster for the bank, the accounts to fix
    "benefits:payouts:detail": Read(
        "get", lambda p: reverse("benefits:payouts:detail", args=[_batch(p).pk]), label=lambda p: p.made["batch"].title
    ),
    "benefits:payouts:lines": Read(
        "get", lambda p: reverse("benefits:payouts:lines", args=[_batch(p).pk]), label=lambda p: p.made["batch"].title
    ),
    "benefits:payouts:reconcile": Read(
        "get",
        lambda p: reverse("benefits:payouts:reconcile", args=[_batch(p).pk]),
        label=lambda p: p.made["batch"].title,
    ),
    "benefits:payouts:roster": Read(
        "post",
        lambda p: reverse("benefits:payouts:roster", args=[_batch(p, state="generated").pk]),
        {},
        label=lambda p: p.made["batch"].title,
    ),
    "benefits:payouts:followups": Read(
        "get", lambda p: reverse("benefits:payouts:followups"), label=lambda p: p.household.county.name
    ),
    # benefits, insurance: a claim, its form, a household's report form, a scan; the enrolment list for the insurer
    "benefits:insurance:claim": Read("get", lambda p: reverse("benefits:insurance:claim", args=[_claim(p).pk])),
    "benefits:insurance:claim_edit": Read(
        "get", lambda p: reverse("benefits:insurance:claim_edit", args=[_claim(p).pk])
    ),
    "benefits:insurance:claim_report": Read("get", _hh("benefits:insurance:claim_report")),
    "benefits:insurance:document_file": Read(
        "get", lambda p: reverse("benefits:insurance:document_file", args=[_claim(p, scan=True).pk])
    ),
    "benefits:insurance:export": Read(
        "post",
        lambda p: reverse("benefits:insurance:export", args=[_product(p).pk]),
        {},
        label=lambda p: str(p.made["product"]),
    ),
}


def _review_cycle(p: Place):
    from tests.benefits.review_fixtures import cycle

    return p.made.get("cycle") or p.made.setdefault("cycle", cycle(p.household.county, 2025))


def _review_case(p: Place):
    from tests.benefits.review_fixtures import case

    return p.made.get("case") or p.made.setdefault("case", case(_review_cycle(p), p.member))


def _review_proof(p: Place):
    from django.core.files.base import ContentFile

    from benefits.models import ReviewProof

    proof = ReviewProof(case=_review_case(p), kind=ReviewProof.Kind.OTHER, original_name="证明.pdf")
    proof.file.save("proof.pdf", ContentFile(b"%PDF-1.4 proof"), save=True)
    return proof


def _review_person_url(p: Place, name: str) -> str:
    """The second step of entering a person (the household's number given): it lists the parents by name."""
    return reverse(f"benefits:review:{name}", args=[_review_cycle(p).pk])


def _batch(p: Place, *, state: str = "draft"):
    from benefits.models import PayoutBatch

    batch = PayoutBatch.objects.create(
        county=p.household.county,
        scheme="death",
        period_start=date(2025, 1, 1),
        period_end=date(2025, 6, 1),
        title="2025年1-6月特别扶助金",
        state=state,
    )
    p.made["batch"] = batch
    return batch


def _product(p: Place):
    from benefits.insurance import services
    from tests.benefits.insurance_setup import WUHAI, product

    made = product(p.household.county, 2025, WUHAI)
    services.enrolment_run(actor=p.actor, product=made, as_of=date(2024, 12, 1))
    p.made["product"] = made
    return made


def _claim(p: Place, *, scan: bool = False):
    """A claim of the place's member; with ``scan``: its first document, received as a scan."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from benefits.insurance import services

    claim = services.claim_report(
        actor=p.actor,
        member=p.member,
        data={"product": _product(p), "kind": "death", "event_date": date(2025, 3, 1), "reported_by_kind": "family"},
    )
    if not scan:
        return claim
    document = claim.documents.first()
    services.claim_document_receive(actor=p.actor, document=document, upload=SimpleUploadedFile("s.pdf", b"%PDF-1.4 y"))
    return document


def _institution_rules_url(p: Place) -> str:
    """An institution of the household's county with its green-channel rules as a file (a read of it is logged)."""
    from django.core.files.base import ContentFile

    from medical.models import Institution

    institution = Institution.objects.create(
        county=p.household.county, region=p.household.county, name="东关街道社区卫生服务中心", level="community"
    )
    institution.rules_file.save("rules.pdf", ContentFile(b"%PDF-1.4 rules"), save=True)
    return reverse("medical:institution_rules", args=[institution.pk])


def _diagnosis_url(p: Place, name: str) -> str:
    """A diagnosed disease of the place's member (its pages show the disease and the member)."""
    from medical.disease.services import diagnosis_record

    diagnosis = diagnosis_record(
        actor=p.actor,
        household=p.household,
        member=p.member,
        disease="hypertension",
        diagnosed_on=date(2024, 6, 1),
        treatment_class="chronic",
        today=date(2024, 12, 1),
    )
    return reverse(f"medical:disease:{name}", args=[diagnosis.pk])


def _mental_assessment_url(p: Place) -> str:
    from medical.mental import services

    row = services.assessment_record(
        actor=p.actor,
        household=p.household,
        member=p.member,
        instrument="gad7",
        answers=[1] * 7,
        assessed_on=date(2025, 3, 3),
        consent=True,
        risk_level="low",
        action="复评",
        today=date(2025, 3, 3),
    )
    return reverse("medical:mental:assessment", args=[row.pk])


LIST = "a list of many households (numbers, places, members' names, masked ID numbers): no one family's file"
FORM = "a form or an action that shows no family's data (it redirects, or renders only what the user typed)"
OTHER_VIEWS: dict[str, str] = {
    "households:list": LIST,
    "households:search": FORM,
    "households:filter_save": FORM,
    "households:filter_delete": FORM,
    "households:quality": LIST,
    "households:create": FORM,
    "households:close": "the household's number and the closing form; the archive's read is logged",
    "households:reopen": "the household's number and the reopening form; the archive's read is logged",
    "households:roster:home": "the user's import jobs: file names and counts",
    "households:roster:template": "an empty workbook",
    "households:roster:job": "the importer's own upload checked and previewed; the import is logged (IMPORT)",
    "households:roster:confirm": FORM,
    "households:roster:marked": "the importer's own upload with its errors marked",
    "households:transfers:list": "transfer requests: household numbers and counties",
    "households:transfers:request": FORM,
    "households:transfers:accept": FORM,
    "households:transfers:refuse": FORM,
    "households:transfers:cancel": FORM,
    "visits:my_households": LIST,
    "visits:log": "the household's number, village and open flags, and an empty form",
    "visits:visit_delete": "the visit's date, method, purpose and visitor (no notes), and the form",
    "visits:follow_up_done": FORM,
    "visits:inbox": "the user's own messages: household numbers and what is due",
    "visits:inbox_read": FORM,
    "visits:rules": "the county's visit rules",
    "visits:rule_edit": "one visit rule",
    "visits:supervision": "the area's open overdue flags: household numbers, places and rules, no names",
    "visits:supervision_export": "the same list as xlsx, no names; the export is logged (EXPORT)",
    "contacts:person_list": "the people who serve (staff and volunteers), not the families",
    "contacts:person_create": FORM,
    "contacts:person_edit": "one person who serves and the households they hold (numbers only)",
    "contacts:person_import": FORM,
    "contacts:assign": FORM,
    "contacts:assign_all": "the household's number and the people who may serve it (no family data), and the form",
    "contacts:end": FORM,
    "contacts:substitute": FORM,
    "contacts:village_assign": FORM,
    "contacts:handover": FORM,
    "contacts:gaps": LIST,
    "contacts:scheme": "the county's contact scheme",
    "benefits:standards:list": "the county's assistance standards: amounts and documents, no family's data",
    "benefits:standards:create": FORM,
    "benefits:standards:edit": "one assistance standard",
    "benefits:standards:end": "one assistance standard",
    "benefits:standards:delete": "one assistance standard",
    "benefits:standards:settings": "the county's benefit settings",
    "benefits:relief:list": "the area's relief: household numbers, places, kinds and amounts, no names",
    "benefits:relief:delete": "the relief's kind, date, amount and source (no names), and the form",
    "benefits:review:home": "the annual review's cycles of the user's county: years, counties and deadlines",
    "benefits:review:open": FORM,
    "benefits:review:workbench": LIST + "; the counts per stage and village, and each case's page is logged",
    "benefits:review:notice_date": FORM,
    "benefits:review:bulk_confirm": FORM,
    "benefits:review:decide": "an action; a refused decision shows the case's page again, and that read is logged",
    "benefits:review:proof_add": "an action; a refused proof shows the case's page again, and that read is logged",
    "benefits:review:withdraw": FORM,
    "benefits:payouts:list": "the county's payout batches: titles, states and totals, no family's data",
    "benefits:payouts:create": "the form of a new batch: schemes, months and the county's areas, no family's data",
    "benefits:payouts:step": FORM,
    "benefits:payouts:return": "the bank's file applied, or refused with the rows and line numbers that do not match "
    "(no names, no ID numbers)",
    "benefits:payouts:correction": FORM,
    "benefits:insurance:home": "the county's insurance products and the counts that need attention",
    "benefits:insurance:product_create": FORM,
    "benefits:insurance:product": "one insurance product, its enrolment counted per town, and a short "
    + LIST
    + " (persons eligible but not enrolled)",
    "benefits:insurance:product_edit": "one insurance product and its form",
    "benefits:insurance:product_renew": "one insurance product, its renewal form and the changed terms",
    "benefits:insurance:product_document": "the product's policy document (the insurer's terms), no family's data",
    "benefits:insurance:enrol": FORM,
    "benefits:insurance:lines": LIST + " (the insured persons of the user's area, no ID numbers)",
    "benefits:insurance:claims": LIST + " (the claims of the user's area); each claim's page is logged",
    "benefits:insurance:claim_action": "an action; a refused one shows the claim's page again, and that read is logged",
    "benefits:insurance:document_receive": "a scan received; a refused one shows the claim's page again, and that "
    "read is logged",
    "benefits:insurance:alerts": LIST + " (hospital stays without a claim, persons eligible but not enrolled)",
    "benefits:insurance:reports": "counts and money per product, town and month, no family's data",
    "reports:benefits_home": "the benefit reports' figures per area (persons, money), no family's data",
    "reports:benefits": "the benefit reports' figures per area (persons, money), no family's data",
    "reports:benefits_region": "the benefit reports' figures per area (persons, money), no family's data",
    "reports:benefits_export": "the same figures as xlsx, no family's data; the export is logged (EXPORT)",
    "reports:benefits_region_export": "the same figures as xlsx, no family's data; the export is logged (EXPORT)",
    "reports:forms:home": "a unit's forms, their states and deadlines, no family's data",
    "reports:forms:unit": "a unit's forms, their states and deadlines, no family's data",
    "reports:forms:deadlines": "the county's or the city's deadlines (a setting)",
    "reports:forms:completeness": "which units have reported, no family's data",
    "reports:forms:report": "a form's figures per unit, no family's data (its cells link to the logged drill)",
    "reports:forms:fill": FORM + " (a row's figures)",
    "reports:forms:act": "an action on a form; figures only",
    "reports:forms:recount": "counts a form's figures again (POST) and goes back to the form; figures only",
    "reports:forms:export_pdf": "the yearly form's figures as PDF, no family's data; the export is logged (EXPORT)",
    "medical:home": "counts of the user's area, no family's data",
    "medical:settings": "the county's medical settings",
    "medical:institutions": "the county's designated institutions, not the families",
    "medical:institution": "one designated institution (its responsible person and rules), not a family",
    "medical:institution_create": FORM,
    "medical:institution_edit": "one designated institution and its form",
    "medical:card_withdraw": FORM,
    "medical:use_discharge": FORM,
    "medical:contract_end": FORM,
    "medical:contract_renew": FORM,
    "medical:renewals": LIST,
    "medical:unserved": LIST,
    "medical:checks": "counts per village, no names",
    "medical:checks_village": LIST,
    "medical:mental:cadence": "the county's grief-aware visit cadence (a setting), no family's data",
    "medical:disease:due": LIST + "; the counts by treatment class and the year's costs",
}


def test_every_view_of_the_apps_is_classified():
    keys = {url.key for url in walk() if url.key.startswith(APPS)}
    unclassified = keys - set(LOGGED_READS) - set(OTHER_VIEWS)
    assert not unclassified, f"classify these views in {__name__}: {sorted(unclassified)}"
    assert not set(LOGGED_READS) & set(OTHER_VIEWS)
    assert set(LOGGED_READS) | set(OTHER_VIEWS) <= keys, "a listed view no longer exists"


@pytest.fixture
def place(area, personas) -> Place:
    household = HouseholdFactory(village=area.V1a, number="630101-00031", registered_on=date(2020, 1, 1))
    member = MemberFactory(household=household, phone="13800000031")
    person = ServicePersonFactory(region=area.V1a)
    AssignmentFactory(household=household, person=person)
    visit = Visit.objects.create(
        household=household,
        date=date(2025, 3, 3),
        method=Visit.Method.HOME,
        purpose=Visit.Purpose.ROUTINE,
        visitor_role=Visit.VisitorRole.VILLAGE_CADRE,
        visitor_name="陈静",
        mood="低落",
    )
    relief = Relief.objects.create(
        household=household, kind="festival", given_on=date(2025, 1, 20), source="区计生协", approved_by="王"
    )
    return Place(
        household=household, member=member, visit=visit, village=area.V1a, relief=relief, actor=personas.county_staff
    )


@pytest.mark.parametrize("name", sorted(LOGGED_READS))
def test_each_page_with_a_familys_data_logs_its_read(client_for, personas, place, name):
    read = LOGGED_READS[name]
    user = personas.county_staff
    client = client_for(user)
    before = set(AccessEvent.objects.filter(actor=user).values_list("pk", flat=True))

    response = getattr(client, read.method)(read.url(place), read.data or {})

    assert response.status_code == 200, name
    events = AccessEvent.objects.filter(actor=user).exclude(pk__in=before)
    reads = [e for e in events if e.action in (AccessEvent.Action.VIEW, AccessEvent.Action.EXPORT, "reveal")]
    assert reads, f"{name} wrote no access event"
    assert any(read.label(place) in e.target_label for e in reads), [e.target_label for e in reads]
