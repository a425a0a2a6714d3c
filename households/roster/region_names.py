"""Town and village names as rosters write them, matched to the names of the region list (docs/ROSTER.md
§Region names).

The region list carries the National Bureau of Statistics (NBS) names: 红旗社区居民委员会, 金塘村委会, 下安村村民委员会,
许商街道, sometimes with the county and town written before the village (…伊金霍洛旗阿勒腾席热镇水岸花园社区居民委员会),
sometimes with a placeholder for a character the NBS system cannot write (小（氵甸）村委会 for 小𣵦村). Clerks write
红旗社区, 金塘村, 下安村, 许商, 水岸花园社区, 小𣵦村. A name is compared in tiers, and the first tier with any match
decides:

1. **exact** — the names are the same after normalising (full width, spaces, bracket style);
2. **full** — the committee suffix written as the kind of place (村委会, 村民委员会 → 村; 居委会, 居民委员会,
   社区居民委员会 → 社区; 街道办事处 → 街道), a trailing annotation in brackets dropped: 金塘村委会 is 金塘村;
3. **core** — the kind word dropped as well (村, 社区, 嘎查; 镇, 乡, 街道, 苏木 and an ethnic township's 蒙古族乡):
   金塘居委会 and 金塘村委会 are both 金塘;
4. **prefix** — the same two comparisons once the county's and the town's names written before the place are
   dropped (商河县许商街道张三村 → 张三村).

One match in a tier is the place; two or more are ambiguous (the caller names them all). A placeholder of the region
list — two to four characters in brackets inside a name — stands for one character and matches any one written
character; a written placeholder, ``?`` or ``□`` (a character an encoding lost) matches a placeholder.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.utils.translation import gettext as _

from households import validation
from households.roster.headers import header_normalize
from regions.models import Region

WILD = "\ue000"  # one unknown character (a placeholder of the region list, a ? of the roster)

# Committee words after a village's or town's name (each before the shorter ones it ends with), and the kind of place
# each one means.
VILLAGE_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("社区居民委员会", "社区"),
    ("社区居委会", "社区"),
    ("社区居委", "社区"),
    ("居民委员会", "社区"),
    ("村民委员会", "村"),
    ("嘎查委员会", "嘎查"),
    ("居委会", "社区"),
    ("村委会", "村"),
    ("委员会", ""),
    ("居委", "社区"),
    ("村委", "村"),
)
TOWN_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("街道办事处", "街道"),
    ("人民政府", ""),
    ("办事处", "街道"),
)
VILLAGE_KINDS = ("嘎查村", "社区", "嘎查", "村")
TOWN_KINDS = ("街道", "苏木", "镇", "乡")
COUNTY_KINDS = ("自治县", "自治旗", "县", "区", "市", "旗")
# The 55 minority nationalities, for ethnic townships and counties (平山湖蒙古族乡 is written 平山湖乡 or 平山湖).
ETHNIC = (
    "蒙古|回|藏|维吾尔|苗|彝|壮|布依|朝鲜|满|侗|瑶|白|土家|哈尼|哈萨克|傣|黎|傈僳|佤|畲|高山|拉祜|水|东乡|纳西|景颇|"
    "柯尔克孜|土|达斡尔|仫佬|羌|布朗|撒拉|毛南|仡佬|锡伯|阿昌|普米|塔吉克|怒|乌孜别克|俄罗斯|鄂温克|德昂|保安|裕固|京|"
    "塔塔尔|独龙|鄂伦春|赫哲|门巴|珞巴|基诺"
)
_ETHNIC_TAIL = re.compile(rf"(?:(?:{ETHNIC})族)+$")
_CJK = r"\u2e80-\u2fdf\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_PLACEHOLDER = re.compile(rf"\(([{_CJK}]{{2,4}})\)(?=.)")
_TRAILING_NOTE = re.compile(r"\([^()]*\)$")
_BRACKETS = re.compile(r"[()]")
_WRITTEN_UNKNOWN = re.compile(r"[?□]")

TIERS = ("exact", "full", "core", "prefix full", "prefix core")


def name_key(value: Any) -> str:
    """The written name normalised: NFKC, invisible characters and spaces removed, one bracket style."""
    return header_normalize(validation.clean_text(value))


def _wild_key(key: str, *, written: bool) -> str:
    """``key`` with each placeholder (and, in a written name, each ? or □) as one WILD character."""
    key = _PLACEHOLDER.sub(WILD, key)
    return _WRITTEN_UNKNOWN.sub(WILD, key) if written else key


def _same(written: str, official: str) -> bool:
    """Equal, a WILD of the official name matching any one written character (a WILD of the written name matches
    only the official's: ``小?村`` is 小（氵甸）村委会, never （氵甸）沽村委会)."""
    return len(written) == len(official) and all(w == o or o == WILD for w, o in zip(written, official, strict=True))


def _strip_suffix(key: str, suffixes: Sequence[tuple[str, str]]) -> tuple[str, str | None]:
    """(stem, kind) — the name without its committee suffix; kind None when it had none."""
    for suffix, kind in suffixes:
        if key.endswith(suffix) and len(key) > len(suffix):
            return key[: -len(suffix)], kind
    return key, None


def _strip_kind(stem: str, kinds: Sequence[str]) -> str:
    for kind in kinds:
        if stem.endswith(kind) and len(stem) > len(kind):
            return stem[: -len(kind)]
    return stem


@dataclass(frozen=True)
class Level:
    suffixes: tuple[tuple[str, str], ...]
    kinds: tuple[str, ...]
    ethnic: bool = False


VILLAGE = Level(VILLAGE_SUFFIXES, VILLAGE_KINDS)
TOWN = Level(TOWN_SUFFIXES, TOWN_KINDS, ethnic=True)
COUNTY = Level((), COUNTY_KINDS, ethnic=True)
ALL_KINDS = frozenset((*VILLAGE_KINDS, *TOWN_KINDS, *COUNTY_KINDS))
SUFFIX_WORDS = frozenset(suffix for suffix, _kind in (*VILLAGE_SUFFIXES, *TOWN_SUFFIXES))


def forms(key: str, level: Level) -> tuple[set[str], set[str]]:
    """(full forms, core forms) of a normalised name (WILD already in place)."""
    while _TRAILING_NOTE.search(key) and len(_TRAILING_NOTE.sub("", key)) > 0:
        key = _TRAILING_NOTE.sub("", key)
    key = _BRACKETS.sub("", key)
    stem, kind = _strip_suffix(key, level.suffixes)
    full = {key}
    if kind is not None:
        full.add(stem if not kind or stem.endswith(kind) else stem + kind)
    core = _strip_kind(stem, level.kinds)
    if level.ethnic:
        core = _ETHNIC_TAIL.sub("", core) or core
    return full, {core}


def core_of(key: str, level: Level) -> str:
    return next(iter(forms(key, level)[1]))


def _meaningful(rest: str, level: Level) -> bool:
    """A remainder after a prefix is a name only when something is left beside the kind and suffix words."""
    if rest in SUFFIX_WORDS:
        return False
    stem, _kind = _strip_suffix(rest, level.suffixes)
    return bool(stem) and stem not in ALL_KINDS and _strip_kind(stem, level.kinds) not in ALL_KINDS


def strip_prefix(key: str, fulls: Sequence[str], cores: Sequence[str], level: Level) -> str | None:
    """``key`` without the administrative names written before it, or None when it has none.

    ``fulls`` (names with their kind: 商河县, 许商街道) are found anywhere, so a province and city written before
    them go too; ``cores`` (商河, 许商) only at the start.
    """
    best = key
    for full in fulls:
        at = key.rfind(full)
        if at >= 0:
            rest = key[at + len(full) :]
            if _meaningful(rest, level) and len(rest) < len(best):
                best = rest
    prefixes = sorted({p for p in (*fulls, *cores) if p}, key=len, reverse=True)
    changed = True
    while changed:
        changed = False
        for prefix in prefixes:
            if best.startswith(prefix) and _meaningful(best[len(prefix) :], level):
                best = best[len(prefix) :]
                changed = True
                break
    return best if best != key else None


@dataclass
class Place:
    """One town or village of the region list with its forms by tier."""

    region: Any  # regions.models.Region (typed loosely: the matcher is tested without the database)
    name: str
    tiers: tuple[frozenset[str], ...]


def place_tiers(key: str, level: Level, fulls: Sequence[str], cores: Sequence[str]) -> tuple[frozenset[str], ...]:
    full, core = forms(key, level)
    stripped = strip_prefix(key, fulls, cores, level)
    pfull, pcore = set(full), set(core)
    if stripped is not None:
        sfull, score = forms(stripped, level)
        pfull |= sfull
        pcore |= score
    return frozenset({key}), frozenset(full), frozenset(core), frozenset(pfull), frozenset(pcore)


class TierIndex:
    """Places by form, per tier; the official forms holding a WILD are compared one by one."""

    def __init__(self, places: Iterable[Place]) -> None:
        self.places = list(places)
        self.exact: list[dict[str, list[Place]]] = [defaultdict(list) for _ in TIERS]
        self.wild: list[list[tuple[str, Place]]] = [[] for _ in TIERS]
        for place in self.places:
            for tier, keys in enumerate(place.tiers):
                for key in keys:
                    if WILD in key:
                        self.wild[tier].append((key, place))
                    else:
                        self.exact[tier][key].append(place)

    def lookup(self, tier: int, keys: Iterable[str]) -> list[Place]:
        """The places with a form of ``tier`` equal to one of the written ``keys``."""
        found: dict[int, Place] = {}
        for key in keys:
            hits = [*self.exact[tier].get(key, ()), *(p for k, p in self.wild[tier] if _same(key, k))]
            for place in hits:
                found.setdefault(id(place), place)
        return list(found.values())


def similarity(written: tuple[frozenset[str], ...], place: Place) -> float:
    """How alike a written name is to a place: the best ratio of its exact, full or core forms."""
    best = 0.0
    for tier in range(3):
        for a in written[tier]:
            for b in place.tiers[tier]:
                best = max(best, difflib.SequenceMatcher(None, a, b, autojunk=False).ratio())
    return best


def closest(written: tuple[frozenset[str], ...], places: Sequence[Place], n: int = 3) -> list[Place]:
    """The ``n`` places most like the written name — the long official form ranks by its core, as a clerk's
    short form does — and, when none is even a little alike, still ``n`` of them."""
    scored = sorted(((similarity(written, p), p.name, p) for p in places), key=lambda t: (-t[0], t[1]))
    alike = [p for score, _name, p in scored if score >= 0.3]
    return (alike or [p for _score, _name, p in scored])[:n]


# ---------------------------------------------------------------------------------------------------
# The towns and villages of one county
# ---------------------------------------------------------------------------------------------------


class Resolved(NamedTuple):
    village: Region | None
    field: str  # the roster field of the error: "town" or "village"; "" when found
    message: str  # the error; "" when found
    notes: tuple[str, ...] = ()  # the official names a written name was read as


def _listed(places: Sequence[Place], *, with_town: dict[int, Region] | None = None) -> str:
    if with_town is None:
        return "、".join(p.name for p in places)
    return "、".join(f"{p.name}（{with_town[p.region.parent_id].name}）" for p in places)


def _place(region: Region, level: Level, fulls: Sequence[str], cores: Sequence[str]) -> Place:
    return Place(region, region.name, place_tiers(_wild_key(name_key(region.name), written=False), level, fulls, cores))


class RegionIndex:
    """Towns and villages of one county by name (the tiers above), and the importer's area."""

    def __init__(self, *, county: Region, area_path: str) -> None:
        self.county = county
        self.area_path = area_path
        regions = list(Region.objects.filter(path__startswith=county.path).exclude(pk=county.pk))
        county_key = name_key(county.name)
        county_fulls, county_cores = (county_key,), (core_of(county_key, COUNTY),)
        self.town_by_pk = {r.pk: r for r in regions if r.level == Region.Level.TOWN}
        self.town_places = [_place(r, TOWN, county_fulls, county_cores) for r in self.town_by_pk.values()]
        # The names written before a village: the county's and its town's, in full and as cores.
        self.prefixes: dict[int, tuple[tuple[str, ...], tuple[str, ...]]] = {
            p.region.pk: ((*county_fulls, *sorted(p.tiers[1])), (*county_cores, *sorted(p.tiers[2])))
            for p in self.town_places
        }
        villages = [r for r in regions if r.level == Region.Level.VILLAGE and r.parent_id is not None]
        self.town_of: dict[int, int] = {r.pk: r.parent_id for r in villages if r.parent_id is not None}
        self.village_places = [_place(r, VILLAGE, *self.prefixes[self.town_of[r.pk]]) for r in villages]
        self.towns = TierIndex(self.town_places)
        self.villages = TierIndex(self.village_places)
        self._county_prefixes = (county_fulls, county_cores)
        self._cache: dict[tuple[Any, Any], Resolved] = {}

    def resolve(self, town: Any, village: Any) -> Resolved:
        """The village a row names (with notes when read by a normalised form), or the error."""
        key = (town, village)
        if key not in self._cache:
            self._cache[key] = self._resolve(name_key(town), name_key(village))
        return self._cache[key]

    def _town(self, written_key: str) -> tuple[Region | None, str, str]:
        """(town, error, note)."""
        written = place_tiers(_wild_key(written_key, written=True), TOWN, *self._county_prefixes)
        for tier in range(len(TIERS)):
            hits = self.towns.lookup(tier, written[tier])
            if len(hits) == 1:
                town = hits[0]
                note = (
                    ""
                    if tier == 0
                    else (
                        _("Town or street %(written)s was read as %(official)s (the name in the region list).")
                        % {"written": written_key, "official": town.name}
                    )
                )
                return town.region, "", note
            if hits:
                return (
                    None,
                    (
                        _("%(name)s could be %(names)s; write the town or street as the region list names it.")
                        % {"name": written_key, "names": _listed(hits)}
                    ),
                    "",
                )
        return (
            None,
            (
                _("Unknown town or street %(name)s. Closest names in the county: %(closest)s.")
                % {"name": written_key, "closest": _listed(closest(written, self.town_places)) or "—"}
            ),
            "",
        )

    def _village_hits(self, written_key: str, town: Region | None) -> tuple[list[Place], int]:
        """The places of the first tier with any, and that tier; ([], -1) when none."""
        wild = _wild_key(written_key, written=True)
        plain = place_tiers(wild, VILLAGE, (), ())
        towns = [town] if town is not None else list(self.town_by_pk.values())
        for tier in range(len(TIERS)):
            if tier < 3:
                hits = self.villages.lookup(tier, plain[tier])
                if town is not None:
                    hits = [p for p in hits if p.region.parent_id == town.pk]
            else:
                hits = []
                for each in towns:
                    written = place_tiers(wild, VILLAGE, *self.prefixes[each.pk])
                    hits += [p for p in self.villages.lookup(tier, written[tier]) if p.region.parent_id == each.pk]
            if hits:
                return hits, tier
        return [], -1

    def _resolve(self, town_key: str, village_key: str) -> Resolved:
        notes: list[str] = []
        town = None
        if town_key:
            town, error, note = self._town(town_key)
            if town is None:
                return Resolved(None, "town", error)
            if note:
                notes.append(note)
        if not village_key:
            return Resolved(None, "village", _("Enter the village or community."))
        hits, tier = self._village_hits(village_key, town)
        if not hits:
            pool = [p for p in self.village_places if town is None or p.region.parent_id == town.pk]
            written = place_tiers(_wild_key(village_key, written=True), VILLAGE, (), ())
            return Resolved(
                None,
                "village",
                _("Unknown village or community %(name)s in %(where)s. Closest names: %(closest)s.")
                % {
                    "name": village_key,
                    "where": town.name if town else self.county.name,
                    "closest": _listed(closest(written, pool)) or "—",
                },
            )
        if len(hits) > 1:
            hits.sort(key=lambda p: p.region.path)
            if town is None and len({p.region.parent_id for p in hits}) > 1:
                return Resolved(
                    None,
                    "village",
                    _("There are several villages named %(name)s (%(names)s); fill in the town column.")
                    % {"name": village_key, "names": _listed(hits, with_town=self.town_by_pk)},
                )
            return Resolved(
                None,
                "village",
                _(
                    "%(name)s could be %(names)s in %(where)s; write the village or community as the region list "
                    "names it."
                )
                % {
                    "name": village_key,
                    "names": _listed(hits),
                    "where": self.town_by_pk[hits[0].region.parent_id].name,
                },
            )
        found = hits[0].region
        if not found.path.startswith(self.area_path):
            return Resolved(
                None,
                "village",
                _("%(name)s is outside your area; rows of other areas cannot be imported.") % {"name": found.name},
            )
        if tier > 0:
            notes.append(
                _("%(written)s was read as %(official)s of %(town)s (the name in the region list).")
                % {"written": village_key, "official": found.name, "town": self.town_by_pk[self.town_of[found.pk]].name}
            )
        return Resolved(found, "", "", tuple(notes))
