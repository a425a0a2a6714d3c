"""Special-assistance money (特扶/奖扶), from dated standards to the bank, and one-off relief.

docs/BENEFITS.md. Amounts are dated data (``Standard``), never constants in code; what a person is due in a month
is computed by benefits.engine from the standards and the archive's facts; what was paid is kept on the payout
lines (``PayoutLine``) and never rewritten by a later change of a standard.

Money is never paid twice: ``payoutline_no_month_paid_twice`` (an exclusion constraint) refuses a second regular
line of the same person and scheme for an overlapping month, and ``PayoutLine.corrects`` (a one-to-one: a unique
index) lets a failed line be re-paid by at most one correction line, whose amount the trigger
``payoutline_correction_within_failed`` keeps at or below the failed line's.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

import pghistory
from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeOperators
from django.db import models
from django.db.models import F, Func, Q, Value
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from households.models import Household, HouseholdScopedQuerySet, Member
from regions.paths import county_path
from regions.scope import ScopedQuerySet

_R = TypeVar("_R", bound=models.Model)

CENT = Decimal("0.01")


class Scheme(models.TextChoices):
    """What the money is for. The special-assistance branches follow the child; reward assistance the parent."""

    DEATH = "death", _("Special assistance, child deceased (特扶·死亡)")
    DISABILITY = "disability", _("Special assistance, child disabled (特扶·伤残)")
    COMPLICATION = "complication", _("Surgery complication (手术并发症)")
    REWARD = "reward", _("Reward assistance (奖扶)")


# A small number per scheme: the key of the "never paid twice" exclusion constraint (member × 8 + scheme).
SCHEME_CODES: dict[str, int] = {Scheme.DEATH: 1, Scheme.DISABILITY: 2, Scheme.COMPLICATION: 3, Scheme.REWARD: 4}


class Level(models.TextChoices):
    """Who sets a standard: the centre (with the province's share) or a local top-up (地方加发)."""

    NATIONAL = "national", _("National")
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    COUNTY = "county", pgettext_lazy("level", "County")


# The length of the area code of each level (national statistics codes: 63 → 6301 → 630103).
LEVEL_CODE_LENGTH: dict[str, int] = {Level.NATIONAL: 0, Level.PROVINCE: 2, Level.CITY: 4, Level.COUNTY: 6}


class Residence(models.TextChoices):
    ANY = "", _("Urban and rural")
    URBAN = "urban", _("Urban")
    RURAL = "rural", _("Rural")


class Period(models.TextChoices):
    MONTH = "month", _("per person per month")
    YEAR = "year", _("per person per year")


class StandardQuerySet(models.QuerySet["Standard"]):
    def for_county(self, county_code: str) -> StandardQuerySet:
        """The standards that apply in a county: national, and the top-ups of its province, city and itself."""
        codes = ["", county_code[:2], county_code[:4], county_code[:6]]
        return self.filter(area_code__in=codes)


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Standard(models.Model):
    """An amount per person, in force from a date (the first of a month) to a date (the last of a month) or open.

    Optional bands narrow who it is for (disability grade, age at the month, self-care ability, residence). A
    standard that a paid month used is never edited: it is ended, and a new one starts the month after.
    """

    scheme = models.CharField(pgettext_lazy("benefits", "scheme"), max_length=12, choices=Scheme.choices)
    level = models.CharField(_("level"), max_length=8, choices=Level.choices)
    # "" for national; else the 2-, 4- or 6-digit national statistics code of the province, city or county.
    area_code = models.CharField(_("area code"), max_length=6, blank=True)
    area_name = models.CharField(_("area"), max_length=60, blank=True)
    residence = models.CharField(_("residence"), max_length=5, choices=Residence.choices, blank=True)
    disability_grade = models.CharField(
        _("disability grade"), max_length=1, choices=Household.DisabilityGrade.choices[:3], blank=True
    )
    age_from = models.PositiveSmallIntegerField(_("age from"), null=True, blank=True)
    age_to = models.PositiveSmallIntegerField(_("age to"), null=True, blank=True)
    self_care = models.CharField(_("self-care ability"), max_length=10, choices=Member.SelfCare.choices, blank=True)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=10, decimal_places=2)
    period = models.CharField(_("per"), max_length=5, choices=Period.choices, default=Period.MONTH)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    document = models.CharField(_("document"), max_length=200, help_text=_("The title and number of the policy."))
    # The document in the policy library (docs/POLICIES.md); the text above stays what explanations print.
    policy_document = models.ForeignKey(
        "policies.PolicyDocument",
        verbose_name=_("policy document"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="standards",
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # What must not be in force twice on a day: the scheme, the area and the bands but the age band.
    band_key = models.GeneratedField(
        expression=Concat(
            F("scheme"),
            Value("|"),
            F("area_code"),
            Value("|"),
            F("residence"),
            Value("|"),
            F("disability_grade"),
            Value("|"),
            F("self_care"),
            output_field=models.CharField(),
        ),
        output_field=models.CharField(max_length=60),
        db_persist=True,
    )

    objects = StandardQuerySet.as_manager()

    class Meta:
        verbose_name = _("assistance standard")
        verbose_name_plural = _("assistance standards")
        ordering = ["scheme", "effective_from", "area_code", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="standard_amount_positive"),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=F("effective_from")),
                name="standard_dates_ordered",
            ),
            models.CheckConstraint(
                condition=Q(level="national", area_code="")
                | Q(level="province", area_code__regex=r"^[0-9]{2}$")
                | Q(level="city", area_code__regex=r"^[0-9]{4}$")
                | Q(level="county", area_code__regex=r"^[0-9]{6}$"),
                name="standard_area_matches_level",
            ),
            models.CheckConstraint(
                condition=Q(age_from__isnull=True) | Q(age_to__isnull=True) | Q(age_to__gte=F("age_from")),
                name="standard_ages_ordered",
            ),
            # The same scheme, area and bands may not be in force twice on a day (the service also refuses a band
            # that overlaps another, "urban and rural" against "urban", with a message naming the other).
            ExclusionConstraint(
                name="standard_no_overlap",
                expressions=[
                    (
                        Func(
                            Func(F("band_key"), function="hashtext"),
                            Func(F("band_key"), function="hashtext"),
                            Value("[]"),
                            function="int4range",
                        ),
                        RangeOperators.OVERLAPS,
                    ),
                    (Func(F("age_from"), F("age_to"), Value("[]"), function="int4range"), RangeOperators.OVERLAPS),
                    (
                        Func(F("effective_from"), F("effective_to"), Value("[]"), function="daterange"),
                        RangeOperators.OVERLAPS,
                    ),
                ],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_scheme_display()} {self.area_name or self.get_level_display()} {self.amount}"

    @property
    def monthly_amount(self) -> Decimal:
        """The amount per person per month (a yearly amount ÷ 12, to the fen)."""
        if self.period == Period.YEAR:
            return (self.amount / 12).quantize(CENT, rounding=ROUND_HALF_UP)
        return self.amount


