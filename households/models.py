"""The household archive (电子帮扶档案 / 建档立卡): special families, their members and the child.

docs/DOMAIN.md §The household record. Values are validated by households.validation (one implementation
shared with the forms and the roster import); the database holds the rules that can be constraints.
"""

from __future__ import annotations

from datetime import date
from typing import TypeVar

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Right
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from households import validation
from regions.models import Region
from regions.paths import is_within
from regions.scope import AreaUser, ScopedQuerySet, user_scope_path


def household_scope_q(path: str, prefix: str = "") -> Q:
    """Rows of a household in the area `path`.

    A household belongs to its village; one without a village (a data-quality problem) is seen only by
    the staff of its county, never by everyone (fail closed). The regions of the area are a subquery
    (a few dozen rows, hashed), so a list over a whole county joins nothing.
    """
    area = Region.objects.filter(path__startswith=path).values("pk")
    return Q(**{f"{prefix}village_id__in": area}) | Q(
        **{f"{prefix}village__isnull": True, f"{prefix}county_id__in": area}
    )


_M = TypeVar("_M", bound=models.Model)


def household_area_path(*, village_path: str | None, county_path: str) -> str:
    """Where a household is, in Python: its village, or its county when the village is missing — the twin of
    :func:`household_scope_q`, checked against it on the persona matrix (tests/households/test_scope_twin.py)."""
    return village_path or county_path


def household_in_area(*, village_path: str | None, county_path: str, area_path: str | None) -> bool:
    """True when a household so placed is inside the area ``area_path`` (None: the reader sees nothing)."""
    if not area_path:
        return False
    # No village: only an area that contains the whole county (its staff) sees it, as household_scope_q says.
    return is_within(household_area_path(village_path=village_path, county_path=county_path), area_path)


class HouseholdScopedQuerySet(ScopedQuerySet[_M]):
    """Households, and rows that belong to one: visible where the household is (household_scope_q).

    Subclasses name the way from their rows to the household in ``household_prefix``
    ("household__" for a member, "visit__household__" for a follow-up …).
    """

    household_prefix = ""

    def scope_q(self, path: str) -> Q:
        return household_scope_q(path, prefix=self.household_prefix)


class HouseholdQuerySet(HouseholdScopedQuerySet["Household"]):
    def active(self) -> HouseholdQuerySet:
        return self.filter(status=Household.Status.ACTIVE)


