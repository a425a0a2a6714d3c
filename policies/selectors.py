"""Reads of the policy library: the search with its filters, one document, the choices of the forms."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.search import SearchRank
from django.db.models import Case, F, IntegerField, QuerySet, Value, When
from django.utils.safestring import SafeString

from policies.models import PolicyDocument
from policies.search import LiteralSearchQuery, snippet, tsquery_literal
from regions.models import Region
from regions.scope import get_visible_or_404

PAGE_SIZE = 30


@dataclass
class Filters:
    query: str = ""
    level: str = ""
    topic: str = ""
    status: str = ""
    area: int | None = None


@dataclass
class Hit:
    document: PolicyDocument
    snippet: SafeString


@dataclass
class SearchResult:
    hits: list[Hit]
    total: int
    searched: bool  # the query had something to search for


def _filtered(user: Any, filters: Filters) -> QuerySet[PolicyDocument]:
    documents = PolicyDocument.objects.visible_to(user)
    if filters.level:
        documents = documents.filter(level=filters.level)
    if filters.topic:
        documents = documents.filter(topic=filters.topic)
    if filters.status:
        documents = documents.filter(status=filters.status)
    if filters.area is not None:
        documents = documents.filter(area_id=filters.area)
    return documents


def document_search(*, user: Any, filters: Filters, limit: int = PAGE_SIZE) -> SearchResult:
    """The documents the user may read that match the query (every bigram of it, policies.search) and the filters:
    documents in force first, then by rank (ts_rank: the title weighs most), then the newest. Without a query, every
    document of the filters, in force first and newest first. Two queries (the page and the count)."""
    documents = _filtered(user, filters)
    literal = tsquery_literal(filters.query) if filters.query.strip() else ""
    in_force_first = Case(
        When(status=PolicyDocument.Status.IN_FORCE, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    documents = documents.annotate(in_force_first=in_force_first).select_related("area", "replaced_by")
    if literal:
        query = LiteralSearchQuery(literal)
        documents = documents.filter(search_vector=query).annotate(rank=SearchRank(F("search_vector"), query))
        order: list[Any] = ["in_force_first", "-rank", F("issued_on").desc(nulls_last=True), "pk"]
    else:
        order = ["in_force_first", F("issued_on").desc(nulls_last=True), "title", "pk"]
    page = list(documents.defer("body", "search_vector").order_by(*order)[:limit])
    total = len(page) if len(page) < limit else documents.count()
    hits = []
    for document in page:
        shown = snippet(document.summary, filters.query if literal else "")
        if literal and "<mark>" not in shown:
            in_body = snippet(_body_of(document), filters.query)
            if "<mark>" in in_body:
                shown = in_body
        hits.append(Hit(document=document, snippet=shown))
    return SearchResult(hits=hits, total=total, searched=bool(literal))


def _body_of(document: PolicyDocument) -> str:
    """The full text of a hit whose match is not in its summary (read only then: the list defers it)."""
    return PolicyDocument.objects.filter(pk=document.pk).values_list("body", flat=True).first() or ""


def document_get_for_user(*, user: Any, pk: int) -> PolicyDocument:
    """One document the user may read, or 404 (regions.scope.get_visible_or_404)."""
    return get_visible_or_404(PolicyDocument.objects.select_related("area", "replaced_by", "created_by"), user, pk=pk)


def document_predecessors(*, user: Any, document: PolicyDocument) -> list[PolicyDocument]:
    """The readable documents this one replaced."""
    return list(PolicyDocument.objects.visible_to(user).filter(replaced_by=document).order_by("-issued_on", "pk"))


def area_choices(*, user: Any) -> list[tuple[int, str]]:
    """The areas of the documents the user may read (the area filter), from the top level down."""
    ids = PolicyDocument.objects.visible_to(user).exclude(area=None).values("area_id").distinct()
    order = {"province": 0, "city": 1, "county": 2, "town": 3, "village": 4}
    regions = sorted(Region.objects.filter(pk__in=ids), key=lambda r: (order.get(r.level, 9), r.code))
    return [(region.pk, region.name) for region in regions]


def successor_choices(*, user: Any, document: PolicyDocument | None) -> QuerySet[PolicyDocument]:
    """The documents that may be named as replacing ``document``: any the user reads but itself."""
    choices = PolicyDocument.objects.visible_to(user).defer("body", "search_vector").order_by("-issued_on", "title")
    return choices.exclude(pk=document.pk) if document is not None and document.pk else choices


def document_choices(*, user: Any) -> QuerySet[PolicyDocument]:
    """The documents a form elsewhere may link (a benefit standard's): those the user reads, in force first."""
    return (
        PolicyDocument.objects.visible_to(user)
        .select_related("area")
        .defer("body", "search_vector")
        .order_by("status", "level", "-issued_on", "title")
    )
