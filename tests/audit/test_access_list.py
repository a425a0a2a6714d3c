"""The audit log reads as a record for people (issue 13 B10): each access event with its object as a household
number and a person's name, a user by name, its detail as sentences or labelled values in the reader's language —
never a raw key or a Python dict; the change log names its rows the same way, writes times in local time and yes/no
in words; both tables stack on a phone. The page's queries do not grow with its events."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from django.conf import settings
from django.db import connection
from django.forms import BooleanField
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.hooks import second_factor_event
from accounts.services import user_set_active, user_update
from audit.describe import FILTER_ORDER, _filter_label, _Page, access_rows
from audit.history import history_context
from audit.models import AccessEvent
from audit.selectors import change_event_list_for_user, change_rows
from audit.services import access_event_record, change_value_reveal
from households.forms import HouseholdFilterForm
from households.models import Household, Member
from households.services import (
    household_access_record,
    household_list_export_record,
    identity_conflict_record,
    member_value_reveal,
)
from households.validation import id_number_make

pytestmark = pytest.mark.django_db

Action = AccessEvent.Action
PHONE = "13800000014"
LANGUAGES = ["zh-hans", "en"]

# What the access list showed before (issue 13 B10): the detail's keys and code values, dict-like.
RAW = [
    "as_of",
    "report: coverage",
    "kind:",
    "service_persons",
    "format:",
    "xlsx",
    "rows:",
    "field:",
    "change:",
    "MemberEvent",
    "step:",
    "transfer:",
    "event:",
    "throttled",
    "recovery codes:",
    "replaced an earlier device",
    "household_create",
    "roster_import",
    "full_values",
    "id_numbers",
    "; persons:",
    "contact_card",
    "visit_edit",
    "{",
    "}",
    "'",
    "True",
    "False",
]


@pytest.fixture
def household(area, personas) -> Household:
    with history_context(actor=personas.county_staff, service="household_create"):
        household = Household.objects.create(
            county=area.C,
            village=area.V1a,
            number="630101-00011",
            family_type=Household.FamilyType.DEATH,
            registered_on=date(2024, 3, 1),
        )
        Member.objects.create(
            household=household,
            name="李春生",
            role="husband",
            phone=PHONE,
            id_number=id_number_make(area_code="630101", birth_date=date(1956, 5, 4), sequence=7, sex="M"),
        )
        Member.objects.create(household=household, name="王秀兰", role="wife")
    return household


def _member(household: Household, name: str = "李春生") -> Member:
    return household.members.get(name=name)


def every_kind_of_event(area, personas, household: Household) -> None:
    """One event of each shape the portal records (the call sites of access_event_record), through the services
    that record them where they are cheap to call."""
    staff, admin = personas.county_staff, personas.admin
    member = _member(household)
    household_access_record(actor=staff, household=household, action=Action.VIEW)
    for page in ("contacts", "edit", "visits", "visit_edit"):
        household_access_record(actor=staff, household=household, action=Action.VIEW, detail={"page": page})
    for kind in ("print", "pdf"):
        household_access_record(actor=staff, household=household, action=Action.EXPORT, detail={"format": kind})
    member_value_reveal(actor=staff, household=household, member=member, field_name="phone")
    member_value_reveal(actor=staff, household=household, member=member, field_name="id_number")
    household_list_export_record(
        actor=staff,
        count=12,
        full_values=True,
        filters={"village": str(area.V1a.pk), "family_type": "death", "living_alone": "on", "sort": "-registered"},
    )
    household_list_export_record(actor=staff, count=40, full_values=False, filters={})
    access_event_record(
        actor=staff,
        action=Action.EXPORT,
        target_label="服务人员",
        detail={"format": "xlsx", "kind": "service_persons", "rows": 31},
    )
    access_event_record(
        actor=staff,
        action=Action.IMPORT,
        target_label="服务人员",
        detail={"kind": "service_persons", "new": 3, "updated": 2, "ok": True},
    )
    access_event_record(
        actor=staff,
        action=Action.EXPORT,
        target=area.C,
        target_label="覆盖情况：" + area.C.name,
        region_path=area.C.path,
        detail={"report": "coverage", "as_of": "2026-12-04", "rows": 8},
    )
    access_event_record(
        actor=staff,
        action=Action.EXPORT,
        target=area.V1a,
        target_label=area.V1a.name,
        region_path=area.V1a.path,
        detail={"format": "contact_card", "households": 14},
    )
    access_event_record(
        actor=staff,
        action=Action.IMPORT,
        target_label="花名册.xls",
        region_path=area.C.path,
        detail={
            "households": {"created": 10, "updated": 2, "unchanged": 0},
            "members": {"created": 21, "updated": 3, "unchanged": 1},
        },
    )
    identity_conflict_record(actor=staff, service="household_create", masked_numbers=["6301**********0694"])
    identity_conflict_record(actor=staff, service="roster_import", masked_numbers=["6301**********0694"])
    user_update(manager=admin, user=personas.village_cadre, data={"name": "陈新名"})
    user_set_active(manager=admin, user=personas.village_cadre, active=False)
    user_set_active(manager=admin, user=personas.village_cadre, active=True)
    for event, detail in [
        ("failed", {"step": "login", "kind": "totp", "throttled": True}),
        ("failed", {"step": "login", "kind": "recovery", "throttled": False}),
        ("failed", {"step": "set up", "throttled": False}),
        ("set up", {"recovery codes": 10, "replaced an earlier device": True}),
        ("verified", {}),
        ("recovery code used", {"left": 9}),
        ("reset", {"by": "manage.py reset_second_factor"}),
    ]:
        second_factor_event.send(user=staff, event=event, request=None, detail=detail)
    for step in ("requested", "accepted", "refused", "cancelled"):
        access_event_record(
            actor=staff,
            action=Action.TRANSFER,
            target=household,
            target_label=household.number,
            region_path=household.region_path,
            detail={"step": step, "transfer": 1},
        )
    access_event_record(
        actor=staff,
        action=Action.TRANSFER,
        target_label="6301**********0694",
        region_path=area.C.path,
        detail={"step": "requested", "transfer": 1},
    )
    access_event_record(actor=staff, action=Action.LOGIN, region_path=area.C.path)
    access_event_record(actor=staff, action=Action.LOGOUT, region_path=area.C.path)
    access_event_record(actor=None, actor_username="nobody_here", action=Action.LOGIN_FAILED, region_path=area.C.path)
    change_reveal(personas, household)


def change_reveal(personas, household: Household) -> None:
    """A member's phone changed, then revealed on the change log."""
    member = _member(household)
    with history_context(actor=personas.county_staff, service="household_update"):
        Member.objects.filter(pk=member.pk).update(phone="13900000027")
    event = next(
        e
        for e in change_event_list_for_user(user=personas.county_staff)
        if e.pgh_obj_model == "households.Member" and e.pgh_label == "update"
    )
    change_value_reveal(actor=personas.county_staff, event=event, field_name="phone")


