"""The demo county's annual reviews (年审), through benefits.review.services with the demo users as actors.

Last year's and this year's cycles go as far as today's date allows (past the county's deadline: decided) — the
current recipients re-checked and mostly confirmed, new applications with their proofs, leavers from the archive's
own events (a death, a move, another child, the child's recovery), one re-check refused at the town, one case sent
back by the town and confirmed after the village's second visit. From mid-November the next year's cycle is open:
its re-checks, leavers and a few new applications (a generated PDF as the proof, through the review service's
upload path) wait at the village's review, so the workbench has work.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta

from benefits.engine import entitlements
from benefits.models import ReviewCase, ReviewCycle, ReviewProof, ReviewStep, Scheme
from benefits.policy import review_deadlines
from benefits.review.services import (
    REVIEW_SCHEMES,
    application_create,
    case_confirm,
    case_refuse,
    case_send_back,
    cases_bulk_confirm,
    cycle_open,
    leaver_record,
    notice_date_set,
)
from demo.benefits import Actors, at, backdate, tiny_pdf
from households.models import Household, Member
from regions.models import Region

Stage = ReviewCase.Stage
ORDER = [Stage.VILLAGE, Stage.TOWN, Stage.COUNTY, Stage.DONE]
LEAVE = ReviewCase.LeaveReason
OPINIONS = {
    Stage.VILLAGE: ["已入户核查，情况属实", "入户核实，本人健在，符合条件", "经走访核实，同意上报"],
    Stage.TOWN: ["经审核，材料齐全，同意上报", "情况属实，同意", "审核通过"],
    Stage.COUNTY: ["同意", "经审核，符合扶助条件，同意", "审批通过"],
}
SENT_BACK = "缺少入户核查记录，请补充走访日期后重新上报"
REFUSED = "连续两次入户未见本人，家属无法提供本人在世证明，经村、镇两级核实，暂停发放"
PROOF_KINDS = {
    Scheme.DEATH: ReviewProof.Kind.DEATH_CERTIFICATE,
    Scheme.DISABILITY: ReviewProof.Kind.DISABILITY_CERTIFICATE,
}


def opened_on(year: int) -> date:
    """The day a cycle is opened: mid-November of the year before (applications are collected by mid-January)."""
    return date(year - 1, 11, 15)


def reached(year: int, county: Region, today: date) -> str:
    """How far a cycle's decisions have gone by ``today``: past a level's deadline, that level has decided."""
    d = review_deadlines(county.code, year)
    if today > d.county_by:
        return Stage.DONE
    if today > d.town_by:
        return Stage.COUNTY
    if today > d.village_by:
        return Stage.TOWN
    return Stage.VILLAGE


def _leave_reason(member: Member, household: Household, scheme: str, by: date) -> tuple[str, date] | None:
    """The archive's event that ends a recipient's assistance, dated on or before ``by``, or None."""
    events = []
    if member.death_date and member.death_date <= by:
        events.append((LEAVE.DIED, member.death_date))
    if household.other_child_on and household.other_child_on <= by:
        events.append((LEAVE.OTHER_CHILD, household.other_child_on))
    if scheme == Scheme.DISABILITY and household.child_recovered_on and household.child_recovered_on <= by:
        events.append((LEAVE.CHILD_RECOVERED, household.child_recovered_on))
    moved = household.closed_reason == Household.CloseReason.MOVED_AWAY and household.status == Household.Status.CLOSED
    if moved and household.closed_on and household.closed_on <= by:
        events.append((LEAVE.MOVED_OUT, household.closed_on))
    return min(events, key=lambda e: e[1]) if events else None


def _applicants(county: Region, year: int, cycle: ReviewCycle) -> list[tuple[Member, str]]:
    """Parents the engine finds entitled in some month of the year who are not being re-checked: new applications."""
    months = [date(year, m, 1) for m in range(1, 13)]
    present = set(cycle.cases.values_list("member_id", "scheme"))
    pairs = sorted({(e.member_id, e.scheme) for e in entitlements(county, months) if e.scheme in REVIEW_SCHEMES})
    members = Member.objects.in_bulk([m for m, _s in pairs])
    found = []
    for member_id, scheme in pairs:
        member = members[member_id]
        if (member_id, scheme) in present or not member.alive:
            continue
        found.append((member, scheme))
    return found


def _cycle_seed(*, seed: int, county: Region, actors: Actors, year: int, today: date) -> ReviewCycle:
    rng = random.Random(f"{seed}:review:{year}")
    d = review_deadlines(county.code, year)
    stage = reached(year, county, today)
    cycle, _count = cycle_open(actor=actors.county, county=county, year=year)
    households = {h.pk: h for h in Household.objects.filter(county=county)}

    # New applications, each with its proofs, entered by the village's cadre.
    by = min(d.county_by, today)
    applications = []
    for member, scheme in _applicants(county, year, cycle):
        household = households[member.household_id]
        if household.status != Household.Status.ACTIVE or _leave_reason(member, household, scheme, by):
            continue
        proofs = [(ReviewProof.Kind.APPLICATION, tiny_pdf(f"shenbaobiao-{household.number}"))]
        if scheme in PROOF_KINDS:
            proofs.append((PROOF_KINDS[scheme], tiny_pdf(f"{scheme}-{household.number}")))
        case = application_create(
            actor=actors.village_of(household), cycle=cycle, member=member, scheme=scheme, proofs=proofs
        )
        applications.append(case.pk)
    if stage == Stage.VILLAGE and len(applications) < 3:
        applications += _more_applications(rng=rng, cycle=cycle, actors=actors, households=households)

    # Leavers: the re-checks whose archive shows an event by the county's deadline.
    rechecks = list(cycle.cases.filter(kind=ReviewCase.Kind.RECHECK).select_related("member").order_by("pk"))
    for case in rechecks:
        household = households[case.member.household_id]
        found = _leave_reason(case.member, household, case.scheme, by)
        if found:
            reason, day = found
            leaver_record(
                actor=actors.village_of(household),
                cycle=cycle,
                member=case.member,
                scheme=case.scheme,
                reason=reason,
                opinion=f"{day:%Y-%m-%d}" + ("去世" if reason == LEAVE.DIED else ""),
            )
    if stage != Stage.VILLAGE:
        _decide(rng=rng, cycle=cycle, actors=actors, households=households, upto=stage)
    if stage == Stage.DONE:
        notice_date_set(actor=actors.county, cycle=cycle, notice_from=d.county_by + timedelta(days=1))
    _backdate(cycle=cycle, county=county, applications=applications, today=today)
    return cycle


def _more_applications(*, rng: random.Random, cycle: ReviewCycle, actors: Actors, households: dict) -> list[int]:
    """When nobody turns 49 in the year: the person refused last year applies again with the missing proof, and
    mothers of the demo villages apply for surgery-complication assistance (手术并发症) with the assessment — the
    county records the grade once the case is confirmed."""
    made = []
    refused = (
        ReviewCase.objects.filter(cycle__county=cycle.county, cycle__year=cycle.year - 1, outcome="refused")
        .select_related("member")
        .first()
    )
    wanted: list[tuple[Member, str, str]] = []
    if refused is not None and refused.member.alive:
        wanted.append((refused.member, refused.scheme, ReviewProof.Kind.OTHER))
    demo_villages = [v for v, u in actors.villages.items() if u.username in ("village1", "village2")]
    mothers = list(
        Member.objects.filter(
            household__village_id__in=demo_villages,
            household__status=Household.Status.ACTIVE,
            role=Member.Role.WIFE,
            alive=True,
        ).order_by("household__number")
    )
    wanted += [(m, Scheme.COMPLICATION, ReviewProof.Kind.OTHER) for m in rng.sample(mothers, k=min(2, len(mothers)))]
    present = set(cycle.cases.values_list("member_id", "scheme"))
    for member, scheme, proof in wanted:
        household = households[member.household_id]
        if (member.pk, scheme) in present or household.status != Household.Status.ACTIVE:
            continue
        proofs = [
            (ReviewProof.Kind.APPLICATION, tiny_pdf(f"shenbaobiao-{household.number}")),
            (proof, tiny_pdf(f"{scheme}-{household.number}")),
        ]
        case = application_create(
            actor=actors.village_of(household), cycle=cycle, member=member, scheme=scheme, proofs=proofs
        )
        present.add((member.pk, scheme))
        made.append(case.pk)
    return made


def _town_of(actors: Actors, households: dict[int, Household], case: ReviewCase):
    village = households[case.member.household_id].village
    return actors.towns[village.parent_id]


def _decide(*, rng: random.Random, cycle: ReviewCycle, actors: Actors, households: dict, upto: str) -> None:
    """Each level decides in turn, up to ``upto``: the village's and the town's cadres confirm their area's cases
    in bulk; one case is sent back by the town and confirmed again, one re-check refused at the town."""
    cases = list(cycle.cases.select_related("member__household__village").order_by("pk"))
    by_village: dict[int, list[int]] = defaultdict(list)
    for case in cases:
        by_village[case.member.household.village_id].append(case.pk)
    for village_id, ids in sorted(by_village.items()):
        actor = actors.villages[village_id]
        cases_bulk_confirm(actor=actor, cycle=cycle, case_ids=ids, opinion=rng.choice(OPINIONS[Stage.VILLAGE]))
    if upto == Stage.TOWN:
        return
    ordinary = [c for c in cases if c.kind == ReviewCase.Kind.RECHECK]
    if len(ordinary) >= 2:
        back, refused = rng.sample(ordinary, k=2)
        case_send_back(actor=_town_of(actors, households, back), case=back, reason=SENT_BACK)
        case_confirm(
            actor=actors.village_of(back.member.household),
            case=back,
            opinion="已补充入户核查记录",
            visited_on=cycle.village_by,
        )
        case_refuse(actor=_town_of(actors, households, refused), case=refused, opinion=REFUSED)
    by_town: dict[int, list[int]] = defaultdict(list)
    for case in cases:
        by_town[case.member.household.village.parent_id].append(case.pk)
    for town_id in actors.town_order:
        if by_town.get(town_id):
            actor = actors.towns[town_id]
            cases_bulk_confirm(
                actor=actor, cycle=cycle, case_ids=by_town[town_id], opinion=rng.choice(OPINIONS[Stage.TOWN])
            )
    if upto == Stage.COUNTY:
        return
    cases_bulk_confirm(
        actor=actors.county, cycle=cycle, case_ids=[c.pk for c in cases], opinion=rng.choice(OPINIONS[Stage.COUNTY])
    )


def _backdate(*, cycle: ReviewCycle, county: Region, applications: list[int], today: date) -> None:
    """The days the work was done: each level's steps a few days before its deadline (in order within a case),
    the decision on the county's step, applications before the applications' deadline."""
    deadline = {Stage.VILLAGE: cycle.village_by, Stage.TOWN: cycle.town_by, Stage.COUNTY: cycle.county_by}
    opened = min(opened_on(cycle.year), today)
    ReviewCycle.objects.filter(pk=cycle.pk).update(created_at=at(opened))
    steps: dict[int, list[ReviewStep]] = defaultdict(list)
    for step in ReviewStep.objects.filter(case__cycle=cycle).order_by("pk"):
        steps[step.case_id].append(step)
    step_times, decided, visited = [], [], []
    for case_id, items in steps.items():
        previous = None
        for step in items:
            when = at(deadline[step.stage] - timedelta(days=2 + case_id * 7 % 12), case_id)
            if previous is not None and when <= previous:
                when = previous + timedelta(hours=20)
            when = min(when, at(today, case_id))
            step_times.append((step.pk, when))
            previous = when
        if items[-1].stage == Stage.COUNTY or items[-1].action == ReviewStep.Action.REFUSE:
            decided.append((case_id, previous.date()))
        first_village = next((s for s in items if s.stage == Stage.VILLAGE), None)
        if first_village is not None:
            visited.append((case_id, dict(step_times)[first_village.pk].date() - timedelta(days=3)))
    backdate(ReviewStep, "at", step_times)
    backdate(ReviewCase, "decided_on", decided)
    backdate(ReviewCase, "visited_on", visited)
    created = [(pk, at(opened, pk)) for pk in cycle.cases.exclude(pk__in=applications).values_list("pk", flat=True)]
    applied = min(cycle.applications_by, today)
    created += [(pk, at(applied - timedelta(days=pk % 20), pk)) for pk in applications]
    backdate(ReviewCase, "created_at", created)
    backdate(
        ReviewProof,
        "uploaded_at",
        [(pk, at(applied - timedelta(days=case_id % 20), case_id)) for pk, case_id in
         ReviewProof.objects.filter(case__cycle=cycle).values_list("pk", "case_id")],
    )  # fmt: skip


def reviews_seed(*, seed: int, county: Region, actors: Actors, today: date) -> int:
    """Last year's, this year's and (from mid-November) next year's cycles; a cycle already open is left alone."""
    made = 0
    for year in (today.year - 1, today.year, today.year + 1):
        if opened_on(year) > today or ReviewCycle.objects.filter(county=county, year=year).exists():
            continue
        _cycle_seed(seed=seed, county=county, actors=actors, year=year, today=today)
        made += 1
    return made
