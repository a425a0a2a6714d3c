"""How the audit log reads: every access event as a record for people, in the reader's language.

An access event stores what happened as codes (``action``, ``target_type``/``target_id``, a ``detail`` dict of
keys and values), so that it can be read in any language later. This module turns one page of events into what a
reader sees:

* **the object**: a person as the household number and the person's name (surname first, as stored), a household
  as its number and the couple's names, a user by name, a region by name — looked up once per page, one query per
  kind of object (``Subjects``), never per row;
* **the description**: one renderer per action kind, a sentence where the event has a usual shape ("Revealed the
  phone of 李春生 (household 630103-00011).") and otherwise labelled values with translated labels — never a raw
  key. A key no renderer knows is still shown with a label (``KEY_LABELS``) and its value in words (yes/no,
  local times, lists with the language's separator).

The change log names its rows the same way (``change_subjects``). Nothing here reveals a sensitive value: the
events hold only masked values, and the subjects are names and numbers, which every page of the archive shows.
Apps above ``audit`` are named by strings (``"households.Member"``), as in ``accounts.sensitivity``.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from accounts.roles import Role
from accounts.sensitivity import RESTRICTED, hidden_values
from audit.models import AccessEvent
from core.db import pk_among
from regions.models import Region

if TYPE_CHECKING:
    from accounts.models import User

Action = AccessEvent.Action

# The models of the household archive, named as accounts.sensitivity names them (audit sits below households).
HOUSEHOLD = "households.Household"
MEMBER = "households.Member"
TRANSFER = "households.HouseholdTransfer"
# A household is named by its number and the names of its couple: the members of these roles (Member.Role).
COUPLE_ROLES = ("husband", "wife")

DATETIME_FORMAT = "Y-m-d H:i"  # as the rest of the portal writes a time (the timeline, the inbox, the roster jobs)
DATE_FORMAT = "Y-m-d"


# ---- words --------------------------------------------------------------------------------------------------


def yes_no(value: Any) -> str:
    return _("Yes") if value else _("No")


def list_text(values: Iterable[Any]) -> str:
    return pgettext("list separator", ", ").join(str(v) for v in values)


def labelled(label: str, value: Any) -> str:
    return _("%(label)s: %(value)s") % {"label": label, "value": value}


SENTENCE_ENDS = (".", "。", "!", "！", "?", "？")


def details_text(parts: Iterable[str]) -> str:
    """Sentences and labelled values in one line: after a sentence the next begins as a sentence does, labelled
    values are separated as a list of them is."""
    text = ""
    for part in (p for p in parts if p):
        if text:
            ended = text.endswith(SENTENCE_ENDS)
            text += pgettext("sentence separator", " ") if ended else pgettext("detail separator", "; ")
        text += part
    return text


def datetime_text(value: datetime) -> str:
    """A moment in the portal's time zone, written as the portal writes times (never UTC ISO)."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return date_format(value, DATETIME_FORMAT)


def date_text(value: date) -> str:
    return date_format(value, DATE_FORMAT)


def iso_text(value: str) -> str | None:
    """An ISO date or time kept as text in JSON (``"2026-12-06T22:16:53.036114+00:00"``) written as the portal
    writes it, or None when the text is no date."""
    if len(value) < 10 or not value[:4].isdigit() or value[4:5] != "-":
        return None
    with contextlib.suppress(ValueError):
        if len(value) == 10:
            parsed_date = parse_date(value)
            return date_text(parsed_date) if parsed_date is not None else None
        parsed = parse_datetime(value)
        if parsed is not None:
            return datetime_text(parsed)
    return None


# ---- the objects of events: persons, households, users --------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    """What an event or a row change concerns, as a reader names it."""

    name: str = ""  # a person's name (surname first, as stored), a user's name, a region's name
    number: str = ""  # the household's number
    names: tuple[str, ...] = ()  # a household: the couple's names

    def __str__(self) -> str:
        if self.name and self.number:
            return _("%(name)s (household %(number)s)") % {"name": self.name, "number": self.number}
        if self.number and self.names:
            return _("Household %(number)s (%(names)s)") % {"number": self.number, "names": list_text(self.names)}
        if self.number:
            return _("Household %(number)s") % {"number": self.number}
        return self.name

    def __bool__(self) -> bool:
        return bool(self.name or self.number)


