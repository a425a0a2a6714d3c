"""The bank-account form of a parent (the full account number and payee ID number are never sent to it)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from benefits.models import BenefitProfile
from benefits.profiles.services import ACCOUNT_FIELDS, FACT_FIELDS
from core.forms import PlausibleDateField, PortalFormMixin
from households.models import Household


class BenefitProfileForm(PortalFormMixin, forms.Form):
    payee_name = forms.CharField(label=capfirst(_("payee")), max_length=50, required=False)
    payee_id_number = forms.CharField(
        label=capfirst(_("payee's ID number")),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    payee_relationship = forms.CharField(
        label=capfirst(_("payee's relationship")), max_length=20, required=False, help_text=_("Self, spouse, child …")
    )
    account_number = forms.CharField(
        label=capfirst(_("account number")),
        max_length=60,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric", "spellcheck": "false"}),
        help_text=_("12 to 32 digits (the 一卡通 card or passbook)."),
    )
    bank_name = forms.CharField(label=capfirst(_("bank")), max_length=60, required=False)
    remove_account = forms.BooleanField(label=_("Remove the bank account"), required=False)
    reward_qualified = forms.BooleanField(
        label=capfirst(_("qualifies for reward assistance (奖扶)")),
        required=False,
        help_text=_("A rural parent who kept to the family-planning policy; paid from the reward age."),
    )
    complication_grade = forms.ChoiceField(
        label=capfirst(_("surgery complication grade")),
        choices=[("", "—"), *Household.DisabilityGrade.choices[:3]],
        required=False,
    )
    complication_since = PlausibleDateField(label=capfirst(_("surgery complication since")), required=False)

    def __init__(self, *args: Any, profile: BenefitProfile, masked: dict[str, str], facts: bool, **kwargs: Any):
        initial = {name: getattr(profile, name) for name in ("payee_name", "payee_relationship", "bank_name")}
        if facts:
            initial.update({name: getattr(profile, name) for name in FACT_FIELDS})
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        for name in ("account_number", "payee_id_number"):
            if masked.get(name):
                self.fields[name].widget.attrs["placeholder"] = masked[name]
                self.fields[name].help_text = _("Stored: %(masked)s. Leave empty to keep it.") % {
                    "masked": masked[name]
                }
        if not profile.account_number:  # nothing to remove
            del self.fields["remove_account"]
        if not facts:
            for name in FACT_FIELDS:
                del self.fields[name]

    def service_data(self) -> dict[str, Any]:
        names = [*ACCOUNT_FIELDS, "remove_account", *(n for n in FACT_FIELDS if n in self.fields)]
        return {name: self.cleaned_data.get(name) for name in names}
