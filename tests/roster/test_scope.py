"""The scope matrix of the roster import's URLs: an import job is its uploader's; anyone else gets 404 on GET and
POST (405 on the method a URL does not take, for everybody) and nothing changes — a ready job is not imported."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit.models import AccessEvent
from households.models import Household, Member
from households.roster.models import RosterImportJob
from tests.factories import UserFactory
from tests.roster.test_jobs import upload

pytestmark = pytest.mark.django_db

# (URL name, the method it takes)
ROSTER_URLS = [
    ("households:roster:job", "get"),
    ("households:roster:confirm", "post"),
    ("households:roster:marked", "get"),
]

# The URLs with an id this module checks (tests/accounts/test_url_inventory.py).
MATRIX_URLS = {name for name, _ in ROSTER_URLS}


def snapshot() -> tuple:
    return (
        Household.objects.count(),
        Member.objects.count(),
        list(RosterImportJob.objects.order_by("pk").values_list("pk", "status", "imported_at", "user_id")),
        AccessEvent.objects.exclude(action__in=["login", "logout"]).count(),
    )


def test_nobody_but_the_uploader_reaches_a_job(sample_county, client_for, django_capture_on_commit_callbacks):
    owner = client_for(sample_county.staff)
    ready = upload(owner, "roster_couples", django_capture_on_commit_callbacks)
    with_errors = upload(owner, "roster_persons_errors", django_capture_on_commit_callbacks)
    assert (ready.status, with_errors.status) == ("ready", "invalid")
    colleague = UserFactory(username="r_staff2", role="county_staff", region=sample_county.county)
    before = snapshot()

    for user in (sample_county.outsider, sample_county.town_cadre, colleague):
        client = client_for(user)
        for name, takes in ROSTER_URLS:
            for job in (ready, with_errors):
                url = reverse(name, args=[job.pk])
                for method in ("get", "post"):
                    with django_capture_on_commit_callbacks(execute=True):
                        response = getattr(client, method)(url)
                    assert response.status_code == (404 if method == takes else 405), (user, name, method)
                    assert response.status_code == 405 or b"roster_" not in response.content

    assert snapshot() == before
    # The uploader still can: the 404s above were the area and ownership, not broken URLs.
    assert owner.get(reverse("households:roster:job", args=[ready.pk])).status_code == 200
    assert owner.get(reverse("households:roster:marked", args=[with_errors.pk])).status_code == 200