class BenefitSettings(models.Model):
    """The options of a province (2-digit code) or a county (6-digit code); a county's own win over its
    province's, and the defaults below hold where neither has any (docs/BENEFITS.md)."""

    class DeathPaysThrough(models.TextChoices):
        MONTH = "month", _("the month of death")
        YEAR_END = "year_end", _("the end of the year of death")

    class RewardOverlap(models.TextChoices):
        HIGHER = "higher", _("the higher of the two")
        BOTH = "both", _("both")

    class ChildEventStart(models.TextChoices):
        NEXT_MONTH = "next_month", _("the month after the child's death or disability")
        SAME_MONTH = "same_month", _("the month of the child's death or disability")

    area_code = models.CharField(_("area code"), max_length=6, unique=True)
    area_name = models.CharField(_("area"), max_length=60, blank=True)
    death_pays_through = models.CharField(
        _("a death is paid through"), max_length=8, choices=DeathPaysThrough.choices, default=DeathPaysThrough.MONTH
    )
    reward_overlap = models.CharField(
        _("from 60, a rural parent who also qualifies for reward assistance gets"),
        max_length=6,
        choices=RewardOverlap.choices,
        default=RewardOverlap.HIGHER,
    )
    child_event_start = models.CharField(
        _("entitled not before"), max_length=10, choices=ChildEventStart.choices, default=ChildEventStart.NEXT_MONTH
    )
    qualifying_age = models.PositiveSmallIntegerField(_("qualifying age"), default=49)
    reward_age = models.PositiveSmallIntegerField(_("reward assistance from age"), default=60)
    # The annual review's deadlines, "MM-DD" (Henan and Anhui: 15 Jan, 15 Feb, 15 Mar, 31 Mar) and the notice.
    applications_by = models.CharField(_("applications by"), max_length=5, default="01-15")
    village_by = models.CharField(_("village review by"), max_length=5, default="02-15")
    town_by = models.CharField(_("town review by"), max_length=5, default="03-15")
    county_by = models.CharField(_("county approval by"), max_length=5, default="03-31")
    notice_days = models.PositiveSmallIntegerField(_("public notice (days)"), default=10)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("benefit settings")
        verbose_name_plural = _("benefit settings")
        constraints = [
            models.CheckConstraint(condition=Q(area_code__regex=r"^([0-9]{2}|[0-9]{6})$"), name="settings_area_code"),
        ]

    def __str__(self) -> str:
        return self.area_name or self.area_code


class _MemberScopedQuerySet(HouseholdScopedQuerySet):
    household_prefix = "member__household__"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class BenefitProfile(models.Model):
    """A parent's benefit facts beyond the archive, and where the money goes (收款人 and 一卡通 account).

    The bank account is the highest personal tier (accounts.sensitivity: only county staff reveal it, logged);
    every change is recorded by the history trigger.
    """

    member = models.OneToOneField(
        Member, verbose_name=_("person"), on_delete=models.PROTECT, related_name="benefit_profile"
    )
    reward_qualified = models.BooleanField(
        _("qualifies for reward assistance (奖扶)"),
        default=False,
        help_text=_("A rural parent who kept to the family-planning policy; paid from the reward age."),
    )
    complication_grade = models.CharField(
        _("surgery complication grade"), max_length=1, choices=Household.DisabilityGrade.choices[:3], blank=True
    )
    complication_since = models.DateField(_("surgery complication since"), null=True, blank=True)
    payee_name = models.CharField(_("payee"), max_length=50, blank=True)
    payee_id_number = models.CharField(_("payee's ID number"), max_length=18, blank=True)
    payee_relationship = models.CharField(_("payee's relationship"), max_length=20, blank=True)
    account_number = models.CharField(_("account number"), max_length=32, blank=True)
    bank_name = models.CharField(_("bank"), max_length=60, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = _MemberScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("benefit profile")
        verbose_name_plural = _("benefit profiles")
        constraints = [
            models.CheckConstraint(
                condition=Q(account_number="") | Q(account_number__regex=r"^[0-9]{12,32}$"),
                name="benefitprofile_account_digits",
            ),
            models.CheckConstraint(
                condition=Q(complication_grade="") | Q(complication_since__isnull=False),
                name="benefitprofile_complication_dated",
            ),
        ]

    def __str__(self) -> str:
        return str(self.member)

    @property
    def has_account(self) -> bool:
        return bool(self.account_number and self.bank_name and self.payee_name)


class ReliefQuerySet(HouseholdScopedQuerySet):
    household_prefix = "household__"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Relief(models.Model):
    """One-off help for a household or one of its persons (临时救助, 红十字会救助, 节日慰问, cards …)."""

    class Kind(models.TextChoices):
        TEMPORARY = "temporary", _("Temporary relief (临时救助)")
        RED_CROSS = "red_cross", _("Red Cross aid (红十字会救助)")
        FESTIVAL = "festival", _("Festival condolence (节日慰问)")
        CAKE_CARD = "cake_card", _("Birthday-cake card (生日蛋糕卡)")
        HOUSEKEEPING_CARD = "housekeeping", _("Housekeeping-service card (家政服务卡)")
        VACCINATION = "vaccination", _("Free flu vaccination")
        OTHER_DEPARTMENT = "department", _("Help through another department")
        OTHER = "other", _("Other")

    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="reliefs"
    )
    member = models.ForeignKey(
        Member, verbose_name=_("person"), null=True, blank=True, on_delete=models.PROTECT, related_name="reliefs"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=10, decimal_places=2, null=True, blank=True)
    given_on = models.DateField(_("date"))
    source = models.CharField(_("source"), max_length=100)
    approved_by = models.CharField(_("approved by"), max_length=50)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ReliefQuerySet.as_manager()

    class Meta:
        verbose_name = _("relief")
        verbose_name_plural = _("relief")
        ordering = ["-given_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__isnull=True) | Q(amount__gte=0), name="relief_amount"),
        ]
        indexes = [models.Index(fields=["household", "given_on"], name="relief_household")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.given_on}"


