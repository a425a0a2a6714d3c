"""Every instrument's band boundaries scored against an independent table written from the published cut-offs
(held-out style: at each boundary the totals −1, 0 and +1), and the refusals: a missing item, an answer outside its
item's range, no consent — each with a clear message in English and Chinese, nothing written.

The answer sets are built here from the published scoring keys (reversed items, the GDS key), not from the portal's
tables, so a wrong key in medical.mental.instruments fails here."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from medical.mental import services
from medical.mental.instruments import score
from medical.models import MentalAssessment

# The published cut-offs, written independently of the portal: score → band.
PUBLISHED = {
    # PHQ-9: 0–4 minimal, 5–9 mild, 10–14 moderate, 15–19 moderately severe, 20–27 severe
    "phq9": {
        0: "minimal",
        4: "minimal",
        5: "mild",
        6: "mild",
        9: "mild",
        10: "moderate",
        11: "moderate",
        14: "moderate",
        15: "moderately_severe",
        16: "moderately_severe",
        19: "moderately_severe",
        20: "severe",
        21: "severe",
        27: "severe",
    },
    # GAD-7: 0–4, 5–9, 10–14, 15–21
    "gad7": {
        4: "minimal",
        5: "mild",
        6: "mild",
        9: "mild",
        10: "moderate",
        11: "moderate",
        14: "moderate",
        15: "severe",
        16: "severe",
        21: "severe",
    },
    # CES-D: 16 or more
    "cesd": {
        0: "below_cutoff",
        15: "below_cutoff",
        16: "depressive_symptoms",
        17: "depressive_symptoms",
        60: "depressive_symptoms",
    },
    # GDS-30: 0–9 normal, 10–19 mild, 20–30 severe
    "gds30": {8: "normal", 9: "normal", 10: "mild", 11: "mild", 19: "mild", 20: "severe", 21: "severe", 30: "severe"},
    # PCL-5: 33 or more
    "pcl5": {32: "below_cutoff", 33: "probable_ptsd", 34: "probable_ptsd", 80: "probable_ptsd"},
}
# (reversed items, low, high, count) from the published keys
KEYS = {
    "phq9": (set(), 0, 3, 9),
    "gad7": (set(), 0, 3, 7),
    "cesd": ({4, 8, 12, 16}, 0, 3, 20),
    "pcl5": (set(), 0, 4, 20),
    "sas": ({5, 9, 13, 17, 19}, 1, 4, 20),
}
GDS_NO = {1, 5, 7, 9, 15, 19, 21, 27, 29, 30}  # Yesavage: a point for "no" on these, "yes" on the others


def answers_for(code: str, target: int, *, avoid_item: int | None = None) -> list[int]:
    """Raw answers (as written on the form) whose scored sum is ``target``."""
    if code == "gds30":
        points = [1 if i < target else 0 for i in range(30)]
        return [(1 - p) if n in GDS_NO else p for n, p in zip(range(1, 31), points, strict=True)]
    reverse, low, high, count = KEYS[code]
    scored = [low] * count
    remaining = target - low * count
    order = [i for i in range(count) if i + 1 != avoid_item] + ([avoid_item - 1] if avoid_item else [])
    for i in order:
        step = min(high - low, remaining)
        scored[i] += step
        remaining -= step
    assert remaining == 0, (code, target)
    return [(high + low - s) if (i + 1) in reverse else s for i, s in enumerate(scored)]


@pytest.mark.parametrize(
    ("code", "total", "band"), [(c, t, b) for c, table in PUBLISHED.items() for t, b in table.items()]
)
def test_sum_instruments_bands(code, total, band):
    # PHQ-9 totals are built without item 9 where possible (item 9 is the self-harm item, tested on its own).
    result = score(code, answers_for(code, total, avoid_item=9 if code == "phq9" else None))
    assert (result.total, result.band) == (total, band)


# SAS: index = int(raw × 1.25); Chinese norm: <50 normal, 50–59 mild, 60–69 moderate, ≥70 severe.
SAS = [
    (39, 48, "normal"),
    (40, 50, "mild"),
    (41, 51, "mild"),
    (47, 58, "mild"),
    (48, 60, "moderate"),
    (49, 61, "moderate"),
    (55, 68, "moderate"),
    (56, 70, "severe"),
    (57, 71, "severe"),
    (80, 100, "severe"),
    (20, 25, "normal"),
]


@pytest.mark.parametrize(("raw", "index", "band"), SAS)
def test_sas_index_and_bands(raw, index, band):
    result = score("sas", answers_for("sas", raw))
    assert (result.total, result.score, result.band) == (raw, index, band)


def test_sas_reversed_items_are_reversed():
    # Every answer 1 ("none or a little of the time"): the five positive items score 4 each → 15 + 20 = 35.
    assert score("sas", [1] * 20).total == 35


def test_cesd_reversed_items_are_reversed():
    assert score("cesd", [0] * 20).total == 12  # items 4, 8, 12, 16 answered 0 score 3


def test_phq9_item_9_alone_calls_for_follow_up():
    result = score("phq9", [0] * 8 + [1])
    assert (result.total, result.band, result.self_harm) == (1, "minimal", True)
    assert score("phq9", [3] * 8 + [0]).self_harm is False


# SCL-90 (national norm, 1–5): positive when total > 160, or more than 43 items ≥ 2, or any factor mean ≥ 2.
FACTORS = [
    (1, 4, 12, 27, 40, 42, 48, 49, 52, 53, 56, 58),
    (3, 9, 10, 28, 38, 45, 46, 51, 55, 65),
    (6, 21, 34, 36, 37, 41, 61, 69, 73),
    (5, 14, 15, 20, 22, 26, 29, 30, 31, 32, 54, 71, 79),
    (2, 17, 23, 33, 39, 57, 72, 78, 80, 86),
    (11, 24, 63, 67, 74, 81),
    (13, 25, 47, 50, 70, 75, 82),
    (8, 18, 43, 68, 76, 83),
    (7, 16, 35, 62, 77, 84, 85, 87, 88, 90),
    (19, 44, 59, 60, 64, 66, 89),
]


def scl_spread(total: int, *, per_item: int = 2) -> list[int]:
    """Answers with the given total, every factor's mean below 2: each factor gets at most n − 1 points above 1."""
    answers = [1] * 90
    remaining = total - 90
    for items in FACTORS:
        room = len(items) - 1
        for n in items:
            if remaining <= 0 or room <= 0:
                break
            step = min(per_item, remaining, room)
            answers[n - 1] += step
            remaining -= step
            room -= step
    assert remaining == 0
    return answers


