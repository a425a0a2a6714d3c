"""The payouts' forms: a new batch, an opinion or a reason for a step, the return file, the reconciliation's picks."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from benefits.models import PayoutBatch, Scheme
from core.forms import PortalFormMixin
from regions.models import Region

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


class MonthField(forms.CharField):
    """A month as YYYY-MM (the browser's month picker), cleaned to its first day; 2000 to 2100."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "2025-01"})

    def to_python(self, value: Any) -> date | None:
        text = super().to_python(value).strip()
        if not text:
            return None
        match = _MONTH.match(text)
        if not match or not 1 <= int(match[2]) <= 12 or not 2000 <= int(match[1]) <= 2100:
            raise ValidationError(_("Enter a month such as 2025-01."), code="invalid")
        return date(int(match[1]), int(match[2]), 1)


class BatchCreateForm(PortalFormMixin, forms.Form):
    scheme = forms.ChoiceField(label=pgettext_lazy("benefits", "Scheme"), choices=Scheme.choices)
    first_month = MonthField(label=_("From month"))
    last_month = MonthField(label=_("To month"))
    area = forms.ModelChoiceField(
        label=_("Town or village"),
        queryset=Region.objects.none(),
        required=False,
        empty_label=_("The whole county"),
    )
    previous = forms.ModelChoiceField(
        label=_("From the previous batch"),
        queryset=PayoutBatch.objects.none(),
        required=False,
        empty_label=_("No: from the confirmed entitlements"),
        help_text=_("The same persons, their amounts computed again for the new months."),
    )

    def __init__(self, *args: Any, county: Region, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Region.objects.filter(
            path__startswith=county.path, level__in=["town", "village"]
        ).order_by("path")
        self.fields["area"].label_from_instance = lambda r: ("— " if r.level == "village" else "") + r.name
        self.fields["previous"].queryset = PayoutBatch.objects.filter(
            county=county, kind=PayoutBatch.Kind.REGULAR
        ).order_by("-period_start", "-id")
        self.fields["previous"].label_from_instance = lambda b: b.title

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        first, last = data.get("first_month"), data.get("last_month")
        if first and last and last < first:
            self.add_error("last_month", _("The last month is before the first month."))
        return data


class OpinionForm(PortalFormMixin, forms.Form):
    opinion = forms.CharField(
        label=_("Opinion"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class SendBackForm(PortalFormMixin, forms.Form):
    reason = forms.CharField(label=_("Why it is sent back"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class ReturnUploadForm(PortalFormMixin, forms.Form):
    file = forms.FileField(
        label=_("Return file (回盘)"),
        help_text=_("The roster exported here, with 支付状态 (成功 / 失败) and 失败原因 filled in by the bank."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )


class IdsForm(PortalFormMixin, forms.Form):
    """The lines or persons ticked on the reconciliation page."""

    ids = forms.TypedMultipleChoiceField(coerce=int, required=True, choices=())

    def __init__(self, *args: Any, allowed: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ids"].choices = [(i, i) for i in allowed]
        self.fields["ids"].error_messages["required"] = _("Tick at least one line.")
