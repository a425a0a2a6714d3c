"""The policy library (政策汇总): the documents that govern the work, for staff and cadres to answer a family's
questions on a visit (docs/POLICIES.md)."""

from __future__ import annotations

import uuid
from typing import Any, Self

import pghistory
from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from regions.models import Region
from regions.scope import ScopedQuerySet


def reader_region(user: Any) -> Region | None:
    """The region a reader works at, or None (anonymous, deactivated, no area: fail closed)."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return None
    return getattr(user, "region", None)


def region_line_ids(region: Region) -> list[int]:
    """``region`` and every node above it by the ``parent`` chain (a village's town and county, the county's city
    and province): at most four small queries, cached on the region object."""
    cached = getattr(region, "_policy_line_ids", None)
    if cached is not None:
        return cached
    ids = [region.pk]
    parent_id = region.parent_id
    while parent_id is not None and parent_id not in ids:
        ids.append(parent_id)
        parent_id = Region.objects.filter(pk=parent_id).values_list("parent_id", flat=True).first()
    region._policy_line_ids = ids  # type: ignore[attr-defined]
    return ids


class PolicyDocumentQuerySet(ScopedQuerySet["PolicyDocument"]):
    def visible_to(self, user: Any) -> Self:
        """What a reader may read (docs/POLICIES.md §Who reads what): national documents; the documents of their
        own region and of every region above it by the ``parent`` chain (a village cadre reads the county's, the
        city's and the province's); and the documents of the regions below theirs (a city reads its counties', a
        province its cities' and their counties'). A user without an area, or deactivated, reads nothing."""
        region = reader_region(user)
        if region is None or region.pk is None:
            return self.none()
        condition = (
            Q(area__isnull=True)
            | Q(area_id__in=region_line_ids(region))
            | Q(area__parent_id=region.pk)
            | Q(area__parent__parent_id=region.pk)
            | Q(area__path__startswith=region.path)
        )
        return self.filter(condition)

    def in_force(self) -> Self:
        return self.filter(status=PolicyDocument.Status.IN_FORCE)


def policy_file_path(instance: PolicyDocument, filename: str) -> str:
    # The uploaded name is never used for the stored file (it is checked to be a PDF by its first bytes).
    return f"policies/{uuid.uuid4().hex}.pdf"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent(), exclude=["search_vector"])
class PolicyDocument(models.Model):
    """One policy document: what it is (title, issuer, number, date), where and at which level it applies, its
    topic and status, the file, and in plain words what a family is entitled to by it."""

    class Level(models.TextChoices):
        NATIONAL = "national", _("National")
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        COUNTY = "county", _("County/district")

    class Topic(models.TextChoices):
        ASSISTANCE = "assistance", _("Assistance money")
        INSURANCE = "insurance", _("Insurance")
        MEDICAL = "medical", _("Medical care")
        ELDERLY = "elderly", _("Elderly care")
        HOUSING = "housing", _("Housing")
        MENTAL = "mental", _("Emotional support")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        IN_FORCE = "in_force", _("In force")
        REPLACED = "replaced", _("Replaced")
        REPEALED = "repealed", _("Repealed")

    title = models.CharField(_("title"), max_length=300)
    issuer = models.CharField(_("issuer"), max_length=200)
    # 文号, e.g. 滨卫妇幼字〔2016〕7号; empty when not known
    number = models.CharField(_("document number"), max_length=60, blank=True)
    issued_on = models.DateField(_("date issued"), null=True, blank=True)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    area = models.ForeignKey(
        Region,
        verbose_name=_("area it applies to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    topic = models.CharField(_("topic"), max_length=12, choices=Topic.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.IN_FORCE)
    replaced_by = models.ForeignKey(
        "self",
        verbose_name=_("replaced by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaces",
    )
    summary = models.TextField(
        _("what a family is entitled to"),
        help_text=_("In plain words, for reading to a family: who qualifies, what they get, how to apply."),
    )
    body = models.TextField(_("full text"), blank=True, help_text=_("Optional: the document's text, for search."))
    file = models.FileField(_("file (PDF)"), upload_to=policy_file_path, blank=True)
    file_name = models.CharField(max_length=200, blank=True)  # the uploaded name, offered back on download
    # Written by policies.services (policies.search: bigrams as a tsvector literal); never by hand.
    search_vector = SearchVectorField(null=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PolicyDocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("policy document")
        verbose_name_plural = _("policy documents")
        ordering = ["-issued_on", "title", "id"]
        indexes = [
            GinIndex(fields=["search_vector"], name="policydocument_search"),
            models.Index(fields=["area", "status"], name="policydocument_area_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(level="national", area__isnull=True)
                | Q(level__in=["province", "city", "county"], area__isnull=False),
                name="policydocument_area_matches_level",
            ),
            models.CheckConstraint(
                condition=Q(status="replaced", replaced_by__isnull=False)
                | (~Q(status="replaced") & Q(replaced_by__isnull=True)),
                name="policydocument_replaced_names_successor",
            ),
            models.CheckConstraint(condition=~Q(replaced_by=F("id")), name="policydocument_not_replaced_by_itself"),
            models.UniqueConstraint(fields=["number"], condition=~Q(number=""), name="policydocument_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.title}（{self.number}）" if self.number else self.title
