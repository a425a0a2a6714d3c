"""Factories of the visits app (kept beside its tests; tests/reports imports them too)."""

from __future__ import annotations

import datetime as dt

import factory

from visits.models import Visit


class VisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Visit

    household = None
    date = dt.date(2025, 1, 10)
    method = Visit.Method.HOME
    purpose = Visit.Purpose.ROUTINE
    visitor_role = Visit.VisitorRole.VILLAGE_CADRE
    visitor_name = "陈静"
