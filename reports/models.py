"""Coverage snapshots: the share of households that met a rule in a period, per village.

Written by reports.services.coverage_snapshot_refresh (nightly, and for a village after a visit there), read
by the dashboard: the trend of twelve months costs a few hundred rows instead of a scan of a year of visits.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


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
