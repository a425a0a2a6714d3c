"""The case PDF with 20,000 characters in every text of a household, its members and its visits: produced, over
several pages, with the end of every text in it (long cells of a table are printed as notes below it)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from households.models import Household
from tests.factories import HouseholdFactory, MemberFactory
from tests.pdf import pdf_text
from tests.visits.factories import VisitFactory

pytestmark = pytest.mark.django_db

LENGTH = 20_000


def long_text(marker: str) -> str:
    """20,000 characters, with line breaks now and then, ending in a marker found nowhere else."""
    body = ("家庭困难需求记录，" * 50 + "\n") * 50
    return body[: LENGTH - len(marker)] + marker


def test_every_long_text_is_in_the_pdf_over_several_pages(client_for, personas, area):
    today = timezone.localdate()
    texts = {
        "difficulties_note": long_text("ENDDIFFICULTIES"),
        "visit_preferences": long_text("ENDPREFERENCES"),
        "do_not_disturb": long_text("ENDDONOTDISTURB"),
        "closed_note": long_text("ENDCLOSED"),
    }
    household = HouseholdFactory(
        village=area.V1a,
        status=Household.Status.CLOSED,
        closed_reason=Household.CloseReason.OTHER,
        closed_on=today,
        **texts,
    )
    for index, role in enumerate(("husband", "wife")):
        marker = f"ENDHEALTH{index}"
        MemberFactory(household=household, role=role, health_notes=long_text(marker))
        texts[f"member {index}"] = marker
    visit_texts = {
        name: long_text(f"ENDVISIT{name.upper()}")
        for name in ("health", "mood", "living_conditions", "needs", "help_given")
    }
    VisitFactory(household=household, date=today - timedelta(days=10), **visit_texts)
    texts |= {f"visit {name}": value for name, value in visit_texts.items()}

    response = client_for(personas.county_staff).get(reverse("households:pdf", args=[household.pk]))

    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert len(re.findall(rb"/Type /Page\b", response.content)) > 10
    text = pdf_text(response.content).replace("\n", "")
    for name, value in texts.items():
        marker = re.search(r"END[A-Z0-9_]+$", value).group(0)
        assert marker in text, name
