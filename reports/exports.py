"""Every figure of the coverage dashboard as an xlsx workbook (formula-injection safe)."""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from households.exports import xlsx_safe
from reports.selectors import Dashboard


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def freshness(dashboard: Dashboard) -> str:
    """How fresh the figures are, as the page says it: counted live (a village) or as of the snapshots' time."""
    if dashboard.child_level == "household":
        now = timezone.localtime().strftime("%Y-%m-%d %H:%M")
        return _("Live figures, counted at %(time)s.") % {"time": now}
    if dashboard.fresh_at is not None:
        at = timezone.localtime(dashboard.fresh_at).strftime("%Y-%m-%d %H:%M")
        return _("Area figures as of %(time)s; a change of contacts shows at once.") % {"time": at}
    if dashboard.computed_on is not None:
        return _("Area figures as of %(day)s.") % {"day": dashboard.computed_on.isoformat()}
    return ""


def dashboard_xlsx(dashboard: Dashboard) -> bytes:
    workbook = Workbook(write_only=True)
    areas = workbook.create_sheet(_("Coverage"))
    areas.append([xlsx_safe(f"{dashboard.region.name} · {dashboard.as_of.isoformat()} · {freshness(dashboard)}")])
    areas.append(
        [
            _("Area / household"),
            _("Households"),
            _("Every required contact assigned"),
            _("Share"),
            _("Monthly contact: households"),
            _("Monthly contact: met"),
            _("Monthly contact rate"),
            _("Quarterly home visit: households"),
            _("Quarterly home visit: met"),
            _("Quarterly home-visit rate"),
            _("Festival: households"),
            _("Festival: households visited"),
            _("Festival: persons"),
            _("Festival: persons visited"),
            _("Open overdue flags"),
            _("Designated institutions"),
            _("Institutions with a working green channel"),
            _("Living members"),
            _("Members holding a green-channel card"),
            _("Card share"),
            _("Willing households"),
            _("Signed with a family doctor"),
            _("Signed share"),
            _("Signed but not served"),
            _("Health checks due"),
            _("Health checks done"),
        ]
    )
    for row in [*dashboard.rows, None]:
        label, f = (row.label, row.figures) if row is not None else (_("Total"), dashboard.total)
        areas.append(
            [
                xlsx_safe(label),
                f.households,
                f.contacts_covered,
                _pct(f.contacts_share),
                f.month_households,
                f.month_met,
                _pct(f.month_rate),
                f.quarter_households,
                f.quarter_met,
                _pct(f.quarter_rate),
                f.festival_households,
                f.festival_met,
                f.festival_persons,
                f.festival_persons_met,
                f.open_flags,
                f.institutions,
                f.institutions_working,
                f.persons,
                f.card_holders,
                _pct(f.cards_share),
                f.willing,
                f.signed,
                _pct(f.signed_share),
                f.unserved,
                f.checks_due,
                f.checks_done,
            ]
        )
    flags = workbook.create_sheet(_("Open flags"))
    flags.append([_("Rule"), _("Open under 14 days"), _("14 to 29 days"), _("30 days or more"), _("Total")])
    for item in dashboard.flags_by_rule:
        flags.append([xlsx_safe(_(item.rule.name)), *item.buckets, item.total])
    trend = workbook.create_sheet(_("Trend"))
    trend.append([_("Month"), _("Households"), _("Contacted"), _("Monthly contact rate")])
    for key, n, met in dashboard.trend:
        trend.append([key, n, met, _pct(met / n if n else None)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
