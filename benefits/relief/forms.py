"""Forms of relief and gifts."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from benefits.models import Relief
from benefits.relief.services import RELIEF_FIELDS
from core.forms import PlausibleDateField, PortalFormMixin
from households.models import Household, Member
from regions.models import Region


class ReliefForm(PortalFormMixin, forms.ModelForm):
    given_on = PlausibleDateField(label=_("date"))

    class Meta:
        model = Relief
        fields = list(RELIEF_FIELDS)
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, household: Household, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        member = self.fields["member"]
        member.queryset = Member.objects.filter(household=household).order_by("id")
        member.label_from_instance = lambda m: m.name
        member.required = False
        member.empty_label = _("The whole household")
        self.fields["amount"].help_text = _("Required for money; optional for goods, cards and services.")
        self.fields["approved_by"].help_text = _("Who approved it (a name or an office).")
        if not self.instance.pk:
            self.initial.setdefault("given_on", timezone.localdate())

    def _post_clean(self) -> None:
        pass  # validated once, by the service

    def service_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in RELIEF_FIELDS}


class ReliefDeleteForm(PortalFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reason for deleting"), max_length=200)


class ReliefFilterForm(PortalFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=[("", _("All kinds")), *Relief.Kind.choices], required=False)
    year = forms.IntegerField(label=_("year"), min_value=1990, max_value=2100, required=False)
    town = forms.ModelChoiceField(
        label=_("Town/street"), queryset=Region.objects.none(), required=False, empty_label=_("All towns")
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["town"].queryset = Region.objects.visible_to(user).filter(level=Region.Level.TOWN).order_by("code")
