"""Forms of the visits app. Validation of values; the rules that span rows live in visits.services."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import PlausibleDateField, PortalFormMixin
from visits.models import OverdueFlag, Rule, RuleSet, Visit
from visits.selectors import SupervisionFilter

# What was found and done: the free-text notes of a visit, in the order of the form.
VISIT_NOTES = ("health", "mood", "living_conditions", "needs", "help_given")


class VisitLogForm(PortalFormMixin, forms.Form):
    """The quick log form: date, method and purpose are enough; the rest folds away."""

    date = PlausibleDateField(label=_("Date"))
    method = forms.ChoiceField(label=_("How"), choices=Visit.Method.choices, widget=forms.RadioSelect)
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Visit.Purpose.choices, initial=Visit.Purpose.ROUTINE)
    visitor = forms.ModelChoiceField(
        label=_("Visitor"),
        queryset=None,
        required=False,
        empty_label=_("Me"),
        help_text=_("The contact who visited, if not you. A family doctor's rule counts only a family doctor's visit."),
    )
    health = forms.CharField(label=_("Health"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    mood = forms.CharField(label=_("Mood"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    living_conditions = forms.CharField(
        label=_("Living conditions"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    needs = forms.CharField(label=_("Needs"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    help_given = forms.CharField(label=_("Help given"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    follow_up_action = forms.CharField(label=_("Follow-up action"), required=False, max_length=200)
    follow_up_due = PlausibleDateField(label=_("Follow-up due"), required=False, allow_future=True)

    def __init__(self, *args: Any, visitors: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["visitor"].queryset = visitors
        self.fields["date"].initial = today

    def clean_date(self) -> date:
        value = self.cleaned_data["date"]
        if value > self.today:
            raise forms.ValidationError(_("The date is in the future."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        # A due date given but refused (out of range) has its own message already.
        if data.get("follow_up_action") and not data.get("follow_up_due") and "follow_up_due" not in self.errors:
            self.add_error("follow_up_due", _("Give the follow-up a due date."))
        if data.get("purpose") == Visit.Purpose.EMERGENCY and not (data.get("needs") or data.get("health")):
            self.add_error("needs", _("Describe the emergency: the village, town and county are told at once."))
        return data


class VisitEditForm(VisitLogForm):
    """Correcting a logged visit: the log form with the visit's values, without a new follow-up, with a reason."""

    reason = forms.CharField(
        label=_("Why the correction"),
        required=False,
        max_length=500,
        help_text=_("Kept in the history with the change."),
    )

    def __init__(self, *args: Any, visit: Visit, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "date": visit.date,
                "method": visit.method,
                "purpose": visit.purpose,
                "visitor": visit.visitor_id,
                **{name: getattr(visit, name) for name in VISIT_NOTES},
            },
        )
        super().__init__(*args, **kwargs)
        del self.fields["follow_up_action"]
        del self.fields["follow_up_due"]
        # Left empty, the visitor stays as logged; a visit that names a contact keeps naming one.
        visitor = self.fields["visitor"]
        visitor.help_text = ""
        if visit.visitor_id:
            visitor.empty_label = None
            visitor.required = True
        else:
            visitor.empty_label = _("As logged: %(name)s") % {"name": visit.visitor_name}


class VisitDeleteForm(PortalFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Why is the visit deleted?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: logged for the wrong household. Kept in the history."),
    )


class RuleForm(PortalFormMixin, forms.ModelForm):
    methods = forms.MultipleChoiceField(
        label=_("Methods that count"), choices=Visit.Method.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Rule
        fields = [
            "name",
            "active",
            "methods",
            "by_family_doctor",
            "grace_days",
            "window_before_days",
            "window_after_days",
            "lapse_after_days",
        ]


class RuleSetForm(PortalFormMixin, forms.ModelForm):
    class Meta:
        model = RuleSet
        fields = ["escalate_town_after_days", "escalate_county_after_days"]


class SupervisionFilterForm(PortalFormMixin, forms.Form):
    """The filters of the supervision list (GET). The choices are the user's area and county: a town or village
    outside it is not a choice, so it is refused as any invalid value is (and the list stays inside the area)."""

    AGES = (7, 14, 30, 60, 90)
    WAITS_FOR = (("family_doctor", _("Family doctor")), ("any_contact", _("Any contact")))
    SORTS = (
        ("age", _("Open longest first")),
        ("level", _("Most escalated first")),
        ("village", _("By village")),
        ("number", _("By household number")),
    )

    number = forms.CharField(label=_("Household number"), max_length=30, required=False)
    town = forms.ChoiceField(label=_("Town/street"), required=False)
    village = forms.ChoiceField(label=_("Village/community"), required=False)
    rule = forms.ChoiceField(label=_("Rule"), required=False)
    level = forms.ChoiceField(label=_("Escalated to"), required=False)
    age = forms.ChoiceField(label=_("Open for"), required=False)
    waits_for = forms.ChoiceField(label=_("Who must act"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), required=False)

    def __init__(self, data: Any = None, *, towns: list[Any], villages: list[Any], rules: list[Rule]) -> None:
        super().__init__(data)
        self.rules = rules
        several_towns = len(towns) > 1
        any_value = ("", _("Any"))
        choices: dict[str, list[tuple[str, Any]]] = {
            "town": [("", _("All towns and streets")), *((str(t.pk), t.name) for t in towns)],
            "village": [
                ("", _("All villages and communities")),
                *(
                    (str(v.pk), f"{v.parent.name} · {v.name}" if several_towns and v.parent else v.name)
                    for v in villages
                ),
            ],
            "rule": [("", _("All")), *((r.code, _(r.name)) for r in rules)],
            "level": [any_value, *((str(value), label) for value, label in OverdueFlag.Level.choices)],
            "age": [any_value, *((str(n), _("%(n)d days or more") % {"n": n}) for n in self.AGES)],
            "waits_for": [any_value, *self.WAITS_FOR],
            "sort": list(self.SORTS),
        }
        for name, values in choices.items():
            cast(forms.ChoiceField, self.fields[name]).choices = values

    def params(self) -> dict[str, str]:
        """The filters set, as the query string carries them (for the export form, the pages and the audit)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {k: v for k, v in data.items() if v and not (k == "sort" and v == "age")}

    def filters(self) -> SupervisionFilter:
        """The checked filters; an invalid value (outside the area, made up) leaves that filter off."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})

        def number(name: str) -> int | None:
            value = data.get(name) or ""
            return int(value) if str(value).isdigit() else None

        return SupervisionFilter(
            number=(data.get("number") or "").strip(),
            town=number("town"),
            village=number("village"),
            rule=data.get("rule") or "",
            level=number("level"),
            min_days=number("age"),
            waits_for=data.get("waits_for") or "",
            sort=data.get("sort") or "age",
        )
