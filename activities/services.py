"""Writes of the activities app: centres, activities with their invitations, attendance, photos and volunteers'
hours; volunteers, teams, pairings, service logs, commendations.

Each service authorizes its actor itself (accounts.scope.authorize) and writes inside a history context. Bad input
is a ValidationError in the reader's language and nothing is written (every service runs in one transaction).
Attendance is picked from the archive of the organiser's area, never typed: person-times are its rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Capability
from accounts.scope import authorize, require_capability
from activities.models import (
    Activity,
    ActivityPhoto,
    Attendance,
    Centre,
    Commendation,
    Invitation,
    Pairing,
    ServiceLog,
    Team,
    Volunteer,
)
from audit.history import history_context
from audit.models import AccessEvent
from audit.services import access_event_record
from contacts.models import ServicePerson
from core.scans import scan_type_check
from households.models import Household, Member, household_scope_q
from households.validation import phone_normalize
from regions.models import Region
from regions.paths import are_related

if TYPE_CHECKING:
    from accounts.models import User

PHOTO_MAX_BYTES = 8 * 1024 * 1024
ORGANISER_LEVELS = ("county", "town", "village")
HOURS_PER_DAY = Decimal(24)


def _today(today: date | None) -> date:
    return today or timezone.localdate()


# ------------------------------------------------------------------------------------------------------ centres


def centre_save(*, actor: User, town: Region, name: str, centre: Centre | None = None, **fields: Any) -> Centre:
    """Create or change a 暖心家园 of a town (or street)."""
    if town.level != Region.Level.TOWN:
        raise ValidationError({"town": _("A warm-home centre belongs to a town or street.")})
    authorize(actor, Capability.MANAGE_CENTRES, within=town.path)
    row = centre or Centre()
    row.town = town
    if town.parent is None:
        raise ValidationError({"town": _("A warm-home centre belongs to a town or street.")})
    row.county = town.parent
    row.name = (name or "").strip()
    for key in ("address", "opened_on", "manager_name", "area_m2", "note", "active"):
        if key in fields:
            setattr(row, key, fields[key])
    row.full_clean()
    with transaction.atomic(), history_context(actor=actor, service="centre_save"):
        row.save()
    return row


# --------------------------------------------------------------------------------------------------- activities


@dataclass
class ActivityData:
    """An activity's own fields, as a form gives them."""

    kind: str
    title: str
    starts_on: date
    ends_on: date | None = None
    organiser: Region | None = None
    centre: Centre | None = None
    place: str = ""
    money_spent: Decimal | int | str = 0
    funding_source: str = ""
    account: str = ""


@dataclass
class Attendees:
    """Who attended: members picked one by one, whole households (their living members), trained contacts."""

    member_ids: Sequence[int] = field(default_factory=list)
    household_ids: Sequence[int] = field(default_factory=list)
    service_person_ids: Sequence[int] = field(default_factory=list)
    invited_household_ids: Sequence[int] = field(default_factory=list)


def _activity_fields_check(row: Activity, data: ActivityData) -> None:
    errors: dict[str, list[str]] = {}
    if data.ends_on is not None and data.ends_on < data.starts_on:
        errors.setdefault("ends_on", []).append(_("The activity ends before it starts."))
    try:
        money = Decimal(str(data.money_spent or 0))
    except InvalidOperation:
        money = Decimal(-1)
        errors.setdefault("money_spent", []).append(_("Enter the money spent as a number of yuan."))
    if money < 0:
        errors.setdefault("money_spent", []).append(_("The money spent cannot be negative."))
    if money > 0 and not data.funding_source:
        errors.setdefault("funding_source", []).append(_("Say where the money came from."))
    organiser = row.organiser
    if data.centre is not None and not are_related(data.centre.town.path, organiser.path):
        errors.setdefault("centre", []).append(_("The centre is outside the organiser's area."))
    if errors:
        raise ValidationError(errors)
    row.kind = data.kind
    row.title = (data.title or "").strip()
    row.starts_on = data.starts_on
    row.ends_on = data.ends_on or data.starts_on
    row.centre = data.centre
    row.place = data.place or (data.centre.name if data.centre else "")
    row.money_spent = money
    row.funding_source = data.funding_source
    row.account = data.account