@pytest.mark.parametrize(("total", "band"), [(159, "negative"), (160, "negative"), (161, "positive")])
def test_scl90_total(total, band):
    answers = scl_spread(total)
    assert sum(1 for a in answers if a >= 2) <= 43
    result = score("scl90", answers)
    assert (result.total, result.band) == (total, band)


@pytest.mark.parametrize(("positive", "band"), [(42, "negative"), (43, "negative"), (44, "positive")])
def test_scl90_positive_items(positive, band):
    answers = scl_spread(90 + positive, per_item=1)
    assert sum(1 for a in answers if a >= 2) == positive
    assert score("scl90", answers).band == band


@pytest.mark.parametrize(("twos", "band"), [(5, "negative"), (6, "positive")])
def test_scl90_a_factor_mean_of_two(twos, band):
    answers = [1] * 90
    for n in FACTORS[5][:twos]:  # hostility, six items: all six at 2 → mean 2.0
        answers[n - 1] = 2
    result = score("scl90", answers)
    assert result.band == band
    assert result.details["factors"]["hostility"] == round((twos * 2 + 6 - twos) / 6, 2)


def pg13(*, distress=(4, 1), duration=1, symptoms=5, impairment=1) -> list[int]:
    items = [4 if i < symptoms else 3 for i in range(9)]
    return [distress[0], distress[1], duration, *items, impairment]


@pytest.mark.parametrize(
    ("answers", "band"),
    [
        (pg13(), "prolonged_grief"),
        (pg13(symptoms=4), "criteria_not_met"),
        (pg13(symptoms=6), "prolonged_grief"),
        (pg13(distress=(3, 3)), "criteria_not_met"),
        (pg13(distress=(1, 5)), "prolonged_grief"),
        (pg13(duration=0), "criteria_not_met"),
        (pg13(impairment=0), "criteria_not_met"),
    ],
)
def test_pg13_criteria(answers, band):
    result = score("pg13", answers)
    assert result.band == band
    # The total: the eleven symptom items (1–5), not the two yes/no criteria.
    assert result.total == sum(answers) - answers[2] - answers[12]


@pytest.mark.parametrize("code", ["phq9", "gad7", "cesd", "gds30", "sas", "pcl5", "scl90", "pg13"])
def test_a_missing_item_is_refused(code):
    full = {"phq9": 9, "gad7": 7, "cesd": 20, "gds30": 30, "sas": 20, "pcl5": 20, "scl90": 90, "pg13": 13}[code]
    answers = [1] * full
    answers[2] = None
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        score(code, answers)
    assert "Missing: 3" in " ".join(exc.value.messages)
    with pytest.raises(ValidationError):
        score(code, [1] * (full - 1))