def _label(model: type[models.Model]) -> str:
    return model._meta.label


def _concrete(model: type[models.Model], name: str) -> models.Field | None:
    try:
        found = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return found if isinstance(found, models.Field) and found.concrete else None


def _household_link(model: type[models.Model]) -> models.Field | None:
    """The foreign key of ``model`` to the household, if it has one."""
    return next(
        (
            f
            for f in model._meta.concrete_fields
            if f.is_relation and f.related_model is not None and _label(f.related_model) == HOUSEHOLD
        ),
        None,
    )


def _pk(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class Subjects:
    """Names the rows of one page: ``want`` each (model, row values) first, then ``look_up`` once — one query for
    the households' numbers and one for their couples' names, whatever the number of rows — then ``of``.

    Row values are a tracked model's columns by attname (``household_id``), as history rows and ``.values()`` give
    them."""

    def __init__(self) -> None:
        self._rows: list[tuple[type[models.Model], Mapping[str, Any]]] = []
        self._households: set[int] = set()
        self._numbers: dict[int, str] = {}
        self._couples: dict[int, list[str]] = defaultdict(list)

    def want(self, model: type[models.Model], row: Mapping[str, Any]) -> None:
        link = _household_link(model)
        if _label(model) == HOUSEHOLD:
            household = _pk(row.get("id"))
        elif link is not None:
            household = _pk(row.get(link.attname))
        else:
            household = None
        if household is not None:
            self._households.add(household)

    def look_up(self) -> None:
        wanted = self._households - set(self._numbers)
        if not wanted:
            return
        household_model = apps.get_model(HOUSEHOLD)
        member_model = apps.get_model(MEMBER)
        self._numbers.update(household_model._default_manager.filter(pk_among(wanted)).values_list("pk", "number"))
        couples = (
            member_model._default_manager.filter(pk_among(wanted, field="household_id"), role__in=COUPLE_ROLES)
            .order_by("household_id", "role", "pk")
            .values_list("household_id", "name")
        )
        for household, name in couples:
            self._couples[household].append(name)

    def of(self, model: type[models.Model], row: Mapping[str, Any]) -> Subject:
        if _label(model) == HOUSEHOLD:
            pk = _pk(row.get("id"))
            number = str(row.get("number") or (self._numbers.get(pk, "") if pk is not None else ""))
            return Subject(number=number, names=tuple(self._couples.get(pk, ())) if pk is not None else ())
        name = ""
        if model is get_user_model():
            name = str(row.get("name") or row.get("username") or "")
        elif _concrete(model, "name") is not None:
            name = str(row.get("name") or "")
        link = _household_link(model)
        household = _pk(row.get(link.attname)) if link is not None else None
        number = self._numbers.get(household, "") if household is not None else ""
        return Subject(name=name, number=number)


def _row_columns(model: type[models.Model]) -> list[str]:
    """The columns ``Subjects`` reads of a row of ``model``."""
    wanted = ["id", "name", "username", "number"]
    link = _household_link(model)
    return [f.attname for f in model._meta.concrete_fields if f.name in wanted or f is link]


def change_subjects(events: Sequence[Any]) -> list[Subject]:
    """What each row change of pghistory's aggregate ``Events`` concerns (``pgh_data`` is the row as the change left
    it, or as it was when deleted), in order: two queries for any number of events."""
    subjects = Subjects()
    items = [(apps.get_model(event.pgh_obj_model), event.pgh_data or {}) for event in events]
    for model, row in items:
        subjects.want(model, row)
    subjects.look_up()
    return [subjects.of(model, row) for model, row in items]


def record_text(model: type[models.Model], subject: Subject, object_id: str) -> str:
    """The change log's "record" cell: the kind of record and what it is (a household: its number says both)."""
    if _label(model) == HOUSEHOLD and subject:
        return str(subject)
    kind = str(model._meta.verbose_name)
    return f"{kind} · {subject}" if subject else f"{kind} #{object_id}"


# ---- access events ------------------------------------------------------------------------------------------


@dataclass
class Described:
    """One access event as the access list shows it. Any other attribute is the event's own (``at``, ``actor``,
    ``actor_username``, ``get_action_display``, ``ip_address``), so the template reads it as it reads the event."""

    event: AccessEvent
    target: str = ""  # what the event concerns, in words
    description: str = ""  # a sentence, or labelled values

    def __getattr__(self, name: str) -> Any:
        if name == "event":  # not set yet (copy, pickle): no recursion
            raise AttributeError(name)
        return getattr(self.event, name)


@dataclass
class _Page:
    """What the renderers of one page need, looked up once."""

    reader: User | None
    subjects: Subjects = field(default_factory=Subjects)
    targets: dict[tuple[str, int], tuple[type[models.Model], dict[str, Any]]] = field(default_factory=dict)
    changes: dict[tuple[str, int], tuple[type[models.Model], dict[str, Any]]] = field(default_factory=dict)
    regions: dict[int, str] = field(default_factory=dict)

    def target(self, event: AccessEvent) -> Subject:
        found = self.targets.get((event.target_type, _pk(event.target_id) or 0))
        return self.subjects.of(*found) if found is not None else Subject()

    def change(self, slug: str) -> tuple[type[models.Model] | None, Subject]:
        found = self.changes.get(_slug(slug) or ("", 0))
        if found is None:
            return None, Subject()
        return found[0], self.subjects.of(*found)


def _slug(slug: Any) -> tuple[str, int] | None:
    """``"households.MemberEvent:618"`` → ("households.memberevent", 618)."""
    label, _sep, pk = str(slug or "").rpartition(":")
    number = _pk(pk)
    return (label.lower(), number) if label and number is not None else None


def _model(label: str) -> type[models.Model] | None:
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def _tracked_model(event_model: type[models.Model]) -> type[models.Model]:
    return getattr(event_model, "pgh_tracked_model", event_model)


def _wanted(events: Sequence[AccessEvent]) -> tuple[dict[str, set[int]], dict[str, set[int]], set[int]]:
    """What the events of a page name: their objects by model, the row changes reveals name by history model, the
    regions of export filters."""
    by_type: dict[str, set[int]] = defaultdict(set)
    by_event_model: dict[str, set[int]] = defaultdict(set)
    regions: set[int] = set()
    for event in events:
        pk = _pk(event.target_id)
        if event.target_type and pk is not None:
            by_type[event.target_type].add(pk)
        detail = event.detail if isinstance(event.detail, dict) else {}
        found = _slug(detail.get("change")) if event.action == Action.REVEAL else None
        if found is not None:
            by_event_model[found[0]].add(found[1])
        for key in ("filters", "supervision"):
            filters = detail.get(key)
            if isinstance(filters, dict):
                regions.update(pk for name in REGION_FILTERS if (pk := _pk(filters.get(name))) is not None)
    return by_type, by_event_model, regions


def _page(events: Sequence[AccessEvent], reader: User | None) -> _Page:
    """The look-ups of one page: one query per kind of object the page's events name (members, users,
    households …), one per kind of row change a reveal names, one for the households' numbers and one for their
    couples, one for the regions of export filters."""
    page = _Page(reader=reader)
    by_type, by_event_model, regions = _wanted(events)
    for label, pks in by_type.items():
        model = _model(label)
        if model is None:
            continue
        for row in model._default_manager.filter(pk_among(pks)).values(*_row_columns(model)):
            page.targets[(label, row["id"])] = (model, row)
    for label, pks in by_event_model.items():
        event_model = _model(label)
        if event_model is None:
            continue
        tracked = _tracked_model(event_model)
        kept = {f.attname for f in event_model._meta.concrete_fields}  # the columns the history keeps
        columns = [column for column in _row_columns(tracked) if column in kept]
        for row in event_model._default_manager.filter(pk_among(pks, field="pgh_id")).values("pgh_id", *columns):
            page.changes[(label, row["pgh_id"])] = (tracked, row)
    for model, row in (*page.targets.values(), *page.changes.values()):
        page.subjects.want(model, row)
    page.subjects.look_up()
    if regions:
        page.regions = dict(Region.objects.filter(pk_among(regions)).values_list("pk", "name"))
    return page


def access_rows(events: Iterable[AccessEvent], *, reader: User | None = None) -> list[Described]:
    """The events of one page of the access list, each with its object and its description in the reader's
    language (the active one). A bounded number of queries, whatever the number of events."""
    events = list(events)
    page = _page(events, reader)
    rows = []
    for event in events:
        detail = dict(event.detail) if isinstance(event.detail, dict) else {}
        renderer = RENDERERS.get(event.action, _render_other)
        target, description = renderer(event, detail, page)
        rows.append(Described(event=event, target=target, description=description))
    return rows


# ---- labels of the detail keys and values ---------------------------------------------------------------------


def _key_labels() -> dict[str, str]:
    """Every key an access event's detail holds, by its label (the fallback of every renderer)."""
    return {
        "page": _("Page"),
        "format": _("Format"),
        "rows": _("Rows"),
        "kind": _("List"),
        "report": _("Report"),
        "as_of": _("As of"),
        "full_values": _("Full ID numbers and phones"),
        "filters": _("Filters"),
        "households": _("Households"),
        "members": _("Members"),
        "household": _("Household"),
        "field": _("Field"),
        "change": _("Change"),
        "new": _("New"),
        "updated": _("Updated"),
        "ok": _("Imported"),
        "created": _("New"),
        "unchanged": _("Unchanged"),
        "service": _("While"),
        "persons": _("Persons"),
        "id_numbers": _("ID numbers"),
        "step": _("Step"),
        "transfer": _("Transfer"),
        "event": _("Event"),
        "throttled": _("Too many attempts"),
        "recovery codes": _("Recovery codes"),
        "replaced an earlier device": _("Replaced an earlier device"),
        "left": _("Recovery codes left"),
        "by": _("By"),
        "role": _("Role"),
        "fields": _("Fields"),
    }


def _key_label(key: str) -> str:
    label = _key_labels().get(key)
    if label is not None:
        return label
    words = key.replace("_", " ").strip()  # a key added since: at least words, never an identifier
    return words[:1].upper() + words[1:]


def _value_text(value: Any) -> str:
    """A detail value in words."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, list | tuple):
        return list_text(_value_text(v) for v in value)
    if isinstance(value, dict):
        return list_text(labelled(_key_label(str(k)), _value_text(v)) for k, v in value.items())
    if isinstance(value, str):
        return iso_text(value) or value
    return str(value)


def _labelled_values(detail: Mapping[str, Any], *, skip: Iterable[str] = ()) -> str:
    """The fallback: every key by its label, every value in words."""
    skipped = set(skip)
    return details_text(labelled(_key_label(k), _value_text(v)) for k, v in detail.items() if k not in skipped)


def _field_label(model_label: str, name: str) -> str:
    model = _model(model_label)
    found = _concrete(model, name) if model is not None else None
    return str(found.verbose_name) if found is not None else _key_label(name)


def _choice_label(model_label: str, name: str, value: Any) -> str:
    model = _model(model_label)
    found = _concrete(model, name) if model is not None else None
    if found is None:
        return str(value)
    choices = found.flatchoices or getattr(getattr(found, "base_field", None), "flatchoices", None) or []
    return str(dict(choices).get(value, value))


# ---- one renderer per action kind -------------------------------------------------------------------------------

Rendered = tuple[str, str]  # (the object, the description)


def _render_plain(event: AccessEvent, detail: dict[str, Any], page: _Page) -> Rendered:
    """Log in, log out, a failed login: the user column says who; nothing else to say but what the detail holds."""
    return str(page.target(event)) or event.target_label, _labelled_values(detail)


def _page_label(name: str) -> str:
    pages = {
        "": _("The archive"),
        "contacts": _("Contacts of the household"),
        "edit": _("The edit form (full ID numbers and phones)"),
        "visits": _("Visits of the household"),
        "visit_edit": _("The correction form of a visit"),
    }
    return pages.get(name, name)


def _render_view(event: AccessEvent, detail: dict[str, Any], page: _Page) -> Rendered:
    target = str(page.target(event)) or event.target_label
    description = labelled(_("Page"), _page_label(str(detail.pop("page", "") or "")))
    return target, details_text([description, _labelled_values(detail)])


def _render_reveal(event: AccessEvent, detail: dict[str, Any], page: _Page) -> Rendered:
    """A sentence: "Revealed the phone of 李春生 (household 630103-00011)." — on the archive (the member is the event's
    object) or in the change log (the change names the row)."""
    name = str(detail.pop("field", "") or "")
    if "change" in detail:
        model, subject = page.change(detail.pop("change"))
        field_label = _field_label(_label(model), name) if model is not None else _key_label(name)
        person = str(subject) or event.target_label
        sentence = _("Revealed the %(field)s of %(person)s in the change log.")
    else:
        detail.pop("household", None)  # the household is the member's: the object names it
        subject = page.target(event)
        field_label = _field_label(MEMBER, name)
        if subject:
            number = subject.number or event.target_label
            person = str(Subject(name=subject.name, number=number))
        else:
            person = _("a member of household %(number)s") % {"number": event.target_label}
        sentence = _("Revealed the %(field)s of %(person)s.")
    description = sentence % {"field": field_label, "person": person}
    return person, details_text([description, _labelled_values(detail)])


def _rows(n: int) -> str:
    return ngettext("%(n)d row", "%(n)d rows", n) % {"n": n}


# The filters of the household list in the order its form shows them (households.forms.HouseholdFilterForm).
FILTER_ORDER = (
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


def _filters_text(filters: Mapping[str, Any], page: _Page) -> str:
    """The filters of a household-list export, each by the label and the value the list's form shows, in the
    form's order (the database keeps a JSON object's keys in an order of its own)."""
    order = {key: n for n, key in enumerate(FILTER_ORDER)}
    parts = []
    for key, value in sorted(filters.items(), key=lambda item: (order.get(item[0], len(order)), item[0])):
        label, shown = _filter_label(key, value, page)
        parts.append(labelled(label, shown))
    return list_text(parts)


REGION_FILTERS = ("town", "village")


def _sort_names() -> dict[str, str]:
    """The household list's sorts as its form names them (households.forms.sort_choices): each of the list's own
    columns ascending and descending, three under the names they had. A column an app adds later and not named
    here shows its key."""
    columns = {
        "number": _("Household number"),
        "registered": _("Date registered"),
        "village": _("Village"),
        "family_type": _("Family type"),
        "living_situation": _("Living situation"),
        "status": _("Status"),
        "last_contact": _("Last contact"),  # the columns the visits app adds to the list (visits.extension)
        "open_flags": _("Open flags"),
    }
    names = {}
    for key, label in columns.items():
        names[key] = _("%(column)s (ascending)") % {"column": label}
        names[f"-{key}"] = _("%(column)s (descending)") % {"column": label}
    names.update({"number": _("Household number"), "-registered": _("Newest first"), "village": _("Village")})
    return names


def _filter_label(key: str, value: Any, page: _Page) -> tuple[str, str]:
    """(label, value) of one filter of the household list (households.forms.HouseholdFilterForm)."""
    if key in REGION_FILTERS:
        label = _("Town/street") if key == "town" else _("Village/community")
        pk = _pk(value)
        return label, page.regions.get(pk, str(value)) if pk is not None else str(value)
    model_choices = {
        "family_type": (_("Family type"), HOUSEHOLD, "family_type"),
        "self_care": (_("Self-care of a member"), MEMBER, "self_care"),
        "status": (_("Status"), HOUSEHOLD, "status"),
        "difficulty": (_("Difficulty"), HOUSEHOLD, "difficulties"),
    }
    if key in model_choices:
        label, model_label, name = model_choices[key]
        if key == "difficulty" and value in hidden_values(page.reader, model_label, name):
            return label, str(RESTRICTED)
        return label, _choice_label(model_label, name, value)
    own_choices: dict[str, tuple[str, dict[str, str]]] = {
        "age_band": (
            _("Age of a member"),
            {"under_60": _("Under 60"), "60_69": _("60–69"), "70_79": _("70–79"), "80_plus": _("80 and over")},
        ),
        "alive": (_("A member who is"), {"alive": _("Alive"), "deceased": _("Deceased")}),
        "poverty": (
            _("Poverty"),
            {
                "registered": _("Registered poverty household"),
                "allowance": _("Subsistence allowance"),
                "either": _("Either"),
            },
        ),
        "sort": (_("Sort by"), _sort_names()),
    }
    if key in own_choices:
        label, choices = own_choices[key]
        return label, choices.get(str(value), str(value))
    yes_filters = {"living_alone": _("Lives alone"), "with_deceased": _("Count deceased members in the age filter")}
    if key in yes_filters:  # a checkbox: in the filters when ticked
        return yes_filters[key], _("Yes")
    return _key_label(key), _value_text(value)


def _format_label(value: str) -> str:
    formats = {
        "xlsx": _("Excel"),
        "pdf": _("PDF"),
        "print": _("Printed"),
        "contact_card": _("Contact cards"),
    }
    return formats.get(value, value)


def _render_export(event: AccessEvent, detail: dict[str, Any], page: _Page) -> Rendered:
    target = str(page.target(event))
    kind = detail.get("format")
    if detail.get("report") == "coverage":
        target = target or event.target_label
        as_of = iso_text(str(detail.get("as_of") or "")) or "—"
        sentence = _("Coverage dashboard as of %(date)s: %(rows)s, Excel.") % {
            "date": as_of,
            "rows": _rows(int(detail.get("rows") or 0)),
        }
        return target, details_text([sentence, _labelled_values(detail, skip=("report", "as_of", "rows", "format"))])
    if detail.get("list") == "overdue_flags":
        return _render_supervision_export(event, detail, page)
    if detail.get("kind") == "service_persons":
        sentence = _("%(rows)s, Excel.") % {"rows": _rows(int(detail.get("rows") or 0))}
        rest = _labelled_values(detail, skip=("kind", "rows", "format"))
        return target or _("Service persons"), details_text([sentence, rest])
    if "filters" in detail:
        full = detail.get("full_values")
        sentence = (
            _("%(rows)s, Excel, full ID numbers and phones.")
            if full
            else _("%(rows)s, Excel, ID numbers and phones masked.")
        ) % {"rows": _rows(int(detail.get("rows") or 0))}
        filters = detail.get("filters")
        parts = [sentence]
        if isinstance(filters, dict) and filters:
            parts.append(labelled(_("Filters"), _filters_text(filters, page)))
        rest = _labelled_values(detail, skip=("filters", "full_values", "rows", "format"))
        return target or _("Household list"), details_text([*parts, rest])
    if kind == "contact_card":
        n = int(detail.get("households") or 0)
        sentence = ngettext("Contact cards of %(n)d household.", "Contact cards of %(n)d households.", n) % {"n": n}
        rest = _labelled_values(detail, skip=("format", "households"))
        return target or event.target_label, details_text([sentence, rest])
    if kind in ("print", "pdf"):
        sentence = _("The archive, printed.") if kind == "print" else _("The archive as a PDF file.")
        return target or event.target_label, details_text([sentence, _labelled_values(detail, skip=("format",))])
    return target or event.target_label, _render_detail_values(detail)


# The filters of the supervision list (visits.forms.SupervisionFilterForm) in the order its form shows them.
SUPERVISION_FILTER_ORDER = ("number", "town", "village", "rule", "level", "age", "waits_for", "sort")


def _supervision_filter(key: str, value: Any, filters: Mapping[str, Any], page: _Page) -> tuple[str, str]:
    """(label, value) of one filter of the supervision list, as its form shows it."""
    if key in REGION_FILTERS:
        return _filter_label(key, value, page)
    if key == "rule":  # the rule's name as stored with the export (a default rule's name is a msgid)
        return _("Rule"), _(str(filters.get("rule_name") or value))
    if key == "number":
        return _("Household number"), str(value)
    if key == "age":
        days = _pk(value)
        return _("Open for"), _("%(n)d days or more") % {"n": days} if days is not None else str(value)
    choices: dict[str, tuple[str, dict[str, str]]] = {
        "level": (
            _("Escalated to"),
            {"0": _("Responsible contact"), "1": _("Town/street"), "2": _("County")},
        ),
        "waits_for": (_("Who must act"), {"family_doctor": _("Family doctor"), "any_contact": _("Any contact")}),
        "sort": (
            _("Sort by"),
            {
                "level": _("Most escalated first"),
                "village": _("By village"),
                "number": _("By household number"),
            },
        ),
    }
    label, shown = choices.get(key, (_key_label(key), {}))
    return label, shown.get(str(value), _value_text(value))


def _render_supervision_export(event: AccessEvent, detail: dict[str, Any], page: _Page) -> Rendered:
    """The supervision list's export: how many flags of how many households, and its filters."""
    households = int(detail.get("households") or 0)
    sentence = _("Open overdue flags: %(rows)s, %(households)s, Excel; no names, ID numbers or phones.") % {
        "rows": _rows(int(detail.get("rows") or 0)),
        "households": ngettext("%(n)d household", "%(n)d households", households) % {"n": households},
    }
    parts = [sentence]
    filters = detail.get("supervision")
    if isinstance(filters, dict):
        shown = [
            labelled(*_supervision_filter(key, filters[key], filters, page))
            for key in SUPERVISION_FILTER_ORDER
            if filters.get(key) not in (None, "")
        ]
        if shown:
            parts.append(labelled(_("Filters"), list_text(shown)))
    target = event.target_label or _("Overdue flags")
    return target, details_text(parts)


