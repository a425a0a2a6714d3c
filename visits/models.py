"""Visits and contacts (走访/联系), the rules they must keep, the overdue flags and the inbox.

docs/DOMAIN.md §Four-on-one contacts and §Visits. The meaning of every rule's period is
defined once, in visits.periods; the engine that opens and closes flags is visits.engine.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.roles import Capability, Role
from households.models import Household, HouseholdScopedQuerySet
from regions.scope import ScopedQuerySet
from visits.messages import message_text

if TYPE_CHECKING:
    from accounts.models import User


class _HouseholdScopedQuerySet(HouseholdScopedQuerySet):
    """Rows that belong to a household: visible where the household is."""

    household_prefix = "household__"


class VisitQuerySet(_HouseholdScopedQuerySet):
    pass


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Visit(models.Model):
    """One contact with a household: a home visit, a call, an online contact (走访/联系记录)."""

    class Method(models.TextChoices):
        HOME = "home", _("Home visit (入户)")
        PHONE = "phone", _("Phone (电话)")
        ONLINE = "online", _("Online (网络)")
        OTHER = "other", _("Other (其他)")

    class Purpose(models.TextChoices):
        ROUTINE = "routine", _("Routine visit (日常走访)")
        FESTIVAL = "festival", _("Festival visit (节日看望)")
        BIRTHDAY = "birthday", _("Birthday (生日陪伴)")
        HOSPITAL = "hospital", _("Hospital visit (住院探望)")
        EMERGENCY = "emergency", _("Emergency (突发事件)")
        EVENT = "event", _("Event-triggered (事件触发)")

    class VisitorRole(models.TextChoices):
        # The contact roles of contacts.ServicePerson.RoleType, plus staff and anyone else.
        TOWN_LEADER = "town_leader", _("Town/street leader cadre")
        VILLAGE_CADRE = "village_cadre", _("Village/community cadre")
        FAMILY_DOCTOR = "family_doctor", _("Family doctor")
        ASSOCIATION_MEMBER = "association_member", _("Association member")
        VOLUNTEER = "volunteer", _("Volunteer")
        STAFF = "staff", _("Association staff")
        OTHER = "other", _("Other")

    household = models.ForeignKey(
        "households.Household", verbose_name=_("household"), on_delete=models.PROTECT, related_name="visits"
    )
    date = models.DateField(_("date"))
    # Who visited: the visitor's role at the time is kept on the visit, so a rule such as "the family
    # doctor's monthly home visit" still counts a visit after the doctor has changed.
    visitor = models.ForeignKey(
        "contacts.ServicePerson",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visits",
    )
    visitor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("visitor (login)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="visits",
    )
    visitor_name = models.CharField(_("visitor"), max_length=50, blank=True)
    visitor_role = models.CharField(_("visitor's role"), max_length=20, choices=VisitorRole.choices)
    method = models.CharField(_("method"), max_length=8, choices=Method.choices)
    purpose = models.CharField(_("purpose"), max_length=10, choices=Purpose.choices, default=Purpose.ROUTINE)
    health = models.TextField(_("health"), blank=True)
    mood = models.TextField(_("mood"), blank=True)
    living_conditions = models.TextField(_("living conditions"), blank=True)
    needs = models.TextField(_("needs"), blank=True)
    help_given = models.TextField(_("help given"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(date__gte="2000-01-01"), name="visit_date_plausible"),
            models.CheckConstraint(
                condition=Q(method__in=["home", "phone", "online", "other"]), name="visit_method_valid"
            ),
        ]
        indexes = [
            # The engine's probe: "a visit of this household of these methods since a date".
            models.Index(fields=["household", "date", "method", "visitor_role"], name="visit_household_date"),
            models.Index(fields=["date"], name="visit_date"),
        ]

    def __str__(self) -> str:
        return f"{self.household} · {self.date} · {self.get_method_display()}"

    @property
    def is_emergency(self) -> bool:
        return self.purpose == self.Purpose.EMERGENCY

    # Correcting a logged visit (docs/RULES.md "Correcting a visit"): county staff and town cadres correct any
    # visit of their area at any time; whoever logged a visit corrects it for CORRECTION_DAYS days after
    # logging it (a mistake is seen within the week; after that the town, which checks the work, corrects it).
    CORRECTION_DAYS = 7
    CORRECTORS_ANY_TIME = frozenset({Role.COUNTY_STAFF, Role.TOWN_CADRE})

    def correctable_by(self, user: User, *, today: date) -> bool:
        """Whether the user's role and authorship allow editing or deleting this visit on ``today``.

        The area is the gatekeeper's (accounts.scope): the services check both.
        """
        if not getattr(user, "is_authenticated", False) or not user.has_capability(Capability.LOG_VISITS):
            return False
        if user.role in self.CORRECTORS_ANY_TIME:
            return True
        logged_on = timezone.localdate(self.created_at) if self.created_at else today
        return self.recorded_by_id == user.pk and today <= logged_on + timedelta(days=self.CORRECTION_DAYS)


class FollowUpQuerySet(HouseholdScopedQuerySet):
    household_prefix = "visit__household__"

    def open_owned_by(self, user: User) -> FollowUpQuerySet:
        """The open actions a user owns, of households still active."""
        return self.filter(owner=user, status=FollowUp.Status.OPEN, visit__household__status=Household.Status.ACTIVE)


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class FollowUp(models.Model):
    """A follow-up action agreed at a visit, with a due date, an owner and an outcome."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")

    visit = models.ForeignKey(Visit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="follow_ups")
    action = models.CharField(_("action"), max_length=200)
    due_on = models.DateField(_("due date"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="follow_ups",
    )
    status = models.CharField(_("status"), max_length=4, choices=Status.choices, default=Status.OPEN)
    outcome = models.TextField(_("outcome"), blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow-up action")
        verbose_name_plural = _("follow-up actions")
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(action=""), name="followup_action_not_blank"),
            models.CheckConstraint(
                condition=Q(status="open", done_on__isnull=True) | Q(status="done", done_on__isnull=False),
                name="followup_done_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.action


class RuleSetQuerySet(ScopedQuerySet):
    scope_path_lookup = "county__path"


class RuleSet(models.Model):
    """The rules of one county (editable by its staff) and when an open flag escalates."""

    county = models.OneToOneField(
        "regions.Region", verbose_name=_("county"), on_delete=models.PROTECT, related_name="visit_rule_set"
    )
    escalate_town_after_days = models.PositiveSmallIntegerField(
        _("escalate to the town after (days)"),
        default=14,
        help_text=_("An overdue flag still open this many days after it opened is reported to the town."),
    )
    escalate_county_after_days = models.PositiveSmallIntegerField(
        _("escalate to the county after (days)"),
        default=30,
        help_text=_("An overdue flag still open this many days after it opened is reported to the county."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = RuleSetQuerySet.as_manager()

    class Meta:
        verbose_name = _("rule set")
        verbose_name_plural = _("rule sets")
        constraints = [
            models.CheckConstraint(
                condition=Q(escalate_county_after_days__gt=models.F("escalate_town_after_days")),
                name="ruleset_county_after_town",
            ),
            models.CheckConstraint(condition=Q(escalate_town_after_days__gte=1), name="ruleset_town_after_positive"),
        ]

    def __str__(self) -> str:
        return str(self.county)


class RuleQuerySet(ScopedQuerySet):
    scope_path_lookup = "rule_set__county__path"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Rule(models.Model):
    """One requirement a household must meet each period (see visits.periods for the definitions)."""

    class Mode(models.TextChoices):
        OVERDUE = "overdue", _("Requirement (overdue when missed)")
        REMINDER = "reminder", _("Reminder (while the window runs)")

    class PeriodKind(models.TextChoices):
        WEEK = "week", _("Every week (Monday to Sunday)")
        MONTH = "month", _("Every calendar month")
        QUARTER = "quarter", _("Every calendar quarter")
        SPRING_FESTIVAL = "spring_festival", _("Spring Festival (春节)")
        MID_AUTUMN = "mid_autumn", _("Mid-Autumn Festival (中秋)")
        QINGMING = "qingming", _("Qingming (清明)")
        DEATH_ANNIVERSARY = "death_anniversary", _("Anniversary of the child's death")
        # Periods opened one by one by an event another app records (a hospital discharge: medical), each a
        # visits.EventPeriod row: met by a visit that counts from its start, due on its due date.
        EVENT = "event", _("After an event (a hospital discharge …)")

    class AppliesTo(models.TextChoices):
        ALL = "all", _("Every active household")
        CARE_DEPENDENT = "care_dependent", _("Households with a living disabled or semi-disabled member (失能/半失能)")
        BEREAVED = "bereaved", _("Households whose only child died (失独)")

    WINDOW_PERIODS = frozenset(
        {PeriodKind.SPRING_FESTIVAL, PeriodKind.MID_AUTUMN, PeriodKind.QINGMING, PeriodKind.DEATH_ANNIVERSARY}
    )

    rule_set = models.ForeignKey(RuleSet, verbose_name=_("rule set"), on_delete=models.CASCADE, related_name="rules")
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    mode = models.CharField(_("kind"), max_length=8, choices=Mode.choices, default=Mode.OVERDUE)
    period = models.CharField(_("period"), max_length=20, choices=PeriodKind.choices)
    methods = ArrayField(
        models.CharField(max_length=8, choices=Visit.Method.choices),
        verbose_name=_("methods that count"),
        help_text=_("A visit counts only if made in one of these ways."),
    )
    by_family_doctor = models.BooleanField(
        _("only visits by a family doctor count"),
        default=False,
        help_text=_("The family doctor under contract (家庭签约医生)."),
    )
    applies_to = models.CharField(_("applies to"), max_length=16, choices=AppliesTo.choices, default=AppliesTo.ALL)
    window_before_days = models.PositiveSmallIntegerField(_("window: days before the date"), default=0)
    window_after_days = models.PositiveSmallIntegerField(_("window: days after the date"), default=0)
    grace_days = models.PositiveSmallIntegerField(
        _("grace days"), default=0, help_text=_("A visit this many days after the period still counts for it.")
    )
    lapse_after_days = models.PositiveSmallIntegerField(
        _("a missed festival lapses after (days)"),
        default=30,
        help_text=_("Festivals only: a flag nobody closed is dropped this many days after the window."),
    )
    # A condition on the years since the loss (medical.mental, grief-aware cadence): the rule applies only to a
    # period that starts within this many years after the child's death (Household.child_event_date of a 失独
    # family). Empty: no condition.
    loss_within_years = models.PositiveSmallIntegerField(
        _("only in the first years after the loss"),
        null=True,
        blank=True,
        help_text=_("Bereaved families only: periods starting within this many years of the death."),
    )
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(default=0)

    objects = RuleQuerySet.as_manager()

    class Meta:
        verbose_name = _("rule")
        verbose_name_plural = _("rules")
        ordering = ["rule_set_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["rule_set", "code"], name="rule_code_unique_per_set"),
            models.CheckConstraint(condition=~Q(methods=[]), name="rule_has_methods"),
            models.CheckConstraint(
                condition=Q(grace_days__lte=60, window_before_days__lte=60, window_after_days__lte=60),
                name="rule_days_in_range",
            ),
            # The anniversary of a child's death is a reminder to the bereaved parents' contacts, nothing else.
            models.CheckConstraint(
                condition=Q(period="death_anniversary", applies_to="bereaved", mode="reminder")
                | ~Q(period="death_anniversary"),
                name="rule_anniversary_is_reminder",
            ),
            models.CheckConstraint(
                condition=Q(loss_within_years__isnull=True)
                | Q(loss_within_years__gte=1, loss_within_years__lte=20, applies_to="bereaved"),
                name="rule_loss_years_bereaved",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_window(self) -> bool:
        return self.period in self.WINDOW_PERIODS

    @property
    def method_labels(self) -> list[str]:
        labels = dict(Visit.Method.choices)
        return [str(labels.get(m, m)) for m in self.methods]


class EventPeriodQuerySet(_HouseholdScopedQuerySet):
    pass


class EventPeriod(models.Model):
    """A period of a rule of kind "event" for one household, opened by an event another app records.

    The seam for event-driven requirements (docs/RULES.md "Events"): an app above visits (medical's hospital
    discharge) writes a row through ``visits.services.rule_events_write``; the engine treats it as the rule's
    period for that household — met by a visit that counts (methods, family doctor) dated from ``start``, due on
    ``due``, overdue after ``due`` + grace days, lapsed ``lapse_after_days`` later — with the same flags, worklist,
    supervision and notifications as any rule.
    """

    household = models.ForeignKey(
        "households.Household", verbose_name=_("household"), on_delete=models.CASCADE, related_name="event_periods"
    )
    rule = models.ForeignKey(Rule, verbose_name=_("rule"), on_delete=models.CASCADE, related_name="event_periods")
    # The flag's period key ("behind since …"): the event's day, YYYY-MM-DD (sorts as the events do).
    key = models.CharField(_("period"), max_length=20)
    start = models.DateField(_("period start"))
    due = models.DateField(_("due date"))
    # What opened it, for the app that owns it ("medical.channeluse:12"): rewritten or deleted by that app.
    source = models.CharField(max_length=60)

    objects = EventPeriodQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["household", "rule", "key"], name="eventperiod_unique_key"),
            models.CheckConstraint(condition=Q(due__gte=models.F("start")), name="eventperiod_due_after_start"),
        ]
        indexes = [
            models.Index(fields=["rule", "due"], name="eventperiod_rule_due"),
            models.Index(fields=["source"], name="eventperiod_source"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} · {self.rule_id} · {self.key}"


class OverdueFlagQuerySet(_HouseholdScopedQuerySet):
    def open(self) -> OverdueFlagQuerySet:
        return self.filter(closed_on__isnull=True)


class OverdueFlag(models.Model):
    """A household behind on a rule since a period (or a reminder running). Written by visits.engine only."""

    class CloseReason(models.TextChoices):
        MET = "met", _("Requirement met")
        LAPSED = "lapsed", _("No longer applies")

    class Level(models.IntegerChoices):
        CONTACT = 0, _("Responsible contact")
        TOWN = 1, _("Town/street")
        COUNTY = 2, _("County")

    household = models.ForeignKey(
        "households.Household", verbose_name=_("household"), on_delete=models.CASCADE, related_name="overdue_flags"
    )
    rule = models.ForeignKey(Rule, verbose_name=_("rule"), on_delete=models.CASCADE, related_name="flags")
    period_key = models.CharField(_("period"), max_length=20)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closed_reason = models.CharField(_("reason closed"), max_length=8, choices=CloseReason.choices, blank=True)
    # Closed as met: the day from which a visit met it (the start of the period the engine asked about). If
    # no visit that counts is dated from that day any more (deleted, or corrected to another date, method or
    # visitor), the engine opens this same flag again, with its escalation (docs/RULES.md "Correcting a visit").
    met_from = models.DateField(_("met by a visit from"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalated to"), choices=Level.choices, default=Level.CONTACT)
    escalated_on = models.DateField(_("escalated on"), null=True, blank=True)
    # The level whose notifications have been written (visits.services.notifications_refresh); null: none yet.
    notified_level = models.PositiveSmallIntegerField(null=True, blank=True)

    objects = OverdueFlagQuerySet.as_manager()

    class Meta:
        verbose_name = _("overdue flag")
        verbose_name_plural = _("overdue flags")
        ordering = ["opened_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["household", "rule", "period_key"], name="flag_unique_period"),
            # At most one open flag per household and rule: the flag says "behind since <period>".
            models.UniqueConstraint(
                fields=["household", "rule"], condition=Q(closed_on__isnull=True), name="flag_one_open_per_rule"
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True, closed_reason="")
                | (Q(closed_on__isnull=False) & ~Q(closed_reason="")),
                name="flag_closed_has_reason",
            ),
            models.CheckConstraint(condition=Q(escalation_level__lte=2), name="flag_level_range"),
        ]
        indexes = [
            models.Index(fields=["household"], condition=Q(closed_on__isnull=True), name="flag_open_household"),
            # The engine's escalation step reads only the open flags that may still rise.
            models.Index(
                fields=["opened_on"],
                condition=Q(closed_on__isnull=True, escalation_level__lt=2),
                name="flag_escalation_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household} · {self.rule} · {self.period_key}"

    @property
    def is_open(self) -> bool:
        return self.closed_on is None

    @property
    def waits_for(self) -> str:
        """Who must act (docs/RULES.md "Who must act"): "family_doctor" when only a family doctor's visit clears
        the flag (the rule's "only visits by a family doctor count"), else "any_contact"."""
        return "family_doctor" if self.rule.by_family_doctor else "any_contact"

    @property
    def waits_for_label(self) -> str:
        if self.rule.by_family_doctor:
            return gettext("waiting for the family doctor")
        return gettext("any contact")

    @property
    def summary(self) -> str:
        """The flag in a few words, as the worklist shows it (the rule's name in the user's language)."""
        rule_name = gettext(self.rule.name)
        if self.rule.mode == Rule.Mode.REMINDER:
            return f"{rule_name} · {self.period_start:%m-%d}–{self.period_end:%m-%d}"
        return gettext("Overdue: %(rule)s (since %(period)s)") % {"rule": rule_name, "period": self.period_key}


class HouseholdUrgency(models.Model):
    """A household's place in the worklist ("my households"), written by visits.engine with the flags.

    The order (docs/RULES.md "The worklist's order"): overdue first — the most escalated, then the oldest
    flag — then a reminder running (the soonest to end), then the rest by the date they are next due (the
    earliest end of a running period not met yet; none: last). Kept per household so that the page is one
    indexed query and a page of rows, whatever the number of households.
    """

    class Rank(models.IntegerChoices):  # never shown: the order only
        OVERDUE = 0
        REMINDER = 1
        DUE = 2

    household = models.OneToOneField(
        "households.Household", primary_key=True, on_delete=models.CASCADE, related_name="urgency"
    )
    rank = models.PositiveSmallIntegerField(choices=Rank.choices)
    # Overdue: the highest escalation level of its open overdue flags (0 otherwise).
    escalation_level = models.PositiveSmallIntegerField(default=0)
    # Within the rank: overdue, the day the oldest open flag opened; reminder, the end of the soonest window;
    # otherwise the next due date.
    urgent_on = models.DateField(null=True)
    next_due = models.DateField(null=True)
    # The same place as a contact who is not a family doctor sees it: the family doctor's rules left out (only a
    # doctor's visit clears them, docs/RULES.md "Who must act"). A village cadre's worklist is in this order.
    contact_rank = models.PositiveSmallIntegerField(choices=Rank.choices, default=Rank.DUE)
    contact_level = models.PositiveSmallIntegerField(default=0)
    contact_urgent_on = models.DateField(null=True)
    contact_next_due = models.DateField(null=True)
    # The day the oldest open overdue flag of a family doctor's rule opened (None: none open): the household
    # waits for the doctor.
    doctor_since = models.DateField(null=True)
    # What the household list sorts by (households.extensions.ListColumn, visits.extension): the day of the last
    # contact inside the window the engine reads (None: none in it — never, or longer ago), and the number of
    # open overdue flags.
    last_contact = models.DateField(null=True)
    open_overdue = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(rank__lte=2, escalation_level__lte=2, contact_rank__lte=2, contact_level__lte=2),
                name="urgency_ranges",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} · {self.rank} · {self.urgent_on}"


class NotificationQuerySet(_HouseholdScopedQuerySet):
    """A user's messages are read through the area scope too: a user moved to another area, or left with none,
    no longer reads the old area's messages (``inbox_for_user``)."""

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One message in a user's inbox. ``key`` makes every message unique per user: no duplicates."""

    class Kind(models.TextChoices):
        OVERDUE = "overdue", _("Overdue")
        REMINDER = "reminder", _("Reminder")
        ESCALATED_TOWN = "escalated_town", _("Escalated to the town")
        ESCALATED_COUNTY = "escalated_county", _("Escalated to the county")
        EMERGENCY = "emergency", _("Emergency report")
        # A payout line the bank refused (benefits.payouts): the village contact fixes the account on the next visit.
        BANK_ACCOUNT = "bank_account", _("Bank account to fix")
        # An insurance claim's missing documents (benefits.insurance): the village contact collects them.
        INSURANCE_DOCUMENTS = "insurance_docs", _("Insurance documents to collect")
        # medical.mental: an urgent visit to the household (the message says nothing of why: medical.mental.services).
        URGENT_VISIT = "urgent_visit", _("Urgent visit")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    key = models.CharField(max_length=60)
    household = models.ForeignKey(
        "households.Household", verbose_name=_("household"), on_delete=models.CASCADE, related_name="+"
    )
    flag = models.ForeignKey(OverdueFlag, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # An emergency message stays in the inbox when its visit is deleted (what was said, was said).
    visit = models.ForeignKey(Visit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # What the message means: its kind and these parameters (household number, place, rule, period, level, days;
    # for an emergency the date and the needs), said in the reader's language when read (visits.messages).
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    # The text as written, in the portal's language: what a message stored before ``params`` shows.
    message = models.CharField(_("message"), max_length=300)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    # Email and SMS go out in batches (visits.tasks.notifications_deliver); set when they have.
    delivered_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="notification_unique_key"),
        ]
        indexes = [
            models.Index(fields=["user", "read_at"], name="notification_inbox"),
            models.Index(fields=["delivered_at"], condition=Q(delivered_at__isnull=True), name="notification_pending"),
        ]

    def __str__(self) -> str:
        return self.message

    @property
    def text(self) -> str:
        """The message in the active language (visits.messages)."""
        return message_text(self.kind, self.params, self.message)
