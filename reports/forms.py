"""The benefit reports' filter: the year and the scheme (GET; it changes nothing)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from benefits.models import Scheme
from core.forms import PortalFormMixin

FIRST_YEAR = 2008  # the national special-assistance standards start in 2008 (docs/BENEFITS.md)


class BenefitReportFilterForm(PortalFormMixin, forms.Form):
    year = forms.IntegerField(label=_("Year"), required=False)
    scheme = forms.ChoiceField(
        label=pgettext_lazy("benefits", "Scheme"), required=False, choices=[("", _("All schemes")), *Scheme.choices]
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        this_year = timezone.localdate().year
        self.fields["year"].widget.attrs.update({"min": FIRST_YEAR, "max": this_year + 1, "placeholder": this_year})

    def clean_year(self) -> int:
        year = self.cleaned_data.get("year")
        this_year = timezone.localdate().year
        if year is None:
            return this_year
        if not FIRST_YEAR <= year <= this_year + 1:
            raise forms.ValidationError(
                _("Choose a year from %(first)d to %(last)d.") % {"first": FIRST_YEAR, "last": this_year + 1}
            )
        return year