def _render_detail_values(detail: Mapping[str, Any]) -> str:
    """Labelled values; a format by its name."""
    if "format" in detail:
        detail = {**detail, "format": _format_label(str(detail["format"]))}
    return _labelled_values(detail)


def _counts(counts: Any) -> str:
    if not isinstance(counts, dict):
        return _value_text(counts)
    return _("%(created)s new, %(updated)s updated, %(unchanged)s unchanged") % {
        "created": counts.get("created", 0),
        "updated": counts.get("updated", 0),
        "unchanged": counts.get("unchanged", 0),
    }


def _render_import(event: AccessEvent, detail: dict[str, Any], page: _Page) -> Rendered:
    target = str(page.target(event))
    if detail.get("kind") == "service_persons":
        sentence = _("%(new)s new, %(updated)s updated.") % {
            "new": detail.get("new", 0),
            "updated": detail.get("updated", 0),
        }
        if detail.get("ok") is False:
            sentence = _("Not imported: the file has errors.")
        rest = _labelled_values(detail, skip=("kind", "new", "updated", "ok"))
        return target or _("Service persons"), details_text([sentence, rest])
    if "households" in detail or "members" in detail:
        parts = [
            labelled(_("Households"), _counts(detail.get("households"))),
            labelled(_("Members"), _counts(detail.get("members"))),
        ]
        rest = _labelled_values(detail, skip=("households", "members"))
        return target or event.target_label or _("Roster import"), details_text([*parts, rest])
    return target or event.target_label, _labelled_values(detail)


def _user_fields(names: Any) -> str:
    user_model = get_user_model()
    return list_text(_field_label(_label(user_model), str(n)) for n in (names or ()))


def _render_account(event: AccessEvent, detail: dict[str, Any], page: _Page) -> Rendered:
    subject = page.target(event)
    target = subject.name or event.target_label
    if subject.name and event.target_label and subject.name != event.target_label:
        target = _("%(name)s (%(username)s)") % {"name": subject.name, "username": event.target_label}
    change = str(detail.pop("change", "") or "")
    sentences = {
        "activated": _("Account activated."),
        "deactivated": _("Account deactivated."),
        "password reset": _("Password reset; a new password must be chosen at the next login."),
    }
    if change == "created":
        role = detail.pop("role", "")
        sentence = _("Account created with the role %(role)s.") % {"role": dict(Role.choices).get(role, role) or "—"}
    elif change == "updated":
        sentence = _("Changed: %(fields)s.") % {"fields": _user_fields(detail.pop("fields", ()))}
    elif change in sentences:
        sentence = sentences[change]
    else:
        sentence = labelled(_("Change"), change) if change else ""
    return target, details_text([sentence, _labelled_values(detail)])


def _second_factor_failed(detail: dict[str, Any]) -> str:
    step = detail.pop("step", "")
    kind = detail.pop("kind", "")
    throttled = bool(detail.pop("throttled", False))
    if step == "set up":
        sentence = _("Wrong code while setting up the authenticator app.")
    elif kind == "recovery":
        sentence = _("Wrong recovery code at login.")
    else:
        sentence = _("Wrong code from the authenticator app at login.")
    if throttled:
        sentence = details_text([sentence, _("Too many attempts: refused without checking the code.")])
    return sentence


