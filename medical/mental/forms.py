"""The assessment's form: one field per item of the instrument (its answers as choices), the consent, the assessor's
risk level and the action. A missing item or a refused consent is said by the service (medical.mental.services), so
the form leaves them optional: the message is the one rule's, in the user's language."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import PlausibleDateField, PortalFormMixin
from households.models import Household
from medical.mental.instruments import Instrument
from medical.models import MentalAssessment


class AssessmentForm(PortalFormMixin, forms.Form):
    member = forms.ModelChoiceField(label=_("member"), queryset=None)  # type: ignore[arg-type]
    assessed_on = PlausibleDateField(label=_("date of the assessment"))
    consent = forms.BooleanField(
        label=_("The person consented to the assessment"),
        required=False,
        help_text=_("An assessment is voluntary: without the person's consent nothing is recorded."),
    )

    def __init__(self, *args: Any, household: Household, instrument: Instrument, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        members = household.members.filter(alive=True).order_by("id")
        member_field = self.fields["member"]
        member_field.queryset = members  # type: ignore[attr-defined]
        member_field.label_from_instance = lambda m: m.name  # type: ignore[attr-defined]
        self.initial.setdefault("assessed_on", timezone.localdate())
        for item in instrument.items:
            label = _("Item %(number)d") % {"number": item.number}
            if item.label:
                label = f"{label} · {item.label}"
            self.fields[self.item_name(item.number)] = forms.TypedChoiceField(
                label=label,
                choices=[("", "—")] + [(value, f"{value} · {text}") for value, text in item.choices],
                coerce=int,
                required=False,
                empty_value=None,
            )
        self.fields["risk_level"] = forms.ChoiceField(
            label=_("risk level"), choices=[("", "—"), *MentalAssessment.Risk.choices]
        )
        self.fields["action"] = forms.CharField(
            label=_("action called for"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
        )
        self.fields["notes"] = forms.CharField(
            label=_("notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=4000
        )
        self.fields["assessor_name"] = forms.CharField(
            label=_("assessor"), required=False, max_length=50, help_text=_("Empty: you.")
        )

    @staticmethod
    def item_name(number: int) -> str:
        return f"item_{number}"

    @property
    def item_fields(self) -> list[Any]:
        return [self[self.item_name(item.number)] for item in self.instrument.items]

    @property
    def other_fields(self) -> list[Any]:
        return [self[name] for name in ("member", "assessed_on", "consent")]

    @property
    def closing_fields(self) -> list[Any]:
        return [self[name] for name in ("risk_level", "action", "notes", "assessor_name")]

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "member": data["member"],
            "assessed_on": data["assessed_on"],
            "consent": bool(data.get("consent")),
            "instrument": self.instrument.code,
            "answers": [data.get(self.item_name(item.number)) for item in self.instrument.items],
            "risk_level": data["risk_level"],
            "action": data["action"],
            "notes": data.get("notes", ""),
            "assessor_name": data.get("assessor_name", ""),
        }


class GriefCadenceForm(PortalFormMixin, forms.Form):
    years = forms.IntegerField(
        label=_("monthly home visit in the first years after the loss (years; 0: off)"), min_value=0, max_value=20
    )
