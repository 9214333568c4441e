"""The search pages and the search API, as the public uses them."""
from __future__ import annotations

import re

import pytest

from registry.extensions import db
from tests import factories


@pytest.fixture
def register(app):
    """Two organisations in 烟台市, one in 青岛市, a practitioner with two qualifications."""
    xinhai = factories.make_organisation(name="烟台市心海心理咨询有限公司",
                                         services=["counselling", "marriage_family"])
    factories.make_organisation(name="烟台市阳光家庭教育指导中心", region_code="370613",
                                services=["parenting"])
    factories.make_organisation(name="青岛市海风心理咨询中心", region_code="370202",
                                address="山东省青岛市市南区香港中路 10 号")
    person = factories.make_practitioner(xinhai, name="王晓明",
                                         id_number=factories.valid_id_number(serial=321))
    factories.make_qualification(person, kind="psychotherapist", certificate_number="PT20190001")
    factories.make_qualification(person, kind="social_worker", certificate_number="SW20200002",
                                 state=factories.VerificationState.UNVERIFIED, verified_at=None)
    db.session.commit()
    return {"xinhai": xinhai, "person": person}


def test_every_page_has_the_search_box(client):
    page = client.get("/").get_data(as_text=True)
    assert re.search(r'<form class="site-search" method="get" action="/search"', page)


def test_search_page_shows_highlighted_results_with_badges(client, register):
    page = client.get("/search?q=心海").get_data(as_text=True)
    assert "烟台市<mark>心海</mark>心理咨询有限公司" in page
    assert "共 1 家机构" in page
    assert "css/search.css" in page and "js/search.js" in page


def test_filters_and_facets_keep_the_whole_query_in_the_url(client, register):
    page = client.get("/search?q=心理咨询&region=370000").get_data(as_text=True)
    assert "共 3 家机构" in page  # the third says 心理咨询 in its description
    # The region facet drills down to 烟台市 and 青岛市, keeping the text.
    assert 'href="/search?q=%E5%BF%83%E7%90%86%E5%92%A8%E8%AF%A2&amp;region=370600"' in page
    assert 'href="/search?q=%E5%BF%83%E7%90%86%E5%92%A8%E8%AF%A2&amp;region=370200"' in page
    narrowed = client.get("/search?q=心理咨询&region=370600&service=marriage_family")
    assert "共 1 家机构" in narrowed.get_data(as_text=True)


def test_nothing_found_suggests_a_spelling_and_a_wider_region(client, register):
    page = client.get("/search?q=心嗨").get_data(as_text=True)  # xin hai, the wrong 海
    assert "您是不是要找：" in page and ">心海</a>" in page
    page = client.get("/search?q=心里咨询").get_data(as_text=True)
    assert ">心理咨询</a>" in page
    page = client.get("/search?q=海风&region=370600").get_data(as_text=True)
    assert "在更大的范围内有 1 条结果：" in page and "山东省" in page
    english = client.get("/search?q=海风&region=370600&lang=en").get_data(as_text=True)
    assert "1 result in a wider area:" in english  # singular: ngettext, not "1 results"


def test_bad_parameters_get_a_chinese_message_not_a_stack_trace(client, register):
    page = client.get("/search?region=99&per_page=1000&min_grade=best")
    text = page.get_data(as_text=True)
    assert page.status_code == 400
    assert "检索条件有误" in text and "没有这个地区代码。" in text and "Traceback" not in text


def test_query_syntax_is_searched_as_plain_text(client, register):
    page = client.get('/search?q=心海 ("*:[').get_data(as_text=True)
    assert "<mark>心海</mark>" in page
    assert client.get('/search?q=AND OR ( NOT "').status_code == 200


def test_the_page_speaks_english_too(client, register):
    page = client.get("/search?q=心海&lang=en").get_data(as_text=True)
    assert "Search mental-health service organisations" in page and "1 organisation" in page


def test_practitioner_search_shows_only_verified_qualifications(client, register):
    page = client.get("/search/practitioners?q=心理治疗师").get_data(as_text=True)
    assert "王晓明" in page and "心理治疗师" in page and "社会工作师" not in page
    assert "共 0 名从业人员" in client.get("/search/practitioners?q=SW20200002").get_data(as_text=True)
    assert "王晓明" in client.get("/search/practitioners?q=PT20190001").get_data(as_text=True)
    for typed in ("心海", "wangxiaoming", "wxm", "王"):  # organisation, pinyin, initials, surname
        assert "晓明</a>" in client.get("/search/practitioners?q=" + typed).get_data(as_text=True)


def test_api_organisations_returns_items_total_and_facets(client, register):
    body = client.get("/api/v1/organisations?q=xinhai&per_page=5").get_json()
    assert set(body) >= {"items", "total", "page", "per_page", "facets"}
    assert (body["total"], body["page"], body["per_page"]) == (1, 1, 5)
    item = body["items"][0]
    assert item["name"] == "烟台市心海心理咨询有限公司" and item["url"] == f"/organisations/{item['id']}"
    assert {"region", "type", "service", "population", "modality", "min_grade",
            "demonstration", "status"} <= set(body["facets"])


@pytest.mark.parametrize("query, field", [
    ("per_page=101", "per_page"), ("page=abc", "page"), ("sort=random", "sort"),
    ("type=bakery", "type"), ("region=3706", "region"), ("demonstration=maybe", "demonstration"),
])
def test_api_rejects_bad_parameters_with_json(client, register, query, field):
    response = client.get("/api/v1/organisations?" + query)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_parameters" and field in error["fields"]


def test_api_practitioners_never_return_private_fields(app, client, register):
    from registry.search.storage import PRACTITIONERS, current_generation, open_indexes, root_of

    response = client.get("/api/v1/practitioners?q=王晓明")
    body = response.get_json()
    assert body["total"] == 1
    text = response.get_data(as_text=True)
    person = register["person"]
    id_number = factories.valid_id_number(serial=321)
    for secret in (id_number, person.id_number_digest, person.id_number_encrypted, "SW20200002"):
        assert secret not in text
    assert body["items"][0]["qualifications"] == [{"kind": "psychotherapist", "state": "verified"}]
    generation = current_generation(root_of(app.config["SEARCH_INDEX_DIR"]))
    with open_indexes(generation)[PRACTITIONERS].searcher() as searcher:
        stored = repr(list(searcher.all_stored_fields()))
        terms = repr(list(searcher.reader().all_terms()))
    for secret in (id_number, person.id_number_digest, person.id_number_encrypted):
        assert secret not in stored and secret.lower() not in terms


def test_sort_by_name_follows_pinyin_and_pages_link_back(client, register):
    body = client.get("/api/v1/organisations?sort=name").get_json()
    assert [item["name"] for item in body["items"]] == [
        "青岛市海风心理咨询中心", "烟台市心海心理咨询有限公司", "烟台市阳光家庭教育指导中心"]
    second = client.get("/search?q=心理咨询&per_page=1&page=2").get_data(as_text=True)
    assert "，第 2 / 3 页" in second
    assert 'href="/search?q=%E5%BF%83%E7%90%86%E5%92%A8%E8%AF%A2&amp;page=3&amp;per_page=1"' in second
