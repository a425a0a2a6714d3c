from __future__ import annotations

from typing import cast

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.selectors import region_choices_for_user, role_choices_for_manager
from accounts.services import user_set_password
from core.forms import PortalFormMixin


class LoginForm(PortalFormMixin, AuthenticationForm):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class PortalPasswordChangeForm(PortalFormMixin, PasswordChangeForm):
    """Django's form, saving through accounts.services so the change date and session token move too."""

    def save(self, commit: bool = True) -> User:
        user_set_password(user=self.user, password=self.cleaned_data["new_password1"])
        if commit:
            self.user.save()
        return self.user


class UserForm(PortalFormMixin, forms.ModelForm):
    """Create or edit a user inside the manager's area; role and area choices are the manager's."""

    password = forms.CharField(
        label=_("Initial password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )

    class Meta:
        model = User
        fields = ["username", "name", "role", "region", "phone", "email"]

    def __init__(self, *args, manager: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        role = cast(forms.ChoiceField, self.fields["role"])
        region = cast(forms.ModelChoiceField, self.fields["region"])
        role.choices = [("", "---------"), *role_choices_for_manager(manager=manager)]
        region.queryset = region_choices_for_user(user=manager)
        region.required = True
        indent = {"province": "", "city": "", "county": "", "town": "— ", "village": "— — "}
        # A label for this form only, set on the field instance (Django's documented way; mypy refuses any
        # assignment to a method).
        region.label_from_instance = lambda obj: f"{indent[obj.level]}{obj.name}"  # type: ignore[method-assign]
        if self.instance.pk:
            del self.fields["password"]
            self.fields["username"].disabled = True


class PasswordResetByManagerForm(PortalFormMixin, forms.Form):
    password = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("The user must choose their own password at the next login."),
    )


class SecondFactorCodeForm(PortalFormMixin, forms.Form):
    """A code from the authenticator app, or (when verifying a login) a recovery code."""

    code = forms.CharField(
        label=_("Verification code"),
        max_length=32,
        strip=True,
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "one-time-code", "spellcheck": "false", "autocapitalize": "off"}
        ),
    )