def tbody(html: str) -> str:
    """The table's rows, as text (the filter form above lists the actions by code in its options)."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.sub(r"<[^>]+>", " ", body)


def access_list(client, language: str) -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("audit:access_list"))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("reader", ["county_staff", "admin"])
def test_every_kind_of_event_reads_without_raw_keys(area, personas, household, client_for, language, reader):
    every_kind_of_event(area, personas, household)
    html = access_list(client_for(getattr(personas, reader)), language)
    text = tbody(html)
    for action in Action.values:  # every kind is on the page
        assert f'data-action="{action}"' in html
    for raw in RAW:
        assert raw not in text, raw
    assert PHONE not in text
    # The objects: a household by its number and its couple, a person with the household, a user by name.
    assert "630101-00011" in text
    assert "王秀兰" in text
    assert "陈新名" in text
    assert area.V1a.name in text  # a village's contact cards, the village export filter
    assert "2026-12-04" in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_detail_reads_in_the_readers_language(area, personas, household, client_for, language):
    every_kind_of_event(area, personas, household)
    text = tbody(access_list(client_for(personas.county_staff), language))
    if language == "en":
        assert "Revealed the phone of 李春生 (household 630101-00011)." in text
        assert "Revealed the ID number of 李春生 (household 630101-00011)." in text
        assert "Revealed the phone of 李春生 (household 630101-00011) in the change log." in text
        assert "Household 630101-00011 (李春生, 王秀兰)" in text
        assert "Household list 12 rows, Excel, full ID numbers and phones." in text
        assert "Village/community: 东关社区, Family type: Death of the only child, Lives alone: Yes" in text
        assert "Coverage dashboard as of 2026-12-04: 8 rows, Excel." in text
        assert "Service persons 31 rows, Excel." in text
        assert "Registering a household" in text
        assert "Wrong code from the authenticator app at login. Too many attempts" in text
        assert "Authenticator app set up; 10 recovery codes issued. It replaces an earlier device." in text
        assert "Changed: name." in text
        assert "Transfer requested." in text
        assert "The family of ID number 6301**********0694" in text
        assert "Page: Contacts of the household" in text
    else:  # the labels the portal already translates; the new sentences are translated with the catalogue
        assert "家庭 630101-00011" in text
        assert "村（社区）: 东关社区" in text or "村（社区）：东关社区" in text
        assert "独生子女死亡" in text
        assert "是" in text
        assert "电话" in text
        assert "身份证号码" in text


def test_a_reveal_names_the_member_and_the_field(area, personas, household, client_for):
    member = _member(household)
    client = client_for(personas.county_staff)
    response = client.post(
        reverse("households:reveal", args=[household.pk, member.pk]), {"field": "phone"}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 200
    with translation.override("en"):
        (row,) = access_rows(AccessEvent.objects.filter(action=Action.REVEAL), reader=personas.county_staff)
    assert row.target == "李春生 (household 630101-00011)"
    assert row.description == "Revealed the phone of 李春生 (household 630101-00011)."


def test_a_reveal_of_a_member_since_removed_names_the_household(area, personas, household):
    member = _member(household, "王秀兰")
    member_value_reveal(actor=personas.county_staff, household=household, member=member, field_name="phone")
    with history_context(actor=personas.county_staff, service="household_update"):
        member.delete()
    with translation.override("en"):
        (row,) = access_rows(AccessEvent.objects.filter(action=Action.REVEAL), reader=personas.county_staff)
    assert row.description == "Revealed the phone of a member of household 630101-00011."


def test_an_unknown_key_gets_words_not_an_identifier(area, personas):
    access_event_record(
        actor=personas.county_staff,
        action=Action.VIEW,
        region_path=area.C.path,
        detail={"page": "contacts", "some_new_key": "2026-12-06T22:16:53.036114+00:00", "flag": True},
    )
    with translation.override("en"):
        (row,) = access_rows(AccessEvent.objects.all(), reader=personas.county_staff)
    # the time in the portal's zone (Asia/Shanghai), as the portal writes times; yes/no in words
    assert row.description == "Page: Contacts of the household; Flag: Yes; Some new key: 2026-12-07 06:16"


def test_the_access_list_queries_do_not_grow_with_its_events(area, personas, household, client_for):
    client = client_for(personas.county_staff)
    every_kind_of_event(area, personas, household)
    client.get(reverse("audit:access_list"))  # the session's first read
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("audit:access_list")).status_code == 200
    others = [
        Household.objects.create(
            county=area.C, village=area.V1b, number=f"630101-{n:05d}", registered_on=date(2024, 1, 1)
        )
        for n in range(20, 26)
    ]
    for other in others:
        person = Member.objects.create(household=other, name=f"张{other.pk}", role="wife", phone=PHONE)
        household_access_record(actor=personas.county_staff, household=other, action=Action.VIEW)
        member_value_reveal(actor=personas.county_staff, household=other, member=person, field_name="phone")
        user_update(manager=personas.admin, user=personas.town_cadre, data={"name": f"李{other.pk}"})
    change_reveal(personas, household)
    with CaptureQueriesContext(connection) as many:
        html = client.get(reverse("audit:access_list")).content.decode()
    assert len(many) == len(few), "\n".join(q["sql"] for q in many.captured_queries)
    assert f"张{others[-1].pk}" in html


def test_the_household_list_filters_read_as_the_lists_form(area, personas):
    """The filters of a list export are labelled and valued as the list's form shows them (a filter added to the
    form must be added here too)."""
    form = HouseholdFilterForm(user=personas.county_staff)
    assert set(HouseholdFilterForm.FILTER_KEYS) <= set(FILTER_ORDER)
    page = _Page(reader=personas.county_staff, regions={area.V1a.pk: area.V1a.name, area.T1.pk: area.T1.name})
    for language in LANGUAGES:
        with translation.override(language):
            for key in HouseholdFilterForm.FILTER_KEYS:
                field = form.fields[key]
                choices = [(v, label) for v, label in getattr(field, "choices", []) if v not in ("", None)]
                if key in ("town", "village"):
                    choices = [(str(area.T1.pk if key == "town" else area.V1a.pk), "")]
                if isinstance(field, BooleanField):
                    choices = [("on", _("Yes"))]
                for value, label in choices:
                    shown_label, shown_value = _filter_label(key, value, page)
                    assert shown_label == str(field.label), key
                    if label:
                        assert shown_value == str(label), (key, value)
                    else:
                        assert shown_value, (key, value)
                        assert shown_value != value, (key, value)


def test_a_mental_health_filter_is_restricted_for_a_reader_without_the_tier(area, personas):
    page = _Page(reader=personas.admin)
    assert _filter_label("difficulty", "mental_health", page)[1] == "（无权查看）"
    assert _filter_label("difficulty", "mental_health", _Page(reader=personas.county_staff))[1] != "（无权查看）"


# ---- the change log ----------------------------------------------------------------------------------------------


def test_the_change_log_names_records_and_writes_times_and_yes_no_in_words(area, personas, household, client_for):
    user_update(manager=personas.admin, user=personas.village_cadre, data={"name": "陈新名"})
    with history_context(actor=personas.county_staff, service="household_update"):
        Household.objects.filter(pk=household.pk).update(subsistence_allowance=True)
    html = client_for(personas.county_staff).get(reverse("audit:change_list")).content.decode()
    text = tbody(html)
    assert "家庭成员 · 李春生（户编号 630101-00011）" in text
    assert "630101-00011" in text
    assert "李春生、王秀兰" in text  # the household by its number and its couple
    assert "否 → 是" in text  # a boolean in words
    assert "+00:00" not in text  # no UTC ISO text
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:", text)
    assert 'class="table stack' in html
    assert 'data-label="变更前 → 变更后"' in html


def test_the_change_log_writes_a_datetime_in_local_time(area, personas):
    with history_context(actor=personas.admin, service="user_update"):
        type(personas.village_cadre).objects.filter(pk=personas.village_cadre.pk).update(
            password_changed_at=datetime(2026, 12, 6, 22, 16, 53, tzinfo=UTC)
        )
    with translation.override("en"):
        rows = change_rows(list(change_event_list_for_user(user=personas.county_staff)), reader=personas.county_staff)
    changes = [c for r in rows for c in r.changes if c.name == "password_changed_at" and r.action == "update"]
    assert [c.after for c in changes] == ["2026-12-07 06:16"]
    (row,) = [r for r in rows if r.action == "update" and r.changes == changes]
    assert row.subject == "user · v1a_cadre"


def test_the_change_log_queries_do_not_grow_with_its_rows(area, personas, household, client_for):
    client = client_for(personas.county_staff)
    client.get(reverse("audit:change_list"))
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("audit:change_list")).status_code == 200
    for n in range(20, 30):
        with history_context(actor=personas.county_staff, service="household_create"):
            other = Household.objects.create(
                county=area.C, village=area.V1b, number=f"630101-{n:05d}", registered_on=date(2024, 1, 1)
            )
            Member.objects.create(household=other, name=f"张{n}", role="wife", phone=PHONE)
        user_update(manager=personas.admin, user=personas.town_cadre, data={"name": f"李{n}"})
    with CaptureQueriesContext(connection) as many:
        html = client.get(reverse("audit:change_list")).content.decode()
    assert len(many) == len(few), "\n".join(q["sql"] for q in many.captured_queries)
    assert "张29" in html


def test_the_home_pages_recent_activity_reads_the_same(area, personas, household, client_for):
    identity_conflict_record(
        actor=personas.county_staff, service="household_create", masked_numbers=["6301**********0694"]
    )
    household_access_record(actor=personas.county_staff, household=household, action=Action.VIEW)
    client = client_for(personas.county_staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("portal:home")).content.decode()
    assert "Identity conflict · Registering a household" in html
    assert "Viewed · Household 630101-00011 (李春生, 王秀兰)" in html
    assert "household_create" not in html
