"""core.db.array_literal against PostgreSQL itself: every value comes back exactly as it went in."""

from __future__ import annotations

import pytest
from django.db import connection

from core.db import among, array_literal
from regions.models import Region

pytestmark = pytest.mark.django_db

AWKWARD = [
    "plain",
    "",
    "NULL",
    'a"b',
    "a\\b",
    '\\"',
    "{x,y}",
    "a,b",
    " spaced ",
    "换行\n第二行",
    "tab\there",
    "中文〔2016〕7号",
]


def _round_trip(literal: str, cast: str) -> list:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT %s::{cast}[]", [literal])
        return cursor.fetchone()[0]


def test_text_values_come_back_exactly():
    assert _round_trip(array_literal(AWKWARD, cast="text"), "text") == AWKWARD


def test_none_is_null_in_text_and_numbers():
    assert _round_trip(array_literal(["a", None, "NULL"], cast="text"), "text") == ["a", None, "NULL"]
    assert _round_trip(array_literal([1, None, 3]), "bigint") == [1, None, 3]


def test_numbers_and_the_empty_array():
    assert _round_trip(array_literal([3, 1, 2]), "bigint") == [3, 1, 2]
    assert _round_trip(array_literal([], cast="text"), "text") == []
    assert _round_trip(array_literal(iter(range(5))), "int") == [0, 1, 2, 3, 4]


def test_a_number_that_is_not_one_is_refused_before_sql():
    with pytest.raises(ValueError, match="invalid literal"):
        array_literal(["1; DROP TABLE x"])


def test_a_nul_in_a_value_is_left_for_the_database_to_refuse():
    literal = array_literal(["a\x00b", "c"], cast="text")
    assert literal == '{"a\x00b","c"}'


def test_among_finds_by_text_with_quotes():
    Region.objects.create(code="639901", name='县"甲"', level="county", path="639901/")
    found = Region.objects.filter(among("name", ['县"甲"', "other"], cast="text"))
    assert list(found.values_list("code", flat=True)) == ["639901"]
