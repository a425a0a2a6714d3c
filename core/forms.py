"""What every app's forms share: our wording of Django's messages, plausible dates, and a service's errors put on a
form in plain words.

Every form of the portal mixes in :class:`PortalFormMixin` (before ``forms.Form`` or ``forms.ModelForm``): it words
the messages where Django's read badly (the length limit's Chinese reads "确保该变量包含不超过 200 字符").

Every date field of a form is a :class:`PlausibleDateField` (not before 1900-01-01; not in the future unless the
field says so, and then not past 2100), so a year 0001 or 1000 typed into any form is refused next to its field.
A service's ``ValidationError`` goes onto the form through :func:`form_errors_apply`, which turns the messages
that name a database constraint into a plain sentence; :func:`form_errors_text` gives a form's errors as one line
(for the pages that answer a small form with a message instead of the form).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models.constraints import BaseConstraint
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# Django's words for a text over its field's max_length, in ours.
MAX_LENGTH_MESSAGE = gettext_lazy("At most %(limit_value)d characters (this has %(show_value)d).")
# A field's label before one of its errors, in one line (the error summary, a message): "Name: …", "姓名：…".
LABEL_ERROR = gettext_lazy("%(label)s: %(error)s")


class PortalFormMixin:
    """Mixed into every form of the portal, first among the bases: our wording of Django's field messages.

    A message a form or a field sets itself is kept. Django turns a validator's error into the field's message of
    the same code (``Field.run_validators``), keeping the validator's values (``limit_value``, ``show_value``).
    """

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.error_messages.setdefault("max_length", MAX_LENGTH_MESSAGE)


DATE_MIN = date(1900, 1, 1)
# Where a date may lie ahead (the end of a term, a follow-up's due date), it still lies in this century.
DATE_MAX = date(2100, 12, 31)


def date_check_plausible(value: date | None, *, today: date | None = None, allow_future: bool = False) -> None:
    """Refuse a date before 1900-01-01, a future one (unless ``allow_future``), or one after 2100."""
    if value is None:
        return
    if value < DATE_MIN:
        raise ValidationError(
            _("The date %(date)s is before 1900-01-01."), code="date_too_early", params={"date": value.isoformat()}
        )
    if not allow_future:
        if value > (today or timezone.localdate()):
            raise ValidationError(
                _("The date %(date)s is in the future."), code="date_future", params={"date": value.isoformat()}
            )
    elif value > DATE_MAX:
        raise ValidationError(
            _("The date %(date)s is too far in the future."), code="date_too_late", params={"date": value.isoformat()}
        )


class DateInput(forms.DateInput):
    """The browser's date picker, sending ISO dates."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class PlausibleDateField(forms.DateField):
    """A date field with the plausible bounds of :func:`date_check_plausible`."""

    widget = DateInput
    default_error_messages = {"invalid": gettext_lazy("Enter a real date, such as 1965-03-02.")}

    def __init__(self, *, allow_future: bool = False, **kwargs: Any) -> None:
        self.allow_future = allow_future
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("min", DATE_MIN.isoformat())

    def validate(self, value: Any) -> None:
        super().validate(value)
        date_check_plausible(value, allow_future=self.allow_future)


def _constraint_pattern() -> re.Pattern[str]:
    """Django's "Constraint “name” is violated." in the active language, as a pattern."""
    template = str(BaseConstraint.default_violation_error_message)
    return re.compile(re.escape(template).replace(re.escape("%(name)s"), ".+"))


def plain_messages(messages: list[str]) -> list[str]:
    """The messages with each one naming a database constraint replaced by a plain sentence (once)."""
    pattern = _constraint_pattern()
    result: list[str] = []
    for message in messages:
        if pattern.fullmatch(str(message)):
            message = _("These values are not accepted together. Check the dates and numbers and try again.")
        if message not in result:
            result.append(message)
    return result


def form_errors_apply(form: forms.BaseForm, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: next to the field it names, else at the top; plain words."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, plain_messages(exc.messages))
        return
    for key, errors in exc.error_dict.items():
        messages = plain_messages([m for e in errors for m in e.messages])
        field = key if key in form.fields else None
        if field is not None and field in form.errors:
            messages = [m for m in messages if m not in form.errors[field]]
        if messages:
            form.add_error(field, messages)


def form_errors_text(form: forms.BaseForm) -> str:
    """The form's errors as one line, each after its field's label ("From: The date … is before 1900-01-01.",
    "起始日期：日期 … 早于 1900-01-01。")."""
    parts = []
    for key, messages in form.errors.items():
        label = "" if key == NON_FIELD_ERRORS or key not in form.fields else str(form.fields[key].label or key)
        for message in messages:
            parts.append(str(LABEL_ERROR) % {"label": label, "error": message} if label else str(message))
    return " ".join(parts)