def activity_save(
    *,
    actor: User,
    data: ActivityData,
    activity: Activity | None = None,
    attendees: Attendees | None = None,
    today: date | None = None,
) -> Activity:
    """Record an activity (or change one); with ``attendees`` its attendance becomes exactly that set."""
    row = activity or Activity()
    if activity is None:
        if data.organiser is None:
            raise ValidationError({"organiser": _("Choose the unit that organised the activity.")})
        row.organiser = data.organiser
        row.recorded_by = actor
    if row.organiser.level not in ORGANISER_LEVELS:
        raise ValidationError({"organiser": _("An activity is organised by a county, a town or a village.")})
    authorize(actor, Capability.RECORD_ACTIVITIES, within=row.organiser.path)
    _activity_fields_check(row, data)
    row.full_clean()
    with transaction.atomic(), history_context(actor=actor, service="activity_save"):
        row.save()
        if attendees is not None:
            _attendance_replace(row, attendees, today=_today(today))
    return row


def _members_in_area(organiser: Region, member_ids: Iterable[int]) -> dict[int, Member]:
    ids = set(member_ids)
    found = {
        m.pk: m
        for m in Member.objects.filter(pk__in=ids)
        .filter(household_scope_q(organiser.path, prefix="household__"))
        .select_related("household")
    }
    if ids - set(found):
        raise ValidationError(
            {
                "member_ids": _("%(n)d of the persons chosen are outside the organiser's area.")
                % {"n": len(ids - set(found))}
            }
        )
    return found


def _attendee_members(organiser: Region, attendees: Attendees) -> dict[int, Member]:
    """The members who attended: those picked one by one (each once) and the living members of whole households."""
    twice = sorted(pk for pk, n in Counter(attendees.member_ids).items() if n > 1)
    members = _members_in_area(organiser, attendees.member_ids)
    if twice:
        names = "、".join(members[pk].name for pk in twice)
        raise ValidationError({"member_ids": _("A person attends an activity once: %(names)s.") % {"names": names}})
    households = set(attendees.household_ids)
    if households:
        in_area = Household.objects.filter(pk__in=households).filter(household_scope_q(organiser.path))
        if in_area.count() != len(households):
            raise ValidationError({"household_ids": _("A household chosen is outside the organiser's area.")})
        for m in Member.objects.filter(household_id__in=households, alive=True).select_related("household"):
            members.setdefault(m.pk, m)
    return members


def _attendee_persons(organiser: Region, ids: Sequence[int]) -> list[int]:
    twice = [pk for pk, n in Counter(ids).items() if n > 1]
    if twice:
        raise ValidationError({"service_person_ids": _("A person attends an activity once.")})
    found = set(
        ServicePerson.objects.filter(pk__in=ids, region__path__startswith=organiser.path).values_list("pk", flat=True)
    )
    if set(ids) - found:
        raise ValidationError({"service_person_ids": _("A contact chosen is outside the organiser's area.")})
    return sorted(found)


