"""Forms of the household archive. Values are checked by households.validation; rules that span rows or
the area scope are checked by households.services, whose errors the views put back on these forms."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms import BaseModelFormSet, modelformset_factory
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.sensitivity import hidden_values, restricted_fields
from core.forms import PlausibleDateField, PortalFormMixin, form_errors_apply, plain_messages
from households import validation
from households.extensions import list_columns
from households.models import Household, Member
from households.selectors import (
    AGE_BANDS,
    HouseholdFilters,
    sort_keys,
    town_choices_for_user,
    village_choices_for_user,
)
from households.services import HOUSEHOLD_EDITABLE, MEMBER_EDITABLE, MemberChange
from regions.models import Region

if TYPE_CHECKING:
    from accounts.models import User
    from households.extensions import ListColumn


class RosterDateField(PlausibleDateField):
    """A date in any format of docs/ROSTER.md §Values (the date picker sends 1965-03-02); from 1900, not in the
    future (core.forms)."""

    def to_python(self, value: Any):
        if value in self.empty_values:
            return None
        return validation.date_parse(value, today=timezone.localdate())


def _attrs_html(attrs: dict[str, Any]) -> str:
    """HTML attributes as Django's widgets/attrs.html writes them (True: the bare name; False: left out)."""
    return format_html_join(
        "",
        " {}{}",
        (
            (name, "" if value is True else format_html('="{}"', value))
            for name, value in attrs.items()
            if value is not False
        ),
    )


class PlainSelect(forms.Select):
    """The same HTML as Django's Select, written in Python: Django renders every option through two
    templates, a noticeable share of a list page for the filter form's many options."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> str:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html('<select name="{}"{}>', widget["name"], _attrs_html(widget["attrs"]))]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('\n  <optgroup label="{}">', group_name))
            for option in options:
                parts.append(
                    format_html(
                        '\n  <option value="{}"{}>{}</option>\n',
                        option["value"],
                        _attrs_html(option["attrs"]),
                        option["label"],
                    )
                )
            if group_name:
                parts.append(mark_safe("\n  </optgroup>"))
        parts.append(mark_safe("\n</select>"))
        return mark_safe("".join(parts))


class VillageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Region) -> str:
        return f"{obj.parent.name} · {obj.name}" if obj.parent_id else obj.name


class HouseholdFilterForm(PortalFormMixin, forms.Form):
    """The categorised query (分类查询): GET parameters, none of them personal."""

    town = forms.ModelChoiceField(
        label=_("Town/street"),
        queryset=Region.objects.none(),
        required=False,
        widget=PlainSelect,
        empty_label=_("All towns and streets"),
    )
    village = VillageChoiceField(
        label=_("Village/community"),
        queryset=Region.objects.none(),
        required=False,
        widget=PlainSelect,
        empty_label=_("All villages and communities"),
    )
    family_type = forms.ChoiceField(
        label=_("Family type"),
        choices=[("", _("All")), *Household.FamilyType.choices],
        required=False,
        widget=PlainSelect,
    )
    age_band = forms.ChoiceField(
        label=_("Age of a member"),
        choices=[
            ("", _("Any age")),
            ("under_60", _("Under 60")),
            ("60_69", _("60–69")),
            ("70_79", _("70–79")),
            ("80_plus", _("80 and over")),
        ],
        required=False,
        widget=PlainSelect,
    )
    with_deceased = forms.BooleanField(label=_("Count deceased members in the age filter"), required=False)
    self_care = forms.ChoiceField(
        label=_("Self-care of a member"),
        choices=[("", _("Any")), *Member.SelfCare.choices],
        required=False,
        widget=PlainSelect,
    )
    alive = forms.ChoiceField(
        label=_("A member who is"),
        choices=[("", _("Alive or deceased")), ("alive", _("Alive")), ("deceased", _("Deceased"))],
        required=False,
        widget=PlainSelect,
    )
    living_alone = forms.BooleanField(label=_("Lives alone"), required=False)
    poverty = forms.ChoiceField(
        label=_("Poverty"),
        choices=[
            ("", _("Any")),
            ("registered", _("Registered poverty household")),
            ("allowance", _("Subsistence allowance")),
            ("either", _("Either")),
        ],
        required=False,
        widget=PlainSelect,
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Active and closed")), *Household.Status.choices],
        required=False,
        widget=PlainSelect,
    )
    difficulty = forms.ChoiceField(
        label=_("Difficulty"),
        choices=[("", _("Any")), *Household.Difficulty.choices],
        required=False,
        widget=PlainSelect,
    )
    # The choices: every sort of the list (selectors.sort_keys), the extensions' columns included (__init__).
    sort = forms.ChoiceField(label=_("Sort by"), choices=[], required=False, widget=PlainSelect)

    FILTER_KEYS = (
        "town",
        "village",
        "family_type",
        "age_band",
        "with_deceased",
        "self_care",
        "alive",
        "living_alone",
        "poverty",
        "status",
        "difficulty",
        "sort",
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["town"].queryset = town_choices_for_user(user=user)
        self.fields["village"].queryset = village_choices_for_user(user=user)
        # A filter by a difficulty the user may not see would tell which households have it.
        hidden = hidden_values(user, Household, "difficulties")
        self.fields["difficulty"].choices = [c for c in self.fields["difficulty"].choices if c[0] not in hidden]
        assert set(AGE_BANDS) == {v for v, _label in self.fields["age_band"].choices if v}
        self.columns = tuple(list_columns(user=user))
        self.fields["sort"].choices = sort_choices(self.columns)

    def to_filters(self, *, search: str = "") -> HouseholdFilters:
        data = self.cleaned_data if self.is_valid() else {}
        values = {key: data.get(key) for key in self.FILTER_KEYS if data.get(key) not in (None, "")}
        values["living_alone"] = bool(values.get("living_alone"))
        values["with_deceased"] = bool(values.get("with_deceased"))
        return HouseholdFilters(search=search, columns=self.columns, **values)

    def params(self) -> dict[str, str]:
        """The valid, non-empty filter values as GET parameters (for saved filters and links)."""
        if not self.is_valid():
            return {}
        return {
            key: str(self.data[key]) for key in self.FILTER_KEYS if self.cleaned_data.get(key) and self.data.get(key)
        }


# The list's own sortable columns (selectors.SORT_COLUMNS) by name; three orders keep the names they had.
SORT_LABELS = {
    "number": _("Household number"),
    "registered": _("Date registered"),
    "village": _("Village"),
    "family_type": _("Family type"),
    "living_situation": _("Living situation"),
    "status": _("Status"),
}
SORT_NAMES = {"number": _("Household number"), "-registered": _("Newest first"), "village": _("Village")}


def _ordered(label: Any, descending: bool) -> str:
    pattern = gettext("%(column)s (descending)") if descending else gettext("%(column)s (ascending)")
    return pattern % {"column": label}


# Translated when shown (a form's choices outlive the language of the request that built them).
_ordered_lazy = lazy(_ordered, str)


def sort_choices(columns: tuple[ListColumn, ...] = ()) -> list[tuple[str, Any]]:
    """Every sort of the list as a choice: "Family type (ascending)", "Last contact (descending)" …"""
    labels: dict[str, Any] = {**SORT_LABELS, **{column.key: column.label for column in columns}}
    return [
        (key, SORT_NAMES.get(key) or _ordered_lazy(labels[key.removeprefix("-")], key.startswith("-")))
        for key in sort_keys(columns)
    ]


class SearchForm(PortalFormMixin, forms.Form):
    q = forms.CharField(label=_("Name, ID number, phone or certificate number"), max_length=50, required=False)


class SavedFilterForm(PortalFormMixin, forms.Form):
    name = forms.CharField(label=_("Name of this filter"), max_length=60)


class ExportForm(PortalFormMixin, forms.Form):
    full_values = forms.BooleanField(label=_("Full ID numbers and phones (recorded)"), required=False)


class HouseholdForm(PortalFormMixin, forms.ModelForm):
    village = VillageChoiceField(label=_("Village/community"), queryset=Region.objects.none())
    difficulties = forms.MultipleChoiceField(
        label=_("Main difficulties"),
        choices=Household.Difficulty.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    registered_on = RosterDateField(label=_("Date registered"))
    child_birth_date = RosterDateField(label=_("Child's birth date"), required=False)
    child_event_date = RosterDateField(label=_("Date of death or disability"), required=False)
    child_recovered_on = RosterDateField(
        label=_("Date the child recovered"),
        required=False,
        help_text=_("A disability family only: the disability branch of special assistance ends."),
    )
    other_child_on = RosterDateField(
        label=_("Date another child was born or adopted"),
        required=False,
        help_text=_("Special assistance stops from the next month."),
    )

    class Meta:
        model = Household
        fields = [
            "number",
            "village",
            "family_type",
            "certificate_number",
            "address",
            "registered_on",
            "living_situation",
            "poverty_registered",
            "subsistence_allowance",
            "difficulties",
            "difficulties_note",
            "visit_preferences",
            "do_not_disturb",
            "child_name",
            "child_sex",
            "child_birth_date",
            "child_event_date",
            "child_disability_grade",
            "residence",
            "child_recovered_on",
            "other_child_on",
        ]
        widgets = {
            "difficulties_note": forms.Textarea(attrs={"rows": 3}),
            "visit_preferences": forms.Textarea(attrs={"rows": 2}),
            "do_not_disturb": forms.Textarea(attrs={"rows": 2}),
        }

    # Groups of fields as the form shows them.
    GROUPS = (
        (
            _("Basic information"),
            ("number", "village", "family_type", "certificate_number", "address", "residence", "registered_on"),
        ),
        (
            _("Living situation and needs"),
            (
                "living_situation",
                "poverty_registered",
                "subsistence_allowance",
                "difficulties",
                "difficulties_note",
                "visit_preferences",
                "do_not_disturb",
            ),
        ),
        (
            _("The only child"),
            (
                "child_name",
                "child_sex",
                "child_birth_date",
                "child_event_date",
                "child_disability_grade",
                "child_recovered_on",
                "other_child_on",
            ),
        ),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        assert set(self.Meta.fields) == HOUSEHOLD_EDITABLE
        self._sensitive_fields_remove(user)
        self.fields["village"].queryset = village_choices_for_user(user=user)
        self.fields["number"].required = False
        self.fields["number"].help_text = _("Leave empty to get the county's next number.")
        if not self.instance.pk:
            self.initial.setdefault("registered_on", timezone.localdate())

    def _sensitive_fields_remove(self, user: User) -> None:
        """A stored value the user may not see is not in the form (accounts.sensitivity): not shown, and kept as
        it is. A new household's form has them all: whoever registers a family may write what they were told."""
        self.hidden_difficulties: frozenset[str] = frozenset()
        if not self.instance.pk:
            return
        for name in restricted_fields(user, Household) & set(self.fields):
            del self.fields[name]
        self.hidden_difficulties = hidden_values(user, Household, "difficulties")
        if self.hidden_difficulties:
            field = self.fields["difficulties"]
            field.choices = [c for c in field.choices if c[0] not in self.hidden_difficulties]
            if self.instance.difficulties:
                self.initial["difficulties"] = [
                    v for v in self.instance.difficulties if v not in self.hidden_difficulties
                ]

    def _post_clean(self) -> None:
        # The model is validated once, by the service (households.services), not here as well.
        pass

    def clean_child_name(self) -> str:
        return validation.person_name_clean(self.cleaned_data["child_name"])

    def groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(title, [self[name] for name in names if name in self.fields]) for title, names in self.GROUPS]

    def service_data(self) -> dict[str, Any]:
        data = {name: self.cleaned_data.get(name) for name in self.Meta.fields if name in self.fields}
        # The difficulties the user may not see stay as they are.
        kept = [v for v in self.instance.difficulties or [] if v in self.hidden_difficulties]
        if kept:
            data["difficulties"] = [*(data.get("difficulties") or []), *kept]
        return data


