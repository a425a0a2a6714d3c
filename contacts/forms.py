"""Forms of the contacts pages. Every choice of a region, a person or a login is limited to the user's area."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from contacts.models import ContactScheme, ServicePerson
from core.forms import PlausibleDateField, PortalFormMixin
from regions.models import Region

Slot = ServicePerson.RoleType


def _date_field(label: str, *, required: bool = True, today_default: bool = True) -> forms.DateField:
    # A term may start or end on a later day: from 1900, up to 2100 (core.forms).
    return PlausibleDateField(
        label=label,
        required=required,
        allow_future=True,
        initial=timezone.localdate if today_default else None,
    )


class _PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: ServicePerson) -> str:
        return f"{obj.name} · {obj.get_role_type_display()} · {obj.region.name}"


class _AreaChoice(forms.ModelChoiceField):
    """A town, or a village after its town ("东关街道 › 东关社区"): two villages of one name stay apart."""

    def label_from_instance(self, obj: Region) -> str:
        if obj.level == Region.Level.VILLAGE and obj.parent is not None:
            return f"{obj.parent.name} › {obj.name}"
        return obj.name


class ServicePersonForm(PortalFormMixin, forms.ModelForm):
    class Meta:
        model = ServicePerson
        fields = ["name", "phone", "role_type", "unit", "region", "user", "active", "note"]

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.visible_to(actor)
        self.fields["user"].queryset = User.objects.visible_to(actor).filter(is_active=True)
        self.fields["user"].required = False


class PersonFilterForm(PortalFormMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=50)
    role_type = forms.ChoiceField(label=_("Role"), required=False, choices=[("", _("All roles")), *Slot.choices])
    region = _AreaChoice(label=_("Area"), required=False, queryset=Region.objects.none(), empty_label=_("All areas"))
    serving = forms.BooleanField(label=_("Also from the town and county"), required=False)
    active = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), ("1", _("Active")), ("0", _("Inactive"))],
    )

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = (
            Region.objects.visible_to(actor)
            .exclude(level=Region.Level.COUNTY)
            .select_related("parent")
            .order_by("path")
        )


class AssignmentSetForm(PortalFormMixin, forms.Form):
    """One per slot on the household page (prefixed by the slot); the slot itself is posted unprefixed."""

    person = _PersonChoice(label=_("Person"), queryset=ServicePerson.objects.none())
    start_date = _date_field(_("From"))
    note = forms.CharField(label=_("Note"), required=False, max_length=200)

    def __init__(self, *args: Any, persons: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = persons


class AssignmentEndForm(PortalFormMixin, forms.Form):
    end_date = _date_field(_("Ended on"))
    note = forms.CharField(label=_("Reason"), required=False, max_length=200)


class SubstituteForm(PortalFormMixin, forms.Form):
    person = _PersonChoice(label=_("Substitute"), queryset=ServicePerson.objects.none())
    start_date = _date_field(_("From"))
    end_date = _date_field(_("Until (first day back)"), required=False, today_default=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=200)

    def __init__(self, *args: Any, persons: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = persons


class VillageAssignForm(PortalFormMixin, forms.Form):
    village = forms.ModelChoiceField(label=_("Village/community"), queryset=Region.objects.none())
    slot = forms.ChoiceField(label=_("Slot"), choices=Slot.choices)
    person = _PersonChoice(label=_("Person"), queryset=ServicePerson.objects.none())
    start = _date_field(_("From"))

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = Region.objects.visible_to(actor).villages()
        self.fields["person"].queryset = (
            ServicePerson.objects.visible_to(actor).active().select_related("region").order_by("role_type", "name")
        )


class HandoverForm(PortalFormMixin, forms.Form):
    from_person = _PersonChoice(label=_("Leaving person"), queryset=ServicePerson.objects.none())
    to_person = _PersonChoice(label=_("Successor"), queryset=ServicePerson.objects.none())
    on = _date_field(_("Handover date"))
    deactivate = forms.BooleanField(label=_("Mark the leaving person inactive"), required=False, initial=True)

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = ServicePerson.objects.visible_to(actor).select_related("region").order_by("role_type", "name")
        self.fields["from_person"].queryset = people
        self.fields["to_person"].queryset = people.filter(active=True)


class ContactSchemeForm(PortalFormMixin, forms.ModelForm):
    class Meta:
        model = ContactScheme
        fields = ["kind", "volunteers_required"]
        widgets = {"kind": forms.RadioSelect}


class RegionFilterForm(PortalFormMixin, forms.Form):
    region = forms.ModelChoiceField(
        label=_("Area"), required=False, queryset=Region.objects.none(), empty_label=_("All areas")
    )

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.visible_to(actor).exclude(level=Region.Level.COUNTY)


class PersonImportForm(PortalFormMixin, forms.Form):
    file = forms.FileField(label=_("File (xlsx or csv)"))


class VillageAssignConfirmForm(VillageAssignForm):
    """The preview's confirmation: the same choices, hidden, and the token of the plan that was shown."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=128)

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, actor=actor, **kwargs)
        for name in ("village", "slot", "person", "start"):
            self.fields[name].widget = forms.HiddenInput()


class HouseholdAssignForm(PortalFormMixin, forms.Form):
    """All the posts the county's scheme requires of one household, on one form.

    One choice per post, of the active people serving the household's area in that post; a post with a holder
    keeps them unless another person is chosen; a vacant post may stay vacant. 1+1+N's volunteers are ticked:
    an unticked current volunteer ends on the start date. Errors come back next to their post.
    """

    start_date = _date_field(_("From"))
    note = forms.CharField(label=_("Note"), required=False, max_length=200)

    def __init__(
        self,
        *args: Any,
        slots: dict[str, int],
        persons: Any,
        current: dict[str, list[ServicePerson]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.slot_names: list[str] = []
        by_slot: dict[str, list[int]] = {}
        for person in persons:
            by_slot.setdefault(person.role_type, []).append(person.pk)
        base = ServicePerson.objects.select_related("region").order_by("name", "id")
        fields: dict[str, forms.Field] = {}
        for slot in slots:
            holders = current.get(slot, [])
            # The valid people for the post, and its current holders (kept even when no longer active).
            queryset = base.filter(pk__in=[*by_slot.get(slot, []), *(p.pk for p in holders)])
            label = Slot(slot).label
            if slot == Slot.VOLUNTEER:
                fields[slot] = _PersonMultipleChoice(
                    label=label,
                    queryset=queryset,
                    required=False,
                    widget=forms.CheckboxSelectMultiple,
                    initial=[p.pk for p in holders],
                    help_text=_("Ticked volunteers serve from the start date; an unticked current one ends then."),
                )
            else:
                fields[slot] = _PostPersonChoice(
                    label=label,
                    queryset=queryset,
                    required=bool(holders),
                    initial=holders[0].pk if holders else None,
                    empty_label=None if holders else _("(leave vacant)"),
                    help_text=(_("Now: %(name)s") % {"name": holders[0].name}) if holders else _("Vacant now."),
                )
            self.slot_names.append(slot)
        # The posts first, in the scheme's order; then the date and the note.
        self.fields = {**fields, **self.fields}

    def slot_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.slot_names]

    def other_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name not in self.slot_names]


class _PostPersonChoice(forms.ModelChoiceField):
    """A person for one post: the post is the field's label, so the choice reads name · area."""

    def label_from_instance(self, obj: ServicePerson) -> str:
        return f"{obj.name} · {obj.region.name}"


class _PersonMultipleChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: ServicePerson) -> str:
        return f"{obj.name} · {obj.region.name}"
