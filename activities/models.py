"""Activities and volunteers (issue 17; docs/ACTIVITIES.md; /shared/REPORTS.md §Activities).

暖心家园 centres, the activities an association unit organises (the "5+N" events, trainings, psychological classes,
festival campaigns, volunteer services), who was invited and who attended (rows picked from the archive, so
person-times are counted, never typed), photos; volunteers, their teams, pairings with households (结对), the hours
they served (the time bank) and their commendations.

The statistical reports read these tables with set-based SQL: the names of Activity, Attendance, Invitation,
Pairing and ServiceLog and their fields are a contract (docs/ACTIVITIES.md §Contract).
"""

from __future__ import annotations

from datetime import date

import pghistory
from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, RangeOperators
from django.db import models
from django.db.models import F, Func, Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from households.models import HouseholdScopedQuerySet, household_scope_q
from regions.paths import ancestor_paths
from regions.scope import ScopedQuerySet

# ------------------------------------------------------------------------------------------------------ centres


class CentreQuerySet(ScopedQuerySet["Centre"]):
    """A centre is read by everyone whose area holds its town, and by the town's villages (they bring families)."""

    def scope_q(self, path: str) -> Q:
        return Q(town__path__startswith=path) | Q(town__path__in=ancestor_paths(path))


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Centre(models.Model):
    """A 暖心家园 ("warm home"): a centre per town or street run by the association."""

    county = models.ForeignKey("regions.Region", verbose_name=_("county"), on_delete=models.PROTECT, related_name="+")
    town = models.ForeignKey(
        "regions.Region", verbose_name=_("town/street"), on_delete=models.PROTECT, related_name="activity_centres"
    )
    name = models.CharField(pgettext_lazy("centre", "name"), max_length=100)
    address = models.CharField(pgettext_lazy("centre", "address"), max_length=200, blank=True)
    opened_on = models.DateField(_("opened on"), null=True, blank=True)
    manager_name = models.CharField(_("person in charge"), max_length=50, blank=True)
    area_m2 = models.PositiveIntegerField(_("floor area (m²)"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CentreQuerySet.as_manager()

    class Meta:
        verbose_name = _("warm-home centre")
        verbose_name_plural = _("warm-home centres")
        ordering = ["town__path", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["town", "name"], name="centre_name_unique_per_town"),
            models.CheckConstraint(condition=~Q(name=""), name="centre_name_not_blank"),
        ]

    def __str__(self) -> str:
        return self.name


# --------------------------------------------------------------------------------------------------- activities


class ActivityQuerySet(ScopedQuerySet["Activity"]):
    """An activity is read by users whose area contains its organiser (a village, a town or the county)."""

    scope_path_lookup = "organiser__path"

    def in_year(self, year: int) -> ActivityQuerySet:
        return self.filter(starts_on__year=year)


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Activity(models.Model):
    """One activity; it belongs to the month of ``starts_on`` and its figures to its organiser."""

    class Kind(models.TextChoices):
        # The "5+N" events of a 暖心家园, then the other kinds of REPORTS.md §Activities.
        BIRTHDAY = "birthday", _("Group birthday (集体庆生)")
        LECTURE = "lecture", _("Knowledge lecture (知识讲座)")
        CULTURE_SPORTS = "culture_sports", _("Culture and sports (文体活动)")
        SOCIAL = "social", _("Social exchange (交流联谊)")
        HOME_CARE = "home_care", _("Home care (居家照护)")
        LOCAL_SPECIAL = "local_special", _("Local special (特色活动)")
        TRAINING = "training", _("Training of contacts and cadres (培训)")
        PSYCH_CLASS = "psych_class", _("Psychological class (心理课堂)")
        FESTIVAL = "festival", _("Festival campaign (节日慰问)")
        VOLUNTEER_SERVICE = "volunteer_service", _("Volunteer service (志愿服务)")

    class FundingSource(models.TextChoices):
        ASSOCIATION = "association", _("Family-planning association (计生协)")
        GOVERNMENT = "government", _("Government budget (财政)")
        DONATION = "donation", _("Donation (社会捐赠)")
        PROJECT = "project", _("Project funds (项目资金)")
        OTHER = "other", _("Other")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=120)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    organiser = models.ForeignKey(
        "regions.Region", verbose_name=_("organiser"), on_delete=models.PROTECT, related_name="organised_activities"
    )
    centre = models.ForeignKey(
        Centre,
        verbose_name=_("warm-home centre"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
    )
    place = models.CharField(_("place"), max_length=200, blank=True)
    money_spent = models.DecimalField(_("money spent (yuan)"), max_digits=12, decimal_places=2, default=0)
    funding_source = models.CharField(
        _("source of the money"), max_length=12, choices=FundingSource.choices, blank=True
    )
    account = models.TextField(_("account"), blank=True, help_text=_("A short account of what was done."))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="activity_ends_after_start"),
            models.CheckConstraint(condition=Q(money_spent__gte=0), name="activity_money_not_negative"),
            models.CheckConstraint(condition=~Q(title=""), name="activity_title_not_blank"),
            models.CheckConstraint(
                condition=Q(money_spent=0) | ~Q(funding_source=""), name="activity_money_has_source"
            ),
        ]
        indexes = [models.Index(fields=["organiser", "starts_on"], name="activity_organiser_start")]

    def __str__(self) -> str:
        return self.title


