"""The one history-diff renderer (audit.diff): labels in the reader's language, choices by their label, related
rows by name, personal values masked — the same on the audit change log and in the household archive."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation

from audit.history import history_context
from audit.selectors import change_event_list_for_user, change_rows
from households.archive import household_timeline
from households.models import Household, Member
from households.validation import id_number_make

pytestmark = pytest.mark.django_db

ID_NUMBER = id_number_make(area_code="630101", birth_date=date(1956, 5, 4), sequence=7, sex="M")
NEW_ID_NUMBER = id_number_make(area_code="630101", birth_date=date(1956, 5, 4), sequence=9, sex="M")


def masked(id_number: str) -> str:
    return id_number[:4] + "*" * 10 + id_number[-4:]


@pytest.fixture
def changed_household(area, personas) -> Household:
    """A household and a member created, then changed: family type, village, difficulties, ID number."""
    with history_context(actor=personas.county_staff, service="household_create"):
        household = Household.objects.create(
            county=area.C,
            village=area.V1a,
            number="630101-00001",
            family_type=Household.FamilyType.DEATH,
            registered_on=date(2024, 3, 1),
        )
        member = Member.objects.create(household=household, name="王德明", role="husband", id_number=ID_NUMBER)
    with history_context(actor=personas.county_staff, service="household_update"):
        Household.objects.filter(pk=household.pk).update(
            family_type=Household.FamilyType.DISABILITY,
            village=area.V1b,
            difficulties=[Household.Difficulty.ELDERLY_CARE, Household.Difficulty.HOUSING],
        )
        Member.objects.filter(pk=member.pk).update(id_number=NEW_ID_NUMBER)
    return household


def test_the_change_log_shows_labels_choices_and_names_in_chinese_and_masks_id_numbers(
    changed_household, personas, client_for
):
    html = client_for(personas.county_staff).get(reverse("audit:change_list")).content.decode()

    assert "家庭类别" in html  # family type
    assert "独生子女死亡 → 独生子女伤残" in html  # its choices by their labels
    assert "村（社区）" in html  # village/community
    assert "东关社区 → 大众街社区" in html  # the villages by name
    assert "养老照护、住房" in html  # a list of choices, with the Chinese separator
    assert "身份证号码" in html
    assert f"{masked(ID_NUMBER)} → {masked(NEW_ID_NUMBER)}" in html
    assert ID_NUMBER not in html
    assert NEW_ID_NUMBER not in html


def test_the_archive_timeline_and_the_change_log_render_a_change_alike(changed_household, personas):
    with translation.override("en"):
        timeline = household_timeline(changed_household, user=personas.county_staff)
        rows = change_rows(list(change_event_list_for_user(user=personas.county_staff)))

    def changes(entries) -> set[tuple[str, str, str]]:
        return {(c.field, c.before, c.after) for entry in entries for c in entry.changes}

    updates = [e for e in timeline if e.action == "update"]
    logged = [r for r in rows if r.action == "update"]
    assert changes(updates) == changes(logged)
    assert ("family type", "Death of the only child", "Disability of the only child") in changes(updates)
    assert ("village/community", "东关社区", "大众街社区") in changes(updates)
    assert [c for c in changes(updates) if c[0] == "ID number"] == [
        ("ID number", masked(ID_NUMBER), masked(NEW_ID_NUMBER))
    ]
    assert {e.username for e in timeline} == {"c_staff"}
    assert {r.context.who for r in rows} == {"c_staff"}