def _attendance_replace(activity: Activity, attendees: Attendees, *, today: date) -> None:
    members = _attendee_members(activity.organiser, attendees)
    persons = _attendee_persons(activity.organiser, attendees.service_person_ids)
    if (members or persons) and activity.starts_on > today:
        raise ValidationError(_("Attendance is recorded once the activity has started."))
    dead = [
        m.name for m in members.values() if not m.alive and (m.death_date is None or m.death_date < activity.starts_on)
    ]
    if dead:
        raise ValidationError(
            {"member_ids": _("Deceased persons cannot attend: %(names)s.") % {"names": "、".join(dead)}}
        )
    invited = set(attendees.invited_household_ids)
    if invited:
        in_area = Household.objects.filter(pk__in=invited).filter(household_scope_q(activity.organiser.path))
        if in_area.count() != len(invited):
            raise ValidationError({"invited_household_ids": _("A household invited is outside the organiser's area.")})
    invited |= {m.household_id for m in members.values()}
    activity.attendances.exclude(member_id__in=list(members)).exclude(service_person_id__in=persons).delete()
    have_members = set(activity.attendances.filter(member__isnull=False).values_list("member_id", flat=True))
    have_persons = set(
        activity.attendances.filter(service_person__isnull=False).values_list("service_person_id", flat=True)
    )
    Attendance.objects.bulk_create(
        [
            Attendance(activity=activity, household_id=m.household_id, member=m)
            for pk, m in members.items()
            if pk not in have_members
        ]
        + [Attendance(activity=activity, service_person_id=pk) for pk in persons if pk not in have_persons]
    )
    have_invited = set(activity.invitations.values_list("household_id", flat=True))
    Invitation.objects.bulk_create(
        [Invitation(activity=activity, household_id=pk) for pk in sorted(invited - have_invited)]
    )


def invitations_add(*, actor: User, activity: Activity, household_ids: Sequence[int]) -> int:
    """Invite households of the organiser's area; the number newly invited."""
    authorize(actor, Capability.RECORD_ACTIVITIES, within=activity.organiser.path)
    wanted = set(household_ids)
    in_area = set(
        Household.objects.filter(pk__in=wanted)
        .filter(household_scope_q(activity.organiser.path))
        .values_list("pk", flat=True)
    )
    if wanted - in_area:
        raise ValidationError(_("A household invited is outside the organiser's area."))
    have = set(activity.invitations.values_list("household_id", flat=True))
    new = sorted(in_area - have)
    with transaction.atomic(), history_context(actor=actor, service="invitations_add"):
        Invitation.objects.bulk_create([Invitation(activity=activity, household_id=pk) for pk in new])
    return len(new)


def activity_delete(*, actor: User, activity: Activity) -> None:
    authorize(actor, Capability.RECORD_ACTIVITIES, within=activity.organiser.path)
    with transaction.atomic(), history_context(actor=actor, service="activity_delete"):
        for photo in activity.photos.all():
            photo.image.delete(save=False)
        activity.delete()


def photo_add(*, actor: User, activity: Activity, upload: UploadedFile, caption: str = "") -> ActivityPhoto:
    """A photo of the activity: a JPEG or PNG (recognised by its first bytes), at most 8 MB."""
    authorize(actor, Capability.RECORD_ACTIVITIES, within=activity.organiser.path)
    extension = scan_type_check(upload, max_bytes=PHOTO_MAX_BYTES)
    if extension not in ("jpg", "png"):
        raise ValidationError(_("The file %(name)s is not a JPEG or PNG photo.") % {"name": upload.name})
    row = ActivityPhoto(activity=activity, caption=(caption or "").strip()[:100], uploaded_by=actor)
    with transaction.atomic(), history_context(actor=actor, service="photo_add"):
        row.save()
        row.image.save(f"{row.pk}.{extension}", upload, save=True)
    return row


def photo_delete(*, actor: User, photo: ActivityPhoto) -> None:
    authorize(actor, Capability.RECORD_ACTIVITIES, within=photo.activity.organiser.path)
    with transaction.atomic(), history_context(actor=actor, service="photo_delete"):
        photo.image.delete(save=False)
        photo.delete()


# --------------------------------------------------------------------------------------------------- volunteers


def team_save(*, actor: User, region: Region, name: str, team: Team | None = None, **fields: Any) -> Team:
    if region.level not in ("county", "town"):
        raise ValidationError({"region": _("A volunteer team belongs to a county or a town.")})
    authorize(actor, Capability.MANAGE_VOLUNTEERS, within=region.path)
    row = team or Team()
    row.region = region
    row.name = (name or "").strip()
    for key in ("leader_name", "founded_on", "active", "note"):
        if key in fields:
            setattr(row, key, fields[key])
    row.full_clean()
    with transaction.atomic(), history_context(actor=actor, service="team_save"):
        row.save()
    return row


