"""Forms of the medical pages. They parse; the services validate and write (a service's errors go back onto the form
through core.forms.form_errors_apply)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contacts.models import ServicePerson
from core.forms import PlausibleDateField, PortalFormMixin
from core.scans import scan_help_text
from households.models import Household, Member
from medical.models import ChannelUse, Contract, GreenCard, HealthCheck, Institution, MedicalSettings
from medical.services import CONTRACT_FIELDS, FILE_MAX_BYTES, INSTITUTION_FIELDS, SETTING_FIELDS
from regions.models import Region


class _ServiceForm(PortalFormMixin, forms.ModelForm):
    """A model form whose model validation is the service's (validated once, there)."""

    def _post_clean(self) -> None:
        pass


def _members(field: forms.Field, household: Household, *, alive_only: bool = True) -> None:
    members = Member.objects.filter(household=household).order_by("id")
    field.queryset = members.filter(alive=True) if alive_only else members  # type: ignore[attr-defined]
    field.label_from_instance = lambda m: m.name  # type: ignore[attr-defined]


class MedicalSettingsForm(_ServiceForm):
    class Meta:
        model = MedicalSettings
        fields = list(SETTING_FIELDS)


class InstitutionForm(_ServiceForm):
    services = forms.MultipleChoiceField(
        label=_("services offered"),
        choices=Institution.Service.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    rules_upload = forms.FileField(
        label=_("green-channel rules (file)"),
        required=False,
        help_text=scan_help_text(FILE_MAX_BYTES),
    )

    class Meta:
        model = Institution
        fields = list(INSTITUTION_FIELDS)
        widgets = {"rules_summary": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, county: Region, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region = self.fields["region"]
        region.queryset = Region.objects.filter(path__startswith=county.path).order_by("path")  # type: ignore[attr-defined]
        region.initial = county.pk

    def service_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in INSTITUTION_FIELDS}


class GreenCardForm(_ServiceForm):
    issued_on = PlausibleDateField(label=_("issued on"))

    class Meta:
        model = GreenCard
        fields = ["member", "kind", "number", "issued_on"]

    def __init__(self, *args: Any, household: Household, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _members(self.fields["member"], household)
        self.initial.setdefault("issued_on", timezone.localdate())


class CardWithdrawForm(PortalFormMixin, forms.Form):
    withdrawn_on = PlausibleDateField(label=_("withdrawn on"))


class ChannelUseForm(_ServiceForm):
    used_on = PlausibleDateField(label=_("date"))
    admitted_on = PlausibleDateField(label=_("admitted on"), required=False)
    discharged_on = PlausibleDateField(label=_("discharged on"), required=False)
    services = forms.MultipleChoiceField(
        label=_("services used"),
        choices=Institution.Service.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = ChannelUse
        fields = [
            "member",
            "institution",
            "used_on",
            "kind",
            "services",
            "fee_waived",
            "ambulance",
            "admitted_on",
            "discharged_on",
            "note",
        ]

    def __init__(self, *args: Any, household: Household, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _members(self.fields["member"], household, alive_only=False)
        institution = self.fields["institution"]
        institution.queryset = Institution.objects.filter(county=household.county, active=True)  # type: ignore[attr-defined]
        self.fields["fee_waived"].required = False
        self.initial.setdefault("used_on", timezone.localdate())

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if data.get("fee_waived") is None:
            data.pop("fee_waived", None)
        return data


class DischargeForm(PortalFormMixin, forms.Form):
    discharged_on = PlausibleDateField(label=_("discharged on"))


class ContractForm(_ServiceForm):
    starts_on = PlausibleDateField(label=_("start date"), allow_future=True)
    ends_on = PlausibleDateField(
        label=_("end date"), allow_future=True, required=False, help_text=_("Empty: one year after the start.")
    )
    packages = forms.MultipleChoiceField(
        label=_("service package"), choices=Contract.Package.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Contract
        fields = list(CONTRACT_FIELDS)

    def __init__(self, *args: Any, household: Household, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        member = self.fields["member"]
        _members(member, household)
        member.required = False
        member.empty_label = _("The whole household")  # type: ignore[attr-defined]
        doctors = (
            ServicePerson.objects.active()
            .serving(household.region_path)
            .filter(role_type=ServicePerson.RoleType.FAMILY_DOCTOR)
            .order_by("name")
        )
        self.fields["doctor"].queryset = doctors  # type: ignore[attr-defined]
        self.fields["township_doctor"].queryset = doctors  # type: ignore[attr-defined]
        self.initial.setdefault("starts_on", timezone.localdate())
        self.initial.setdefault("packages", [Contract.Package.BASIC])

    def service_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in CONTRACT_FIELDS}


class ContractEndForm(PortalFormMixin, forms.Form):
    ended_on = PlausibleDateField(label=_("ended on"))
    end_reason = forms.ChoiceField(label=_("reason ended"), choices=Contract.EndReason.choices)
    end_note = forms.CharField(label=_("note on ending"), max_length=200, required=False)


class HealthCheckForm(_ServiceForm):
    checked_on = PlausibleDateField(label=_("date of the check"))
    items = forms.MultipleChoiceField(
        label=_("items"), choices=HealthCheck.Item.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = HealthCheck
        fields = ["member", "checked_on", "institution", "items", "abnormal_findings", "follow_up"]
        widgets = {
            "abnormal_findings": forms.Textarea(attrs={"rows": 3}),
            "follow_up": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, household: Household, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _members(self.fields["member"], household, alive_only=False)
        self.fields["institution"].queryset = Institution.objects.filter(county=household.county)  # type: ignore[attr-defined]
        self.initial.setdefault("checked_on", timezone.localdate())


class YearForm(PortalFormMixin, forms.Form):
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100, required=False)
