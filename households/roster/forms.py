from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import PortalFormMixin


class RosterUploadForm(PortalFormMixin, forms.Form):
    file = forms.FileField(
        label=_("Roster workbook (.xlsx)"),
        help_text=_("The whole file is checked before anything is written; you confirm the import afterwards."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )
