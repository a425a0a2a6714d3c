"""Demo statistical forms (issue 17 parts 4-5): a year of the warm-heart monthly report and the assistance monthly
report for the demo county's streets and the county, filed through the lifecycle's services so every cell is
counted from the demo's records:

* the county sets its streets' deadline (the 5th, reminders 3 days before);
* each street files its forms between the 2nd and the 5th of the next month (on time), 南川西路街道 three times on
  the 8th (late); 南滩街道's form of two months ago was returned by the county ("节日看望人数与台账不符") and
  resubmitted with a typed correction and its reason; a street with nothing to report on the assistance form
  files a nil report; 南川东路街道 has not reported last month (missing on the completeness page);
* the county accepts its streets' forms on the 7th and files its own by the 10th (its streets' forms lock); the city
  (西宁市, when the demo city is there) accepts the county's and files its own by the 15th, except last month.

Each street's filler is a town cadre of that street (town1 and town2 are the demo's logins; the other streets get
one each, ``town3`` …, with the demo password). Safe to run again: a form that exists is left alone.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from accounts.services import user_set_password
from regions.models import Region
from reports.models import Report
from reports.statforms import selectors, services
from reports.statforms.spec import Period, PeriodKind

TOWN_NAMES = ["孙晓燕", "周志强", "吴桂芳", "郑海涛", "冯玉梅", "何振华"]
MONTHS = 12


def _at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _fillers(county: Region, password: str) -> dict[int, User]:
    """A town cadre per street: the existing ones, and one more per street that has none."""
    towns = list(county.children.order_by("code"))
    out: dict[int, User] = {}
    for user in User.objects.filter(role=Role.TOWN_CADRE, region__in=towns, is_active=True).order_by("username"):
        out.setdefault(user.region_id, user)
    for index, town in enumerate(towns, start=1):
        if town.pk in out:
            continue
        username = f"town{index}"
        user = User.objects.filter(username=username).first() or User(username=username)
        user.role, user.region, user.is_active = Role.TOWN_CADRE, town, True
        user.name = TOWN_NAMES[(index - 1) % len(TOWN_NAMES)]
        user_set_password(user=user, password=password)
        user.password_changed_at = timezone.now()
        user.full_clean()
        user.save()
        out[town.pk] = user
    return out


def _file(
    actor: User, code: str, unit: Region, period: Period, day: date, *, now: datetime, nil: bool = False
) -> Report | None:
    """Open and submit one form at ``day`` (not in the future); None when it exists already or cannot be filed."""
    if Report.objects.filter(template=code, unit=unit, period_key=period.key).exists() or _at(day) > now:
        return None
    report = services.report_open(actor=actor, template_code=code, unit=unit, period=period, at=_at(day, 9))
    try:
        return services.report_submit(actor=actor, report=report, at=_at(day), nil=nil)
    except ValidationError:
        return report  # left a draft (a nil report the records contradict)


def _assistance_is_empty(unit: Region, period: Period) -> bool:
    form = selectors.form_build(template=selectors.template_get("assistance_monthly"), period=period, unit=unit)
    return all((cell.shown or 0) == 0 for cell in form.total.cells)


def _month(period: Period, day: int) -> date:
    end = period.end + timedelta(days=1)
    return end.replace(day=day)


def _towns_file(county: Region, fillers: dict[int, User], staff: User, period: Period, age: int, now: datetime) -> None:
    towns = list(county.children.order_by("code"))
    nil_done = False
    for index, town in enumerate(towns):
        actor = fillers[town.pk]
        if index == 5 and age == 0:
            continue  # 南川东路街道 has not reported last month
        late = index == 6 and age in (3, 6, 9)
        day = _month(period, 8 if late else 2 + index % 4)
        report = _file(actor, "warm_monthly", town, period, day, now=now)
        if report is not None and index == 1 and age == 1 and report.state == Report.State.SUBMITTED:
            services.report_return(
                actor=staff, report=report, reason="节日看望人数与台账不符，请核对后重报", at=_at(_month(period, 6))
            )
            report.refresh_from_db()
            services.report_values_save(
                actor=actor,
                report=report,
                cells=[services.CellInput(None, "visits_festival_persons", "3", "街道组织的节日看望未录入走访记录")],
            )
            services.report_submit(actor=actor, report=report, at=_at(_month(period, 7)))
        # One nil report in the year: two months ago, the first street with nothing on the assistance form.
        nil = age == 2 and not nil_done and _assistance_is_empty(town, period)
        if _file(actor, "assistance_monthly", town, period, day, now=now, nil=nil) is not None and nil:
            nil_done = True


def _accept_all(staff: User, code: str, units: list[Region], period: Period, day: date, now: datetime) -> None:
    if _at(day, 15) > now:
        return
    for report in Report.objects.filter(template=code, unit__in=units, period_key=period.key, state="submitted"):
        report.unit = next(u for u in units if u.pk == report.unit_id)
        services.report_accept(actor=staff, report=report, at=_at(day, 15))


def demo_statforms_seed(*, county: Region, today: date, password: str) -> int:
    """A year of the county's forms (see the module's docstring); returns the number of reports written."""
    staff = User.objects.filter(role=Role.COUNTY_STAFF, region=county, is_active=True).order_by("username").first()
    if staff is None:
        return 0
    before = Report.objects.count()
    now = timezone.now()
    services.report_deadline_set(
        actor=staff, region=county, template_code="warm_monthly", level="town", day=5, reminder_days=3
    )
    fillers = _fillers(county, password)
    towns = list(county.children.order_by("code"))
    city = county.parent if county.parent is not None and county.parent.level == Region.Level.CITY else None
    city_staff = (
        User.objects.filter(role=Role.CITY_STAFF, region=city, is_active=True).order_by("username").first()
        if city
        else None
    )
    last = Period.containing(PeriodKind.MONTH, today).previous()
    periods = [last]
    for _i in range(MONTHS - 1):
        periods.append(periods[-1].previous())
    for age, period in reversed(list(enumerate(periods))):
        _towns_file(county, fillers, staff, period, age, now)
        for code in ("warm_monthly", "assistance_monthly"):
            _accept_all(staff, code, towns, period, _month(period, 7), now)
            _file(staff, code, county, period, _month(period, 9), now=now)
            if city_staff is not None and city is not None and age > 0:
                _accept_all(city_staff, code, [county], period, _month(period, 12), now)
                _file(city_staff, code, city, period, _month(period, 14), now=now)
    services.report_reminders_refresh(as_of=today)
    return Report.objects.count() - before


def demo_statform_counts_seed(*, county: Region, today: date) -> int:
    """The statistical forms' counts (reports.statforms.snapshots) of the last twelve months and this one for every
    county of the demo city, as twelve nights of the nightly step would have left them: the forms' pages read them,
    and the leaders' home draws the month-end coverages' trends from them. Returns the refreshes made."""
    from reports.statforms.snapshots import statform_counts_refresh

    city = county.parent if county.parent is not None and county.parent.level == Region.Level.CITY else None
    counties = list(city.children.filter(level=Region.Level.COUNTY).order_by("code")) if city else [county]
    months = [Period.containing(PeriodKind.MONTH, today)]
    for _i in range(MONTHS):
        months.append(months[-1].previous())
    for each in counties:
        for period in months:
            statform_counts_refresh(county=each, period=period, today=today)
    return len(counties) * len(months)
