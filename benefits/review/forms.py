"""Forms of the annual review (core.forms.PortalFormMixin first)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from benefits.models import ReviewCase, ReviewProof, Scheme
from benefits.review.services import PROOF_MAX_BYTES, REVIEW_SCHEMES
from core.forms import PlausibleDateField, PortalFormMixin
from core.scans import scan_help_text
from households.models import Member

SCHEME_CHOICES = [(value, label) for value, label in Scheme.choices if value in REVIEW_SCHEMES]
PROOF_ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


class CycleOpenForm(PortalFormMixin, forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    # A review opened late (after the settings' dates) gets its own dates; empty: the county's settings.
    village_by = PlausibleDateField(label=_("Village review by"), allow_future=True, required=False)
    town_by = PlausibleDateField(label=_("Town review by"), allow_future=True, required=False)
    county_by = PlausibleDateField(label=_("County approval by"), allow_future=True, required=False)

    def deadlines(self) -> dict[str, Any]:
        """The dates given, by name (the service fills the others from the settings)."""
        return {
            name: self.cleaned_data[name]
            for name in ("village_by", "town_by", "county_by")
            if self.cleaned_data.get(name)
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year


class NoticeDateForm(PortalFormMixin, forms.Form):
    notice_from = PlausibleDateField(label=_("Public notice from"), allow_future=True)


class HouseholdNumberForm(PortalFormMixin, forms.Form):
    number = forms.CharField(label=_("Household number"), max_length=30)


def _parent_choices(members: list[Member]) -> list[tuple[str, str]]:
    return [(str(m.pk), f"{m.name} · {m.get_role_display()}") for m in members]


class _PersonForm(PortalFormMixin, forms.Form):
    member = forms.TypedChoiceField(label=_("Person"), coerce=int)
    scheme = forms.ChoiceField(label=pgettext_lazy("benefits", "Scheme"), choices=SCHEME_CHOICES)

    def __init__(self, *args: Any, parents: list[Member], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.parents = {m.pk: m for m in parents}
        self.fields["member"].choices = _parent_choices(parents)

    def clean_member(self) -> Member:
        return self.parents[self.cleaned_data["member"]]


def _proof_field(label: Any) -> forms.FileField:
    return forms.FileField(
        label=label,
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": PROOF_ACCEPT}),
        help_text=scan_help_text(PROOF_MAX_BYTES),
    )


class ApplicationForm(_PersonForm):
    """A new application with its scans: the application form (申报表) and the certificate."""

    application = _proof_field(ReviewProof.Kind.APPLICATION.label)
    death = _proof_field(ReviewProof.Kind.DEATH_CERTIFICATE.label)
    disability = _proof_field(ReviewProof.Kind.DISABILITY_CERTIFICATE.label)

    def proofs(self) -> list[tuple[str, Any]]:
        return [
            (kind, self.cleaned_data[kind])
            for kind in ("application", "death", "disability")
            if self.cleaned_data.get(kind)
        ]


class LeaverForm(_PersonForm):
    reason = forms.ChoiceField(label=_("Reason for leaving"), choices=ReviewCase.LeaveReason.choices)
    opinion = forms.CharField(label=_("Note"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class DecisionForm(PortalFormMixin, forms.Form):
    CONFIRM, RETURN, REFUSE = "confirm", "return", "refuse"
    action = forms.ChoiceField(
        label=_("Decision"),
        choices=[(CONFIRM, _("Confirm")), (RETURN, _("Send back")), (REFUSE, pgettext_lazy("review", "Refuse"))],
        widget=forms.RadioSelect,
    )
    opinion = forms.CharField(
        label=_("Opinion"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required to send back or refuse: the reason."),
    )
    visited_on = PlausibleDateField(label=_("Checked on a home visit on"), required=False)


class ProofForm(PortalFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind of proof"), choices=ReviewProof.Kind.choices)
    file = forms.FileField(label=_("Scan"), widget=forms.ClearableFileInput(attrs={"accept": PROOF_ACCEPT}))


class BulkConfirmForm(PortalFormMixin, forms.Form):
    cases = forms.TypedMultipleChoiceField(label=_("Cases"), coerce=int, widget=forms.MultipleHiddenInput)
    opinion = forms.CharField(label=_("Opinion"), max_length=500, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The ids are checked by the service (only the user's area and stage are touched); any integer is accepted.
        data = args[0] if args else kwargs.get("data")
        ids = data.getlist("cases") if data is not None and hasattr(data, "getlist") else []
        self.fields["cases"].choices = [(i, i) for i in ids]
        self.fields["cases"].error_messages["required"] = _("Select at least one case.")
