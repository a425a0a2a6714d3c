"""Four-on-one contacts (联系人制度, docs/DOMAIN.md §Four-on-one contacts).

* :class:`ServicePerson` — a person who serves the families (联系人): town leader cadre, village cadre,
  contracted family doctor, association member or volunteer.
* :class:`ContactScheme` — per county, which role slots every household must have filled: 四对一 (seed 003,
  the default), 双岗 (seeds 000, 001) or 1+1+N (seed 001).
* :class:`Assignment` — one person in one slot of one household for a term. History is kept: a change ends
  the old row and starts a new one; rows are never overwritten. A substitute (代岗) covers an assignment while
  its holder is away, with its own dates.

Terms are half-open: a person is responsible on the days ``start_date <= day < end_date``; ``end_date`` is the
day the term ended (the successor's start date in a handover). Writes go through contacts.services.
"""

from __future__ import annotations

from datetime import date

import pghistory
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from households import validation
from households.models import HouseholdScopedQuerySet
from regions.paths import ancestor_paths, are_related
from regions.scope import ScopedQuerySet

# The stored form of a phone (households.validation.phone_normalize writes it).
PHONE_STORED_RE = rf"^({validation.MOBILE_RE.pattern}|{validation.LANDLINE_RE.pattern})$"


class ServicePersonQuerySet(ScopedQuerySet["ServicePerson"]):
    scope_path_lookup = "region__path"

    def active(self) -> ServicePersonQuerySet:
        return self.filter(active=True)

    def serving(self, region_path: str) -> ServicePersonQuerySet:
        """People who may serve a household in the area `region_path` (their node contains it)."""
        return self.filter(region__path__in=ancestor_paths(region_path))


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class ServicePerson(models.Model):
    """联系人: a person who contacts and visits the families. May have a portal login."""

    class RoleType(models.TextChoices):
        TOWN_LEADER = "town_leader", _("Town/street leader cadre (乡镇/街道领导干部)")
        VILLAGE_CADRE = "village_cadre", _("Village/community cadre (村/居委会干部)")
        FAMILY_DOCTOR = "family_doctor", _("Contracted family doctor (家庭签约医生)")
        ASSOCIATION_MEMBER = "association_member", _("Association member (计生协会员)")
        VOLUNTEER = "volunteer", _("Volunteer (志愿者)")

    # The region level at which a role may be registered (a town leader at a town, and so on).
    ROLE_LEVELS: dict[str, frozenset[str]] = {
        RoleType.TOWN_LEADER: frozenset({"town"}),
        RoleType.VILLAGE_CADRE: frozenset({"village"}),
        RoleType.FAMILY_DOCTOR: frozenset({"county", "town", "village"}),
        RoleType.ASSOCIATION_MEMBER: frozenset({"county", "town", "village"}),
        RoleType.VOLUNTEER: frozenset({"county", "town", "village"}),
    }

    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=24, blank=True)
    role_type = models.CharField(_("role"), max_length=20, choices=RoleType.choices)
    unit = models.CharField(
        _("unit"), max_length=100, blank=True, help_text=_("Work unit, e.g. the township hospital.")
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("area"), on_delete=models.PROTECT, related_name="service_persons"
    )
    # One login may stand behind several roles (a village cadre who is also an association member).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("portal login"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="service_persons",
    )
    active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ServicePersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("service person")
        verbose_name_plural = _("service persons")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="serviceperson_name_not_blank"),
            models.CheckConstraint(
                condition=Q(phone="") | Q(phone__regex=PHONE_STORED_RE),
                name="serviceperson_phone_normalised",
            ),
            models.UniqueConstraint(
                fields=["user", "role_type", "region"],
                condition=Q(user__isnull=False),
                name="serviceperson_one_login_per_role_and_area",
            ),
        ]
        indexes = [models.Index(fields=["role_type", "active"], name="serviceperson_role_active")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_type_display()})"

    def clean(self) -> None:
        super().clean()
        errors: dict[str, list] = {}
        self.name = validation.clean_text(self.name)
        if self.phone:
            try:
                self.phone = validation.phone_normalize(self.phone)
            except ValidationError as exc:
                errors.setdefault("phone", []).append(exc)
        if self.region_id and self.role_type:
            allowed = self.ROLE_LEVELS.get(self.role_type, frozenset())
            if self.region.level not in allowed:
                errors.setdefault("region", []).append(
                    _("A %(role)s is registered at a %(levels)s node.")
                    % {
                        "role": self.get_role_type_display(),
                        "levels": " / ".join(str(self.region.Level(level).label) for level in sorted(allowed)),
                    }
                )
        if self.user_id and self.region_id and self.user.region_id:
            # The login must work inside the area the person serves (or above it), never elsewhere.
            user_path = self.user.region.path
            if not are_related(self.region.path, user_path):
                errors.setdefault("user", []).append(_("The login works in another area."))
        if self.user_id and (login_name := self.user.name.strip()):
            self._clean_login_name(login_name, errors)
        if errors:
            raise ValidationError(errors)

    def _clean_login_name(self, login_name: str, errors: dict[str, list]) -> None:
        """One person, one name: a person with a portal login carries the login's name (accounts.User.name),
        so the same cadre is not 陈静 as a user and 胡兰勇 as a contact. A name that differs only in spaces
        is taken as the login's; another name is refused, since it usually means the wrong login was chosen.
        A later change of the login's name is carried over (contacts.receivers.person_name_follow_login)."""
        if "".join(self.name.split()) == "".join(login_name.split()):
            self.name = login_name
        else:
            errors.setdefault("name", []).append(
                _("The login %(username)s belongs to %(name)s: a person with a portal login carries its name.")
                % {"username": self.user.username, "name": login_name}
            )


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class ContactScheme(models.Model):
    """Which contact slots a county requires of every household. Without a row: 四对一."""

    class Kind(models.TextChoices):
        FOUR_ON_ONE = "four_on_one", _("Four-on-one (四对一): town leader, village cadre, family doctor, member")
        DOUBLE_POST = "double_post", _("Double post (双岗): town leader and village cadre")
        ONE_ONE_N = "one_one_n", _("1+1+N: town contact, village contact and N volunteers")

    RoleType = ServicePerson.RoleType
    SLOTS: dict[str, tuple[str, ...]] = {
        Kind.FOUR_ON_ONE: (
            RoleType.TOWN_LEADER,
            RoleType.VILLAGE_CADRE,
            RoleType.FAMILY_DOCTOR,
            RoleType.ASSOCIATION_MEMBER,
        ),
        Kind.DOUBLE_POST: (RoleType.TOWN_LEADER, RoleType.VILLAGE_CADRE),
        Kind.ONE_ONE_N: (RoleType.TOWN_LEADER, RoleType.VILLAGE_CADRE, RoleType.VOLUNTEER),
    }

    county = models.OneToOneField(
        "regions.Region",
        verbose_name=_("county"),
        on_delete=models.PROTECT,
        related_name="contact_scheme",
        limit_choices_to={"level": "county"},
    )
    kind = models.CharField(_("scheme"), max_length=12, choices=Kind.choices, default=Kind.FOUR_ON_ONE)
    volunteers_required = models.PositiveSmallIntegerField(
        _("volunteers required (N)"), default=1, help_text=_("Only for 1+1+N.")
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("contact scheme")
        verbose_name_plural = _("contact schemes")
        constraints = [
            models.CheckConstraint(
                condition=Q(volunteers_required__gte=1, volunteers_required__lte=20), name="contactscheme_n_range"
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()

    def required_slots(self) -> dict[str, int]:
        """Slot → how many current people it needs (1, or N volunteers in 1+1+N)."""
        return {
            slot: (self.volunteers_required if slot == self.RoleType.VOLUNTEER else 1) for slot in self.SLOTS[self.kind]
        }


class AssignmentQuerySet(HouseholdScopedQuerySet["Assignment"]):
    household_prefix = "household__"

    def current(self, *, on: date) -> AssignmentQuerySet:
        """Terms running on `on` (start ≤ on < end), substitutes included."""
        return self.filter(Q(end_date__isnull=True) | Q(end_date__gt=on), start_date__lte=on)

    def holders(self) -> AssignmentQuerySet:
        """The slot holders themselves, without substitutes."""
        return self.filter(substitute_for__isnull=True)


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Assignment(models.Model):
    """One person in one contact slot of one household, for a term (see the module docstring)."""

    Slot = ServicePerson.RoleType

    household = models.ForeignKey(
        "households.Household", verbose_name=_("household"), on_delete=models.PROTECT, related_name="assignments"
    )
    slot = models.CharField(_("slot"), max_length=20, choices=ServicePerson.RoleType.choices)
    person = models.ForeignKey(
        ServicePerson, verbose_name=_("person"), on_delete=models.PROTECT, related_name="assignments"
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    # 代岗: covers `substitute_for` while its holder is away (same household and slot, own dates).
    substitute_for = models.ForeignKey(
        "self",
        verbose_name=_("substitute for"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="substitutes",
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AssignmentQuerySet.as_manager()
    # A holder's substitutes on a day, attached by contacts.selectors' household panel (not a field).
    current_substitutes: list[Assignment]

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["household_id", "slot", "-start_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="assignment_end_after_start",
            ),
            # One open-ended holder per household and slot; volunteers (the N of 1+1+N) are many.
            models.UniqueConstraint(
                fields=["household", "slot"],
                condition=Q(end_date__isnull=True, substitute_for__isnull=True) & ~Q(slot="volunteer"),
                name="assignment_one_current_holder_per_slot",
            ),
            models.UniqueConstraint(
                fields=["household", "slot", "person"],
                condition=Q(end_date__isnull=True, substitute_for__isnull=True),
                name="assignment_person_once_per_slot",
            ),
            models.CheckConstraint(condition=~Q(substitute_for=models.F("id")), name="assignment_not_own_substitute"),
        ]
        indexes = [
            models.Index(fields=["household", "slot", "start_date"], name="assignment_household_slot"),
            models.Index(fields=["person", "end_date"], name="assignment_person_end"),
            models.Index(
                fields=["household", "slot"], condition=Q(end_date__isnull=True), name="assignment_open_terms"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household} · {self.get_slot_display()} · {self.person.name}"

    @property
    def is_substitute(self) -> bool:
        return self.substitute_for_id is not None

    def is_current(self, *, on: date) -> bool:
        return self.start_date <= on and (self.end_date is None or self.end_date > on)
