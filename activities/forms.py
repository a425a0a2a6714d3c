from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from activities.models import Activity, Centre, Team, Volunteer
from core.forms import PlausibleDateField, PortalFormMixin
from regions.models import Region


class ActivityForm(PortalFormMixin, forms.Form):
    organiser = forms.ModelChoiceField(label=_("Organiser"), queryset=Region.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=Activity.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=120)
    starts_on = PlausibleDateField(label=_("Starts on"), allow_future=True)
    ends_on = PlausibleDateField(label=_("Ends on"), allow_future=True, required=False, help_text=_("Empty: one day."))
    centre = forms.ModelChoiceField(label=_("Warm-home centre"), queryset=Centre.objects.none(), required=False)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    money_spent = forms.DecimalField(
        label=_("Money spent (yuan)"), min_value=0, max_digits=12, decimal_places=2, initial=0
    )
    funding_source = forms.ChoiceField(
        label=_("Source of the money"), choices=[("", "—"), *Activity.FundingSource.choices], required=False
    )
    account = forms.CharField(label=_("Account"), widget=forms.Textarea(attrs={"rows": 4}), required=False)

    def __init__(self, *args: Any, organisers: Any, centres: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organiser"].queryset = organisers
        self.fields["centre"].queryset = centres
        if editing:
            self.fields["organiser"].disabled = True


class PhotoForm(PortalFormMixin, forms.Form):
    image = forms.FileField(label=_("Photo"), help_text=_("A JPEG or PNG photo, at most 8 MB."))
    caption = forms.CharField(label=_("Caption"), max_length=100, required=False)


class ServiceForm(PortalFormMixin, forms.Form):
    served_on = PlausibleDateField(label=_("Served on"))
    hours = forms.DecimalField(label=_("Hours"), max_digits=4, decimal_places=1)
    description = forms.CharField(label=_("What was done"), max_length=200, required=False)

    def __init__(self, *args: Any, volunteers: Any = None, households: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if volunteers is not None:
            self.fields["volunteer"] = forms.ModelChoiceField(label=_("Volunteer"), queryset=volunteers)
            self.order_fields(["volunteer"])
        if households is not None:
            self.fields["household"] = forms.ModelChoiceField(
                label=_("Household"), queryset=households, required=False, help_text=_("Empty: not for one family.")
            )


class CentreForm(PortalFormMixin, forms.Form):
    town = forms.ModelChoiceField(label=_("Town/street"), queryset=Region.objects.none())
    name = forms.CharField(label=_("Name"), max_length=100)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    manager_name = forms.CharField(label=_("Person in charge"), max_length=50, required=False)
    opened_on = PlausibleDateField(label=_("Opened on"), required=False)
    area_m2 = forms.IntegerField(label=_("Floor area (m²)"), min_value=0, required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, towns: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["town"].queryset = towns


class VolunteerForm(PortalFormMixin, forms.Form):
    region = forms.ModelChoiceField(label=_("Area"), queryset=Region.objects.none())
    name = forms.CharField(label=_("Name"), max_length=50)
    phone = forms.CharField(label=_("Phone"), max_length=24, required=False)
    skills = forms.MultipleChoiceField(
        label=_("Skills"), choices=Volunteer.Skill.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    teams = forms.ModelMultipleChoiceField(
        label=_("Teams"), queryset=Team.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    joined_on = PlausibleDateField(label=_("Joined on"), required=False)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, regions: Any, teams: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions
        self.fields["teams"].queryset = teams


class TeamForm(PortalFormMixin, forms.Form):
    region = forms.ModelChoiceField(label=_("County or town"), queryset=Region.objects.none())
    name = forms.CharField(label=_("Name"), max_length=100)
    leader_name = forms.CharField(label=_("Team leader"), max_length=50, required=False)
    founded_on = PlausibleDateField(label=_("Founded on"), required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, regions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions


class PairingForm(PortalFormMixin, forms.Form):
    household = forms.CharField(label=_("Household number"), max_length=30)
    started_on = PlausibleDateField(label=_("Paired since"), allow_future=True)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class PairingEndForm(PortalFormMixin, forms.Form):
    ended_on = PlausibleDateField(label=_("Ended on"))


class CommendationForm(PortalFormMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    awarded_on = PlausibleDateField(label=_("Awarded on"))
    awarded_by = forms.CharField(label=_("Awarded by"), max_length=100, required=False)
    stars = forms.IntegerField(label=_("Stars"), min_value=1, max_value=5, required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
