"""Reads of the standards page: the standards that apply in a county, grouped by scheme and start date."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.http import Http404
from django.utils.translation import gettext as _

from benefits.models import BenefitSettings, Level, Scheme, Standard
from benefits.standards.services import standard_uses
from regions.models import Region
from regions.paths import county_path
from regions.scope import user_scope_path


@dataclass
class StandardRow:
    standard: Standard
    editable: bool  # a top-up of the county, its city or its province (not national)
    used: bool  # a payout used it
    locked: bool  # used or in force: only ended, never changed
    deletable: bool


@dataclass
class StandardGroup:
    scheme: str
    label: str
    start: date
    rows: list[StandardRow] = field(default_factory=list)


def user_county(user) -> Region:
    """The county the user's area lies in (a town or village cadre reads their county's standards); 404 for a user
    without an area."""
    path = user_scope_path(user)
    county = Region.objects.filter(level=Region.Level.COUNTY, path=county_path(path)).first() if path else None
    if county is None:
        raise Http404(_("Not found."))
    return county


def standard_get_for_county(*, county: Region, pk: int) -> Standard:
    """A top-up that applies in the county; a national standard or another area's top-up is 404."""
    try:
        return Standard.objects.for_county(county.code).exclude(level=Level.NATIONAL).get(pk=pk)
    except (Standard.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(_("Not found.")) from exc


def standard_groups(*, county: Region, today: date, manage: bool) -> list[StandardGroup]:
    """The county's standards by scheme, then by start date (newest first), with what may be done to each. Two
    queries."""
    standards = list(
        Standard.objects.for_county(county.code)
        .select_related("policy_document")
        .order_by("scheme", "-effective_from", "area_code", "pk")
    )
    used = standard_uses([s.pk for s in standards if s.level != Level.NATIONAL], area_prefix=county.code[:2])
    order = {value: i for i, value in enumerate(Scheme.values)}
    groups: dict[tuple[str, date], StandardGroup] = {}
    for standard in sorted(standards, key=lambda s: (order.get(s.scheme, 99), -s.effective_from.toordinal())):
        key = (standard.scheme, standard.effective_from)
        group = groups.get(key)
        if group is None:
            group = groups[key] = StandardGroup(
                scheme=standard.scheme, label=standard.get_scheme_display(), start=standard.effective_from
            )
        editable = manage and standard.level != Level.NATIONAL
        is_used = standard.pk in used
        group.rows.append(
            StandardRow(
                standard=standard,
                editable=editable,
                used=is_used,
                locked=is_used or standard.effective_from <= today,
                deletable=editable and not is_used,
            )
        )
    return list(groups.values())


def benefit_settings_for_county(*, county: Region) -> BenefitSettings:
    """The county's own row, or an unsaved one holding its province's values (or the defaults) to start from."""
    code = county.code[:6]
    rows = {s.area_code: s for s in BenefitSettings.objects.filter(area_code__in=[code, code[:2]])}
    if code in rows:
        return rows[code]
    start = BenefitSettings(area_code=code, area_name=county.name)
    province = rows.get(code[:2])
    if province is not None:
        for f in BenefitSettings._meta.concrete_fields:
            if f.name not in {"id", "area_code", "area_name", "updated_at"}:
                setattr(start, f.attname, getattr(province, f.attname))
    return start