def _render_second_factor(event: AccessEvent, detail: dict[str, Any], page: _Page) -> Rendered:
    what = str(detail.pop("event", "") or "")
    if what == "failed":
        sentence = _second_factor_failed(detail)
    elif what == "set up":
        n = int(detail.pop("recovery codes", 0) or 0)
        replaced = bool(detail.pop("replaced an earlier device", False))
        sentence = ngettext(
            "Authenticator app set up; %(n)d recovery code issued.",
            "Authenticator app set up; %(n)d recovery codes issued.",
            n,
        ) % {"n": n}
        if replaced:
            sentence = details_text([sentence, _("It replaces an earlier device.")])
    elif what == "verified":
        sentence = _("Code from the authenticator app accepted at login.")
    elif what == "recovery code used":
        n = int(detail.pop("left", 0) or 0)
        sentence = ngettext(
            "Recovery code used at login; %(n)d left.", "Recovery code used at login; %(n)d left.", n
        ) % {"n": n}
    elif what == "reset":
        sentence = _("Authenticator app and recovery codes removed (by %(by)s).") % {"by": detail.pop("by", "") or "—"}
    else:
        sentence = labelled(_("Event"), what) if what else ""
    return str(page.target(event)) or event.target_label, details_text([sentence, _labelled_values(detail)])


