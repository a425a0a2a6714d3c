"""Forms of the standards and settings pages (the rules are in benefits.standards.services)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from benefits.models import BenefitSettings, Level, Standard
from core.forms import PlausibleDateField, PortalFormMixin
from policies.models import PolicyDocument

TOP_UP_LEVELS = [(value, label) for value, label in Level.choices if value != Level.NATIONAL]


class StandardForm(PortalFormMixin, forms.ModelForm):
    level = forms.ChoiceField(label=_("level"), choices=TOP_UP_LEVELS)
    effective_from = PlausibleDateField(
        label=_("effective from"), allow_future=True, help_text=_("The first day of a month.")
    )
    effective_to = PlausibleDateField(
        label=_("effective to"),
        allow_future=True,
        required=False,
        help_text=_("The last day of a month; empty while it is in force."),
    )

    class Meta:
        model = Standard
        fields = [
            "scheme",
            "level",
            "area_code",
            "area_name",
            "residence",
            "disability_grade",
            "age_from",
            "age_to",
            "self_care",
            "amount",
            "period",
            "effective_from",
            "effective_to",
            "document",
            "policy_document",
            "note",
        ]

    def __init__(
        self, *args: Any, county_code: str, locked: bool = False, documents: QuerySet | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        # the policy library's documents the user reads (policies.selectors.document_choices); none offered without
        self.fields["policy_document"].queryset = documents if documents is not None else PolicyDocument.objects.none()
        self.fields["policy_document"].help_text = _("The document in the policy library, linked from this page.")
        self.fields["area_code"].help_text = _("Province: %(province)s; city: %(city)s; county: %(county)s.") % {
            "province": county_code[:2],
            "city": county_code[:4],
            "county": county_code[:6],
        }
        if not self.instance.pk:
            self.initial.setdefault("level", Level.COUNTY)
            self.initial.setdefault("area_code", county_code[:6])
        if locked:  # in force or used: only its words may be corrected
            for name, field in self.fields.items():
                if name not in {"area_name", "document", "policy_document", "note"}:
                    field.disabled = True

    def _post_clean(self) -> None:
        pass  # validated once, by the service

    def service_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields if name in self.fields}


class StandardEndForm(PortalFormMixin, forms.Form):
    effective_to = PlausibleDateField(label=_("Ends on"), allow_future=True, help_text=_("The last day of a month."))
    new_amount = forms.DecimalField(
        label=_("New amount from the next month"),
        max_digits=10,
        decimal_places=2,
        min_value=0.01,
        required=False,
        help_text=_("Optional: a new standard with the same scheme, area and bands starts the day after."),
    )
    new_document = forms.CharField(label=_("Document of the new amount"), max_length=200, required=False)


_MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")


def month_day_clean(value: str) -> str:
    """ "MM-DD" of a real day of the year (29 February included: a common year reads it as the 28th)."""
    value = (value or "").strip()
    match = _MONTH_DAY.match(value)
    try:
        if not match:
            raise ValueError
        date(2000, int(match[1]), int(match[2]))  # a leap year: 02-29 is a day
    except ValueError:
        raise forms.ValidationError(_("Enter a month and day as MM-DD, such as 03-31."), code="month_day") from None
    return value


class BenefitSettingsForm(PortalFormMixin, forms.ModelForm):
    class Meta:
        model = BenefitSettings
        fields = [
            "death_pays_through",
            "reward_overlap",
            "child_event_start",
            "qualifying_age",
            "reward_age",
            "applications_by",
            "village_by",
            "town_by",
            "county_by",
            "notice_days",
        ]

    DEADLINES = ("applications_by", "village_by", "town_by", "county_by")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.DEADLINES:
            self.fields[name].help_text = _("MM-DD, such as 03-31.")

    def clean_applications_by(self) -> str:
        return month_day_clean(self.cleaned_data["applications_by"])

    def clean_village_by(self) -> str:
        return month_day_clean(self.cleaned_data["village_by"])

    def clean_town_by(self) -> str:
        return month_day_clean(self.cleaned_data["town_by"])

    def clean_county_by(self) -> str:
        return month_day_clean(self.cleaned_data["county_by"])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        values = [data.get(name) for name in self.DEADLINES]
        if all(values) and values != sorted(values):
            raise forms.ValidationError(
                _("The deadlines follow the review's order: applications, village, town, then county."),
                code="deadline_order",
            )
        qualifying, reward = data.get("qualifying_age"), data.get("reward_age")
        if qualifying is not None and not 40 <= qualifying <= 70:
            self.add_error("qualifying_age", _("Enter an age between 40 and 70."))
        if reward is not None and not 50 <= reward <= 80:
            self.add_error("reward_age", _("Enter an age between 50 and 80."))
        days = data.get("notice_days")
        if days is not None and not 1 <= days <= 60:
            self.add_error("notice_days", _("Enter between 1 and 60 days."))
        return data
