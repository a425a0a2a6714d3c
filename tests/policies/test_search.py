"""Chinese full-text search (policies.search): bigrams AND-ed, single characters, document numbers, the rank, the
snippet; with real phrases against the shipped national documents."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from policies.models import PolicyDocument
from policies.search import document_terms, query_terms, snippet, tsquery_literal
from policies.selectors import Filters, document_search
from tests.policies.conftest import doc_make

pytestmark = pytest.mark.django_db

PILOT = "全国独生子女伤残死亡家庭扶助制度试点方案"  # the 2007 national special-assistance pilot (policies 0002)


def _titles(user, query, **filters) -> list[str]:
    result = document_search(user=user, filters=Filters(query=query, **filters), limit=100)
    return [hit.document.title for hit in result.hits]


def test_terms_are_bigrams_single_characters_and_words():
    assert document_terms("特别扶助") == ["特", "特别", "别", "别扶", "扶", "扶助", "助"]
    assert query_terms("特别扶助") == ["特别", "别扶", "扶助"]
    assert query_terms("扶") == ["扶"]
    # a number: the year and the sequence as words, the sequence joined to 号; full-width digits folded
    assert {"2016", "7", "7号"} <= set(document_terms("滨卫妇幼字〔２０１６〕7号"))
    assert query_terms("7号") == ["7", "7号", "号"]
    assert query_terms("PDF 文件") == ["pdf", "文件"]
    assert tsquery_literal("，。！") == ""


def test_special_assistance_finds_the_2007_national_document(personas):
    titles = _titles(personas.village_cadre, "特别扶助")
    assert PILOT in titles
    # every hit has all three bigrams somewhere (recomputed from the rows' own text)
    for document in PolicyDocument.objects.filter(title__in=titles):
        text = document.title + document.issuer + document.summary
        assert all(term in text for term in ("特别", "别扶", "扶助"))


def test_a_phrase_in_the_title_finds_it_first(personas):
    titles = _titles(personas.county_staff, "独生子女伤残")
    assert titles[0] == PILOT


def test_a_word_not_present_finds_nothing(personas, client_for):
    assert _titles(personas.county_staff, "火星基地") == []
    html = client_for(personas.county_staff).get(reverse("policies:library"), {"q": "火星基地"}).content.decode()
    assert "data-empty" in html


def test_words_apart_in_any_order_but_every_bigram_of_a_word(area, personas):
    doc_make(title="关于扶助工作的通知", area=area.C, summary="对特别困难的家庭给予照顾。")
    staff = personas.county_staff
    assert "关于扶助工作的通知" in _titles(staff, "扶助 特别")  # two words, apart and in another order
    assert "关于扶助工作的通知" not in _titles(staff, "特别扶助")  # one word: its bigram 别扶 is not in the text
    assert "关于扶助工作的通知" not in _titles(staff, "扶持 特别")  # 扶持 is not there


def test_a_query_of_one_character_works(area, personas):
    doc_make(title="住房保障办法", area=area.C, topic="housing", summary="优先安排公共租赁住房。")
    titles = _titles(personas.county_staff, "房")
    assert titles[0] == "住房保障办法"  # in the title: ranked first
    readable = PolicyDocument.objects.visible_to(personas.county_staff)
    assert set(titles) == {d.title for d in readable if "房" in d.title + d.issuer + d.summary + d.body}


def test_a_document_number_is_found_by_its_year_and_its_sequence(area, personas):
    doc_make(
        title="关于进一步做好计划生育特殊家庭扶助关怀工作的实施意见",
        area=area.C,
        number="滨卫妇幼字〔2016〕7号",
        issued_on=date(2016, 5, 1),
    )
    doc_make(title="另一个文件", area=area.C, number="滨卫妇幼字〔2016〕78号", issued_on=date(2016, 6, 1))
    doc_make(title="第三个文件", area=area.C, number="乌卫计发〔2017〕7号", issued_on=date(2017, 6, 1))
    staff = personas.county_staff
    assert set(_titles(staff, "2016")) == {"关于进一步做好计划生育特殊家庭扶助关怀工作的实施意见", "另一个文件"}
    assert set(_titles(staff, "7号")) == {"关于进一步做好计划生育特殊家庭扶助关怀工作的实施意见", "第三个文件"}
    assert _titles(staff, "78号") == ["另一个文件"]
    assert _titles(staff, "〔2016〕7号") == ["关于进一步做好计划生育特殊家庭扶助关怀工作的实施意见"]
    assert set(_titles(staff, "滨卫妇幼字")) == {"关于进一步做好计划生育特殊家庭扶助关怀工作的实施意见", "另一个文件"}


def test_a_title_match_ranks_above_a_summary_match_and_in_force_comes_first(area, personas):
    in_summary = doc_make(title="乙文件", area=area.C, summary="本文件说明心理慰藉的安排。", issued_on=date(2023, 1, 1))
    in_title = doc_make(title="心理慰藉服务办法", area=area.C, summary="安排。", issued_on=date(2020, 1, 1))
    assert _titles(personas.county_staff, "心理慰藉") == [in_title.title, in_summary.title]
    PolicyDocument.objects.filter(pk=in_title.pk).update(status="repealed")
    assert _titles(personas.county_staff, "心理慰藉") == [in_summary.title, in_title.title]


def test_filters_narrow_the_search(world, personas):
    staff = personas.county_staff
    assert set(_titles(staff, "测试文件")) == {"全国测试文件", "青海省测试文件", "西宁市测试文件", "城东区测试文件"}
    assert _titles(staff, "测试文件", level="city") == ["西宁市测试文件"]
    assert _titles(staff, "测试文件", area=world.P.pk) == ["青海省测试文件"]
    assert _titles(staff, "", area=world.county2.area_id) == []  # another county's area: nothing, even by id
    assert _titles(staff, "测试文件", topic="housing") == []
    assert _titles(staff, "测试文件", status="repealed") == []


def test_the_library_shows_a_highlighted_snippet(personas, client_for):
    html = client_for(personas.village_cadre).get(reverse("policies:library"), {"q": "特别扶助"}).content.decode()
    assert "<mark>特别扶助</mark>" in html


def test_the_snippet_escapes_the_text_and_marks_each_match():
    shown = snippet("<b>特别</b>扶助金，特别扶助", "特别扶助")
    assert "<b>" not in shown
    assert "&lt;b&gt;<mark>特别</mark>&lt;/b&gt;<mark>扶助</mark>" in shown
    assert shown.endswith("<mark>特别扶助</mark>")
    long_text = "甲" * 200 + "特别扶助" + "乙" * 200
    assert snippet(long_text, "特别扶助").startswith("…")


def test_a_match_only_in_the_full_text_shows_the_full_text(area, personas):
    doc_make(title="丙文件", area=area.C, summary="概要。", body="正文里写明了临时救助的申请办法。")
    result = document_search(user=personas.county_staff, filters=Filters(query="临时救助"))
    assert [hit.document.title for hit in result.hits] == ["丙文件"]
    assert "<mark>临时救助</mark>" in result.hits[0].snippet
