"""Coverage snapshots: the share of households that met a rule in a period, per village.

Written by reports.services.coverage_snapshot_refresh (nightly, and for a village after a visit there), read
by the dashboard: the trend of twelve months costs a few hundred rows instead of a scan of a year of visits.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pghistory
import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CoverageSnapshot(models.Model):
    village = models.ForeignKey("regions.Region", on_delete=models.CASCADE, related_name="+")
    rule = models.ForeignKey("visits.Rule", on_delete=models.CASCADE, related_name="+")
    period_key = models.CharField(max_length=20)
    period_start = models.DateField()
    period_end = models.DateField()
    # Households the rule applied to in the period, and those that met it (visits.periods: start to end +
    # grace days); the same for the living members of those households (festival coverage in persons).
    households = models.PositiveIntegerField(default=0)
    met = models.PositiveIntegerField(default=0)
    persons = models.PositiveIntegerField(default=0)
    persons_met = models.PositiveIntegerField(default=0)
    computed_on = models.DateField()  # the day the figures are counted for (as_of)
    computed_at = models.DateTimeField(null=True)  # when they were counted (the page says how fresh they are)

    class Meta:
        verbose_name = _("coverage snapshot")
        verbose_name_plural = _("coverage snapshots")
        constraints = [
            models.UniqueConstraint(fields=["village", "rule", "period_key"], name="snapshot_unique_period"),
            models.CheckConstraint(condition=models.Q(met__lte=models.F("households")), name="snapshot_met_le_total"),
        ]
        indexes = [models.Index(fields=["rule", "period_start"], name="snapshot_rule_period")]

    def __str__(self) -> str:
        return f"{self.village_id} · {self.rule_id} · {self.period_key}"


class FlagSnapshot(models.Model):
    """Open overdue flags per village, rule and age (0: under 14 days, 1: 14–29, 2: 30 or more)."""

    village = models.ForeignKey("regions.Region", on_delete=models.CASCADE, related_name="+")
    rule = models.ForeignKey("visits.Rule", on_delete=models.CASCADE, related_name="+")
    age = models.PositiveSmallIntegerField()
    flags = models.PositiveIntegerField(default=0)
    computed_on = models.DateField()
    computed_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = _("flag snapshot")
        verbose_name_plural = _("flag snapshots")
        constraints = [
            models.UniqueConstraint(fields=["village", "rule", "age"], name="flagsnapshot_unique"),
            models.CheckConstraint(condition=models.Q(age__lte=2), name="flagsnapshot_age_range"),
        ]

    def __str__(self) -> str:
        return f"{self.village_id} · {self.rule_id} · {self.age}"


class ContactSnapshot(models.Model):
    """Households on the roster per village and those with every required contact assigned (contacts app)."""

    village = models.OneToOneField("regions.Region", on_delete=models.CASCADE, related_name="+")
    households = models.PositiveIntegerField(default=0)
    covered = models.PositiveIntegerField(default=0)
    computed_on = models.DateField()
    computed_at = models.DateTimeField(null=True)
    # The last assignment change (contacts' history event id) the figures include: a village with a later change
    # is counted live by the dashboard, so a change of contacts shows at once on every page.
    events_upto = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("contact coverage snapshot")
        verbose_name_plural = _("contact coverage snapshots")
        constraints = [
            models.CheckConstraint(condition=models.Q(covered__lte=models.F("households")), name="contactsnapshot_le"),
        ]

    def __str__(self) -> str:
        return f"{self.village_id} · {self.covered}/{self.households}"


class MedicalSnapshot(models.Model):
    """The medical coverages per village (三个全覆盖, issue 16 part 8), counted by the nightly medical step
    (reports.services.medical_snapshot_refresh) with the definitions of reports.selectors' live count:

    * living members of the households on the roster, and those holding a green-channel card (a dedicated card
      not withdrawn, or the certificate / the contact card where the county counts them);
    * willing households (on the roster, not having refused: their latest contract ended for "refused service"
      or "ended by the resident" and none runs), those signed with a family doctor (a contract running), and
      those signed but not served (a contract signed ``unserved_days`` ago or more and no doctor's contact since);
    * members due a health check this year (the county's age) and those checked.
    """

    village = models.OneToOneField("regions.Region", on_delete=models.CASCADE, related_name="+")
    persons = models.PositiveIntegerField(default=0)
    card_holders = models.PositiveIntegerField(default=0)
    willing = models.PositiveIntegerField(default=0)
    signed = models.PositiveIntegerField(default=0)
    unserved = models.PositiveIntegerField(default=0)
    checks_due = models.PositiveIntegerField(default=0)
    checks_done = models.PositiveIntegerField(default=0)
    computed_on = models.DateField()
    computed_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = _("medical coverage snapshot")
        verbose_name_plural = _("medical coverage snapshots")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    card_holders__lte=models.F("persons"),
                    signed__lte=models.F("willing"),
                    unserved__lte=models.F("signed"),
                    checks_done__lte=models.F("checks_due"),
                ),
                name="medicalsnapshot_le",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.village_id} · {self.signed}/{self.willing}"


# ------------------------------------------------------------------------------------------ statistical reports
# The statistical forms' lifecycle (issue 17 parts 4–5, docs/REPORTS.md §Lifecycle): one Report per template, unit
# and period ("not started" is the absence of a row), its cells (counted, typed, reason), a logged event per state
# change, the deadlines a county or a city sets and the reminders sent before them. The layouts are code
# (reports.statforms.spec); the services are reports.statforms.services.


class ReportQuerySet(models.QuerySet["Report"]):
    def readable_by(self, user: Any) -> ReportQuerySet:
        """The reports whose unit lies where ``user`` reads figures (regions.selectors.figure_paths: a city user
        reads its counties' reports too); nothing for a user without an area."""
        from regions.selectors import figure_paths_q

        region = getattr(user, "region", None)
        if region is None or not getattr(user, "is_active", False) or not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(figure_paths_q(region=region, lookup="unit__path"))


def _template_choices() -> list[tuple[str, Any]]:
    from reports.statforms.spec import TEMPLATES

    return [(code, template.name) for code, template in TEMPLATES.items()]


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Report(models.Model):
    """One unit's form for one period. Its values are frozen at submission (ReportValue rows); a submitted report
    is edited by nobody — the level above returns or reopens it (a logged act with a reason)."""

    class State(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("report state", "Draft")
        SUBMITTED = "submitted", pgettext_lazy("report state", "Submitted")
        ACCEPTED = "accepted", pgettext_lazy("report state", "Accepted")
        RETURNED = "returned", pgettext_lazy("report state", "Returned")
        LOCKED = "locked", pgettext_lazy("report state", "Locked")

    # The states in which the unit has reported for the period (completeness's "actual").
    REPORTED_STATES = ("submitted", "accepted", "locked")

    template = models.CharField(_("form"), max_length=40, choices=_template_choices)
    unit = models.ForeignKey(
        "regions.Region", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="stat_reports"
    )
    period_kind = models.CharField(_("period kind"), max_length=10)
    period_key = models.CharField(_("period"), max_length=10)
    period_start = models.DateField()
    period_end = models.DateField()
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    nil = models.BooleanField(_("nil report"), default=False)  # nothing to report: distinct from no report
    deadline = models.DateField(_("deadline"), null=True, blank=True)  # in force when last submitted
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    return_reason = models.CharField(_("reason for returning"), max_length=500, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("statistical report")
        verbose_name_plural = _("statistical reports")
        ordering = ["-period_start", "template", "unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["template", "unit", "period_key"], name="statreport_one_per_period"),
            models.CheckConstraint(
                condition=Q(state__in=["draft", "submitted", "accepted", "returned", "locked"]),
                name="statreport_state_valid",
            ),
            models.CheckConstraint(condition=Q(period_end__gte=F("period_start")), name="statreport_period_order"),
            models.CheckConstraint(
                condition=~Q(state="returned") | ~Q(return_reason=""), name="statreport_return_reason"
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["submitted", "accepted", "locked"]) | Q(submitted_at__isnull=False),
                name="statreport_submitted_at",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["accepted", "locked"]) | Q(decided_at__isnull=False),
                name="statreport_decided_at",
            ),
        ]
        indexes = [models.Index(fields=["template", "period_key", "state"], name="statreport_completeness")]

    def __str__(self) -> str:
        return f"{self.template} · {self.unit_id} · {self.period_key}"

    @property
    def is_reported(self) -> bool:
        return self.state in self.REPORTED_STATES

    @property
    def on_time(self) -> bool | None:
        """Submitted on or before its deadline (the latest submission counts); None when not reported."""
        if not self.is_reported or self.submitted_at is None:
            return None
        if self.deadline is None:
            return True
        return timezone.localtime(self.submitted_at).date() <= self.deadline


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class ReportValue(models.Model):
    """One cell of a report: ``row`` is a child unit (``row_unit``), the unit's own level or the total; ``counted``
    is what the records gave (frozen at submission), ``typed`` what staff entered (None: as counted), with a
    reason when it is below the count."""

    class Row(models.TextChoices):
        CHILD = "child", _("Child unit")
        OWN = "own", pgettext_lazy("report row", "Own level")
        TOTAL = "total", pgettext_lazy("report row", "Total")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="values")
    row = models.CharField(max_length=5, choices=Row.choices)
    row_unit = models.ForeignKey("regions.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    column = models.CharField(max_length=40)
    counted = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    typed = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("report value")
        verbose_name_plural = _("report values")
        constraints = [
            models.UniqueConstraint(
                fields=["report", "row", "row_unit", "column"], name="statvalue_one_per_cell", nulls_distinct=False
            ),
            models.CheckConstraint(
                condition=(Q(row="child") & Q(row_unit__isnull=False)) | (~Q(row="child") & Q(row_unit__isnull=True)),
                name="statvalue_row_unit",
            ),
            models.CheckConstraint(
                condition=(Q(counted__isnull=True) | Q(counted__gte=0)) & (Q(typed__isnull=True) | Q(typed__gte=0)),
                name="statvalue_not_negative",
            ),
            # A figure typed below the count the records give needs a reason.
            models.CheckConstraint(
                condition=Q(typed__isnull=True) | Q(counted__isnull=True) | Q(typed__gte=F("counted")) | ~Q(reason=""),
                name="statvalue_below_count_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report_id} · {self.row}:{self.row_unit_id} · {self.column}"

    @property
    def value(self) -> Decimal | None:
        return self.typed if self.typed is not None else self.counted


class ReportTransition(models.Model):
    """One state change of a report, logged: who, when, from, to, why."""

    class Action(models.TextChoices):
        OPEN = "open", pgettext_lazy("report action", "Opened")
        NIL = "nil", pgettext_lazy("report action", "Marked nil")
        SUBMIT = "submit", pgettext_lazy("report action", "Submitted")
        ACCEPT = "accept", pgettext_lazy("report action", "Accepted")
        RETURN = "return", pgettext_lazy("report action", "Returned")
        LOCK = "lock", pgettext_lazy("report action", "Locked")
        REOPEN = "reopen", pgettext_lazy("report action", "Reopened")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="transitions")
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    from_state = models.CharField(pgettext_lazy("state", "from"), max_length=10, blank=True)
    to_state = models.CharField(pgettext_lazy("state", "to"), max_length=10)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("report state change")
        verbose_name_plural = _("report state changes")
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(action__in=["return", "reopen"]) | ~Q(reason=""), name="stattransition_reason"
            ),
        ]
        # The log is append-only: what was decided, was decided (audit.triggers never lets it be ignored).
        triggers = [pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.report_id}: {self.from_state} → {self.to_state}"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class ReportDeadline(models.Model):
    """A county's or a city's deadline for a template and a level of its area: the day of the month after the
    period (a day past the month's end means its last day), and how many days before it reminders go out. Without
    a row the template's default (spec.FormTemplate.deadlines) applies, reminders 3 days before."""

    region = models.ForeignKey("regions.Region", verbose_name=_("set by"), on_delete=models.CASCADE, related_name="+")
    template = models.CharField(_("form"), max_length=40, choices=_template_choices)
    level = models.CharField(_("level"), max_length=10)
    day = models.PositiveSmallIntegerField(_("day of the next month"))
    reminder_days = models.PositiveSmallIntegerField(_("reminder days before"), default=3)

    class Meta:
        verbose_name = _("report deadline")
        verbose_name_plural = _("report deadlines")
        constraints = [
            models.UniqueConstraint(fields=["region", "template", "level"], name="statdeadline_unique"),
            models.CheckConstraint(condition=Q(day__gte=1, day__lte=31), name="statdeadline_day_range"),
            models.CheckConstraint(condition=Q(reminder_days__lte=15), name="statdeadline_reminder_range"),
            models.CheckConstraint(
                condition=Q(level__in=["village", "town", "county", "city"]), name="statdeadline_level_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region_id} · {self.template} · {self.level}: {self.day}"


class ReportReminder(models.Model):
    """A reminder that a unit's form is due, to one filler. The inbox of visits holds a household's messages (a
    household is required there); a form's reminder is not about a household, so it lives here, is shown on the
    reports' pages and goes out by email/SMS (visits.channels). Unique per user, form, unit and period: a job run
    twice reminds once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_reminders")
    template = models.CharField(max_length=40)
    unit = models.ForeignKey("regions.Region", on_delete=models.CASCADE, related_name="+")
    period_key = models.CharField(max_length=10)
    deadline = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("report reminder")
        verbose_name_plural = _("report reminders")
        ordering = ["deadline", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "template", "unit", "period_key"], name="statreminder_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.template} · {self.unit_id} · {self.period_key}"


# ------------------------------------------------------------------------------------------ statistical form counts
# The figure snapshots of the statistical forms (docs/REPORTS.md §Snapshots): each measure counted per node for a
# period by reports.statforms.snapshots.statform_counts_refresh (nightly, and "Count again now"), one county and
# period at a time, read by the form pages and exports instead of counting the records on every request.


class StatformCount(models.Model):
    """One measure's count at one node (the region its facts are attributed to) for one period. A node or a measure
    without facts has no row (0), as in the live count. ``county``: the county whose refresh wrote it."""

    county = models.ForeignKey("regions.Region", on_delete=models.CASCADE, related_name="+", db_index=False)
    region = models.ForeignKey("regions.Region", on_delete=models.CASCADE, related_name="+", db_index=False)
    period_key = models.CharField(max_length=10)
    measure = models.CharField(max_length=60)
    value = models.DecimalField(max_digits=16, decimal_places=2)

    class Meta:
        verbose_name = _("statistical form count")
        verbose_name_plural = _("statistical form counts")
        constraints = [
            models.UniqueConstraint(fields=["region", "period_key", "measure"], name="statcount_unique"),
            models.CheckConstraint(condition=Q(value__gte=0), name="statcount_not_negative"),
        ]
        indexes = [models.Index(fields=["county", "period_key"], name="statcount_county_period")]

    def __str__(self) -> str:
        return f"{self.region_id} · {self.period_key} · {self.measure}: {self.value}"


class StatformCountStamp(models.Model):
    """A county's counts for a period are whole: when they were counted, the day the coverage measures were taken
    on, and which measures they hold (a form reads the snapshot only when every county under it holds its
    measures)."""

    county = models.ForeignKey("regions.Region", on_delete=models.CASCADE, related_name="+", db_index=False)
    period_key = models.CharField(max_length=10)
    computed_at = models.DateTimeField()
    as_of = models.DateField()  # the coverage day (reports.statforms.measures.coverage_day) of the count
    measures = ArrayField(models.CharField(max_length=60), default=list)

    class Meta:
        verbose_name = _("statistical form count stamp")
        verbose_name_plural = _("statistical form count stamps")
        constraints = [
            models.UniqueConstraint(fields=["county", "period_key"], name="statcountstamp_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.county_id} · {self.period_key} · {self.computed_at:%Y-%m-%d %H:%M}"