class ActivityPhotoQuerySet(ScopedQuerySet["ActivityPhoto"]):
    def scope_q(self, path: str) -> Q:
        return Q(activity__organiser__path__startswith=path)


class InvitationQuerySet(HouseholdScopedQuerySet["Invitation"]):
    household_prefix = "household__"


class Invitation(models.Model):
    """A household invited to an activity (attending implies invited: the services write both)."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="invitations")
    household = models.ForeignKey("households.Household", on_delete=models.PROTECT, related_name="invitations")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(fields=["activity", "household"], name="invitation_once_per_household"),
        ]
        indexes = [models.Index(fields=["household", "activity"], name="invitation_household")]

    def __str__(self) -> str:
        return f"{self.activity_id}:{self.household_id}"


class AttendanceQuerySet(ScopedQuerySet["Attendance"]):
    """A family's attendance is seen where the household is; a trained contact's where the person serves."""

    def scope_q(self, path: str) -> Q:
        return household_scope_q(path, prefix="household__") | Q(
            household__isnull=True, service_person__region__path__startswith=path
        )


@pghistory.track(pghistory.InsertEvent(), pghistory.DeleteEvent())
class Attendance(models.Model):
    """One person at one activity: a member of a household, or a contact or cadre at a training."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="attendances")
    household = models.ForeignKey(
        "households.Household", null=True, blank=True, on_delete=models.PROTECT, related_name="attendances"
    )
    member = models.ForeignKey(
        "households.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="attendances"
    )
    service_person = models.ForeignKey(
        "contacts.ServicePerson", null=True, blank=True, on_delete=models.PROTECT, related_name="attendances"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AttendanceQuerySet.as_manager()

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        ordering = ["activity_id", "household_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(member__isnull=False, service_person__isnull=True)
                | Q(member__isnull=True, service_person__isnull=False),
                name="attendance_one_person",
            ),
            models.CheckConstraint(
                condition=Q(household__isnull=True, member__isnull=True)
                | Q(household__isnull=False, member__isnull=False),
                name="attendance_household_iff_member",
            ),
            models.UniqueConstraint(fields=["activity", "member"], name="attendance_member_once"),
            models.UniqueConstraint(fields=["activity", "service_person"], name="attendance_person_once"),
        ]
        indexes = [models.Index(fields=["household", "activity"], name="attendance_household")]

    def __str__(self) -> str:
        return f"{self.activity_id}:{self.member_id or self.service_person_id}"


def activity_photo_path(instance: ActivityPhoto, filename: str) -> str:
    # The uploaded name is never used for the stored file (its extension comes from its first bytes).
    return f"activities/photos/{instance.activity_id}/{filename}"


