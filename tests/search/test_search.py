"""Searching through the API and the page: Vietnamese with or without diacritics, ranking,
snippets, hostile queries."""

from __future__ import annotations

import pytest

from tests.conftest import bearer
from tests.search.conftest import find, found_ids, upload_pdf

DECISION = "Quyết định về việc ban hành Quy chế làm việc của Chính phủ"
LAND = "Luật Đất đai năm 2024 quy định quyền sử dụng đất đai của tổ chức, cá nhân"


@pytest.fixture
def secretariat(make_user, token_for):
    return bearer(token_for(make_user("secretariat")))


@pytest.fixture
def library(client, secretariat):
    """Three documents the secretariat uploaded (it reads them all)."""
    return {
        "decision": upload_pdf(client, secretariat, DECISION, title="Quy chế làm việc"),
        "land": upload_pdf(client, secretariat, ["Trang bìa"], LAND, title="Dự thảo Luật"),
        "plain": upload_pdf(client, secretariat, "quyet dinh khong dau", title="Ghi chú"),
    }


@pytest.mark.parametrize("query", ["quyet dinh", "Quyết định", "QUYẾT ĐỊNH", "quyết dinh"])
def test_diacritics_are_optional_both_ways(client, secretariat, library, query):
    # The decision has them in its text; the note was typed without them.
    assert set(found_ids(client, secretariat, query)) == {library["decision"], library["plain"]}


@pytest.mark.parametrize("query", ["dat dai", "đất đai", "ĐẤT ĐAI", "Dat Đai"])
def test_d_bar_is_folded_to_d(client, secretariat, library, query):
    body = find(client, secretariat, query)
    assert [hit["document_id"] for hit in body["results"]] == [library["land"]]
    hit = body["results"][0]
    assert hit["page"] == 2
    assert "<mark>Đất</mark> <mark>đai</mark>" in hit["snippet_html"]
    assert "Đất đai" in hit["snippet"]
    assert hit["version"] == 1
    assert hit["pdf_url"] == f"/api/v1/documents/{library['land']}/versions/1/pdf#page=2"
    assert hit["viewer_url"] == f"/documents/{library['land']}/versions/1/view?page=2"
    assert body["terms"] == ["dat", "dai"] and body["total"] == 1 and body["total_exact"]


def test_every_word_must_occur(client, secretariat, library):
    assert found_ids(client, secretariat, "đất đai quyết") == []
    assert found_ids(client, secretariat, "Luật đất") == [library["land"]]


def test_words_match_whole_not_as_parts_of_others(client, secretariat, library):
    assert found_ids(client, secretariat, "dai") == [library["land"]]
    assert found_ids(client, secretariat, "da") == []


def test_the_title_is_searched_and_highlighted(client, secretariat, library):
    body = find(client, secretariat, "du thao")
    assert [hit["document_id"] for hit in body["results"]] == [library["land"]]
    assert body["results"][0]["title_html"] == "<mark>Dự</mark> <mark>thảo</mark> Luật"
    assert body["results"][0]["snippet"] is None  # only the title matched


def test_ranking_title_first_then_frequency(client, secretariat):
    once = upload_pdf(client, secretariat, "Một đoạn nói qua về ngân sách.", title="Báo cáo A")
    often = upload_pdf(client, secretariat,
                       ["Ngân sách nhà nước, ngân sách địa phương, ngân sách trung ương.",
                        "Dự toán ngân sách và quyết toán ngân sách."], title="Báo cáo B")
    titled = upload_pdf(client, secretariat, "Nội dung chung.", title="Ngân sách năm 2027")
    assert found_ids(client, secretariat, "ngan sach") == [titled, often, once]


def test_results_come_in_pages_with_the_total(client, secretariat):
    uploaded = [upload_pdf(client, secretariat, f"Văn bản số {n} về thuế", title=f"Văn bản {n}")
                for n in range(5)]
    first = find(client, secretariat, "thuế", limit=2)
    second = find(client, secretariat, "thuế", limit=2, offset=2)
    rest = find(client, secretariat, "thuế", limit=2, offset=4)
    assert first["total"] == second["total"] == rest["total"] == 5
    seen = [h["document_id"] for page in (first, second, rest) for h in page["results"]]
    assert sorted(seen) == sorted(uploaded)
    assert find(client, secretariat, "thuế", offset=10)["results"] == []


def test_html_in_a_document_is_escaped(client, secretariat):
    upload_pdf(client, secretariat, "<script>alert('x')</script> đất đai & <b>nhà ở</b>",
               title="<img src=x onerror=alert(1)> Đất")
    hit = find(client, secretariat, "dat")["results"][0]
    assert "<script>" not in hit["snippet_html"] and "<img" not in hit["title_html"]
    assert "&lt;script&gt;" in hit["snippet_html"] and "&lt;img" in hit["title_html"]
    assert "&amp; &lt;b&gt;nhà ở&lt;/b&gt;" in hit["snippet_html"]


