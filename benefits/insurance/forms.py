"""Forms of insurance: a product (and its renewal), a claim's report, its steps and documents, the filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from benefits.insurance.services import FILE_MAX_BYTES, PRODUCT_FIELDS
from benefits.models import ClaimDocument, InsuranceClaim, InsuranceProduct
from core.forms import PlausibleDateField, PortalFormMixin
from core.scans import scan_help_text
from households.models import Member
from regions.models import Region


def _scan_field(label: Any, required: bool = False) -> forms.FileField:
    return forms.FileField(
        label=label,
        required=required,
        help_text=scan_help_text(FILE_MAX_BYTES),
    )


class ProductForm(PortalFormMixin, forms.ModelForm):
    starts_on = PlausibleDateField(label=_("cover from"), allow_future=True)
    ends_on = PlausibleDateField(label=_("cover to"), allow_future=True)
    document = _scan_field(_("policy document"))

    class Meta:
        model = InsuranceProduct
        fields = [f for f in PRODUCT_FIELDS if f not in ("starts_on", "ends_on")]

    field_order = list(PRODUCT_FIELDS)

    def service_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in PRODUCT_FIELDS}


class EnrolmentRunForm(PortalFormMixin, forms.Form):
    as_of = PlausibleDateField(label=_("as of"), required=False, allow_future=True)


class ExportForm(PortalFormMixin, forms.Form):
    full_values = forms.BooleanField(label=_("Full ID numbers (recorded)"), required=False)


class ClaimForm(PortalFormMixin, forms.ModelForm):
    member = forms.ModelChoiceField(label=_("Person"), queryset=Member.objects.none())
    event_date = PlausibleDateField(label=_("Date of the event"))
    admitted_on = PlausibleDateField(label=_("Admitted on"), required=False)
    discharged_on = PlausibleDateField(label=_("Discharged on"), required=False)
    reported_at = forms.DateTimeField(
        label=_("Reported at"),
        required=False,
        help_text=_("When the family or the cadre reported it (empty: now)."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )

    class Meta:
        model = InsuranceClaim
        fields = [
            "member",
            "product",
            "kind",
            "accidental",
            "traffic",
            "disability",
            "event_date",
            "admitted_on",
            "discharged_on",
            "icu_days",
            "hospital_name",
            "hospital_grade",
            "description",
            "reported_by_kind",
            "reporter_name",
            "reported_at",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, household: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = Member.objects.filter(household=household).order_by("id")
        self.fields["member"].label_from_instance = lambda m: m.name
        self.fields["product"].queryset = InsuranceProduct.objects.filter(county_id=household.county_id).order_by(
            "-year", "name"
        )
        if editing:
            del self.fields["member"]

    def service_data(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k != "member"}
        for name in ("hospital_name", "description", "reporter_name", "hospital_grade"):
            data[name] = data.get(name) or ""
        data["icu_days"] = data.get("icu_days") or 0
        if data.get("reported_at") is None:
            data.pop("reported_at", None)
        return data


class NoteForm(PortalFormMixin, forms.Form):
    note = forms.CharField(label=_("note"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AskForm(NoteForm):
    kinds = forms.MultipleChoiceField(
        label=_("Documents asked for"), choices=ClaimDocument.Kind.choices, widget=forms.CheckboxSelectMultiple
    )


class PayForm(PortalFormMixin, forms.Form):
    amount = forms.DecimalField(label=_("amount paid (yuan)"), max_digits=10, decimal_places=2, min_value=0)
    paid_on = PlausibleDateField(label=_("paid on"))
    over_maximum_reason = forms.CharField(
        label=_("Reason, when more than the product's maximum"), max_length=300, required=False
    )
    note = forms.CharField(label=_("note"), max_length=500, required=False)


class RejectForm(PortalFormMixin, forms.Form):
    reason = forms.ChoiceField(label=_("rejection reason"), choices=InsuranceClaim.RejectionReason.choices)
    note = forms.CharField(label=_("note"), max_length=300, required=False)


class DocumentForm(PortalFormMixin, forms.Form):
    received_on = PlausibleDateField(label=_("received on"), required=False)
    file = _scan_field(_("scan"))


class ClaimFilterForm(PortalFormMixin, forms.Form):
    state = forms.ChoiceField(label=_("State"), required=False)
    kind = forms.ChoiceField(
        label=_("event"), required=False, choices=[("", _("All events")), *InsuranceClaim.Kind.choices]
    )
    town = forms.ModelChoiceField(label=_("Town/street"), required=False, queryset=Region.objects.none())
    flagged = forms.BooleanField(label=_("Flagged only"), required=False)
    year = forms.IntegerField(label=_("year"), required=False, min_value=2000, max_value=2100)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [
            ("", _("All states")),
            ("open", pgettext_lazy("claim", "Open")),
            *InsuranceClaim.State.choices,
        ]
        self.fields["town"].queryset = Region.objects.visible_to(user).towns().order_by("path")
        self.fields["town"].empty_label = _("All towns")


class YearForm(PortalFormMixin, forms.Form):
    year = forms.IntegerField(label=_("year"), required=False, min_value=2000, max_value=2100)

    def year_or(self, default: int) -> int:
        return (self.cleaned_data.get("year") if self.is_valid() else None) or default


def default_year() -> int:
    return timezone.localdate().year