class ActivityPhoto(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(_("photo"), upload_to=activity_photo_path)
    caption = models.CharField(_("caption"), max_length=100, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ActivityPhotoQuerySet.as_manager()

    class Meta:
        verbose_name = _("activity photo")
        verbose_name_plural = _("activity photos")
        ordering = ["activity_id", "id"]

    def __str__(self) -> str:
        return self.caption or f"{self.activity_id}:{self.pk}"


# --------------------------------------------------------------------------------------------------- volunteers


class TeamQuerySet(ScopedQuerySet["Team"]):
    scope_path_lookup = "region__path"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Team(models.Model):
    """A volunteer team of a county or a town."""

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("county or town"), on_delete=models.PROTECT, related_name="volunteer_teams"
    )
    name = models.CharField(pgettext_lazy("team", "name"), max_length=100)
    leader_name = models.CharField(_("team leader"), max_length=50, blank=True)
    founded_on = models.DateField(_("founded on"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = TeamQuerySet.as_manager()

    class Meta:
        verbose_name = _("volunteer team")
        verbose_name_plural = _("volunteer teams")
        ordering = ["region__path", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="team_name_unique_per_region"),
            models.CheckConstraint(condition=~Q(name=""), name="team_name_not_blank"),
        ]

    def __str__(self) -> str:
        return self.name


class VolunteerQuerySet(ScopedQuerySet["Volunteer"]):
    scope_path_lookup = "region__path"

    def active(self) -> VolunteerQuerySet:
        return self.filter(active=True)


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Volunteer(models.Model):
    """A volunteer of the association; may have a portal login (then logs their own services)."""

    class Skill(models.TextChoices):
        SOCIAL_WORKER = "social_worker", _("Social worker (社工)")
        COUNSELLOR = "counsellor", _("Counsellor (心理咨询师)")
        LAWYER = "lawyer", _("Lawyer (律师)")
        MEDICAL = "medical", _("Medical staff (医护人员)")
        STUDENT = "student", _("Student (学生)")
        RECOVERED = "recovered", _("Recovered special-family member (走出阴霾的特殊家庭成员)")
        OTHER = "other", _("Other")

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("area"), on_delete=models.PROTECT, related_name="volunteers"
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=24, blank=True)
    skills = ArrayField(
        models.CharField(max_length=16, choices=Skill.choices), verbose_name=_("skills"), default=list, blank=True
    )
    teams = models.ManyToManyField(Team, verbose_name=_("teams"), blank=True, related_name="volunteers")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("portal login"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="volunteer",
    )
    joined_on = models.DateField(_("joined on"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = VolunteerQuerySet.as_manager()

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="volunteer_name_not_blank"),
            models.CheckConstraint(
                condition=Q(phone="") | Q(phone__regex=r"^(1[3-9][0-9]{9}|0[0-9]{2,3}-[0-9]{7,8}(-[0-9]{1,6})?)$"),
                name="volunteer_phone_normalised",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def skill_labels(self) -> list[str]:
        labels = dict(self.Skill.choices)
        return [str(labels.get(s, s)) for s in self.skills]


class PairingQuerySet(HouseholdScopedQuerySet["Pairing"]):
    household_prefix = "household__"

    def active_on(self, day: date) -> PairingQuerySet:
        return self.filter(Q(ended_on__isnull=True) | Q(ended_on__gte=day), started_on__lte=day)


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Pairing(models.Model):
    """结对: a volunteer paired with a household; active on day d when started_on ≤ d ≤ ended_on (or no end)."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="pairings")
    household = models.ForeignKey("households.Household", on_delete=models.PROTECT, related_name="pairings")
    started_on = models.DateField(_("paired since"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PairingQuerySet.as_manager()

    class Meta:
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")
        ordering = ["-started_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")), name="pairing_ends_after_start"
            ),
            ExclusionConstraint(
                name="pairing_no_overlap",
                expressions=[
                    (
                        Func(F("volunteer_id"), F("volunteer_id"), Value("[]"), function="int8range"),
                        RangeOperators.OVERLAPS,
                    ),
                    (
                        Func(F("household_id"), F("household_id"), Value("[]"), function="int8range"),
                        RangeOperators.OVERLAPS,
                    ),
                    (
                        Func(
                            F("started_on"),
                            Coalesce(F("ended_on"), Value(date(9999, 12, 31))),
                            Value("[]"),
                            function="daterange",
                        ),
                        RangeOperators.OVERLAPS,
                    ),
                ],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id}:{self.household_id}"


class ServiceLogQuerySet(ScopedQuerySet["ServiceLog"]):
    """Hours served are read where the volunteer is registered."""

    scope_path_lookup = "volunteer__region__path"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class ServiceLog(models.Model):
    """Hours a volunteer served on a day (the time bank): for a household, at an activity, or in general."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="service_logs")
    household = models.ForeignKey(
        "households.Household", null=True, blank=True, on_delete=models.PROTECT, related_name="volunteer_services"
    )
    activity = models.ForeignKey(Activity, null=True, blank=True, on_delete=models.CASCADE, related_name="service_logs")
    served_on = models.DateField(_("served on"))
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=1)
    description = models.CharField(_("what was done"), max_length=200, blank=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ServiceLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("volunteer service")
        verbose_name_plural = _("volunteer services")
        ordering = ["-served_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(hours__gt=0, hours__lte=24), name="servicelog_hours_range"),
            models.UniqueConstraint(
                fields=["volunteer", "activity"],
                condition=Q(activity__isnull=False),
                name="servicelog_once_per_activity",
            ),
        ]
        indexes = [models.Index(fields=["volunteer", "served_on"], name="servicelog_volunteer_day")]

    def __str__(self) -> str:
        return f"{self.volunteer_id}:{self.served_on}:{self.hours}"


class CommendationQuerySet(ScopedQuerySet["Commendation"]):
    scope_path_lookup = "volunteer__region__path"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Commendation(models.Model):
    """A commendation of a volunteer (a star volunteer of the year, an award of the association …)."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="commendations")
    title = models.CharField(_("title"), max_length=120)
    awarded_on = models.DateField(_("awarded on"))
    awarded_by = models.CharField(_("awarded by"), max_length=100, blank=True)
    stars = models.PositiveSmallIntegerField(_("stars"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = CommendationQuerySet.as_manager()

    class Meta:
        verbose_name = _("commendation")
        verbose_name_plural = _("commendations")
        ordering = ["-awarded_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="commendation_title_not_blank"),
            models.CheckConstraint(
                condition=Q(stars__isnull=True) | Q(stars__gte=1, stars__lte=5), name="commendation_stars_range"
            ),
        ]

    def __str__(self) -> str:
        return self.title
