from __future__ import annotations

import pghistory
from django.db import models
from django.utils.translation import gettext_lazy as _

from regions.paths import ancestor_paths, county_path, is_within
from regions.scope import ScopedQuerySet


class RegionQuerySet(ScopedQuerySet["Region"]):
    scope_path_lookup = "path"

    def towns(self) -> RegionQuerySet:
        return self.filter(level=Region.Level.TOWN)

    def villages(self) -> RegionQuerySet:
        return self.filter(level=Region.Level.VILLAGE)

    def subtree_of(self, region: Region) -> RegionQuerySet:
        return self.filter(path__startswith=region.path)

    def county_of(self, path: str) -> Region | None:
        """The county the region path ``path`` lies in (regions.paths.county_path)."""
        return self.filter(path=county_path(path), level=Region.Level.COUNTY).first()

    def ancestors_of(self, region: Region) -> list[Region]:
        """The nodes above ``region``, from the county down (one query)."""
        return list(self.filter(path__in=ancestor_paths(region.path, include_self=False)).order_by("path"))


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Region(models.Model):
    """One node of the administrative tree.

    `path` is the materialised path of codes ("630103/630103001/"), so a subtree is one indexed
    prefix match; it is written by regions.services and never edited by hand. Paths start at the county: a path
    is the area scope of family data. A city or a province is linked to its counties by ``parent`` only and its
    path is its own code, so a user there reaches no family's file through any path-scoped query; its figures
    reach the counties through regions.selectors.counties_under.
    """

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        COUNTY = "county", _("County/district")
        TOWN = "town", _("Town/street")
        VILLAGE = "village", _("Village/community")

    # The level a child must have, by the parent's level.
    CHILD_LEVEL: dict[str, str] = {
        Level.PROVINCE: Level.CITY,
        Level.CITY: Level.COUNTY,
        Level.COUNTY: Level.TOWN,
        Level.TOWN: Level.VILLAGE,
    }
    # Above the county: figures only. A city or province node is the root of its own path, so no path-scoped row
    # (a family's file and everything hanging from it) ever lies inside it (docs/ARCHITECTURE.md §Regions).
    ABOVE_COUNTY: frozenset[str] = frozenset({Level.PROVINCE, Level.CITY})

    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, unique=True, editable=False)

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["path"]
        indexes = [
            models.Index(fields=["path"], name="region_path_prefix", opclasses=["varchar_pattern_ops"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(level__in=["province", "city", "county"], parent__isnull=True))
                | (models.Q(parent__isnull=False) & ~models.Q(level="province")),
                name="region_root_level",
            ),
            models.CheckConstraint(condition=models.Q(code__regex=r"^[0-9]{6,12}$"), name="region_code_digits"),
        ]

    def __str__(self) -> str:
        return self.name

    def is_within(self, other: Region) -> bool:
        return is_within(self.path, other.path)

    @property
    def is_above_county(self) -> bool:
        return self.level in self.ABOVE_COUNTY