HOSTILE = ['"', '""', "*", "đất*", "NEAR(", "NEAR(đất đai, 2)", "-", "-đất", "đất -đai",
           "' OR 1=1 --", "'; DROP TABLE search_entries; --", "title:đất", "^đất", "(", ")",
           "đất AND", "OR", "NOT đất", "{đất}", "%", "_", "\\", "đất + đai",
           "🙂 đất", "a" * 200]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_do_not_fail(client, secretariat, library, query):
    response = client.get("/api/v1/search", query_string={"q": query}, headers=secretariat)
    assert response.status_code == 200, response.get_json()
    assert {h["document_id"] for h in response.get_json()["results"]} <= set(library.values())
    page = client.get("/search", query_string={"q": query}, headers=secretariat)
    assert page.status_code == 200


@pytest.mark.parametrize(("query", "expected"), [
    ('"đất', ["land"]), ("đất*", ["land"]), ("-đất", ["land"]), ("^đất", ["land"]),
    ("title:đất", []),  # "title" is a word to find, not a column
    ("NEAR(đất đai)", []), ("đất -đai", ["land"]), ("' OR 1=1 --", []),
    ("{đất}", ["land"]), ("NOT đất", []),
])
def test_search_syntax_is_read_as_words(client, secretariat, library, query, expected):
    assert found_ids(client, secretariat, query) == [library[name] for name in expected]


def test_a_query_with_nul_is_refused_by_the_apps_text_rule(client, secretariat, library):
    """NUL is no text (ecabinet.inputs): a clear 422, on the API and the page alike."""
    response = client.get("/api/v1/search", query_string={"q": "đất\x00đai"},
                          headers=secretariat)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "validation_error"
    page = client.get("/search", query_string={"q": "đất\x00đai"}, headers=secretariat)
    assert page.status_code == 422


def test_the_database_is_intact_after_hostile_queries(client, secretariat, library):
    for query in HOSTILE:
        client.get("/api/v1/search", query_string={"q": query}, headers=secretariat)
    assert len(found_ids(client, secretariat, "quyet dinh")) == 2


@pytest.mark.parametrize("query", ["", "   ", None])
def test_an_empty_query_is_a_clear_422(client, secretariat, query):
    params = {} if query is None else {"q": query}
    response = client.get("/api/v1/search", query_string=params, headers=secretariat)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "empty_query"


def test_a_too_long_query_is_a_422(client, secretariat):
    response = client.get("/api/v1/search", query_string={"q": "đất " * 200},
                          headers=secretariat)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "query_too_long"


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 51}, {"offset": -1},
                                    {"limit": "x"}])
def test_bad_paging_is_a_422(client, secretariat, params):
    response = client.get("/api/v1/search", query_string={"q": "đất", **params},
                          headers=secretariat)
    assert response.status_code == 422


def test_only_punctuation_finds_nothing(client, secretariat, library):
    body = find(client, secretariat, '" * - ( )')
    assert body["total"] == 0 and body["results"] == [] and body["terms"] == []


def test_search_needs_a_signed_in_user(client, library):
    assert client.get("/api/v1/search", query_string={"q": "đất"}).status_code == 401
    page = client.get("/search", query_string={"q": "đất"})
    assert page.status_code == 302 and "/login" in page.headers["Location"]


def test_the_api_is_described(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/search"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"q", "limit", "offset"}
    assert "422" in operation["responses"]


# --- the page ------------------------------------------------------------------------------------

def test_the_page_lists_what_was_found(client, auth, make_user, library):
    auth.login(make_user("secretariat"))
    page = client.get("/search", query_string={"q": "dat dai"})
    assert page.status_code == 200
    html = page.text
    assert "Dự thảo Luật" in html
    assert "<mark>Đất</mark> <mark>đai</mark>" in html
    # The title opens the tablet viewer at the page of the snippet.
    assert f'href="/documents/{library["land"]}/versions/1/view?page=2"' in html
    assert 'name="q"' in html and 'value="dat dai"' in html


def test_the_page_without_a_query_shows_the_box(client, auth, make_user):
    auth.login(make_user("member"))
    page = client.get("/search")
    assert page.status_code == 200 and 'type="search"' in page.text
    assert "<mark>" not in page.text


def test_the_page_says_when_nothing_is_found_and_when_too_long(client, auth, make_user,
                                                               library):
    auth.login(make_user("secretariat"))
    assert "empty" in client.get("/search", query_string={"q": "không có gì"}).text
    too_long = client.get("/search", query_string={"q": "x" * 600})
    assert too_long.status_code == 422 and 'aria-invalid="true"' in too_long.text
