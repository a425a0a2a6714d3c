"""The one renderer of history diffs: from history rows' before and after values to what a reader sees.

Each changed field becomes a ``FieldChange``: the field's label in the reader's language, and the values as text —
choices by their label, related rows by their name (users by their name), yes/no, dates and times as the portal
writes them (local time, never the UTC text history keeps), lists with the language's separator — and sensitive
values as the reader may see them (``accounts.sensitivity``, the one table of tiers): personal values masked, health
and mental-health values "(restricted)" for a reader without the tier, a restricted choice left out of a list. The
household archive's timeline, the audit change log and, later, benefits and medical read history through here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.models import User
from accounts.sensitivity import MASKED_TIERS, field_tier, mask, may_see, shown, visible_values
from audit.describe import date_text, datetime_text, iso_text

EMPTY = "—"
# Bookkeeping columns that no reader needs in a diff.
HIDDEN_FIELDS = frozenset({"id", "created_at", "updated_at"})
# Values that say nothing on a created row (an insert lists what the row was created with).
_BLANK: tuple[Any, ...] = (None, "", [], False)

# One changed field: (the field's name, attname or column; the value before, None when there was none; after).
Pair = tuple[str, Any, Any]


@dataclass(frozen=True)
class FieldChange:
    name: str  # the field's name, as the admin and the code call it
    field: str  # its label in the reader's language
    before: str  # "" when the row had no value before (a created row)
    after: str
    # A personal value shown masked: a reader who may reveal can ask for it (a logged act).
    masked: bool = False


def event_pairs(label: str, before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> list[Pair]:
    """The changed fields of one event, given the row's values after it and (for an update) before it: a created
    row lists its non-blank values, an update what differs, a deletion nothing."""
    if label == "insert":
        return [(name, None, value) for name, value in after.items() if value not in _BLANK]
    if label == "update" and before:
        return [(name, before.get(name), value) for name, value in after.items() if before.get(name) != value]
    return []


def _field(model: type[models.Model], key: str) -> models.Field | None:
    """The concrete field a history key names: its name, its attname (``village_id``) or its column."""
    try:
        found = model._meta.get_field(key)
    except FieldDoesNotExist:
        found = None
    if isinstance(found, models.Field) and found.concrete:
        return found
    return next((f for f in model._meta.concrete_fields if key in (f.attname, f.column)), None)


def _related_names(
    items: Sequence[tuple[type[models.Model], Sequence[Pair]]],
) -> dict[type[models.Model], dict[Any, str]]:
    """The names of the related rows the diffs mention: one query per related model."""
    wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
    for model, pairs in items:
        for key, before, after in pairs:
            field = _field(model, key)
            if field is not None and field.is_relation and field.related_model is not None:
                wanted[field.related_model].update(v for v in (before, after) if v not in (None, ""))
    # select_related(): a row's name may read its own related rows (a visit is named by its household).
    return {
        related: {obj.pk: _name(obj) for obj in related._default_manager.filter(pk__in=ids).select_related()}
        for related, ids in wanted.items()
    }


def _name(obj: models.Model) -> str:
    """A related row by its name: a user by the name (the login when there is none), anything else as it says."""
    return obj.display_name if isinstance(obj, User) else str(obj)


def _choice_label(field: models.Field, value: Any) -> str:
    return str(dict(field.flatchoices).get(value, value))


def _text(
    model: type[models.Model],
    field: models.Field | None,
    key: str,
    value: Any,
    related: dict[type[models.Model], dict[Any, str]],
    reader: User | None,
) -> str:
    tier = field_tier(model, field.name) if field is not None else None
    if field is not None and tier is not None and tier not in MASKED_TIERS and not may_see(reader, tier):
        return str(shown(reader, model, field.name, value))  # "(restricted)", empty or not
    if value is None or value == "" or value == []:
        return EMPTY
    if tier in MASKED_TIERS and field is not None:
        return mask(model, field.name, value)
    if field is not None and isinstance(value, list):
        value = visible_values(reader, model, field.name, value)
        if not value:
            return EMPTY
    if field is not None and field.is_relation:
        names = related.get(field.related_model, {}) if field.related_model is not None else {}
        return names.get(value, str(value))
    if field is not None and field.choices:
        return _choice_label(field, value)
    return _plain_text(field, value)


def _plain_text(field: models.Field | None, value: Any) -> str:
    """A value that is no choice and no related row, as the portal writes it."""
    base = getattr(field, "base_field", None)  # an array of choices: each by its label, the language's separator
    if isinstance(value, list):
        labels = (_choice_label(base, v) if base is not None and base.choices else str(v) for v in value)
        return pgettext("list separator", ", ").join(labels)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime):
        return datetime_text(value)
    if isinstance(value, date):
        return date_text(value)
    if isinstance(value, str) and isinstance(field, models.DateField):  # DateTimeField too; JSON keeps text
        return iso_text(value) or value
    return str(value)


def changes_render(
    items: Sequence[tuple[type[models.Model], Sequence[Pair]]],
    *,
    reader: User | None,
    hidden: Iterable[str] = (),
) -> list[list[FieldChange]]:
    """For each (model, changed fields) the rendered changes as ``reader`` may see them, in order; bookkeeping
    fields and ``hidden`` left out. The related rows all the items mention are named with one query per related
    model. A change of a list that only touched values the reader may not see is left out."""
    skip = HIDDEN_FIELDS | set(hidden)
    related = _related_names(items)
    rendered = []
    for model, pairs in items:
        changes = []
        for key, before, after in pairs:
            field = _field(model, key)
            name = field.name if field is not None else key
            if name in skip or (field is not None and key in skip):
                continue
            before_text = _text(model, field, key, before, related, reader) if before is not None else ""
            after_text = _text(model, field, key, after, related, reader)
            if isinstance(after, list) and after_text in (before_text, EMPTY if before is None else None):
                continue  # only values the reader may not see changed
            changes.append(
                FieldChange(
                    name=name,
                    field=str(field.verbose_name) if field is not None else key,
                    before=before_text,
                    after=after_text,
                    masked=field is not None and field_tier(model, field.name) in MASKED_TIERS,
                )
            )
        rendered.append(changes)
    return rendered


def events_render(events: Sequence[Any], *, reader: User | None, hidden: Iterable[str] = ()) -> list[list[FieldChange]]:
    """The changes of rows of pghistory's aggregate ``Events`` (``pgh_data``, ``pgh_diff`` by column), as
    ``reader`` may see them, in order."""
    items: list[tuple[type[models.Model], Sequence[Pair]]] = []
    for event in events:
        model = apps.get_model(event.pgh_obj_model)
        if event.pgh_label == "insert":
            pairs = event_pairs("insert", None, event.pgh_data or {})
        elif event.pgh_label == "update":
            pairs = [(key, before, after) for key, (before, after) in (event.pgh_diff or {}).items()]
        else:
            pairs = []
        items.append((model, pairs))
    return changes_render(items, reader=reader, hidden=hidden)