def volunteer_save(
    *,
    actor: User,
    region: Region,
    name: str,
    volunteer: Volunteer | None = None,
    teams: Sequence[Team] = (),
    user: User | None = None,
    phone: str = "",
    **fields: Any,
) -> Volunteer:
    """Register a volunteer (or change one): skills, teams of the region's county or town, a portal login."""
    if region.level not in ORGANISER_LEVELS:
        raise ValidationError({"region": _("A volunteer is registered at a county, a town or a village.")})
    authorize(actor, Capability.MANAGE_VOLUNTEERS, within=region.path)
    errors: dict[str, list[str]] = {}
    for team in teams:
        if not are_related(team.region.path, region.path):
            errors.setdefault("teams", []).append(_("The team %(team)s is of another area.") % {"team": team.name})
    if user is not None and (user.region is None or not are_related(user.region.path, region.path)):
        errors.setdefault("user", []).append(_("The login works in another area."))
    row = volunteer or Volunteer()
    row.region = region
    row.name = (name or "").strip()
    row.user = user
    if phone:
        try:
            row.phone = phone_normalize(phone)
        except ValidationError as exc:
            errors.setdefault("phone", []).extend(exc.messages)
    else:
        row.phone = ""
    for key in ("skills", "joined_on", "active", "note"):
        if key in fields:
            setattr(row, key, fields[key])
    if errors:
        raise ValidationError(errors)
    row.full_clean()
    with transaction.atomic(), history_context(actor=actor, service="volunteer_save"):
        row.save()
        row.teams.set(list(teams))
    return row


def pairing_start(
    *, actor: User, volunteer: Volunteer, household: Household, started_on: date, note: str = ""
) -> Pairing:
    """结对: pair a volunteer with a household of the volunteer's area (not twice at the same time)."""
    authorize(actor, Capability.MANAGE_VOLUNTEERS, within=household.region_path)
    if not are_related(volunteer.region.path, household.region_path):
        raise ValidationError(_("The household is outside the volunteer's area."))
    if not household.is_active:
        raise ValidationError(_("The household's file is closed."))
    row = Pairing(volunteer=volunteer, household=household, started_on=started_on, note=(note or "").strip())
    row.full_clean(validate_constraints=False)
    try:
        with transaction.atomic(), history_context(actor=actor, service="pairing_start"):
            row.save()
    except IntegrityError as exc:
        raise ValidationError(_("The volunteer is already paired with this household at that time.")) from exc
    return row


def pairing_end(*, actor: User, pairing: Pairing, ended_on: date) -> Pairing:
    authorize(actor, Capability.MANAGE_VOLUNTEERS, within=pairing.household.region_path)
    if pairing.ended_on is not None:
        raise ValidationError(_("The pairing has already ended."))
    if ended_on < pairing.started_on:
        raise ValidationError(_("A pairing cannot end before it started."))
    pairing.ended_on = ended_on
    with transaction.atomic(), history_context(actor=actor, service="pairing_end"):
        pairing.save(update_fields=["ended_on"])
    return pairing


def _hours(value: Decimal | int | str) -> Decimal:
    try:
        hours = Decimal(str(value))
    except InvalidOperation:
        raise ValidationError({"hours": _("Enter the hours as a number.")}) from None
    if hours <= 0 or hours > HOURS_PER_DAY:
        raise ValidationError({"hours": _("Hours served are more than 0 and at most 24 a day.")})
    if hours != hours.quantize(Decimal("0.1")):
        raise ValidationError({"hours": _("Hours are counted to one decimal place.")})
    return hours