# ----------------------------------------------------------------------------------------------------- payouts


class CountyRowQuerySet(ScopedQuerySet[_R]):
    """Rows of a whole county (a batch, a review cycle): visible to every user of the county, whose own area
    (town, village) narrows what they see inside it (the lines, the cases)."""

    def scope_q(self, path: str) -> Q:
        return Q(county__path=county_path(path))


class PayoutBatchQuerySet(CountyRowQuerySet["PayoutBatch"]):
    pass


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class PayoutBatch(models.Model):
    """A payout roster (花名册) for the county's finance bureau and the agent bank, through 一卡通."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        TOWN_REVIEW = "town_review", _("Town review")
        COUNTY_REVIEW = "county_review", _("County review")
        GENERATED = "generated", _("Payment generated")
        RETURNED = "returned", _("Returned (回盘)")
        CLOSED = "closed", pgettext_lazy("payout batch", "Closed")

    class Kind(models.TextChoices):
        REGULAR = "regular", _("Regular payout")
        CORRECTION = "correction", _("Correction (更正发放)")

    county = models.ForeignKey(
        "regions.Region", verbose_name=_("county"), on_delete=models.PROTECT, related_name="payout_batches"
    )
    scheme = models.CharField(pgettext_lazy("benefits", "scheme"), max_length=12, choices=Scheme.choices)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.REGULAR)
    # The months paid: the first of the first month, the first of the last month (a correction: its failed lines').
    period_start = models.DateField(_("from month"))
    period_end = models.DateField(_("to month"))
    # A correction batch re-pays failed lines of this batch; its number counts the corrections (第N次).
    corrects = models.ForeignKey(
        "self", verbose_name=_("corrects"), null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    correction_number = models.PositiveSmallIntegerField(_("correction number"), null=True, blank=True)
    # Filled for a town or village only (the county's whole area when empty).
    area = models.ForeignKey(
        "regions.Region", verbose_name=_("area"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=120)
    state = models.CharField(_("state"), max_length=14, choices=State.choices, default=State.DRAFT)
    reconciled_at = models.DateTimeField(_("reconciled at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    filled_on = models.DateField(_("date filled in"), default=timezone.localdate)  # 填报日期

    objects = PayoutBatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("payout batch")
        verbose_name_plural = _("payout batches")
        ordering = ["-period_start", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=F("period_start")), name="payoutbatch_period"),
            models.CheckConstraint(
                condition=Q(kind="regular", corrects__isnull=True, correction_number__isnull=True)
                | Q(kind="correction", corrects__isnull=False, correction_number__isnull=False),
                name="payoutbatch_correction_has_origin",
            ),
            models.UniqueConstraint(fields=["corrects", "correction_number"], name="payoutbatch_correction_number"),
        ]

    def __str__(self) -> str:
        return self.title


class PayoutLineQuerySet(HouseholdScopedQuerySet):
    household_prefix = "household__"


class PayoutLine(models.Model):
    """One person's line of a payout roster: the 17 columns of the 一卡通 module as they were when filled, the
    standard applied and the months, then the bank's answer. Its amount is never recomputed."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        PAID = "paid", _("Paid")
        FAILED = "failed", pgettext_lazy("payment", "Failed")

    batch = models.ForeignKey(PayoutBatch, verbose_name=_("batch"), on_delete=models.CASCADE, related_name="lines")
    seq = models.PositiveIntegerField(_("no."))  # 序号
    member = models.ForeignKey(Member, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="+")
    scheme = models.CharField(pgettext_lazy("benefits", "scheme"), max_length=12, choices=Scheme.choices)
    # A regular line's months [first of first month, first of last month]; a correction line's are its failed
    # line's, and it does not take part in the "never twice" constraint (it re-pays what failed).
    months = DateRangeField(_("months"))
    month_count = models.PositiveSmallIntegerField(_("months"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=10, decimal_places=2)  # 补贴金额
    explanation = models.JSONField(_("explanation"), default=list)  # the engine's parts per month group
    head_name = models.CharField(_("head of household"), max_length=50)  # 户主姓名
    head_id_number = models.CharField(_("head's ID number"), max_length=18, blank=True)
    payee_name = models.CharField(_("payee"), max_length=50)
    payee_id_number = models.CharField(_("payee's ID number"), max_length=18)
    payee_relationship = models.CharField(_("payee's relationship"), max_length=20, blank=True)
    account_number = models.CharField(_("account number"), max_length=32)
    bank_name = models.CharField(_("bank"), max_length=60)
    village_name = models.CharField(_("village/community"), max_length=100)  # 村(居)委会
    group_name = models.CharField(_("group"), max_length=50, blank=True)  # 村(居)民小组
    beneficiary_name = models.CharField(_("beneficiary"), max_length=50)  # 享受人
    beneficiary_id_number = models.CharField(_("beneficiary's ID number"), max_length=18)
    phone = models.CharField(_("phone"), max_length=24, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    age = models.PositiveSmallIntegerField(_("age"), null=True, blank=True)
    status = models.CharField(_("payment status"), max_length=8, choices=Status.choices, default=Status.PLANNED)
    failure_reason = models.CharField(_("failure reason"), max_length=200, blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    retry_count = models.PositiveSmallIntegerField(_("retries"), default=0)
    # A correction line re-pays this failed line (at most one correction line per failed line).
    corrects = models.OneToOneField(
        "self",
        verbose_name=_("corrects"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="correction",
    )
    is_regular = models.BooleanField(default=True, editable=False)
    pay_key = models.GeneratedField(
        expression=F("member_id") * 8
        + models.Case(*(models.When(scheme=s, then=Value(c)) for s, c in SCHEME_CODES.items()), default=Value(0)),
        output_field=models.BigIntegerField(),
        db_persist=True,
    )

    objects = PayoutLineQuerySet.as_manager()

    class Meta:
        verbose_name = _("payout line")
        verbose_name_plural = _("payout lines")
        ordering = ["batch", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "seq"], name="payoutline_seq_unique"),
            models.UniqueConstraint(fields=["batch", "member", "scheme"], name="payoutline_once_per_batch"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payoutline_amount_positive"),
            models.CheckConstraint(
                condition=Q(is_regular=True, corrects__isnull=True) | Q(is_regular=False, corrects__isnull=False),
                name="payoutline_correction_has_origin",
            ),
            models.CheckConstraint(condition=~Q(account_number="") & ~Q(payee_name=""), name="payoutline_has_account"),
            models.CheckConstraint(
                condition=Q(status="failed") | Q(failure_reason=""), name="payoutline_reason_only_when_failed"
            ),
            # Money is never paid twice: one regular line per person, scheme and month, across all batches.
            ExclusionConstraint(
                name="payoutline_no_month_paid_twice",
                expressions=[
                    (
                        Func(F("pay_key"), F("pay_key"), Value("[]"), function="int8range"),
                        RangeOperators.OVERLAPS,
                    ),
                    ("months", RangeOperators.OVERLAPS),
                ],
                condition=Q(is_regular=True),
            ),
        ]
        indexes = [
            models.Index(fields=["member", "scheme"], name="payoutline_member"),
            # No index holds the bank's answer (status, reason, time): writing a return is then a HOT update that
            # touches no index and re-checks no constraint (benefits.payouts.returns; docs/PERFORMANCE.md).
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}/{self.seq}"


class PayoutStep(models.Model):
    """A batch's step: who moved it, from which state to which, the result and the opinion (审核意见)."""

    batch = models.ForeignKey(PayoutBatch, verbose_name=_("batch"), on_delete=models.CASCADE, related_name="steps")
    from_state = models.CharField(pgettext_lazy("state", "from"), max_length=14, choices=PayoutBatch.State.choices)
    to_state = models.CharField(pgettext_lazy("state", "to"), max_length=14, choices=PayoutBatch.State.choices)
    result = models.CharField(_("result"), max_length=20)
    opinion = models.CharField(_("opinion"), max_length=500, blank=True)
    # What a generated step says, as data, so each reader reads it in their language (a return: file, paid, failed).
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    # The town a town-review step was for (a batch over many towns is confirmed town by town); empty otherwise.
    area = models.ForeignKey(
        "regions.Region", verbose_name=_("area"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("batch step")
        verbose_name_plural = _("batch steps")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_state} → {self.to_state}"

    @property
    def opinion_text(self) -> str:
        """The opinion in the reader's language: a return's counts are said from ``params``."""
        if {"file", "paid", "failed"} <= set(self.params or {}):
            return gettext("%(file)s: %(paid)d paid, %(failed)d failed") % self.params
        return self.opinion


# ----------------------------------------------------------------------------------------------- annual review


class ReviewCycleQuerySet(CountyRowQuerySet["ReviewCycle"]):
    pass


class ReviewCycle(models.Model):
    """A county's annual review (年审) and new applications for a year, with its deadlines per level."""

    county = models.ForeignKey(
        "regions.Region", verbose_name=_("county"), on_delete=models.PROTECT, related_name="review_cycles"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    applications_by = models.DateField(_("applications by"))
    village_by = models.DateField(_("village review by"))
    town_by = models.DateField(_("town review by"))
    county_by = models.DateField(_("county approval by"))
    notice_days = models.PositiveSmallIntegerField(_("public notice (days)"), default=10)
    notice_from = models.DateField(_("public notice from"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ReviewCycleQuerySet.as_manager()

    class Meta:
        verbose_name = _("annual review")
        verbose_name_plural = _("annual reviews")
        ordering = ["-year", "county"]
        constraints = [models.UniqueConstraint(fields=["county", "year"], name="reviewcycle_once_per_year")]

    def __str__(self) -> str:
        return f"{self.county} {self.year}"


class ReviewCaseQuerySet(HouseholdScopedQuerySet):
    household_prefix = "member__household__"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class ReviewCase(models.Model):
    """One person in a year's cycle: a new application, a current recipient re-checked, or a leaver.

    It climbs village → town → county; each level confirms (to the next level), sends it back one level with
    a reason, or refuses. The county's confirmation decides: ``outcome`` confirmed (entitled, "confirmed" in the
    engine's lines) or refused (nothing from the month after ``decided_on``); a leaver confirmed leaves then.
    """

    class Kind(models.TextChoices):
        NEW = "new", _("New application")
        RECHECK = "recheck", _("Annual re-check")
        LEAVER = "leaver", _("Leaver")

    class Stage(models.TextChoices):
        VILLAGE = "village", _("Village review")
        TOWN = "town", _("Town review")
        COUNTY = "county", _("County approval")
        DONE = "done", _("Decided")

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Pending")
        CONFIRMED = "confirmed", _("Confirmed")
        REFUSED = "refused", pgettext_lazy("review", "Refused")

    class LeaveReason(models.TextChoices):
        DIED = "died", _("Died")
        OTHER_CHILD = "other_child", _("Another child born or adopted")
        MOVED_OUT = "moved_out", _("Moved out of the county")
        CHILD_RECOVERED = "child_recovered", _("The child recovered")
        NOT_ELIGIBLE = "not_eligible", _("Found not eligible")
        OTHER = "other", _("Other")

    cycle = models.ForeignKey(
        ReviewCycle, verbose_name=_("annual review"), on_delete=models.PROTECT, related_name="cases"
    )
    member = models.ForeignKey(Member, verbose_name=_("person"), on_delete=models.PROTECT, related_name="review_cases")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    scheme = models.CharField(pgettext_lazy("benefits", "scheme"), max_length=12, choices=Scheme.choices)
    stage = models.CharField(_("stage"), max_length=8, choices=Stage.choices, default=Stage.VILLAGE)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    leave_reason = models.CharField(_("reason for leaving"), max_length=16, choices=LeaveReason.choices, blank=True)
    returned_reason = models.CharField(_("sent back because"), max_length=300, blank=True)
    visited_on = models.DateField(_("checked on a home visit on"), null=True, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ReviewCaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("review case")
        verbose_name_plural = _("review cases")
        ordering = ["cycle", "stage", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "member", "scheme"], name="reviewcase_once_per_cycle"),
            models.CheckConstraint(
                condition=Q(kind="leaver") | Q(leave_reason=""), name="reviewcase_reason_only_for_leavers"
            ),
            models.CheckConstraint(
                condition=Q(stage="done", decided_on__isnull=False, outcome__in=["confirmed", "refused"])
                | (~Q(stage="done") & Q(outcome="pending", decided_on__isnull=True)),
                name="reviewcase_decided_when_done",
            ),
        ]
        indexes = [models.Index(fields=["member", "outcome", "decided_on"], name="reviewcase_member")]

    def __str__(self) -> str:
        return f"{self.member} {self.cycle.year}"


class ReviewStep(models.Model):
    """A level's decision on a case: confirmed, sent back (with the reason) or refused; who, when, the opinion."""

    class Action(models.TextChoices):
        CONFIRM = "confirm", _("Confirmed")
        RETURN = "return", _("Sent back")
        REFUSE = "refuse", pgettext_lazy("review", "Refused")

    case = models.ForeignKey(ReviewCase, verbose_name=_("case"), on_delete=models.CASCADE, related_name="steps")
    stage = models.CharField(_("level"), max_length=8, choices=ReviewCase.Stage.choices)
    action = models.CharField(_("decision"), max_length=8, choices=Action.choices)
    opinion = models.CharField(_("opinion"), max_length=500, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("review step")
        verbose_name_plural = _("review steps")
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(action="return") | ~Q(opinion=""), name="reviewstep_return_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.stage} {self.action}"


def review_proof_path(instance: ReviewProof, filename: str) -> str:
    """Scans live under the case, never under a name that says whose they are."""
    suffix = filename.rsplit(".", 1)[-1].lower()[:5] if "." in filename else "bin"
    return f"benefits/review/{instance.case_id}/{timezone.now():%Y%m%d%H%M%S%f}.{suffix}"


class ReviewProof(models.Model):
    """A scanned proof of a case: 死亡证明 (death certificate), 残疾人证 (disability certificate), another."""

    class Kind(models.TextChoices):
        DEATH_CERTIFICATE = "death", _("Death certificate (死亡证明)")
        DISABILITY_CERTIFICATE = "disability", _("Disability certificate (残疾人证)")
        APPLICATION = "application", _("Application form (申报表)")
        OTHER = "other", _("Other")

    case = models.ForeignKey(ReviewCase, verbose_name=_("case"), on_delete=models.CASCADE, related_name="proofs")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to=review_proof_path)
    original_name = models.CharField(_("file name"), max_length=200)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("proof")
        verbose_name_plural = _("proofs")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


# ================================================================================================= Insurance
# Group insurance for special families (docs/BENEFITS.md §Insurance): a county's yearly products, the enrolment
# lines written set-based from the archive (benefits.insurance.services.enrolment_run), and the claims with their
# document checklist and steps. Section owned by benefits.insurance.


class HospitalGrade(models.TextChoices):
    """A hospital's grade (医院等级 一级/二级/三级); ungraded or unknown counts as below every floor."""

    UNGRADED = "", _("Ungraded or unknown")
    GRADE_1 = "1", _("Grade 1 (一级)")
    GRADE_2 = "2", _("Grade 2 (二级)")
    GRADE_3 = "3", _("Grade 3 (三级)")


class InsuranceProductQuerySet(CountyRowQuerySet["InsuranceProduct"]):
    pass


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class InsuranceProduct(models.Model):
    """A county's group policy for a policy year (团体保险): the insurer, the premium per person, who is covered and
    what it pays. A renewal is next year's product made from this year's (``renews``); products of one line share
    ``series`` (the first product's id), across which the "in all" day cap counts and no person is covered twice
    on a day: the products of a line never overlap (insuranceproduct_no_overlap), every line lies inside its
    product's period (insuredline_inside_policy over the dates the composite foreign key insuredline_policy keeps
    equal to the product's), and a person has one line per product (insuredline_once_per_product)."""

    county = models.ForeignKey(
        "regions.Region", verbose_name=_("county"), on_delete=models.PROTECT, related_name="insurance_products"
    )
    year = models.PositiveSmallIntegerField(_("policy year"))
    name = models.CharField(pgettext_lazy("insurance product", "name"), max_length=100)
    insurer = models.CharField(_("insurer"), max_length=100)
    policy_number = models.CharField(_("policy number"), max_length=60, blank=True)
    starts_on = models.DateField(_("cover from"))
    ends_on = models.DateField(_("cover to"))
    premium = models.DecimalField(_("premium per person (yuan)"), max_digits=10, decimal_places=2)
    # Who is covered: living members of the county's households of this family type (blank: both) and age band.
    family_type = models.CharField(_("family type"), max_length=12, choices=Household.FamilyType.choices, blank=True)
    age_from = models.PositiveSmallIntegerField(_("age from"), null=True, blank=True)
    age_to = models.PositiveSmallIntegerField(_("age to"), null=True, blank=True)
    # The hospital allowance (住院护理/陪护津贴) and its day caps.
    daily_allowance = models.DecimalField(
        _("hospital allowance per day (yuan)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    icu_daily_allowance = models.DecimalField(
        _("ICU allowance per day (yuan)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    max_days_per_stay = models.PositiveSmallIntegerField(_("at most days a stay"), null=True, blank=True)
    max_days_per_year = models.PositiveSmallIntegerField(_("at most days a policy year"), null=True, blank=True)
    max_days_total = models.PositiveSmallIntegerField(_("at most days in all"), null=True, blank=True)
    # Lump sums per event.
    death_sum = models.DecimalField(_("death (yuan)"), max_digits=10, decimal_places=2, null=True, blank=True)
    accidental_death_sum = models.DecimalField(
        _("accidental death (yuan)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    disability_sum = models.DecimalField(
        _("accidental disability (yuan)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    major_disease_sum = models.DecimalField(
        _("major disease (yuan)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    major_disease_count = models.PositiveSmallIntegerField(_("number of major diseases covered"), null=True, blank=True)
    waiting_days = models.PositiveSmallIntegerField(_("waiting period (days)"), default=0)
    hospital_grade_floor = models.CharField(
        _("hospitals of at least"), max_length=1, choices=HospitalGrade.choices, blank=True
    )
    document = models.FileField(_("policy document"), upload_to="benefits/insurance/policies/", blank=True)
    document_name = models.CharField(_("file name"), max_length=200, blank=True)
    renews = models.OneToOneField(
        "self", verbose_name=_("renews"), null=True, blank=True, on_delete=models.PROTECT, related_name="renewal"
    )
    series = models.PositiveIntegerField(_("product line"), null=True, blank=True, editable=False)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = InsuranceProductQuerySet.as_manager()

    class Meta:
        verbose_name = _("insurance product")
        verbose_name_plural = _("insurance products")
        ordering = ["-year", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["county", "year", "name"], name="insuranceproduct_name_per_year"),
            models.CheckConstraint(condition=Q(premium__gte=0), name="insuranceproduct_premium"),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="insuranceproduct_dates"),
            models.CheckConstraint(
                condition=Q(age_from__isnull=True) | Q(age_to__isnull=True) | Q(age_to__gte=F("age_from")),
                name="insuranceproduct_ages",
            ),
            # No two products of one line cover a day (btree_gist is not available: the line is a one-point range).
            # A handful of rows a county, where the same key on every enrolled person cost seconds per enrolment.
            ExclusionConstraint(
                name="insuranceproduct_no_overlap",
                expressions=[
                    (Func(F("series"), F("series"), Value("[]"), function="int8range"), RangeOperators.OVERLAPS),
                    (Func(F("starts_on"), F("ends_on"), Value("[]"), function="daterange"), RangeOperators.OVERLAPS),
                ],
                condition=Q(series__isnull=False),
            ),
            # The key insuredline_policy (migration 0007, a composite foreign key Django cannot declare) refers to.
            models.UniqueConstraint(fields=["id", "series", "starts_on", "ends_on"], name="insuranceproduct_policy"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.name}"


class InsuredLineQuerySet(HouseholdScopedQuerySet["InsuredLine"]):
    household_prefix = "household__"


class InsuredLine(models.Model):
    """One person insured by one product (参保): from ``starts_on`` to ``ends_on``, the last day still covered.

    Written set-based by the enrolment run; ended by a death, a closed household or a move out of the county.
    """

    class EndReason(models.TextChoices):
        POLICY_END = "", _("End of the policy")
        DIED = "died", _("Died")
        CLOSED = "closed", _("Household closed")
        MOVED = "moved", _("Moved out of the county")

    # Every enrolled person is one row: each index, foreign key and exclusion key on it is paid 200,000 times per
    # enrolment (docs/PERFORMANCE.md). So: three indexes (the primary key, insuredline_once_per_product leading with
    # the product, insuredline_member with the person) and two foreign keys checked per row — the person, and the
    # product through insuredline_policy (product, series, policy dates; migration 0007), which replaces the plain
    # product key and carries the product's period onto the line for insuredline_inside_policy.
    product = models.ForeignKey(
        InsuranceProduct,
        verbose_name=_("insurance product"),
        on_delete=models.PROTECT,
        related_name="lines",
        db_index=False,
        db_constraint=False,  # enforced by the composite key insuredline_policy
    )
    series = models.PositiveIntegerField(_("product line"))
    # The product's period, kept equal to the product's by insuredline_policy (ON UPDATE CASCADE); filled by save()
    # and by the enrolment's INSERT.
    policy_starts_on = models.DateField(_("policy from"), editable=False)
    policy_ends_on = models.DateField(_("policy to"), editable=False)
    # The person's key and the product's key are checked once per statement by triggers (migration 0011: SQLSTATE
    # 23503 with the names insuredline_member_key and insuredline_policy), not once per enrolled row.
    member = models.ForeignKey(
        Member,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="insured_lines",
        db_index=False,
        db_constraint=False,
    )
    # Snapshots taken at enrolment from the person's household (in the same statement that reads the member): the
    # household the line is seen under (area scope) and the town the premium is counted under for the association's
    # payment. No database foreign key of their own (two checks less per enrolled person): the person's key keeps
    # the household row (households are closed, never deleted, and a household's members cannot be deleted while
    # they hold a line), and regions are never deleted; the ORM still protects both (PROTECT).
    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    town = models.ForeignKey(
        "regions.Region",
        verbose_name=_("town/street"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    starts_on = models.DateField(_("cover from"))
    ends_on = models.DateField(_("last day covered"))
    end_reason = models.CharField(_("ended because"), max_length=8, choices=EndReason.choices, blank=True)
    premium = models.DecimalField(_("premium (yuan)"), max_digits=10, decimal_places=2)
    added_mid_year = models.BooleanField(_("added during the year"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = InsuredLineQuerySet.as_manager()

    class Meta:
        verbose_name = _("insured person")
        verbose_name_plural = _("insured persons")
        ordering = ["product", "household", "member"]
        constraints = [
            models.UniqueConstraint(fields=["product", "member"], name="insuredline_once_per_product"),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="insuredline_dates"),
            # Inside the product's period: with insuranceproduct_no_overlap and insuredline_once_per_product, no
            # person is covered twice on a day by one product line.
            models.CheckConstraint(
                condition=Q(starts_on__gte=F("policy_starts_on"), ends_on__lte=F("policy_ends_on")),
                name="insuredline_inside_policy",
            ),
        ]
        indexes = [models.Index(fields=["member", "series"], name="insuredline_member")]

    def __str__(self) -> str:
        return f"{self.product_id}/{self.member_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.policy_starts_on is None or self.policy_ends_on is None or self.series is None:
            product = InsuranceProduct.objects.values("series", "starts_on", "ends_on").get(pk=self.product_id)
            self.series = product["series"] if self.series is None else self.series
            self.policy_starts_on, self.policy_ends_on = product["starts_on"], product["ends_on"]
        super().save(*args, **kwargs)


class EnrolmentRun(models.Model):
    """One run of the enrolment for a product: who ran it, on which day, and what it changed."""

    product = models.ForeignKey(
        InsuranceProduct, verbose_name=_("insurance product"), on_delete=models.CASCADE, related_name="runs"
    )
    as_of = models.DateField(_("as of"))
    added = models.PositiveIntegerField(_("added"), default=0)
    ended = models.PositiveIntegerField(_("ended"), default=0)
    restored = models.PositiveIntegerField(_("restored"), default=0)
    removed = models.PositiveIntegerField(_("removed"), default=0)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("enrolment run")
        verbose_name_plural = _("enrolment runs")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.product_id} {self.as_of}"


class InsuranceClaimQuerySet(HouseholdScopedQuerySet["InsuranceClaim"]):
    household_prefix = "household__"

    def open(self) -> InsuranceClaimQuerySet:
        return self.exclude(state__in=InsuranceClaim.FINAL_STATES)


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class InsuranceClaim(models.Model):
    """A claim (理赔): the event, who reported it and when, its state, the benefit the product gives (computed from
    the facts by benefits.insurance.benefit) beside what the insurer paid. A claim outside the person's cover is
    accepted and flagged (``flags``), never refused."""

    class Kind(models.TextChoices):
        HOSPITAL = "hospital", _("Hospital stay")
        ACCIDENT = "accident", _("Accidental injury or disability")
        DEATH = "death", _("Death")
        MAJOR_DISEASE = "major_disease", _("Major disease")

    class State(models.TextChoices):
        REPORTED = "reported", _("Reported")
        COLLECTING = "collecting", _("Collecting documents")
        SUBMITTED = "submitted", _("Submitted to the insurer")
        MORE_DOCUMENTS = "more_documents", _("More documents asked")
        PAID = "paid", pgettext_lazy("claim", "Paid")
        REJECTED = "rejected", pgettext_lazy("claim", "Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class ReportedBy(models.TextChoices):
        FAMILY = "family", _("The family")
        CADRE = "cadre", _("A cadre on the family's behalf")

    class RejectionReason(models.TextChoices):
        NOT_COVERED = "not_covered", _("Not covered by the policy")
        WAITING_PERIOD = "waiting", _("Inside the waiting period")
        HOSPITAL_GRADE = "grade", _("Hospital below the required grade")
        DOCUMENTS = "documents", _("Documents incomplete")
        LATE = "late", _("Reported too late")
        EXCLUSION = "exclusion", _("An exclusion of the policy")
        OTHER = "other", _("Other")

    class Flag(models.TextChoices):
        NOT_ENROLLED = "not_enrolled", _("The person is not enrolled in this product")
        BEFORE_START = "before_start", _("The event is before the person's cover started")
        AFTER_END = "after_end", _("The event is after the person's cover ended")
        WAITING_PERIOD = "waiting", _("The event is inside the waiting period")
        HOSPITAL_GRADE = "grade", _("The hospital is below the product's grade")
        LATE = "late", _("Reported later than 48 hours")
        NOT_INSURED_EVENT = "no_benefit", _("The product pays nothing for this kind of event")

    FINAL_STATES = ("paid", "rejected", "withdrawn")

    product = models.ForeignKey(
        InsuranceProduct, verbose_name=_("insurance product"), on_delete=models.PROTECT, related_name="claims"
    )
    line = models.ForeignKey(
        InsuredLine,
        verbose_name=_("insured line"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="claims",
    )
    member = models.ForeignKey(Member, verbose_name=_("person"), on_delete=models.PROTECT, related_name="claims")
    household = models.ForeignKey(Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("event"), max_length=14, choices=Kind.choices)
    accidental = models.BooleanField(_("caused by an accident"), default=False)
    traffic = models.BooleanField(_("a traffic accident"), default=False)
    disability = models.BooleanField(_("left a disability"), default=False)
    event_date = models.DateField(_("date of the event"))
    admitted_on = models.DateField(_("admitted on"), null=True, blank=True)
    discharged_on = models.DateField(_("discharged on"), null=True, blank=True)
    icu_days = models.PositiveSmallIntegerField(_("days in intensive care"), default=0)
    hospital_name = models.CharField(_("hospital"), max_length=100, blank=True)
    hospital_grade = models.CharField(_("hospital grade"), max_length=1, choices=HospitalGrade.choices, blank=True)
    description = models.CharField(_("what happened"), max_length=500, blank=True)
    reported_by_kind = models.CharField(_("reported by"), max_length=8, choices=ReportedBy.choices)
    reporter_name = models.CharField(_("reporter's name"), max_length=50, blank=True)
    reported_at = models.DateTimeField(_("reported at"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    state = models.CharField(_("state"), max_length=14, choices=State.choices, default=State.REPORTED)
    # Why the claim is outside the cover or late (Flag values): accepted, never refused, and shown.
    flags = models.JSONField(_("flags"), default=list, blank=True)
    # The benefit the product gives for these facts (benefits.insurance.benefit), and the days it paid for.
    benefit_max = models.DecimalField(_("benefit per the product (yuan)"), max_digits=10, decimal_places=2, default=0)
    benefit_days = models.PositiveSmallIntegerField(_("days paid for"), default=0)
    benefit_detail = models.JSONField(_("how it is computed"), default=dict, blank=True)
    paid_amount = models.DecimalField(_("amount paid (yuan)"), max_digits=10, decimal_places=2, null=True, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    overpaid_reason = models.CharField(_("why more than the product's maximum"), max_length=300, blank=True)
    rejection_reason = models.CharField(
        _("rejection reason"), max_length=12, choices=RejectionReason.choices, blank=True
    )
    rejection_note = models.CharField(_("rejection note"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = InsuranceClaimQuerySet.as_manager()

    class Meta:
        verbose_name = _("insurance claim")
        verbose_name_plural = _("insurance claims")
        ordering = ["-reported_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state="paid", paid_amount__isnull=False, paid_on__isnull=False)
                | (~Q(state="paid") & Q(paid_amount__isnull=True, paid_on__isnull=True)),
                name="insuranceclaim_paid_has_amount",
            ),
            models.CheckConstraint(
                condition=Q(paid_amount__isnull=True) | Q(paid_amount__gte=0), name="insuranceclaim_paid_positive"
            ),
            models.CheckConstraint(
                condition=(Q(state="rejected") & ~Q(rejection_reason=""))
                | (~Q(state="rejected") & Q(rejection_reason="")),
                name="insuranceclaim_rejected_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(kind="hospital") | Q(admitted_on__isnull=False),
                name="insuranceclaim_stay_has_admission",
            ),
            models.CheckConstraint(
                condition=Q(discharged_on__isnull=True)
                | Q(admitted_on__isnull=False, discharged_on__gte=F("admitted_on")),
                name="insuranceclaim_stay_dates",
            ),
        ]
        indexes = [
            models.Index(fields=["-reported_at", "-id"], name="insuranceclaim_list", include=["household", "state"]),
            models.Index(fields=["member", "product"], name="insuranceclaim_member"),
            models.Index(fields=["state"], name="insuranceclaim_state"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.event_date}"

    @property
    def is_open(self) -> bool:
        return self.state not in self.FINAL_STATES


class ClaimStep(models.Model):
    """A change of a claim's state: from, to, who, when and the note (the insurer's words, the reason)."""

    claim = models.ForeignKey(
        InsuranceClaim, verbose_name=_("insurance claim"), on_delete=models.CASCADE, related_name="steps"
    )
    from_state = models.CharField(
        pgettext_lazy("state", "from"), max_length=14, choices=InsuranceClaim.State.choices, blank=True
    )
    to_state = models.CharField(pgettext_lazy("state", "to"), max_length=14, choices=InsuranceClaim.State.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("claim step")
        verbose_name_plural = _("claim steps")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_state} → {self.to_state}"


def claim_document_path(instance: ClaimDocument, filename: str) -> str:
    """Scans live under the claim, never under a name that says whose they are."""
    suffix = filename.rsplit(".", 1)[-1].lower()[:5] if "." in filename else "bin"
    return f"benefits/insurance/claims/{instance.claim_id}/{timezone.now():%Y%m%d%H%M%S%f}.{suffix}"


class ClaimDocument(models.Model):
    """One line of a claim's document checklist: what is required, whether it was received, the scan."""

    class Kind(models.TextChoices):
        ID_CARD = "id_card", _("ID card copy (身份证)")
        BANK_ACCOUNT = "bank", _("Bank account copy (银行卡)")
        POLICY = "policy", _("Policy or insurance certificate (保单)")
        ACCOUNT = "account", _("Account of the event (事故经过)")
        INVOICE = "invoice", _("Invoice originals (发票原件)")
        COST_LIST = "cost_list", _("Cost list (费用清单)")
        DISCHARGE = "discharge", _("Discharge certificate (出院证明)")
        MEDICAL_RECORD = "medical_record", _("Medical record (病历)")
        POLICE_REPORT = "police", _("Police report of the traffic accident (交通事故认定书)")
        DEATH_CERTIFICATE = "death", _("Death certificate (死亡证明)")
        DIAGNOSIS = "diagnosis", _("Diagnosis certificate (诊断证明)")
        DISABILITY_ASSESSMENT = "disability", _("Disability assessment (伤残鉴定)")
        OTHER = "other", _("Other document")

    claim = models.ForeignKey(
        InsuranceClaim, verbose_name=_("insurance claim"), on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.CharField(_("document"), max_length=14, choices=Kind.choices)
    required = models.BooleanField(_("required"), default=True)
    asked_by_insurer = models.BooleanField(_("asked for by the insurer"), default=False)
    received_on = models.DateField(_("received on"), null=True, blank=True)
    file = models.FileField(_("scan"), upload_to=claim_document_path, blank=True)
    original_name = models.CharField(_("file name"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("claim document")
        verbose_name_plural = _("claim documents")
        ordering = ["claim", "id"]
        constraints = [models.UniqueConstraint(fields=["claim", "kind"], name="claimdocument_once_per_claim")]

    def __str__(self) -> str:
        return self.get_kind_display()

    @property
    def is_missing(self) -> bool:
        return self.required and self.received_on is None