@pytest.mark.parametrize(
    ("code", "bad"), [("phq9", 4), ("phq9", -1), ("sas", 0), ("sas", 5), ("scl90", 6), ("gds30", 2), ("pcl5", 5)]
)
def test_an_answer_out_of_range_is_refused(code, bad):
    full = {"phq9": 9, "sas": 20, "scl90": 90, "gds30": 30, "pcl5": 20}[code]
    answers = [1] * full
    answers[0] = bad
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        score(code, answers)
    assert "outside" in " ".join(exc.value.messages)


# ---- through the service and the page: nothing written, a clear message in English and Chinese ----------------


def _post(phq: list, **extra):
    data = {"member": "", "assessed_on": "2025-03-03", "consent": "on", "risk_level": "low", "action": "随访"}
    data.update({f"item_{i + 1}": "" if v is None else str(v) for i, v in enumerate(phq)})
    data.update(extra)
    return data


MISSING = "Every item must be answered; no total is computed from a partial answer. Missing: %(items)s."
CONSENT = "An assessment needs the person's consent; without it nothing is recorded."


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize(
    ("answers", "extra", "msgid", "params"),
    [
        ([1] * 8 + [None], {}, MISSING, {"items": "9"}),
        ([None] * 9, {}, MISSING, {"items": "1, 2, 3, 4, 5, 6, 7, 8, 9"}),
        ([1] * 9, {"consent": ""}, CONSENT, {}),
    ],
)
def test_the_page_refuses_and_writes_nothing(family, personas, client_for, language, answers, extra, msgid, params):
    client = client_for(personas.county_staff)
    client.cookies["django_language"] = language
    url = reverse("medical:mental:assessment_add", args=[family.household.pk, "phq9"])
    response = client.post(url, _post(answers, member=str(family.wife.pk), **extra))
    assert response.status_code == 400
    assert not MentalAssessment.objects.exists()
    with translation.override(language):
        expected = gettext(msgid) % params if params else gettext(msgid)
    assert escape(expected) in response.content.decode()


@pytest.mark.django_db
def test_an_answer_outside_the_choices_is_refused_by_the_page(family, personas, client_for):
    client = client_for(personas.county_staff)
    url = reverse("medical:mental:assessment_add", args=[family.household.pk, "phq9"])
    response = client.post(url, _post([1] * 8 + [7], member=str(family.wife.pk)))
    assert response.status_code == 400
    assert 'id="id_item_9"' in response.content.decode()
    assert "has-error" in response.content.decode()
    assert not MentalAssessment.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_service_refuses_with_a_message_in_the_language(family, personas, language):
    kwargs = {
        "actor": personas.county_staff,
        "household": family.household,
        "member": family.wife,
        "instrument": "phq9",
        "assessed_on": date(2025, 3, 3),
        "consent": True,
        "risk_level": "low",
        "action": "随访",
        "today": date(2025, 3, 3),
    }
    with translation.override(language):
        with pytest.raises(ValidationError) as missing:
            services.assessment_record(answers=[1] * 8 + [None], **kwargs)
        with pytest.raises(ValidationError) as out:
            services.assessment_record(answers=[1] * 8 + [9], **kwargs)
        with pytest.raises(ValidationError) as no_consent:
            services.assessment_record(answers=[1] * 9, **{**kwargs, "consent": False})
        assert gettext(MISSING) % {"items": "9"} in missing.value.message_dict["answers"]
        assert (
            gettext("An answer is outside its item's range: %(items)s.")
            % {
                "items": gettext("item %(number)d: %(value)s is outside %(low)d–%(high)d")
                % {"number": 9, "value": 9, "low": 0, "high": 3}
            }
            in out.value.message_dict["answers"]
        )
        assert no_consent.value.message_dict["consent"] == [gettext(CONSENT)]
    assert not MentalAssessment.objects.exists()


@pytest.mark.django_db
def test_a_complete_assessment_is_scored_by_the_portal(family, personas):
    row = services.assessment_record(
        actor=personas.county_staff,
        household=family.household,
        member=family.wife,
        instrument="gad7",
        answers=[2, 2, 2, 2, 2, 0, 0],
        assessed_on=date(2025, 3, 3),
        consent=True,
        risk_level="medium",
        action="两周后复评",
        today=date(2025, 3, 3),
    )
    assert (row.total, row.score, row.band, row.urgent) == (10, 10, "moderate", False)
    assert row.assessor_name
