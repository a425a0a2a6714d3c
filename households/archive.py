"""One household on one page: the content shared by the archive page, the print page and the PDF, and the
timeline of everything that happened to the household.

The timeline reads the audit trail (pghistory's HouseholdEvent and MemberEvent, two queries). The apps above
households (contacts, visits, later benefits and medical) add their panels, timeline entries and case-export tables
(个案输出: the print page and the PDF) through the archive-extension seam (households.extensions).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from accounts.selectors import user_names
from accounts.sensitivity import RESTRICTED, restricted_fields, shown, visible_values
from audit.diff import changes_render, event_pairs
from audit.history import event_context
from households.extensions import ListColumn, Panel, archive_extensions
from households.models import Household, Member
from households.privacy import mask_value

if TYPE_CHECKING:
    from accounts.models import User


@dataclass
class Section:
    key: str
    title: str
    rows: list[tuple[str, str]]


def member_age(member: Member, *, today: date) -> int | None:
    """A living member's age today; a deceased member's age at death (None when the date of death is not known:
    the age today would be a living person's age)."""
    if member.alive:
        return member.age(on=today)
    return member.age(on=member.death_date) if member.death_date else None


def member_age_words(member: Member, *, today: date) -> list[str]:
    """The member's age as the pages say it: "80 yrs" for the living; "aged 80 at death", "died 2025-02" for the
    deceased (享年 80 岁 · 已故 2025-02), or "deceased" when the date of death is not known."""
    age = member_age(member, today=today)
    if member.alive:
        return [] if age is None else [ngettext("%(n)s yr", "%(n)s yrs", age) % {"n": age}]
    words = []
    if age is not None:
        words.append(ngettext("aged %(n)s at death", "aged %(n)s at death", age) % {"n": age})
    if member.death_date:
        words.append(_("died %(month)s") % {"month": member.death_date.strftime("%Y-%m")})
    else:
        words.append(_("deceased"))
    return words


@dataclass
class MemberRow:
    member: Member
    age: int | None  # a deceased member's age at death (member_age)
    id_number: str  # masked
    phone: str  # masked
    # The age in words (member_age_words): "80 yrs", or "aged 80 at death · died 2025-02".
    age_text: str = ""
    # (label, text) of the member's health, as the reader may see it: [("", "(restricted)")] when not at all.
    health: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Change:
    field: str
    before: str
    after: str


@dataclass
class TimelineEntry:
    at: datetime
    kind: str  # "household", "member", later "visit", "benefit" …
    action: str  # "insert" / "update" / "delete" or a kind-specific word
    title: str
    username: str = ""
    user_name: str = ""  # the name of that login, filled in by household_timeline
    changes: list[Change] = field(default_factory=list)
    # A record that has a day but no time (a visit): shown as the date only.
    date_only: bool = False


@dataclass
class CaseTable:
    """A table of the case export (print page and PDF) that another app contributes."""

    key: str
    title: str
    header: list[str]
    rows: list[list[str]]
    empty: str = ""  # said instead of an empty table
    widths: list[int] | None = None  # relative column widths in the PDF (None: equal)


def case_tables(household: Household, *, user: User, today: date) -> list[CaseTable]:
    """The tables the archive's extensions add to the case export, for ``user``, in the extensions' order."""
    return [
        table
        for extension in archive_extensions()
        for table in extension.case_tables(household=household, user=user, today=today)
    ]


def archive_panels(household: Household, *, user: User, today: date) -> list[Panel]:
    """The cards the archive's extensions add to the household page for ``user``."""
    panels = (extension.panel(household=household, user=user, today=today) for extension in archive_extensions())
    return [panel for panel in panels if panel is not None]


def difficulties_text(values: Iterable[str]) -> str:
    """The difficulty categories' labels as one text: 养老、经济 in Chinese, "Elderly care, Finance" in English."""
    labels = dict(Household.Difficulty.choices)
    return pgettext("list separator", ", ").join(str(labels.get(v, v)) for v in values)


def _yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")


def archive_sections(household: Household, *, user: User | None = None) -> list[Section]:
    """The archive's sections as ``user`` may see them (accounts.sensitivity: the needs note and the mental-health
    difficulty for medical roles and county staff only). No user: nothing sensitive."""
    village = household.village
    sections = [
        Section(
            "basic",
            _("Basic information"),
            [
                (_("Household number"), household.number),
                (_("County"), household.county.name),
                (_("Town/street"), village.parent.name if village and village.parent_id else "—"),
                (_("Village/community"), village.name if village else _("None (to be fixed)")),
                (_("Address"), household.address or "—"),
                (_("Residence registration"), household.get_residence_display() or "—"),
                (_("Family type"), household.get_family_type_display()),
                (_("Special-assistance certificate number"), household.certificate_number or "—"),
                (_("Date registered"), household.registered_on.isoformat()),
                (_("Status"), household.get_status_display()),
                (_("Living situation"), household.get_living_situation_display() or "—"),
                (_("Registered poverty household"), _yes_no(household.poverty_registered)),
                (_("Subsistence allowance"), _yes_no(household.subsistence_allowance)),
            ],
        ),
        Section(
            "child",
            _("The only child"),
            [
                (_("Name"), household.child_name or "—"),
                (_("Sex"), household.get_child_sex_display() or "—"),
                (_("Birth date"), household.child_birth_date.isoformat() if household.child_birth_date else "—"),
                (
                    _("Date of death")
                    if household.family_type == Household.FamilyType.DEATH
                    else _("Date of disability"),
                    household.child_event_date.isoformat() if household.child_event_date else "—",
                ),
            ]
            + (
                [
                    (_("Disability grade"), household.get_child_disability_grade_display() or "—"),
                    (
                        _("Date the child recovered"),
                        household.child_recovered_on.isoformat() if household.child_recovered_on else "—",
                    ),
                ]
                if household.family_type == Household.FamilyType.DISABILITY
                else []
            )
            + [
                (
                    _("Another child born or adopted"),
                    household.other_child_on.isoformat() if household.other_child_on else "—",
                )
            ],
        ),
        Section(
            "needs",
            _("Difficulties, needs and preferences"),
            [
                (
                    _("Main difficulties"),
                    difficulties_text(visible_values(user, Household, "difficulties", household.difficulties)) or "—",
                ),
                (
                    _("Difficulties and needs"),
                    str(shown(user, Household, "difficulties_note", household.difficulties_note) or "—"),
                ),
                (_("Visit preferences"), household.visit_preferences or "—"),
                (_("Do not disturb"), household.do_not_disturb or "—"),
            ],
        ),
    ]
    if household.status == Household.Status.CLOSED:
        sections.append(
            Section(
                "closed",
                _("Closed"),
                [
                    (_("Reason"), household.get_closed_reason_display()),
                    (_("Date closed"), household.closed_on.isoformat() if household.closed_on else "—"),
                    (_("Note"), household.closed_note or "—"),
                ],
            )
        )
    return sections


# A member's health as the archive shows it: (field, label; "" for the notes, which speak for themselves).
_HEALTH_FIELDS = (
    ("chronic_diseases", gettext_lazy("Chronic")),
    ("major_diseases", gettext_lazy("Major")),
    ("disability", gettext_lazy("Disability")),
    ("health_notes", ""),
)


def member_health(member: Member, *, user: User | None) -> list[tuple[str, str]]:
    """The member's health facts that ``user`` may see, labelled; "(restricted)" in place of those the user may not
    see (empty or not: the page does not tell whether there is something)."""
    restricted = restricted_fields(user, Member)
    facts = [
        (str(label), getattr(member, name))
        for name, label in _HEALTH_FIELDS
        if name not in restricted and getattr(member, name)
    ]
    if any(name in restricted for name, _label in _HEALTH_FIELDS):
        facts.append(("", str(RESTRICTED)))
    return facts


def member_rows(members: Iterable[Member], *, today: date, user: User | None = None) -> list[MemberRow]:
    """Members with their age, masked ID number and phone (the server never sends the full values) and their
    health as ``user`` may see it (no user: nothing of it)."""
    return [
        MemberRow(
            member=m,
            age=member_age(m, today=today),
            id_number=mask_value("id_number", m.id_number or ""),
            phone=mask_value("phone", m.phone or ""),
            age_text=" · ".join(member_age_words(m, today=today)),
            health=member_health(m, user=user),
        )
        for m in members
    ]


@dataclass
class ListMember:
    name: str
    details: str  # role · age, or role · age at death · died 2025-02, in the user's language
    id_number: str  # masked


@dataclass
class ListRow:
    """One household of the list page, its words already in the user's language.

    The page shows 25 of these. Written by the template, ``get_…_display`` and ``{% blocktranslate %}``
    are a large share of the page's Python time (``_get_FIELD_display`` hashes the field's choices on every
    call); here each label is translated once per page.
    """

    household: Household
    place: str  # town · village, or "" when the household has no village
    family_type: str
    members: list[ListMember]
    living_situation: str
    status: str
    # The extensions' columns (households.extensions.ListColumn) in their order, as (label, text): "—" when the
    # household has no value.
    extra: list[tuple[str, str]] = field(default_factory=list)


def _labels(choices: Any) -> dict[str, str]:
    return {value: str(label) for value, label in choices}


def list_rows(households: Sequence[Household], *, today: date, columns: Sequence[ListColumn] = ()) -> list[ListRow]:
    """The rows of the household list: each household with its members (``member_list``), labels and the cells of
    the extensions' ``columns`` (one call of each column for the page)."""
    extra = [(str(column.label), column.values(households, today)) for column in columns]
    family_types = _labels(Household.FamilyType.choices)
    living = _labels(Household.LivingSituation.choices)
    statuses = _labels(Household.Status.choices)
    roles = _labels(Member.Role.choices)
    rows = []
    for household in households:
        village = household.village
        members = []
        for member in household.member_list:
            details = [roles.get(member.role, member.role), *member_age_words(member, today=today)]
            members.append(
                ListMember(
                    name=member.name,
                    details=" · ".join(details),
                    id_number=mask_value("id_number", member.id_number or ""),
                )
            )
        rows.append(
            ListRow(
                household=household,
                place=f"{village.parent.name} · {village.name}" if village else "",
                family_type=family_types.get(household.family_type, household.family_type),
                members=members,
                living_situation=living.get(household.living_situation, ""),
                status=statuses.get(household.status, household.status),
                extra=[(label, values.get(household.pk, "—")) for label, values in extra],
            )
        )
    return rows


def members_table(rows: list[MemberRow]) -> list[list[str]]:
    """The members as a table for the PDF (masked values)."""
    header = [
        _("Name"),
        _("Role"),
        _("Sex"),
        _("Age"),
        _("ID number"),
        _("Phone"),
        _("Alive"),
        _("Self-care"),
        _("Health"),
    ]
    body = [
        [
            r.member.name,
            r.member.get_role_display(),
            r.member.get_sex_display(),
            "" if r.age is None else str(r.age),
            r.id_number,
            r.phone,
            _("Alive")
            if r.member.alive
            else _("Deceased") + (f" {r.member.death_date}" if r.member.death_date else ""),
            r.member.get_self_care_display(),
            "; ".join(text for _label, text in r.health),
        ]
        for r in rows
    ]
    return [header, *body]


# ---------------------------------------------------------------------------------------------------
# Timeline
# ---------------------------------------------------------------------------------------------------

# Beside audit.diff's bookkeeping columns: the household and county a row belongs to, which the page says already.
_HIDDEN_FIELDS = {"county", "household"}
_ACTION_TITLES = {
    "insert": gettext_lazy("created"),
    "update": gettext_lazy("changed"),
    "delete": gettext_lazy("deleted"),
}


def _snapshot(event: Any, model: type) -> dict[str, Any]:
    return {f.name: getattr(event, f.attname) for f in model._meta.concrete_fields}


def _entries(
    events: list[Any], model: type, title: Callable[[Any], str], kind: str, *, reader: User
) -> list[TimelineEntry]:
    """Turn pghistory events (in pgh_id order) into entries with before → after per changed field, as ``reader``
    may see them (audit.diff)."""
    previous: dict[int, dict[str, Any]] = {}
    items = []
    for event in events:
        snapshot = _snapshot(event, model)
        items.append((model, event_pairs(event.pgh_label, previous.get(event.pgh_obj_id), snapshot)))
        previous[event.pgh_obj_id] = snapshot
    rendered = changes_render(items, reader=reader, hidden=_HIDDEN_FIELDS)
    return [
        TimelineEntry(
            at=event.pgh_created_at,
            kind=kind,
            action=event.pgh_label,
            title=f"{title(event)} {_ACTION_TITLES.get(event.pgh_label, event.pgh_label)}",
            username=event_context(event).who,
            changes=[Change(field=c.field, before=c.before, after=c.after) for c in changes],
        )
        for event, changes in zip(events, rendered, strict=True)
    ]


def _event_model(model: type) -> Any:
    """pghistory's event model of a tracked model (households.HouseholdEvent …)."""
    return apps.get_model(model._meta.app_label, f"{model.__name__}Event")


def household_timeline(household: Household, *, user: User) -> list[TimelineEntry]:
    """Everything that happened to the household, newest first."""
    household_events = list(
        _event_model(Household).objects.filter(pgh_obj_id=household.pk).select_related("pgh_context").order_by("pgh_id")
    )
    member_events = list(
        _event_model(Member).objects.filter(household_id=household.pk).select_related("pgh_context").order_by("pgh_id")
    )
    entries = _entries(household_events, Household, lambda e: _("Household"), "household", reader=user)
    entries += _entries(member_events, Member, lambda e: _("Member %(name)s") % {"name": e.name}, "member", reader=user)
    for extension in archive_extensions():
        entries += extension.timeline(household=household, user=user)
    names = user_names(entry.username for entry in entries)
    for entry in entries:
        entry.user_name = names.get(entry.username, "")
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries
