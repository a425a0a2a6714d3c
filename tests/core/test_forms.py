"""What every form shares (core.forms, templates/includes): our length message, the error summary's links and
wording, lists of choices laid out under their label, and the filters' empty choices named."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from contacts.forms import PersonFilterForm, RegionFilterForm
from core.forms import LABEL_ERROR, MAX_LENGTH_MESSAGE, PortalFormMixin, form_errors_text
from households.forms import HouseholdFilterForm, HouseholdForm

CJK = re.compile(r"[\u4e00-\u9fff]")


class SampleForm(PortalFormMixin, forms.Form):
    name = forms.CharField(label="Name", max_length=5)
    method = forms.ChoiceField(
        label="How", choices=[("phone", "Phone"), ("home", "Home visit")], widget=forms.RadioSelect
    )
    needs = forms.MultipleChoiceField(
        label="Needs", choices=[("a", "Medical"), ("b", "Housing")], widget=forms.CheckboxSelectMultiple, required=False
    )
    alone = forms.BooleanField(label="Lives alone", required=False)
    note = forms.CharField(label="Note", max_length=5, error_messages={"max_length": "Own words."}, required=False)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_text_over_its_limit_gets_our_message_in_the_language(language):
    with translation.override(language):
        form = SampleForm({"name": "王" * 7, "method": "phone"})
        assert not form.is_valid()
        expected = gettext(str(MAX_LENGTH_MESSAGE)) % {"limit_value": 5, "show_value": 7}
        assert form.errors["name"] == [expected]
        assert "确保" not in expected
    if language == "en":
        assert expected == "At most 5 characters (this has 7)."


def test_a_fields_own_message_is_kept():
    form = SampleForm({"name": "x", "method": "phone", "note": "x" * 6})
    assert form.errors["note"] == ["Own words."]


@pytest.mark.parametrize(
    "form_class", [HouseholdForm, PersonFilterForm, RegionFilterForm, HouseholdFilterForm], ids=lambda c: c.__name__
)
def test_the_portals_forms_use_the_mixin(form_class):
    assert issubclass(form_class, PortalFormMixin)


def _page(form: forms.Form) -> str:
    return render_to_string("includes/form.html", {"form": form})


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_summary_link_reaches_its_field_and_reads_label_colon_error(language):
    with translation.override(language):
        form = SampleForm({"name": "王" * 7})
        html = _page(form)
        summary = re.search(r"data-error-summary>(.*?)</div>", html, re.S).group(1)
        links = re.findall(r'<a href="#([^"]+)">(.*?)</a>', summary)
        assert [target for target, _text in links] == ["id_name", "id_method_0"]  # a radio list: its first button
        for target, _text in links:
            assert f'id="{target}"' in html
        texts = [text for _target, text in links]
        assert texts == [
            escape(gettext("%(label)s: %(error)s") % {"label": "Name", "error": form.errors["name"][0]}),
            escape(gettext("%(label)s: %(error)s") % {"label": "How", "error": form.errors["method"][0]}),
        ]
        assert form_errors_text(form).startswith(str(LABEL_ERROR) % {"label": "Name", "error": form.errors["name"][0]})


def test_a_list_of_choices_is_a_group_under_its_label_with_the_required_mark():
    html = _page(SampleForm())
    method = re.search(r'<fieldset class="field field-choices" data-field="method">(.*?)</fieldset>', html, re.S)
    assert method, "a radio list is a fieldset"
    legend = re.search(r"<legend>(.*?)</legend>", method.group(1), re.S).group(1)
    assert legend.startswith("How")
    assert 'class="req"' in legend
    assert method.group(1).index("<legend>") < method.group(1).index('type="radio"')
    needs = re.search(r'<fieldset class="field field-choices" data-field="needs">(.*?)</fieldset>', html, re.S)
    assert needs
    assert "<legend>Needs</legend>" in needs.group(1)
    # A single checkbox stays a checkbox beside its label.
    assert re.search(r'<div class="field field-check">\s*<label for="id_alone">Lives alone</label>', html)


def test_the_login_form_says_a_wrong_password_plainly(client, personas):
    response = client.post(reverse("accounts:login"), {"username": "c_staff", "password": "wrong"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "data-error-summary" not in html
    assert "data-form-errors" in html


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_filters_name_their_empty_choice(personas, language):
    with translation.override(language):
        for form, field, label in [
            (PersonFilterForm(actor=personas.county_staff), "region", "All areas"),
            (RegionFilterForm(actor=personas.county_staff), "region", "All areas"),
            (HouseholdFilterForm(user=personas.county_staff), "town", "All towns and streets"),
            (HouseholdFilterForm(user=personas.county_staff), "village", "All villages and communities"),
        ]:
            first = next(iter(form.fields[field].choices))
            assert first == ("", gettext(label))
            assert "---" not in str(first[1])


def test_the_users_list_stacks_on_a_phone(client_for, personas):
    html = client_for(personas.county_staff).get(reverse("accounts:user_list")).content.decode()
    assert '<table class="table stack">' in html
    row = re.search(r"<tbody>\s*<tr>(.*?)</tr>", html, re.S).group(1)
    cells = re.findall(r"<td([^>]*)>", row)
    assert len(cells) == 5
    assert all("data-label=" in cell for cell in cells)


def test_english_help_and_hints_have_no_chinese(client_for, personas):
    with translation.override("en"):
        assert not CJK.search(str(HouseholdForm.base_fields["certificate_number"].help_text or ""))
    client = client_for(personas.county_staff)
    client.post(reverse("set_language"), {"language": "en"})
    html = client.get(reverse("households:transfers:list")).content.decode()
    hints = re.findall(r'<p class="hint">(.*?)</p>', html, re.S)
    assert hints
    assert not any(CJK.search(hint) for hint in hints)