def _service_authorize(actor: User, volunteer: Volunteer) -> None:
    """Staff who manage volunteers log for any volunteer of their area; a volunteer with a login logs their own."""
    require_capability(actor, Capability.LOG_VOLUNTEER_SERVICE)
    if volunteer.user_id == actor.pk:
        return
    if actor.has_capability(Capability.MANAGE_VOLUNTEERS) or actor.has_capability(Capability.RECORD_ACTIVITIES):
        authorize(actor, Capability.LOG_VOLUNTEER_SERVICE, within=volunteer.region.path)
        return
    raise PermissionDenied(_("You log only your own services."))


def service_log(
    *,
    actor: User,
    volunteer: Volunteer,
    served_on: date,
    hours: Decimal | int | str,
    household: Household | None = None,
    activity: Activity | None = None,
    description: str = "",
    today: date | None = None,
) -> ServiceLog:
    """Hours a volunteer served (the time bank): at most 24 a day in all; for a household or an activity the
    actor may see, on a day not in the future (and within the activity's dates)."""
    _service_authorize(actor, volunteer)
    amount = _hours(hours)
    if served_on > _today(today):
        raise ValidationError({"served_on": _("A service is logged once it is done: the date is in the future.")})
    if household is not None and not Household.objects.visible_to(actor).filter(pk=household.pk).exists():
        raise ValidationError({"household": _("The household is outside your area.")})
    if activity is not None:
        if not Activity.objects.visible_to(actor).filter(pk=activity.pk).exists() and volunteer.user_id != actor.pk:
            raise ValidationError({"activity": _("The activity is outside your area.")})
        if not activity.starts_on <= served_on <= activity.ends_on:
            raise ValidationError({"served_on": _("The day is not one of the activity's days.")})
    row = ServiceLog(
        volunteer=volunteer,
        household=household,
        activity=activity,
        served_on=served_on,
        hours=amount,
        description=(description or "").strip()[:200],
        logged_by=actor,
    )
    with transaction.atomic(), history_context(actor=actor, service="service_log"):
        Volunteer.objects.select_for_update().filter(pk=volunteer.pk).first()  # one day's total, one writer
        that_day = ServiceLog.objects.filter(volunteer=volunteer, served_on=served_on).aggregate(s=Sum("hours"))["s"]
        if (that_day or 0) + amount > HOURS_PER_DAY:
            raise ValidationError(
                {
                    "hours": _("%(name)s would serve more than 24 hours on %(day)s.")
                    % {"name": volunteer.name, "day": served_on}
                }
            )
        if activity is not None and ServiceLog.objects.filter(volunteer=volunteer, activity=activity).exists():
            raise ValidationError({"activity": _("The volunteer's hours at this activity are already logged.")})
        row.save()
    return row


def service_log_delete(*, actor: User, log: ServiceLog) -> None:
    _service_authorize(actor, log.volunteer)
    with transaction.atomic(), history_context(actor=actor, service="service_log_delete"):
        log.delete()


def commendation_add(
    *,
    actor: User,
    volunteer: Volunteer,
    title: str,
    awarded_on: date,
    awarded_by: str = "",
    stars: int | None = None,
    note: str = "",
) -> Commendation:
    authorize(actor, Capability.MANAGE_VOLUNTEERS, within=volunteer.region.path)
    row = Commendation(
        volunteer=volunteer,
        title=(title or "").strip(),
        awarded_on=awarded_on,
        awarded_by=awarded_by,
        stars=stars,
        note=note,
    )
    row.full_clean()
    with transaction.atomic(), history_context(actor=actor, service="commendation_add"):
        row.save()
    return row


def volunteer_phone_reveal(*, actor: User, volunteer: Volunteer, request: Any = None) -> str:
    """A volunteer's full phone for those who manage volunteers in its area (to call them about a pairing or an
    activity): an explicit action and a logged access event, as a family member's phone is."""
    authorize(actor, Capability.MANAGE_VOLUNTEERS, within=volunteer.region.path)
    access_event_record(
        actor=actor,
        action=AccessEvent.Action.REVEAL,
        target=volunteer,
        target_label=volunteer.name,
        region_path=volunteer.region.path,
        request=request,
        detail={"field": "phone", "volunteer": volunteer.pk},
    )
    return volunteer.phone
