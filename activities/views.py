"""Activities and volunteers pages: thin — the gatekeeper first (outside the area: 404), then the role (403, in the
services), then a selector or a service. Phone-first: the attendance picker and "log my service" are one column."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.roles import Capability
from accounts.scope import require_capability
from accounts.sensitivity import shown
from activities import selectors, services
from activities.forms import (
    ActivityForm,
    CentreForm,
    CommendationForm,
    PairingEndForm,
    PairingForm,
    PhotoForm,
    ServiceForm,
    TeamForm,
    VolunteerForm,
)
from activities.models import Activity, ActivityPhoto, Centre, Pairing, Team, Volunteer
from contacts.models import ServicePerson
from core.forms import form_errors_apply
from core.scans import scan_content_type
from households.models import Household, household_scope_q
from regions.models import Region
from regions.scope import get_visible_or_404


def _ids(request: HttpRequest, name: str) -> list[int]:
    try:
        return [int(v) for v in request.POST.getlist(name) if v.strip()]
    except ValueError:
        raise Http404 from None


def _year(request: HttpRequest) -> int:
    raw = request.GET.get("year", "")
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else timezone.localdate().year


# --------------------------------------------------------------------------------------------------- activities


@login_required
@require_GET
def activity_list(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, Capability.VIEW_ACTIVITIES)
    kind = request.GET.get("kind", "")
    kind = kind if kind in Activity.Kind.values else ""
    month = request.GET.get("month", "")[:7]
    organiser = request.GET.get("organiser", "")
    organiser_id = int(organiser) if organiser.isdigit() else None
    rows = selectors.activities_for(user=request.user, kind=kind, month=month, organiser_id=organiser_id)
    page = Paginator(rows, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "activities/list.html",
        {
            "page": page,
            "kinds": Activity.Kind.choices,
            "kind": kind,
            "month": month,
            "organiser": organiser_id,
            "organisers": selectors.organisers_for(request.user),
            "person_times": selectors.person_times(rows),
            "may_record": request.user.has_capability(Capability.RECORD_ACTIVITIES),
            "may_manage_volunteers": request.user.has_capability(Capability.MANAGE_VOLUNTEERS),
            "my_volunteer": selectors.my_volunteer(request.user),
        },
    )


def _activity_data(form: ActivityForm, organiser: Region | None) -> services.ActivityData:
    d = form.cleaned_data
    return services.ActivityData(
        kind=d["kind"],
        title=d["title"],
        starts_on=d["starts_on"],
        ends_on=d["ends_on"],
        organiser=organiser,
        centre=d["centre"],
        place=d["place"],
        money_spent=d["money_spent"] or 0,
        funding_source=d["funding_source"],
        account=d["account"],
    )


@login_required
@require_http_methods(["GET", "POST"])
def activity_create(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, Capability.RECORD_ACTIVITIES)
    form = ActivityForm(
        request.POST or None,
        organisers=selectors.organisers_for(request.user),
        centres=selectors.centres_for(request.user),
        initial={"starts_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            activity = services.activity_save(
                actor=request.user, data=_activity_data(form, form.cleaned_data["organiser"])
            )
        except ValidationError as exc:
            form_errors_apply(form, exc)
        else:
            messages.success(request, _("Saved. Now pick who attended."))
            return redirect("activities:attendance", activity.pk)
    return render(request, "activities/form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def activity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_visible_or_404(Activity, request.user, pk=pk)
    require_capability(request.user, Capability.RECORD_ACTIVITIES)
    initial = {f: getattr(activity, f) for f in ("kind", "title", "starts_on", "ends_on", "place", "money_spent")}
    initial.update(
        organiser=activity.organiser_id,
        centre=activity.centre_id,
        funding_source=activity.funding_source,
        account=activity.account,
    )
    form = ActivityForm(
        request.POST or None,
        organisers=selectors.organisers_for(request.user),
        centres=selectors.centres_for(request.user),
        initial=initial,
        editing=True,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_save(actor=request.user, activity=activity, data=_activity_data(form, None))
        except ValidationError as exc:
            form_errors_apply(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("activities:detail", activity.pk)
    return render(
        request, "activities/form.html", {"form": form, "activity": activity}, status=400 if form.errors else 200
    )


@login_required
@require_GET
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_visible_or_404(
        Activity.objects.select_related("organiser", "centre", "recorded_by"), request.user, pk=pk
    )
    require_capability(request.user, Capability.VIEW_ACTIVITIES)
    page = selectors.activity_page(user=request.user, activity=activity)
    may_record = request.user.has_capability(Capability.RECORD_ACTIVITIES)
    return render(
        request,
        "activities/detail.html",
        {
            "p": page,
            "a": activity,
            "photos": list(activity.photos.all()),
            "may_record": may_record,
            "photo_form": PhotoForm() if may_record else None,
            "service_form": ServiceForm(
                volunteers=Volunteer.objects.visible_to(request.user).active(),
                initial={"served_on": min(activity.starts_on, timezone.localdate())},
            )
            if may_record
            else None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def activity_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """The attendance picker: households of the organiser's area, searchable; members one by one or whole
    households; contacts and cadres for a training. A POST replaces the attendance with the boxes ticked."""
    activity = get_visible_or_404(Activity.objects.select_related("organiser"), request.user, pk=pk)
    require_capability(request.user, Capability.RECORD_ACTIVITIES)
    error = ""
    if request.method == "POST":
        attendees = services.Attendees(
            member_ids=_ids(request, "member"),
            household_ids=_ids(request, "household"),
            service_person_ids=_ids(request, "person"),
            invited_household_ids=_ids(request, "invited"),
        )
        try:
            services.activity_save(actor=request.user, activity=activity, data=_same(activity), attendees=attendees)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("Attendance saved."))
            return redirect("activities:detail", activity.pk)
    query = request.GET.get("q", "")
    households = selectors.picker_households(organiser=activity.organiser, query=query)
    chosen = set(activity.attendances.values_list("member_id", flat=True))
    invited = set(activity.invitations.values_list("household_id", flat=True))
    # Those already attending stay listed (and ticked) whatever the search, so a POST keeps them.
    shown_ids = {h.pk for h in households}
    extra: list[Household] = []
    attending_elsewhere = (
        Household.objects.filter(pk__in=activity.attendances.exclude(household_id__in=shown_ids).values("household_id"))
        .filter(household_scope_q(activity.organiser.path))
        .prefetch_related("members")
    )
    for h in attending_elsewhere:
        h.living = [m for m in h.members.all() if m.alive or m.pk in chosen]
        extra.append(h)
    persons = (
        ServicePerson.objects.filter(region__path__startswith=activity.organiser.path, active=True).order_by("name")
        if activity.kind == Activity.Kind.TRAINING
        else ServicePerson.objects.none()
    )
    return render(
        request,
        "activities/attendance.html",
        {
            "a": activity,
            "households": [*extra, *households],
            "chosen": chosen,
            "invited": invited,
            "persons": persons,
            "chosen_persons": set(activity.attendances.values_list("service_person_id", flat=True)),
            "q": query,
            "error": error,
        },
        status=400 if error else 200,
    )


def _same(activity: Activity) -> services.ActivityData:
    return services.ActivityData(
        kind=activity.kind,
        title=activity.title,
        starts_on=activity.starts_on,
        ends_on=activity.ends_on,
        centre=activity.centre,
        place=activity.place,
        money_spent=activity.money_spent,
        funding_source=activity.funding_source,
        account=activity.account,
    )


@login_required
@require_POST
def activity_delete(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_visible_or_404(Activity, request.user, pk=pk)
    services.activity_delete(actor=request.user, activity=activity)
    messages.success(request, _("The activity is deleted."))
    return redirect("activities:list")


@login_required
@require_POST
def photo_add(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_visible_or_404(Activity, request.user, pk=pk)
    form = PhotoForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, " ".join(m for errs in form.errors.values() for m in errs))
        return redirect("activities:detail", activity.pk)
    try:
        services.photo_add(
            actor=request.user,
            activity=activity,
            upload=form.cleaned_data["image"],
            caption=form.cleaned_data["caption"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Photo added."))
    return redirect("activities:detail", activity.pk)


@login_required
@require_GET
def photo(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_visible_or_404(ActivityPhoto, request.user, pk=pk)
    require_capability(request.user, Capability.VIEW_ACTIVITIES)
    return FileResponse(row.image.open("rb"), content_type=scan_content_type(row.image.name))


@login_required
@require_POST
def photo_delete(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_visible_or_404(ActivityPhoto.objects.select_related("activity__organiser"), request.user, pk=pk)
    services.photo_delete(actor=request.user, photo=row)
    return redirect("activities:detail", row.activity_id)


@login_required
@require_POST
def activity_service(request: HttpRequest, pk: int) -> HttpResponse:
    """A volunteer's hours at the activity, logged by its recorder."""
    activity = get_visible_or_404(Activity, request.user, pk=pk)
    require_capability(request.user, Capability.RECORD_ACTIVITIES)
    form = ServiceForm(request.POST, volunteers=Volunteer.objects.visible_to(request.user).active())
    if form.is_valid():
        try:
            services.service_log(
                actor=request.user,
                volunteer=form.cleaned_data["volunteer"],
                activity=activity,
                served_on=form.cleaned_data["served_on"],
                hours=form.cleaned_data["hours"],
                description=form.cleaned_data["description"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Hours logged."))
    else:
        messages.error(request, " ".join(m for errs in form.errors.values() for m in errs))
    return redirect("activities:detail", activity.pk)


@login_required
@require_GET
def gaps(request: HttpRequest) -> HttpResponse:
    """Households of the area never invited to an activity this year."""
    require_capability(request.user, Capability.VIEW_ACTIVITIES)
    year = _year(request)
    rows = selectors.invitation_gaps(user=request.user, year=year)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "activities/gaps.html", {"page": page, "year": year, "total": page.paginator.count})


# ------------------------------------------------------------------------------------------------------ centres


def _towns(user: Any) -> Any:
    return Region.objects.visible_to(user).filter(level="town").order_by("path")


@login_required
@require_GET
def centre_list(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, Capability.VIEW_ACTIVITIES)
    year = timezone.localdate().year
    rows = selectors.centres_for(request.user).annotate(
        activities_this_year=Count("activities", filter=Q(activities__starts_on__year=year), distinct=True)
    )
    return render(
        request,
        "activities/centres.html",
        {"centres": rows, "year": year, "may_manage": request.user.has_capability(Capability.MANAGE_CENTRES)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def centre_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    centre = get_visible_or_404(Centre, request.user, pk=pk) if pk else None
    require_capability(request.user, Capability.MANAGE_CENTRES)
    initial = {}
    if centre:
        initial = {
            f: getattr(centre, f) for f in ("name", "address", "manager_name", "opened_on", "area_m2", "note", "active")
        }
        initial["town"] = centre.town_id
    form = CentreForm(request.POST or None, towns=_towns(request.user), initial=initial)
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        try:
            services.centre_save(actor=request.user, centre=centre, town=d.pop("town"), name=d.pop("name"), **d)
        except ValidationError as exc:
            form_errors_apply(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("activities:centres")
    return render(
        request,
        "activities/simple_form.html",
        {"form": form, "heading": _("Warm-home centre")},
        status=400 if form.errors else 200,
    )


# --------------------------------------------------------------------------------------------------- volunteers


def _volunteer_regions(user: Any) -> Any:
    return selectors.organisers_for(user)


@login_required
@require_GET
def volunteer_list(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, Capability.VIEW_ACTIVITIES)
    skill = request.GET.get("skill", "")
    skill = skill if skill in Volunteer.Skill.values else ""
    team = request.GET.get("team", "")
    rows = selectors.volunteers_for(
        user=request.user, query=request.GET.get("q", ""), skill=skill, team_id=int(team) if team.isdigit() else None
    )
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    for v in page:
        v.phone_shown = shown(request.user, Volunteer, "phone", v.phone)
    return render(
        request,
        "activities/volunteers.html",
        {
            "page": page,
            "skills": Volunteer.Skill.choices,
            "skill": skill,
            "teams": selectors.teams_for(request.user),
            "team": int(team) if team.isdigit() else None,
            "q": request.GET.get("q", ""),
            "may_manage": request.user.has_capability(Capability.MANAGE_VOLUNTEERS),
        },
    )


@login_required
@require_GET
def volunteer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    volunteer = get_visible_or_404(
        selectors.volunteer_hours(user=request.user).select_related("region", "user"), request.user, pk=pk
    )
    require_capability(request.user, Capability.VIEW_ACTIVITIES)
    year = timezone.localdate().year
    this_year = selectors.volunteer_hours(
        user=request.user, start=date(year, 1, 1), end=date(year, 12, 31), volunteers=Volunteer.objects.filter(pk=pk)
    ).get()
    may_manage = request.user.has_capability(Capability.MANAGE_VOLUNTEERS)
    pairings = Pairing.objects.visible_to(request.user).filter(volunteer=volunteer).select_related("household")
    return render(
        request,
        "activities/volunteer.html",
        {
            "v": volunteer,
            "phone": shown(request.user, Volunteer, "phone", volunteer.phone),
            "hours_this_year": this_year.hours,
            "year": year,
            "teams": list(volunteer.teams.all()),
            "pairings": pairings,
            "logs": volunteer.service_logs.select_related("household", "activity")[:30],
            "commendations": list(volunteer.commendations.all()),
            "may_manage": may_manage,
            "pairing_form": PairingForm(initial={"started_on": timezone.localdate()}) if may_manage else None,
            "commendation_form": CommendationForm(initial={"awarded_on": timezone.localdate()}) if may_manage else None,
            "end_form": PairingEndForm(initial={"ended_on": timezone.localdate()}) if may_manage else None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def volunteer_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    volunteer = get_visible_or_404(Volunteer, request.user, pk=pk) if pk else None
    require_capability(request.user, Capability.MANAGE_VOLUNTEERS)
    initial: dict[str, Any] = {}
    if volunteer:
        initial = {f: getattr(volunteer, f) for f in ("name", "skills", "joined_on", "active", "note")}
        initial.update(region=volunteer.region_id, teams=list(volunteer.teams.values_list("pk", flat=True)))
    form = VolunteerForm(
        request.POST or None,
        regions=_volunteer_regions(request.user),
        teams=Team.objects.visible_to(request.user),
        initial=initial,
    )
    if volunteer:
        form.fields["phone"].help_text = _("On file: %(phone)s. Leave empty to keep it.") % {
            "phone": shown(request.user, Volunteer, "phone", volunteer.phone) or "—"
        }
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        phone = d.pop("phone") or (volunteer.phone if volunteer else "")
        try:
            row = services.volunteer_save(
                actor=request.user,
                volunteer=volunteer,
                region=d.pop("region"),
                name=d.pop("name"),
                teams=list(d.pop("teams")),
                user=volunteer.user if volunteer else None,
                phone=phone,
                **d,
            )
        except ValidationError as exc:
            form_errors_apply(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("activities:volunteer", row.pk)
    return render(
        request,
        "activities/simple_form.html",
        {"form": form, "heading": _("Volunteer")},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def team_create(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, Capability.MANAGE_VOLUNTEERS)
    regions = Region.objects.visible_to(request.user).filter(level__in=("county", "town")).order_by("path")
    form = TeamForm(request.POST or None, regions=regions)
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        try:
            services.team_save(actor=request.user, region=d.pop("region"), name=d.pop("name"), **d)
        except ValidationError as exc:
            form_errors_apply(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("activities:volunteers")
    return render(
        request,
        "activities/simple_form.html",
        {"form": form, "heading": _("Volunteer team")},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def pairing_add(request: HttpRequest, pk: int) -> HttpResponse:
    volunteer = get_visible_or_404(Volunteer, request.user, pk=pk)
    require_capability(request.user, Capability.MANAGE_VOLUNTEERS)
    form = PairingForm(request.POST)
    if form.is_valid():
        household = (
            Household.objects.visible_to(request.user).filter(number=form.cleaned_data["household"].strip()).first()
        )
        try:
            if household is None:
                raise ValidationError(_("No household of your area has that number."))
            services.pairing_start(
                actor=request.user,
                volunteer=volunteer,
                household=household,
                started_on=form.cleaned_data["started_on"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Paired."))
    else:
        messages.error(request, " ".join(m for errs in form.errors.values() for m in errs))
    return redirect("activities:volunteer", volunteer.pk)


@login_required
@require_POST
def pairing_end(request: HttpRequest, pk: int) -> HttpResponse:
    pairing = get_visible_or_404(Pairing.objects.select_related("household", "volunteer"), request.user, pk=pk)
    form = PairingEndForm(request.POST)
    if form.is_valid():
        try:
            services.pairing_end(actor=request.user, pairing=pairing, ended_on=form.cleaned_data["ended_on"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, " ".join(m for errs in form.errors.values() for m in errs))
    return redirect("activities:volunteer", pairing.volunteer_id)


@login_required
@require_POST
def commendation_add(request: HttpRequest, pk: int) -> HttpResponse:
    volunteer = get_visible_or_404(Volunteer, request.user, pk=pk)
    form = CommendationForm(request.POST)
    if form.is_valid():
        try:
            services.commendation_add(actor=request.user, volunteer=volunteer, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, " ".join(m for errs in form.errors.values() for m in errs))
    return redirect("activities:volunteer", volunteer.pk)


@login_required
@require_http_methods(["GET", "POST"])
def my_service(request: HttpRequest) -> HttpResponse:
    """A volunteer with a portal login logs a service from the phone: the day, the hours, the family (optional)."""
    require_capability(request.user, Capability.LOG_VOLUNTEER_SERVICE)
    volunteer = selectors.my_volunteer(request.user)
    if volunteer is None:
        raise PermissionDenied(_("Your login stands behind no volunteer."))
    households = Household.objects.visible_to(request.user).active().order_by("number")
    form = ServiceForm(request.POST or None, households=households, initial={"served_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.service_log(
                actor=request.user,
                volunteer=volunteer,
                household=d.get("household"),
                served_on=d["served_on"],
                hours=d["hours"],
                description=d["description"],
            )
        except ValidationError as exc:
            form_errors_apply(form, exc)
        else:
            messages.success(request, _("Hours logged."))
            return redirect("activities:my_service")
    year = timezone.localdate().year
    bank = selectors.volunteer_hours(
        user=request.user,
        start=date(year, 1, 1),
        end=date(year, 12, 31),
        volunteers=Volunteer.objects.filter(pk=volunteer.pk),
    ).get()
    total = selectors.volunteer_hours(user=request.user, volunteers=Volunteer.objects.filter(pk=volunteer.pk)).get()
    return render(
        request,
        "activities/my_service.html",
        {
            "form": form,
            "v": volunteer,
            "year": year,
            "hours_this_year": bank.hours,
            "hours_total": total.hours,
            "logs": volunteer.service_logs.select_related("household", "activity")[:20],
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def volunteer_phone_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """The volunteer's full phone, logged; for those who manage volunteers in its area."""
    volunteer = get_visible_or_404(Volunteer.objects.select_related("region"), request.user, pk=pk)
    phone = services.volunteer_phone_reveal(actor=request.user, volunteer=volunteer, request=request)
    return render(request, "activities/volunteer_phone.html", {"v": volunteer, "phone": phone})
