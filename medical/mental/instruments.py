"""The mental-health instruments and their scoring: the items (how many, each one's answer range), the total and the
band, computed by the portal from a complete set of answers — a missing item or an answer outside its item's range is
refused, never scored (issue 16 "Bad input").

Item texts. The portal shows the items by number with the instrument's public short label where one is well known;
it does not print the questionnaires' clinical wording (the assessor uses the official form, in its licensed Chinese
version, and enters the answer of each numbered item). The answer labels are the scales' own anchors, in short.

Scoring and bands, each checked against a public source (found with the project's search tool, the pages corpus):

* **PHQ-9** — 9 items 0–3, total 0–27; bands 0–4 minimal, 5–9 mild, 10–14 moderate, 15–19 moderately severe, 20–27
  severe; any answer above 0 on item 9 (thoughts of self-harm) calls for immediate follow-up whatever the total.
  Source: https://www.calcipedia.org/calculators/phq-9-calculator (bands and item 9);
  https://mindsanctuary.net/surveys/PHQ-9 (cut-points 5, 10, 15, 20; Kroenke, Spitzer & Williams 2001).
* **GAD-7** — 7 items 0–3, total 0–21; bands 0–4 minimal, 5–9 mild, 10–14 moderate, 15–21 severe.
  Source: https://scales.arabpsychology.com/index.php/s/gad-7-anxiety-severity/ (cut points 5, 10, 15; Spitzer et al.,
  Arch Intern Med 2006;166:1092-1097, cited at https://www.mrcpsych.uk/search/label/GAD-7).
* **CES-D** — 20 items 0–3, items 4, 8, 12 and 16 (positively worded) reverse-scored (3 − answer), total 0–60; 16 or
  more: depressive symptoms. Source: Radloff 1977, the instrument as reproduced at
  https://pmc.ncbi.nlm.nih.gov/articles/PMC6025488/table/ijerph-15-01069-t0A2 (reverse items, range, "16 points or more
  is considered depressed"); https://emuktask.com/the-center-for-epidemiologic-studies-depression-scale-ces-d-scale/.
  The answer entered is the circled column (0 = rarely … 3 = most of the time); the portal reverses items 4, 8, 12, 16.
* **GDS-30** — 30 yes/no items (entered 1 = yes, 0 = no); one point for each answer that matches Yesavage's key
  (items 1, 5, 7, 9, 15, 19, 21, 27, 29, 30 score on "no", the others on "yes"); total 0–30; bands 0–9 normal, 10–19
  mild, 20–30 severe. Source: Yesavage JA, Brink TL, Rose TL et al., J Psychiatr Res 1983;17:37-49, scoring key and
  cut-offs as reproduced at http://drspayd.tripod.com/id17.html (key) and the scribd copy "Geriatric Depression Scale
  (With Translation)" ("normal 0-9; mild depressives 10-19; severe depressives 20-30"); the items at
  http://www.crhc.pitt.edu/psf/GDS30/gds30.aspx. (docs/MEDICAL.md says 0–10 / 11–20 / 21–30; the published key says
  0–9 / 10–19 / 20–30, which the portal follows.)
* **SAS** (Zung Self-Rating Anxiety Scale) — 20 items 1–4, items 5, 9, 13, 17, 19 (positively worded) reverse-scored
  (5 − answer); raw total 20–80; the standard score (index) is the integer part of raw × 1.25; by the Chinese norm the
  cut-off is 50: 50–59 mild, 60–69 moderate, 70 and above severe anxiety. Source:
  https://www.igbc.cn/wenku/rdssd/zm8d3lwNmM ("用粗分乘以1.25以后取整数部份 … 按照中国常模结果,SAS标准分的分界值为50分,
  其中50-59分为轻度焦虑,60-69分为中度焦虑,70分以上为重度焦虑"; reverse items 5, 9, 13, 17, 19);
  https://m.120ask.com/askg/posts_detail/82169750. (Zung's own bands, 45/60/75, are not the Chinese norm.)
  The answer entered is the column ticked (1 = none or a little of the time … 4 = most of the time).
* **PCL-5** — 20 items 0–4, total 0–80; 33 or more: probable PTSD (the published cut-point range is 31–33; the portal
  takes 33, the top of it). Source: https://comorbidityguidelines.org.au/appendix-s-ptsd-checklist-for-dsm5-pcl5/
  pcl5-scoring-and-interpretation ("a cut-point score of 31-33"); https://epavt.org/guia_eng/files/assets/basic-html/
  page-17.html ("A score equal to or higher than 33 is deemed clinically significant").
* **SCL-90** — 90 items 1–5, total 90–450; ten factors (nine and "other") whose mean is the factor score, the item
  numbers per factor as published (躯体化 1, 4, 12, 27, 40, 42, 48, 49, 52, 53, 56, 58 …
  其他 19, 44, 59, 60, 64, 66, 89);
  screening positive (by the national norm, 1–5 scoring) when the total exceeds 160, or more than 43 items are
  positive (answered 2 or more), or any factor score is 2 or more. Source: https://wiki.mindseed.cn/症状自评量表
  (scoring 1–5, factors and their items); https://m.fanque.com.cn/aa60aAW4DB1FRCQ.html
  ("按照全国常模,总分超过160分或阳性项目数超过43项,或任一因子分≥2分,可考虑筛查阳性").
  Note: "exceeds 160" — a total of exactly 160 alone is not positive (the brief of issue 16 says "≥160"; the
  published wording says "超过160", which the portal follows).
* **PG-13** (Prigerson, prolonged grief) — 13 questions: items 1–2 (separation distress, how often, 1 = not at all …
  5 = several times a day), item 3 (duration: at least six months since the loss, yes/no), items 4–12 (cognitive,
  emotional and behavioural symptoms, 1 = not at all … 5 = overwhelmingly), item 13 (significant impairment, yes/no).
  The 11 symptom items sum to 11–55. The criteria: separation distress at least daily (item 1 or 2 answered 4 or 5),
  five or more of items 4–12 answered 4 or 5 ("quite a bit" or "overwhelmingly"), the duration (item 3 yes) and the
  impairment (item 13 yes): all four met → "meets the criteria for prolonged grief disorder". Source of the criteria
  (separation distress daily or to a distressing degree; five of the nine symptoms; six months; impairment): Prigerson
  et al., PLoS Med 2009;6(8):e1000121, https://pmc.ncbi.nlm.nih.gov/articles/PMC2711304 and its table at
  https://pmc.ncbi.nlm.nih.gov/articles/PMC3402114/table/T0001. The threshold "4 or 5" on the 1–5 answers is the PG-13
  form's own scoring note as commonly reproduced; no public page confirming it was found with the search tool.

The instruments are data (INSTRUMENTS); ``score(code, answers)`` is the one scoring function.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Item:
    number: int  # 1-based
    low: int
    high: int
    label: str = ""  # a public short label, or empty (the item is shown by its number)
    choices: tuple[tuple[int, Any], ...] = ()  # the answer anchors (value, label), from low to high


@dataclass(frozen=True)
class Band:
    code: str
    low: int  # the score from which the band starts (inclusive); bands are in order
    label: Any  # lazy text


@dataclass(frozen=True)
class Instrument:
    code: str
    name: str
    title: Any
    items: tuple[Item, ...]
    bands: tuple[Band, ...] = ()
    reverse: frozenset[int] = field(default_factory=frozenset)  # item numbers scored high − (answer − low)
    note: Any = ""

    def band_of(self, score: int) -> Band:
        found = self.bands[0]
        for band in self.bands:
            if score >= band.low:
                found = band
        return found


@dataclass(frozen=True)
class Result:
    total: int  # the sum of the scored answers (SAS: the raw sum)
    score: int  # the score the band is read on (SAS: the index)
    band: str
    band_label: str
    details: dict[str, Any]
    self_harm: bool = False  # PHQ-9 item 9 above 0


FREQ_0_3 = ((0, _("Not at all")), (1, _("Several days")), (2, _("More than half the days")), (3, _("Nearly every day")))
CESD_0_3 = (
    (0, _("Rarely or none of the time (less than 1 day)")),
    (1, _("Some or a little of the time (1–2 days)")),
    (2, _("Occasionally or a moderate amount of time (3–4 days)")),
    (3, _("Most or all of the time (5–7 days)")),
)
YES_NO = ((0, _("No")), (1, _("Yes")))
SAS_1_4 = (
    (1, _("None or a little of the time")),
    (2, _("Some of the time")),
    (3, _("Good part of the time")),
    (4, _("Most or all of the time")),
)
PCL_0_4 = (
    (0, _("Not at all")),
    (1, _("A little bit")),
    (2, _("Moderately")),
    (3, _("Quite a bit")),
    (4, _("Extremely")),
)
SCL_1_5 = (
    (1, pgettext_lazy("SCL-90 answer", "None")),
    (2, pgettext_lazy("SCL-90 answer", "Mild")),
    (3, pgettext_lazy("SCL-90 answer", "Moderate")),
    (4, pgettext_lazy("SCL-90 answer", "Quite a bit")),
    (5, pgettext_lazy("SCL-90 answer", "Severe")),
)
PG_FREQ = (
    (1, _("Not at all")),
    (2, _("At least once")),
    (3, _("At least once a week")),
    (4, _("At least once a day")),
    (5, _("Several times a day")),
)
PG_INTENSITY = (
    (1, _("Not at all")),
    (2, _("Slightly")),
    (3, _("Somewhat")),
    (4, _("Quite a bit")),
    (5, _("Overwhelmingly")),
)


def _items(count: int, low: int, high: int, choices: tuple, labels: dict[int, Any] | None = None) -> tuple[Item, ...]:
    labels = labels or {}
    return tuple(Item(n, low, high, labels.get(n, ""), choices) for n in range(1, count + 1))


# The public short labels of PHQ-9 and GAD-7 (the symptom each item asks about).
PHQ9_LABELS = {
    1: _("Little interest or pleasure"),
    2: _("Feeling down or hopeless"),
    3: _("Sleep"),
    4: _("Tired, little energy"),
    5: _("Appetite"),
    6: _("Feeling bad about yourself"),
    7: _("Concentration"),
    8: _("Moving or speaking slowly, or restless"),
    9: _("Thoughts of self-harm"),
}
GAD7_LABELS = {
    1: _("Nervous, anxious, on edge"),
    2: _("Not able to stop worrying"),
    3: _("Worrying too much"),
    4: _("Trouble relaxing"),
    5: _("Restless"),
    6: _("Easily annoyed or irritable"),
    7: _("Afraid something awful might happen"),
}
PCL5_LABELS = {n: _("Intrusion") for n in range(1, 6)} | {n: _("Avoidance") for n in (6, 7)}
PCL5_LABELS |= {n: _("Negative thoughts and mood") for n in range(8, 15)}
PCL5_LABELS |= {n: _("Arousal and reactivity") for n in range(15, 21)}

# SCL-90: the items of each factor (wiki.mindseed.cn/症状自评量表).
SCL90_FACTORS: dict[str, tuple[Any, tuple[int, ...]]] = {
    "somatization": (_("Somatization"), (1, 4, 12, 27, 40, 42, 48, 49, 52, 53, 56, 58)),
    "obsessive_compulsive": (_("Obsessive-compulsive"), (3, 9, 10, 28, 38, 45, 46, 51, 55, 65)),
    "interpersonal": (_("Interpersonal sensitivity"), (6, 21, 34, 36, 37, 41, 61, 69, 73)),
    "depression": (_("Depression"), (5, 14, 15, 20, 22, 26, 29, 30, 31, 32, 54, 71, 79)),
    "anxiety": (_("Anxiety"), (2, 17, 23, 33, 39, 57, 72, 78, 80, 86)),
    "hostility": (_("Hostility"), (11, 24, 63, 67, 74, 81)),
    "phobic_anxiety": (_("Phobic anxiety"), (13, 25, 47, 50, 70, 75, 82)),
    "paranoid": (_("Paranoid ideation"), (8, 18, 43, 68, 76, 83)),
    "psychoticism": (_("Psychoticism"), (7, 16, 35, 62, 77, 84, 85, 87, 88, 90)),
    "other": (_("Other (sleep and appetite)"), (19, 44, 59, 60, 64, 66, 89)),
}
SCL90_ITEM_FACTOR = {n: key for key, (_label, numbers) in SCL90_FACTORS.items() for n in numbers}
SCL90_LABELS = {n: SCL90_FACTORS[key][0] for n, key in SCL90_ITEM_FACTOR.items()}
# The national norm's screening thresholds (1–5 scoring).
SCL90_TOTAL_ABOVE = 160
SCL90_POSITIVE_ITEMS_ABOVE = 43
SCL90_FACTOR_AT_LEAST = 2

# GDS-30: the items that score a point on "no" (1 = yes, 0 = no is entered); every other item scores on "yes".
GDS30_NO_ITEMS = frozenset({1, 5, 7, 9, 15, 19, 21, 27, 29, 30})

# PG-13: the items and the criteria.
PG13_DISTRESS = (1, 2)
PG13_DURATION = 3
PG13_SYMPTOMS = tuple(range(4, 13))
PG13_IMPAIRMENT = 13
PG13_AT_LEAST = 4  # "at least once a day" / "quite a bit"
PG13_SYMPTOMS_NEEDED = 5
PG13_LABELS = {1: _("Separation distress (yearning)"), 2: _("Separation distress (pangs of grief)")}
PG13_LABELS |= {3: _("Duration: six months or more since the loss")}
PG13_LABELS |= {n: _("Cognitive, emotional or behavioural symptom") for n in PG13_SYMPTOMS}
PG13_LABELS |= {13: _("Significant impairment in daily life")}
PG13_CRITERIA = {
    "separation_distress": _("Separation distress at least daily"),
    "symptoms": _("Five or more symptoms quite a bit or more"),
    "duration": _("Six months or more since the loss"),
    "impairment": _("Significant impairment"),
}


def _pg13_items() -> tuple[Item, ...]:
    items = []
    for n in range(1, 14):
        if n in PG13_DISTRESS:
            items.append(Item(n, 1, 5, PG13_LABELS[n], PG_FREQ))
        elif n in (PG13_DURATION, PG13_IMPAIRMENT):
            items.append(Item(n, 0, 1, PG13_LABELS[n], YES_NO))
        else:
            items.append(Item(n, 1, 5, PG13_LABELS[n], PG_INTENSITY))
    return tuple(items)


INSTRUMENTS: dict[str, Instrument] = {
    "phq9": Instrument(
        "phq9",
        "PHQ-9",
        _("Patient Health Questionnaire (depression)"),
        _items(9, 0, 3, FREQ_0_3, PHQ9_LABELS),
        (
            Band("minimal", 0, _("Minimal")),
            Band("mild", 5, _("Mild")),
            Band("moderate", 10, _("Moderate")),
            Band("moderately_severe", 15, _("Moderately severe")),
            Band("severe", 20, _("Severe")),
        ),
        note=_("Any answer above 0 on item 9 calls for an urgent follow-up whatever the total."),
    ),
    "gad7": Instrument(
        "gad7",
        "GAD-7",
        _("Generalized Anxiety Disorder scale"),
        _items(7, 0, 3, FREQ_0_3, GAD7_LABELS),
        (
            Band("minimal", 0, _("Minimal")),
            Band("mild", 5, _("Mild")),
            Band("moderate", 10, _("Moderate")),
            Band("severe", 15, _("Severe")),
        ),
    ),
    "cesd": Instrument(
        "cesd",
        "CES-D",
        _("Center for Epidemiologic Studies Depression scale"),
        _items(20, 0, 3, CESD_0_3),
        (Band("below_cutoff", 0, _("Below the cut-off")), Band("depressive_symptoms", 16, _("Depressive symptoms"))),
        reverse=frozenset({4, 8, 12, 16}),
        note=_("Enter the column ticked; items 4, 8, 12 and 16 are reversed by the portal."),
    ),
    "gds30": Instrument(
        "gds30",
        "GDS-30",
        _("Geriatric Depression Scale (30 items)"),
        _items(30, 0, 1, YES_NO),
        (Band("normal", 0, _("Normal")), Band("mild", 10, _("Mild")), Band("severe", 20, _("Severe"))),
        note=_("Enter the answer given (yes or no); the portal applies the scoring key."),
    ),
    "sas": Instrument(
        "sas",
        "SAS",
        _("Zung Self-Rating Anxiety Scale"),
        _items(20, 1, 4, SAS_1_4),
        (
            Band("normal", 0, _("Normal")),
            Band("mild", 50, _("Mild")),
            Band("moderate", 60, _("Moderate")),
            Band("severe", 70, _("Severe")),
        ),
        reverse=frozenset({5, 9, 13, 17, 19}),
        note=_("Enter the column ticked; items 5, 9, 13, 17 and 19 are reversed; the index is the raw sum × 1.25."),
    ),
    "pcl5": Instrument(
        "pcl5",
        "PCL-5",
        _("PTSD Checklist for DSM-5"),
        _items(20, 0, 4, PCL_0_4, PCL5_LABELS),
        (Band("below_cutoff", 0, _("Below the cut-off")), Band("probable_ptsd", 33, _("Probable PTSD"))),
    ),
    "scl90": Instrument(
        "scl90",
        "SCL-90",
        _("Symptom Checklist-90"),
        _items(90, 1, 5, SCL_1_5, SCL90_LABELS),
        (Band("negative", 0, _("Screening negative")), Band("positive", 1, _("Screening positive"))),
        note=_("Positive: a total above 160, more than 43 items answered 2 or more, or any factor score of 2 or more."),
    ),
    "pg13": Instrument(
        "pg13",
        "PG-13",
        _("Prolonged Grief Disorder scale (Prigerson)"),
        _pg13_items(),
        (Band("criteria_not_met", 0, _("Criteria not met")), Band("prolonged_grief", 1, _("Meets the criteria"))),
        note=_("Items 3 and 13 are yes or no; the total is the sum of the other eleven items."),
    ),
}


def instrument(code: str) -> Instrument:
    try:
        return INSTRUMENTS[code]
    except KeyError:
        raise ValidationError(gettext("Unknown instrument."), code="instrument") from None


def validate(inst: Instrument, answers: Sequence[Any]) -> list[int]:
    """The answers as integers, or a ValidationError naming every missing item and every answer out of range."""
    missing: list[int] = []
    out: list[str] = []
    values: list[int] = []
    given = list(answers or [])
    for index, item in enumerate(inst.items):
        raw = given[index] if index < len(given) else None
        if raw is None or raw == "":
            missing.append(item.number)
            continue
        try:
            value = int(raw)
        except (TypeError, ValueError):
            out.append(str(item.number))
            continue
        if isinstance(raw, float) and raw != value:
            out.append(str(item.number))
            continue
        if not item.low <= value <= item.high:
            out.append(
                gettext("item %(number)d: %(value)s is outside %(low)d–%(high)d")
                % {"number": item.number, "value": raw, "low": item.low, "high": item.high}
            )
            continue
        values.append(value)
    errors = []
    if len(given) > len(inst.items):
        errors.append(
            ValidationError(
                gettext("%(name)s has %(count)d items, %(given)d answers were given.")
                % {"name": inst.name, "count": len(inst.items), "given": len(given)},
                code="too_many",
            )
        )
    if missing:
        errors.append(
            ValidationError(
                gettext("Every item must be answered; no total is computed from a partial answer. Missing: %(items)s.")
                % {"items": ", ".join(str(n) for n in missing)},
                code="missing",
            )
        )
    if out:
        errors.append(
            ValidationError(
                gettext("An answer is outside its item's range: %(items)s.") % {"items": "; ".join(out)}, code="range"
            )
        )
    if errors:
        raise ValidationError(errors)
    return values


def _scored(inst: Instrument, values: list[int]) -> list[int]:
    scored = []
    for item, value in zip(inst.items, values, strict=True):
        if item.number in inst.reverse:
            value = item.high + item.low - value
        scored.append(value)
    return scored


def score(code: str, answers: Sequence[Any]) -> Result:
    """Score a complete set of answers (a ValidationError for a missing item or an answer out of range)."""
    inst = instrument(code)
    values = validate(inst, answers)
    details: dict[str, Any] = {}
    self_harm = False
    if code == "gds30":
        points = [(1 - v) if item.number in GDS30_NO_ITEMS else v for item, v in zip(inst.items, values, strict=True)]
        total = value = sum(points)
    elif code == "sas":
        total = sum(_scored(inst, values))
        value = int(total * 1.25)  # the integer part (取整数部分)
    elif code == "scl90":
        total = sum(values)
        factors = {}
        for key, (_label, numbers) in SCL90_FACTORS.items():
            factors[key] = round(sum(values[n - 1] for n in numbers) / len(numbers), 2)
        positive_items = sum(1 for v in values if v >= 2)
        reasons = []
        if total > SCL90_TOTAL_ABOVE:
            reasons.append("total")
        if positive_items > SCL90_POSITIVE_ITEMS_ABOVE:
            reasons.append("positive_items")
        if any(
            sum(values[n - 1] for n in numbers) >= SCL90_FACTOR_AT_LEAST * len(numbers)
            for _label, numbers in SCL90_FACTORS.values()
        ):
            reasons.append("factor")
        details = {"factors": factors, "positive_items": positive_items, "reasons": reasons}
        value = 1 if reasons else 0
    elif code == "pg13":
        by_number = dict(zip((i.number for i in inst.items), values, strict=True))
        total = sum(v for n, v in by_number.items() if n not in (PG13_DURATION, PG13_IMPAIRMENT))
        criteria = {
            "separation_distress": any(by_number[n] >= PG13_AT_LEAST for n in PG13_DISTRESS),
            "symptoms": sum(1 for n in PG13_SYMPTOMS if by_number[n] >= PG13_AT_LEAST) >= PG13_SYMPTOMS_NEEDED,
            "duration": by_number[PG13_DURATION] == 1,
            "impairment": by_number[PG13_IMPAIRMENT] == 1,
        }
        details = {"criteria": criteria}
        value = 1 if all(criteria.values()) else 0
    else:
        total = value = sum(_scored(inst, values))
        if code == "phq9":
            self_harm = values[8] > 0
            details = {"item_9": values[8]}
    band = inst.band_of(value)
    return Result(
        total=total, score=value, band=band.code, band_label=str(band.label), details=details, self_harm=self_harm
    )


def band_label(code: str, band: str) -> str:
    inst = INSTRUMENTS.get(code)
    if inst is None:
        return band
    for b in inst.bands:
        if b.code == band:
            return str(b.label)
    return band
