"""Forms of transfers: the receiving county's request, the sending county's answer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import PortalFormMixin
from households.forms import VillageChoiceField
from households.transfers.selectors import transfer_villages_for_user
from regions.models import Region

if TYPE_CHECKING:
    from accounts.models import User


class TransferRequestForm(PortalFormMixin, forms.Form):
    id_number = forms.CharField(
        label=_("ID number of a family member"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=_("The family's file stays with the other county until it accepts."),
    )
    to_village = VillageChoiceField(
        label=_("Village/community the family lives in now"), queryset=Region.objects.none()
    )
    note = forms.CharField(
        label=_("Note to the other county"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_village"].queryset = transfer_villages_for_user(user=user)


class TransferAnswerForm(PortalFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when refusing; the other county reads it."),
    )
