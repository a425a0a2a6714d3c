"""The inbox (issue 13 B5): a message stores what it means (kind and parameters) and is said in the reader's
language when read — on the page and by email; 25 a page, filtered by unread and kind, "mark all read" at the
top and one at a time; the messages stored before keep their text (or get parameters where they fit)."""

from __future__ import annotations

import importlib
from datetime import date

import pytest
from django.apps import apps
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.factories import HouseholdFactory
from tests.visits.conftest import only_rules
from visits import services
from visits.engine import overdue_refresh
from visits.models import Notification, Visit
from visits.services import notifications_deliver, notifications_refresh, visit_record
from visits.views import INBOX_PAGE_SIZE

pytestmark = pytest.mark.django_db


@pytest.fixture
def household(area, rules):
    return HouseholdFactory(village=area.V1a, registered_on=date(2024, 1, 1), number="V1A-0042")


@pytest.fixture
def escalated(household, rules, personas):
    """October missed: the village cadre's message on 6 November, the town's on 20 November."""
    only_rules(rules, "monthly_contact")
    overdue_refresh(as_of=date(2025, 11, 6))
    notifications_refresh(as_of=date(2025, 11, 6))
    overdue_refresh(as_of=date(2025, 11, 20))
    notifications_refresh(as_of=date(2025, 11, 20))
    return household


def said(msgid: str, language: str, **params) -> str:
    with translation.override(language):
        return translation.gettext(msgid) % params


def client_in(client_for, user, language: str) -> Client:
    client = client_for(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


# ---- what a message means, said in the reader's language -----------------------------------------------------


def test_a_message_stores_its_meaning(escalated, personas):
    note = Notification.objects.get(user=personas.town_cadre)

    assert note.kind == "escalated_town"
    assert note.params == {
        "rule": "monthly_contact",
        "rule_name": "Contact at least once a month",
        "number": "V1A-0042",
        "place": escalated.village.name,
        "level": 1,
        "period": "2025-10",
        "days": 14,
    }
    with translation.override(settings.LANGUAGE_CODE):
        assert note.message == note.text  # the record of what was said, in the portal's language


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_inbox_says_each_message_in_the_readers_language(client_for, escalated, personas, language):
    page = client_in(client_for, personas.town_cadre, language).get(reverse("visits:inbox")).content.decode()

    rule = said("Contact at least once a month", language)
    overdue = said(
        "Overdue: %(rule)s — household %(number)s (%(place)s), since %(period)s.",
        language,
        rule=rule,
        number="V1A-0042",
        place=escalated.village.name,
        period="2025-10",
    )
    assert said("Still open after %(days)s days: %(text)s", language, days=14, text=overdue) in page
    if language == "en":
        assert "逾期" not in page.split("data-inbox")[1]  # no Chinese left in the English messages


def test_a_message_stored_before_its_parameters_is_shown_as_written(client_for, household, personas):
    Notification.objects.create(
        user=personas.village_cadre, kind="overdue", key="old", household=household, message="旧消息：V1A-0042 逾期"
    )

    page = client_in(client_for, personas.village_cadre, "en").get(reverse("visits:inbox")).content.decode()

    assert "旧消息：V1A-0042 逾期" in page


def test_an_emergency_is_said_in_the_readers_language(client_for, household, personas):
    visit_record(
        user=personas.village_cadre,
        household=household,
        date=date(2025, 11, 6),
        method=Visit.Method.HOME,
        purpose=Visit.Purpose.EMERGENCY,
        needs="住院，需要陪护",
        today=date(2025, 11, 6),
    )

    page = client_in(client_for, personas.county_staff, "en").get(reverse("visits:inbox")).content.decode()

    assert (
        said(
            "Emergency reported at household %(number)s (%(place)s) on %(date)s: %(needs)s",
            "en",
            number="V1A-0042",
            place=household.village.name,
            date="2025-11-06",
            needs="住院，需要陪护",
        )
        in page
    )


# ---- pages, filters, marking read ------------------------------------------------------------------------------


@pytest.fixture
def many(household, personas) -> list[Notification]:
    """31 messages of the village cadre: 25 overdue (5 of them read), 6 reminders."""
    notes = [
        Notification(
            user=personas.village_cadre,
            kind="overdue" if i < 25 else "reminder",
            key=f"k{i}",
            household=household,
            message=f"消息{i:02d}",
        )
        for i in range(31)
    ]
    notes = Notification.objects.bulk_create(notes)
    Notification.objects.filter(pk__in=[n.pk for n in notes[:5]]).update(read_at="2025-11-01T08:00Z")
    return notes


def shown(response) -> list[str]:
    return [n.message for n in response.context["notifications"]]


def test_the_inbox_pages_25_at_a_time(client_for, personas, many):
    client = client_for(personas.village_cadre)

    first, second = client.get(reverse("visits:inbox")), client.get(reverse("visits:inbox"), {"page": 2})

    assert len(shown(first)) == INBOX_PAGE_SIZE == 25
    assert len(shown(second)) == 6
    assert set(shown(first)) | set(shown(second)) == {f"消息{i:02d}" for i in range(31)}
    assert shown(first)[0] == "消息30"  # newest first
    assert first.context["unread"] == 26


def test_the_inbox_filters_by_unread_and_kind(client_for, personas, many):
    client = client_for(personas.village_cadre)

    unread = client.get(reverse("visits:inbox"), {"show": "unread"})
    reminders = client.get(reverse("visits:inbox"), {"kind": "reminder"})
    unread_overdue = client.get(reverse("visits:inbox"), {"show": "unread", "kind": "overdue", "page": 1})
    nonsense = client.get(reverse("visits:inbox"), {"show": "x", "kind": "x"})

    assert unread.context["page_obj"].paginator.count == 26
    assert sorted(shown(reminders)) == [f"消息{i}" for i in range(25, 31)]
    assert unread_overdue.context["page_obj"].paginator.count == 20
    assert nonsense.context["page_obj"].paginator.count == 31  # an unknown filter is no filter
    counts = {value: n for value, _label, n in unread.context["kinds"]}
    assert (counts["overdue"], counts["reminder"], counts["emergency"]) == (20, 6, 0)


def test_mark_all_read_at_the_top_marks_the_users_unread_of_the_filter(client_for, personas, household, many):
    other = Notification.objects.create(
        user=personas.town_cadre, kind="overdue", key="t", household=household, message="town's"
    )
    client = client_for(personas.village_cadre)
    page = client.get(reverse("visits:inbox")).content.decode()
    assert page.index("data-mark-all") < page.index("data-inbox")  # at the top, before the list

    response = client.post(reverse("visits:inbox_read"), {"all": "1", "kind": "reminder", "show": "unread"})

    assert response.status_code == 302
    assert response.url == reverse("visits:inbox") + "?show=unread&kind=reminder"
    assert not Notification.objects.filter(user=personas.village_cadre, kind="reminder", read_at__isnull=True).exists()
    assert Notification.objects.filter(user=personas.village_cadre, kind="overdue", read_at__isnull=True).count() == 20

    client.post(reverse("visits:inbox_read"), {"all": "1"})

    assert not Notification.objects.filter(user=personas.village_cadre, read_at__isnull=True).exists()
    other.refresh_from_db()
    assert other.read_at is None  # another user's message


def test_mark_one_read_and_come_back_to_the_same_page(client_for, personas, many):
    client = client_for(personas.village_cadre)
    target = many[-1]

    response = client.post(reverse("visits:inbox_read"), {"ids": [target.pk], "show": "unread", "page": "2"})

    target.refresh_from_db()
    assert target.read_at is not None
    assert Notification.objects.filter(user=personas.village_cadre, read_at__isnull=True).count() == 25
    assert response.url == reverse("visits:inbox") + "?show=unread&page=2"
    assert f'data-notification="{many[-2].pk}"' in client.get(reverse("visits:inbox")).content.decode()


def test_marking_read_needs_the_csrf_token(personas, many):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.village_cadre)

    response = client.post(reverse("visits:inbox_read"), {"all": "1"})

    assert response.status_code == 403
    assert Notification.objects.filter(user=personas.village_cadre, read_at__isnull=True).count() == 26


