from django import forms
from django.utils.translation import gettext_lazy as _

from audit.models import AccessEvent
from core.forms import PortalFormMixin


class AuditFilterForm(PortalFormMixin, forms.Form):
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("All actions")), *AccessEvent.Action.choices]
    )
    username = forms.CharField(label=_("Username"), required=False, max_length=150)
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
