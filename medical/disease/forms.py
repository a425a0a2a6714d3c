"""Forms of the disease pages: they parse; the services validate and write (their errors go back onto the form
through core.forms.form_errors_apply)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from contacts.models import ServicePerson
from core.forms import PlausibleDateField, PortalFormMixin
from households.models import Household, Member
from medical.models import Diagnosis, DiseaseFollowUp, Institution, TreatmentCost


class _ServiceForm(PortalFormMixin, forms.ModelForm):
    """A model form whose model validation is the service's."""

    def _post_clean(self) -> None:
        pass


class DiagnosisForm(_ServiceForm):
    diagnosed_on = PlausibleDateField(label=_("diagnosed on"))

    class Meta:
        model = Diagnosis
        fields = [
            "member",
            "disease",
            "disease_name",
            "diagnosed_on",
            "institution",
            "treatment_class",
            "follow_up_days",
            "note",
        ]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, household: Household, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        member = self.fields["member"]
        member.queryset = Member.objects.filter(household=household, alive=True).order_by("id")  # type: ignore[attr-defined]
        member.label_from_instance = lambda m: m.name  # type: ignore[attr-defined]
        self.fields["institution"].queryset = Institution.objects.filter(county=household.county)  # type: ignore[attr-defined]
        self.fields["follow_up_days"].help_text = _("Contracted chronic management only.")
        self.initial.setdefault("diagnosed_on", timezone.localdate())


class DiagnosisUpdateForm(_ServiceForm):
    closed_on = PlausibleDateField(label=pgettext_lazy("disease", "closed on"), required=False)

    class Meta:
        model = Diagnosis
        fields = ["treatment_class", "status", "follow_up_days", "closed_on", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}


class FollowUpForm(_ServiceForm):
    followed_on = PlausibleDateField(label=_("date"))
    next_due = PlausibleDateField(
        label=_("next follow-up due"),
        allow_future=True,
        required=False,
        help_text=_("Empty: the disease's interval after this follow-up (chronic management)."),
    )

    class Meta:
        model = DiseaseFollowUp
        fields = ["followed_on", "by_person", "by_name", "method", "result", "result_note", "next_due"]
        widgets = {"result_note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, household: Household, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        doctors = (
            ServicePerson.objects.serving(household.region_path)
            .filter(role_type=ServicePerson.RoleType.FAMILY_DOCTOR)
            .order_by("name")
        )
        self.fields["by_person"].queryset = doctors  # type: ignore[attr-defined]
        self.initial.setdefault("followed_on", timezone.localdate())


class CostForm(_ServiceForm):
    incurred_on = PlausibleDateField(label=_("date"))

    class Meta:
        model = TreatmentCost
        fields = [
            "incurred_on",
            "kind",
            "institution",
            "total",
            "insurance",
            "serious_illness",
            "assistance",
            "safety_net",
            "other",
            "note",
        ]

    def __init__(self, *args: Any, household: Household, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = Institution.objects.filter(county=household.county)  # type: ignore[attr-defined]
        for name in TreatmentCost.REIMBURSED_FIELDS:
            self.fields[name].required = False
        self.initial.setdefault("incurred_on", timezone.localdate())