# ---- email and SMS in the recipient's language ---------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_delivery_says_the_messages_in_the_recipients_language(household, rules, personas, monkeypatch, language):
    only_rules(rules, "monthly_contact")
    personas.village_cadre.email = "v1a@example.org"
    personas.village_cadre.save()
    overdue_refresh(as_of=date(2025, 11, 6))
    notifications_refresh(as_of=date(2025, 11, 6))
    monkeypatch.setattr(services, "user_language", lambda user: language)

    notifications_deliver()

    note = Notification.objects.get(user=personas.village_cadre)
    with translation.override(language):
        expected = note.text
        subject = translation.gettext("Special families portal: new messages (%(n)s)") % {"n": 1}
    assert mail.outbox[0].body == expected
    assert mail.outbox[0].subject == subject


def test_a_user_without_a_language_of_their_own_gets_the_portals(personas):
    assert services.user_language(personas.village_cadre) == settings.LANGUAGE_CODE


# ---- the messages stored before ------------------------------------------------------------------------------


def test_the_data_migration_gives_old_messages_their_parameters_where_they_fit(escalated, personas):
    visit = visit_record(
        user=personas.village_cadre,
        household=escalated,
        date=date(2025, 11, 21),
        method=Visit.Method.HOME,
        purpose=Visit.Purpose.EMERGENCY,
        needs="摔伤",
        today=date(2025, 11, 21),
    )
    expected = dict(Notification.objects.values_list("pk", "params"))
    Notification.objects.update(params={})  # as stored before the parameters
    Visit.objects.filter(pk=visit.pk).update(needs="摔伤，已送医")  # corrected since: the text no longer fits
    old = Notification.objects.create(
        user=personas.village_cadre, kind="overdue", key="x", household=escalated, message="手写的消息"
    )
    migration = importlib.import_module("visits.migrations.0008_notification_params_from_rows")

    migration.forwards(apps, None)

    after = dict(Notification.objects.values_list("pk", "params"))
    flags = Notification.objects.exclude(kind="emergency").exclude(pk=old.pk)
    assert flags.count() == 2
    assert all(after[n.pk] == expected[n.pk] for n in flags)
    assert all(after[n.pk] == {} for n in Notification.objects.filter(kind="emergency"))  # kept as written
    assert after[old.pk] == {}


@pytest.mark.parametrize("persona", ["leader", "admin"])
def test_roles_that_serve_no_household_have_no_inbox(client_for, personas, persona):
    """A leader reads figures and an administrator reads no family's file: the inbox (household numbers) is not
    theirs, as the navigation already said."""
    client = client_for(getattr(personas, persona))
    assert client.get(reverse("visits:inbox")).status_code == 403
    assert client.post(reverse("visits:inbox_read"), {"all": "1"}).status_code == 403