class MemberForm(PortalFormMixin, forms.ModelForm):
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=40,
        required=False,
        help_text=_("18 characters. Sex and birth date are taken from it."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text", "spellcheck": "false"}),
    )
    phone = forms.CharField(
        label=_("Phone"), max_length=30, required=False, widget=forms.TextInput(attrs={"type": "tel"})
    )
    birth_date = RosterDateField(label=_("Birth date"), required=False, help_text=_("Only without an ID number."))
    death_date = RosterDateField(label=_("Date of death"), required=False)

    class Meta:
        model = Member
        fields = [
            "name",
            "id_number",
            "role",
            "phone",
            "sex",
            "birth_date",
            "alive",
            "death_date",
            "self_care",
            "chronic_diseases",
            "major_diseases",
            "disability",
            "health_notes",
        ]
        widgets = {"health_notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, user: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        assert set(self.Meta.fields) == MEMBER_EDITABLE
        self.fields["sex"].help_text = _("Only without an ID number.")
        # A stored value the user may not see (a member's health) is not in the form, and is kept as it is; a new
        # member's form has them (writing what one was told is not reading the file).
        if self.instance.pk:
            for name in restricted_fields(user, Member) & set(self.fields):
                del self.fields[name]

    def clean_name(self) -> str:
        return validation.person_name_clean(self.cleaned_data["name"])

    def clean_id_number(self) -> str:
        value = self.cleaned_data["id_number"]
        if not validation.clean_text(value):
            return ""
        return validation.id_number_parse(value, today=timezone.localdate()).number

    def clean_phone(self) -> str:
        return validation.phone_normalize(self.cleaned_data["phone"])

    def _post_clean(self) -> None:
        pass  # validated once, by the service

    def service_data(self) -> dict[str, Any]:
        data = {name: self.cleaned_data.get(name) for name in self.Meta.fields if name in self.fields}
        if data["id_number"]:
            # With an ID number, sex and birth date come from it; a value the user changed is compared.
            for name in ("sex", "birth_date"):
                if name not in self.changed_data:
                    data[name] = "" if name == "sex" else None
        else:
            data["id_number"] = None
        return data


class BaseMemberFormSet(BaseModelFormSet):
    def validate_unique(self) -> None:
        pass  # duplicates are found by the service, which can name the other household when allowed

    def changes(self) -> list[MemberChange]:
        result = []
        for index, form in enumerate(self.forms):
            if form.instance.pk is None and not form.has_changed():
                continue
            result.append(
                MemberChange(
                    index=index,
                    pk=form.instance.pk,
                    data=form.service_data(),
                    delete=bool(self.can_delete and form.cleaned_data.get("DELETE")),
                )
            )
        return result


MemberFormSet = modelformset_factory(
    Member, form=MemberForm, formset=BaseMemberFormSet, extra=1, can_delete=True, max_num=20, validate_max=True
)


def member_formset(*, data: Any = None, household: Household | None, user: User | None = None) -> BaseMemberFormSet:
    """The members' forms; without the fields ``user`` may not see (no user: none of the sensitive ones)."""
    queryset = household.members.order_by("id") if household is not None and household.pk else Member.objects.none()
    formset = MemberFormSet(data, queryset=queryset, prefix="members", form_kwargs={"user": user})
    if household is None or not household.pk:
        formset.extra = 2
    return formset


def apply_service_errors(exc: ValidationError, *, form: forms.Form, formset: BaseMemberFormSet | None = None) -> None:
    """Put a service's ValidationError on the form, or on the member row it names (``members.<i>.<field>``)."""
    if not hasattr(exc, "error_dict"):
        form_errors_apply(form, exc)
        return
    for key, errors in exc.error_dict.items():
        messages = plain_messages([m for e in errors for m in e.messages])
        if key.startswith("members.") and formset is not None:
            _prefix, index, field = key.split(".", 2)
            member_form = formset.forms[int(index)]
            member_form.add_error(field if field in member_form.fields else None, messages)
        else:
            form.add_error(key if key in form.fields else None, messages)


class CloseForm(PortalFormMixin, forms.Form):
    # No reason chosen in advance: the user must choose one (issue 13 B8).
    reason = forms.ChoiceField(label=_("Reason"), choices=[("", _("Choose a reason")), *Household.CloseReason.choices])
    closed_on = RosterDateField(label=_("Date closed"))
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("closed_on", timezone.localdate())


class ReopenForm(PortalFormMixin, forms.Form):
    note = forms.CharField(label=_("Why is the household reopened?"), widget=forms.Textarea(attrs={"rows": 3}))