# Statement-level history triggers: one INSERT … SELECT of the transition table per statement, so the roster
# import's COPY and bulk UPDATEs write their history set-based through the triggers (docs/PERFORMANCE.md).
@pghistory.track(
    pghistory.InsertEvent(level=pghistory.Statement),
    pghistory.UpdateEvent(level=pghistory.Statement),
    pghistory.DeleteEvent(level=pghistory.Statement),
)
class Household(models.Model):
    class FamilyType(models.TextChoices):
        # 独生子女死亡 / 独生子女伤残
        DEATH = "death", _("Death of the only child")
        DISABILITY = "disability", _("Disability of the only child")

    class Status(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("household status", "Active")  # 在册
        CLOSED = "closed", _("Closed")

    class CloseReason(models.TextChoices):
        BOTH_PARENTS_DECEASED = "both_deceased", _("Both parents deceased")
        MOVED_AWAY = "moved_away", _("Moved away")
        NO_LONGER_ELIGIBLE = "not_eligible", _("No longer eligible")
        OTHER = "other", _("Other")

    class LivingSituation(models.TextChoices):
        ALONE = "alone", _("Lives alone")
        COUPLE = "couple", _("Couple")
        WITH_GRANDCHILD = "grandchild", _("With a grandchild")
        WITH_RELATIVES = "relatives", _("With other relatives")
        INSTITUTION = "institution", _("In an institution")
        OTHER = "other", _("Other")

    class Difficulty(models.TextChoices):
        MEDICAL = "medical", pgettext_lazy("difficulty", "Medical")
        ELDERLY_CARE = "elderly_care", _("Elderly care")
        HOUSING = "housing", _("Housing")
        FINANCE = "finance", _("Finance")
        MENTAL_HEALTH = "mental_health", _("Mental health")
        LEGAL = "legal", _("Legal")
        OTHER = "other", _("Other")

    class Residence(models.TextChoices):
        # 户籍性质: the 2014–2022 national special-assistance standard and reward assistance (奖扶) depend on it.
        URBAN = "urban", _("Urban")
        RURAL = "rural", _("Rural")

    class DisabilityGrade(models.TextChoices):
        # 残疾等级 一级 (most severe) to 四级; the national special-assistance standard covers grades 1–3.
        GRADE_1 = "1", _("Grade 1")
        GRADE_2 = "2", _("Grade 2")
        GRADE_3 = "3", _("Grade 3")
        GRADE_4 = "4", _("Grade 4")

    county = models.ForeignKey(
        "regions.Region", verbose_name=_("county"), on_delete=models.PROTECT, related_name="county_households"
    )
    village = models.ForeignKey(
        "regions.Region",
        verbose_name=_("village/community"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="households",
    )
    number = models.CharField(_("household number"), max_length=30)
    family_type = models.CharField(_("family type"), max_length=12, choices=FamilyType.choices)
    certificate_number = models.CharField(
        _("special-assistance certificate number"),
        max_length=40,
        blank=True,
        help_text=_("Number of the special-assistance certificate of a family-planning special-hardship family."),
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    residence = models.CharField(
        _("residence registration (户籍)"), max_length=5, choices=Residence.choices, blank=True
    )
    living_situation = models.CharField(
        _("living situation"), max_length=12, choices=LivingSituation.choices, blank=True
    )
    poverty_registered = models.BooleanField(_("registered poverty household (建档立卡)"), default=False)
    subsistence_allowance = models.BooleanField(_("receives subsistence allowance (低保)"), default=False)
    difficulties = ArrayField(
        models.CharField(max_length=16, choices=Difficulty.choices),
        verbose_name=_("main difficulties"),
        default=list,
        blank=True,
    )
    difficulties_note = models.TextField(_("difficulties and needs"), blank=True)
    visit_preferences = models.TextField(
        _("visit preferences"), blank=True, help_text=_("When and how the family prefers to be contacted.")
    )
    do_not_disturb = models.TextField(
        _("do not disturb"), blank=True, help_text=_("Dates or topics to avoid, e.g. the anniversary of the death.")
    )
    registered_on = models.DateField(_("date registered"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.ACTIVE)
    closed_reason = models.CharField(_("reason for closing"), max_length=16, choices=CloseReason.choices, blank=True)
    closed_on = models.DateField(_("date closed"), null=True, blank=True)
    closed_note = models.TextField(_("note on closing or reopening"), blank=True)

    # The only child (独生子女): deceased or disabled.
    child_name = models.CharField(_("child's name"), max_length=50, blank=True)
    child_sex = models.CharField(
        _("child's sex"), max_length=1, choices=[("M", _("Male")), ("F", _("Female"))], blank=True
    )
    child_birth_date = models.DateField(_("child's birth date"), null=True, blank=True)
    child_event_date = models.DateField(_("date of death or disability"), null=True, blank=True)
    child_disability_grade = models.CharField(
        _("disability grade"), max_length=1, choices=DisabilityGrade.choices, blank=True
    )

    # Events that end or change special assistance (docs/BENEFITS.md §Entitlement): the disabled child's
    # recovery ends the disability branch; another child born or adopted ends the family's eligibility.
    child_recovered_on = models.DateField(_("date the child recovered"), null=True, blank=True)
    other_child_on = models.DateField(_("date another child was born or adopted"), null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = HouseholdQuerySet.as_manager()
    # One page's members, attached by households.selectors.household_page_members (not a field).
    member_list: list[Member]

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["county", "number"], name="household_number_unique_per_county"),
            models.CheckConstraint(condition=~Q(number=""), name="household_number_not_blank"),
            models.CheckConstraint(
                condition=(Q(status="active", closed_on__isnull=True, closed_reason=""))
                | (Q(status="closed", closed_on__isnull=False) & ~Q(closed_reason="")),
                name="household_closed_has_reason_and_date",
            ),
            models.CheckConstraint(
                condition=Q(child_disability_grade="") | Q(family_type="disability"),
                name="household_grade_only_for_disability",
            ),
        ]
        indexes = [
            # The list pages on primary keys in these orders; INCLUDE lets the scope filter (village, county)
            # be checked in the index, so even a deep page is an index-only scan without a sort.
            models.Index(
                fields=["number", "id"], name="household_number_order", include=["village", "county", "status"]
            ),
            models.Index(
                fields=["-registered_on", "-id"],
                name="household_registered_order",
                include=["village", "county", "status"],
            ),
            # Sorted by village: each village's households in (number, id) order (selectors.VillageOrderedPks).
            models.Index(
                fields=["village", "number", "id"], name="household_village_order", include=["county", "status"]
            ),
            # Counting a list: the scope (and status) in a small index (duplicates are merged), an
            # index-only scan instead of reading the table.
            models.Index(fields=["village", "county", "status"], name="household_scope"),
            models.Index(fields=["certificate_number"], name="household_certificate"),
            # The list sorted by type, living situation or status (selectors.SORT_COLUMNS): a page read in order
            # from the index, as by number (a deep page: no sort of the whole area).
            models.Index(
                fields=["family_type", "number", "id"],
                name="household_type_order",
                include=["village", "county", "status"],
            ),
            models.Index(
                fields=["living_situation", "number", "id"],
                name="household_living_order",
                include=["village", "county", "status"],
            ),
            models.Index(
                fields=["status", "number", "id"], name="household_status_order", include=["village", "county"]
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def clean(self) -> None:
        super().clean()
        errors: dict[str, list] = {}
        today = timezone.localdate()
        if self.village_id and self.village.level != "village":
            errors.setdefault("village", []).append(_("Choose a village or community."))
        if self.village_id and self.county_id and not is_within(self.village.path, self.county.path):
            errors.setdefault("village", []).append(_("The village is not in the household's county."))
        for field in ("registered_on", "child_event_date", "child_birth_date", "closed_on"):
            try:
                validation.date_check_not_future(getattr(self, field), today=today)
            except ValidationError as exc:
                errors.setdefault(field, []).append(exc)
        try:
            validation.date_check_order(
                self.child_birth_date,
                self.child_event_date,
                message=_("The date of death or disability is before the child's birth date."),
            )
        except ValidationError as exc:
            errors.setdefault("child_event_date", []).append(exc)
        for name, found in validation.household_events_check(
            family_type=self.family_type,
            child_event_date=self.child_event_date,
            child_recovered_on=self.child_recovered_on,
            other_child_on=self.other_child_on,
            today=today,
        ).items():
            errors.setdefault(name, []).extend(found)
        if self.child_disability_grade and self.family_type != self.FamilyType.DISABILITY:
            errors.setdefault("child_disability_grade", []).append(
                _("A disability grade applies only to a disability family.")
            )
        if errors:
            raise ValidationError(errors)

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def region_path(self) -> str:
        """The area the household belongs to (household_area_path; the county is read only without a village)."""
        if self.village_id:
            return self.village.path
        return household_area_path(village_path=None, county_path=self.county.path)

    def is_visible_to(self, user: AreaUser | None) -> bool:
        """Whether ``user`` may see this household: the Python twin of ``Household.objects.visible_to(user)``."""
        village_path = self.village.path if self.village_id else None
        county_path = "" if village_path else self.county.path
        return household_in_area(village_path=village_path, county_path=county_path, area_path=user_scope_path(user))


class MemberQuerySet(HouseholdScopedQuerySet["Member"]):
    household_prefix = "household__"

    def alive(self) -> MemberQuerySet:
        return self.filter(alive=True)


# Statement-level history triggers: one INSERT … SELECT of the transition table per statement, so the roster
# import's COPY and bulk UPDATEs write their history set-based through the triggers (docs/PERFORMANCE.md).
@pghistory.track(
    pghistory.InsertEvent(level=pghistory.Statement),
    pghistory.UpdateEvent(level=pghistory.Statement),
    pghistory.DeleteEvent(level=pghistory.Statement),
)
class Member(models.Model):
    """A person of a household. A person (ID number) belongs to one household in the whole database."""

    class Sex(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")

    class Role(models.TextChoices):
        HUSBAND = "husband", _("Husband")
        WIFE = "wife", _("Wife")
        GRANDCHILD = "grandchild", _("Grandchild")
        OTHER = "other", _("Other")

    class SelfCare(models.TextChoices):
        SELF_CARE = "self_care", _("Self-care (自理)")
        SEMI = "semi", _("Semi-disabled (半失能)")
        DISABLED = "disabled", _("Disabled (失能)")

    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="members"
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    # Null when unknown (a data-quality problem); never the empty string, so the unique constraint holds.
    id_number = models.CharField(_("ID number"), max_length=18, null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=24, blank=True)
    role = models.CharField(_("role in the family"), max_length=12, choices=Role.choices)
    alive = models.BooleanField(_("alive"), default=True)
    death_date = models.DateField(_("date of death"), null=True, blank=True)
    self_care = models.CharField(_("self-care ability"), max_length=10, choices=SelfCare.choices, blank=True)
    health_notes = models.TextField(_("health"), blank=True)
    chronic_diseases = models.CharField(_("chronic diseases"), max_length=200, blank=True)
    major_diseases = models.CharField(_("major diseases"), max_length=200, blank=True)
    disability = models.CharField(_("disability"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["household_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["id_number"], name="member_id_number_unique"),
            models.CheckConstraint(
                condition=Q(id_number__isnull=True) | Q(id_number__regex=r"^[0-9]{17}[0-9X]$"),
                name="member_id_number_format",
            ),
            models.CheckConstraint(
                condition=Q(phone="") | Q(phone__regex=r"^(1[3-9][0-9]{9}|0[0-9]{2,3}-[0-9]{7,8}(-[0-9]{1,6})?)$"),
                name="member_phone_normalised",
            ),
            models.CheckConstraint(
                condition=~Q(alive=True, death_date__isnull=False), name="member_alive_no_death_date"
            ),
            models.CheckConstraint(
                condition=Q(death_date__isnull=True)
                | Q(birth_date__isnull=True)
                | Q(death_date__gte=models.F("birth_date")),
                name="member_death_after_birth",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="member_name_not_blank"),
        ]
        indexes = [
            models.Index(fields=["phone"], name="member_phone"),
            models.Index(fields=["birth_date"], name="member_birth_date"),
            # The search by the last four digits of an ID number or a phone (what a masked value shows).
            models.Index(Right("id_number", 4), name="member_id_number_last4"),
            models.Index(Right("phone", 4), name="member_phone_last4"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """Sex and birth date come from the ID number (filled in when blank, an error when they differ);
        the phone is stored normalised; dates in order and not in the future."""
        super().clean()
        errors: dict[str, list] = {}
        today = timezone.localdate()
        self._clean_id_number(errors, today=today)
        if self.phone:
            try:
                self.phone = validation.phone_normalize(self.phone)
            except ValidationError as exc:
                errors.setdefault("phone", []).append(exc)
        self._clean_dates(errors, today=today)
        if errors:
            raise ValidationError(errors)

    def _clean_id_number(self, errors: dict[str, list], *, today: date) -> None:
        """The ID number checked, and the sex and birth date taken from it (an error when they differ)."""
        if self.id_number == "":
            self.id_number = None
        if not self.id_number:
            return
        try:
            info = validation.id_number_parse(self.id_number, today=today)
        except ValidationError as exc:
            errors.setdefault("id_number", []).append(exc)
            return
        try:
            validation.id_number_check_consistency(info, sex=self.sex, birth_date=self.birth_date)
        except ValidationError as exc:
            for field, messages in exc.error_dict.items():
                errors.setdefault(field, []).extend(messages)
        else:
            self.id_number, self.sex, self.birth_date = info.number, info.sex, info.birth_date

    def _clean_dates(self, errors: dict[str, list], *, today: date) -> None:
        """Birth and death not in the future, in order, and no death for the living."""
        for field in ("birth_date", "death_date"):
            try:
                validation.date_check_not_future(getattr(self, field), today=today)
            except ValidationError as exc:
                errors.setdefault(field, []).append(exc)
        if self.alive and self.death_date:
            errors.setdefault("death_date", []).append(_("A living member has no date of death."))
        try:
            validation.date_check_order(
                self.birth_date, self.death_date, message=_("The date of death is before the birth date.")
            )
        except ValidationError as exc:
            errors.setdefault("death_date", []).append(exc)

    def age(self, *, on: date) -> int | None:
        if self.birth_date is None:
            return None
        years = on.year - self.birth_date.year
        if (on.month, on.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years


class SavedFilter(models.Model):
    """A named set of list filters a user reuses. Holds filter values only, never a search text."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="household_filters", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=60)
    params = models.JSONField(_("filters"), default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("saved filter")
        verbose_name_plural = _("saved filters")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="savedfilter_name_unique_per_user"),
        ]

    def __str__(self) -> str:
        return self.name


class HouseholdTransferQuerySet(ScopedQuerySet["HouseholdTransfer"]):
    """A transfer is seen by the staff of both counties: the sending one (its household) and the receiving one."""

    def scope_q(self, path: str) -> Q:
        return Q(from_county__path__startswith=path) | Q(to_county__path__startswith=path)

    def open(self) -> HouseholdTransferQuerySet:
        return self.filter(status=HouseholdTransfer.Status.REQUESTED)


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class HouseholdTransfer(models.Model):
    """迁移: a family that moved to another county. The receiving county asks (by a member's ID number), the
    sending county accepts or refuses; on acceptance the household, its members and its history move
    (households.transfers.services)."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        ACCEPTED = "accepted", _("Accepted")
        REFUSED = "refused", _("Refused")
        CANCELLED = "cancelled", _("Cancelled")

    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="transfers"
    )
    from_county = models.ForeignKey(
        "regions.Region", verbose_name=_("from county"), on_delete=models.PROTECT, related_name="+"
    )
    to_county = models.ForeignKey(
        "regions.Region", verbose_name=_("to county"), on_delete=models.PROTECT, related_name="+"
    )
    to_village = models.ForeignKey(
        "regions.Region", verbose_name=_("to village/community"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED)
    # The ID number the request named, masked: what the receiving county sees before the answer.
    id_number_masked = models.CharField(_("ID number"), max_length=30)
    note = models.CharField(_("note of the request"), max_length=500, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    number_before = models.CharField(_("household number before"), max_length=30)
    number_after = models.CharField(_("household number after"), max_length=30, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    objects = HouseholdTransferQuerySet.as_manager()

    class Meta:
        verbose_name = _("household transfer")
        verbose_name_plural = _("household transfers")
        ordering = ["-requested_at", "-id"]
        constraints = [
            # One open request per household: a second county asks after the first one's answer.
            models.UniqueConstraint(
                fields=["household"], condition=Q(status="requested"), name="householdtransfer_one_open"
            ),
            models.CheckConstraint(
                condition=~Q(from_county=models.F("to_county")), name="householdtransfer_other_county"
            ),
            models.CheckConstraint(
                condition=Q(status="requested", decided_at__isnull=True)
                | (~Q(status="requested") & Q(decided_at__isnull=False)),
                name="householdtransfer_answered_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="refused") | ~Q(reason=""), name="householdtransfer_refusal_has_reason"
            ),
            models.CheckConstraint(
                condition=~Q(status="accepted") | ~Q(number_after=""), name="householdtransfer_accepted_has_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.id_number_masked} → {self.to_county_id}"