def _service_label(service: str) -> str:
    services = {
        "household_create": _("Registering a household"),
        "household_update": _("Editing a household"),
        "roster_import": _("Roster import"),
    }
    return services.get(service, service.replace("_", " "))


def _render_identity_conflict(event: AccessEvent, detail: dict[str, Any], page: _Page) -> Rendered:
    service = str(detail.pop("service", "") or event.target_label)
    numbers = detail.pop("id_numbers", []) or []
    n = int(detail.pop("persons", len(numbers)) or 0)
    sentence = ngettext(
        "Refused: %(n)d person is registered outside the user's area (%(numbers)s).",
        "Refused: %(n)d persons are registered outside the user's area (%(numbers)s).",
        n,
    ) % {"n": n, "numbers": list_text(numbers) or "—"}
    return _service_label(service), details_text([sentence, _labelled_values(detail)])


def _render_transfer(event: AccessEvent, detail: dict[str, Any], page: _Page) -> Rendered:
    step = str(detail.pop("step", "") or "")
    detail.pop("transfer", None)  # the transfer's id: the object and the step say which
    steps = {
        "requested": _("Transfer requested."),
        "accepted": _("Transfer accepted: the file moved to the receiving county."),
        "refused": _("Transfer refused."),
        "cancelled": _("Transfer request withdrawn."),
    }
    label = event.target_label
    if "*" in label:  # the receiving county knows the family by the masked ID number until it arrives
        target = _("The family of ID number %(number)s") % {"number": label}
    elif label:
        target = _("Household %(number)s") % {"number": label}
    else:
        target = str(page.target(event))
    sentence = steps.get(step, labelled(_("Step"), step) if step else "")
    return target, details_text([sentence, _labelled_values(detail)])


def _render_other(event: AccessEvent, detail: dict[str, Any], page: _Page) -> Rendered:
    """An action kind added since: its object and labelled values."""
    return str(page.target(event)) or event.target_label, _render_detail_values(detail)


RENDERERS: dict[str, Callable[[AccessEvent, dict[str, Any], _Page], Rendered]] = {
    Action.LOGIN: _render_plain,
    Action.LOGIN_FAILED: _render_plain,
    Action.LOGOUT: _render_plain,
    Action.VIEW: _render_view,
    Action.REVEAL: _render_reveal,
    Action.EXPORT: _render_export,
    Action.IMPORT: _render_import,
    Action.ACCOUNT: _render_account,
    Action.SECOND_FACTOR: _render_second_factor,
    Action.IDENTITY_CONFLICT: _render_identity_conflict,
    Action.TRANSFER: _render_transfer,
}
