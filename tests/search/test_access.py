"""Search finds only what the searcher may read: not a title, not a snippet, not a count more.
The SQL rule is checked against the documents' own rule (``can_read``, through the API), user
by user."""

from __future__ import annotations

import json
import re

import pytest

from ecabinet.docs import access as documents
from tests.search.conftest import find, found_ids, upload_pdf

WORD = "ngân sách"
EVERYONE = ("secretariat", "chair", "m1", "m2", "m3", "m4", "guest", "outsider", "secretary")


def _attach(api, cab, item_id, document_id):
    status, body = api(cab, "POST", f"/api/v1/agenda-items/{item_id}/documents",
                       {"document_id": document_id}, who="secretariat")
    assert status == 201, body


@pytest.fixture
def shelf(client, cabinet, api, make_user, token_for):
    """Documents in every situation, all mentioning the same words; a meeting secretary."""
    cab = cabinet
    secretary = make_user("member", name="Thư ký phiên họp")
    cab.users["secretary"], cab.tokens["secretary"] = secretary, token_for(secretary)
    status, body = api(cab, "POST", f"/api/v1/meetings/{cab.meeting_id}/participants",
                       {"user_id": secretary.id, "role": "secretary"}, who="secretariat")
    assert status == 201, body

    def put(name, *, who="secretariat", classification="normal", item=None):
        document = upload_pdf(client, cab.headers(who), f"Tài liệu {name} về {WORD} nhà nước",
                              title=f"Hồ sơ {name}", classification=classification)
        if item is not None:
            _attach(api, cab, item, document)
        return document

    shelf = {
        "all_members": put("chung", item=cab.items[1]),
        "guest_item": put("khách mời", item=cab.items[0]),
        "secret_item": put("mục mật", item=cab.confidential_item),
        "confidential": put("mật một", classification="confidential", item=cab.items[1]),
        "confidential_invited": put("mật hai", classification="confidential",
                                    item=cab.confidential_item),
        "own_draft": put("của m2", who="m2", classification="confidential"),
        "loose": put("chưa gắn"),
    }
    draft = api(cab, "POST", "/api/v1/meetings", {"title": "Phiên họp chuyên đề",
                                                  "starts_at": "2026-12-10T08:00:00+07:00"},
                who="secretariat")[1]["id"]
    assert api(cab, "POST", f"/api/v1/meetings/{draft}/participants",
               {"user_id": cab.users["m3"].id, "role": "member"}, who="secretariat")[0] == 201
    item = api(cab, "POST", f"/api/v1/meetings/{draft}/agenda-items", {"title": "Đề án"},
               who="secretariat")[1]["id"]
    shelf["draft_meeting"] = put("họp nháp", item=item)
    return shelf


def _readers_by_api(client, cab, document_id) -> set[str]:
    return {who for who in EVERYONE
            if client.get(f"/api/v1/documents/{document_id}",
                          headers=cab.headers(who)).status_code == 200}


def test_search_finds_exactly_what_each_user_may_read(client, cabinet, shelf):
    cab = cabinet
    readers = {name: _readers_by_api(client, cab, document) for name, document in shelf.items()}
    for who in EVERYONE:
        body = find(client, cab.headers(who), WORD, limit=50)
        expected = {shelf[name] for name, people in readers.items() if who in people}
        assert {hit["document_id"] for hit in body["results"]} == expected, who
        assert body["total"] == len(expected), who


def test_what_each_role_finds(client, cabinet, shelf):
    cab = cabinet

    def names(who):
        ids = set(found_ids(client, cab.headers(who), WORD, limit=50))
        return {name for name, document in shelf.items() if document in ids}

    assert names("secretariat") == set(shelf)
    assert names("outsider") == set()
    assert names("guest") == {"guest_item"}
    assert names("chair") == {"all_members", "guest_item", "secret_item"}
    assert names("m1") == {"all_members", "guest_item", "secret_item", "confidential_invited"}
    assert names("m2") == {"all_members", "guest_item", "own_draft"}
    assert names("m3") == {"all_members", "guest_item"}  # not through the draft meeting
    # The meeting's secretary reads every document of its agenda, confidential ones too.
    assert names("secretary") == {"all_members", "guest_item", "secret_item", "confidential",
                                  "confidential_invited"}


def test_an_unreadable_document_lends_nothing(client, cabinet, shelf, auth):
    cab = cabinet
    for who in ("chair", "m4", "guest", "outsider"):
        # Words only the two confidential documents contain: no result, no count.
        body = find(client, cab.headers(who), "mật một")
        assert body["total"] == 0 and body["results"] == [], who
        assert find(client, cab.headers(who), "mat hai")["total"] == 0, who
        # A wider search: nothing of them anywhere in the answer.
        answer = json.dumps(find(client, cab.headers(who), "mật", limit=50),
                            ensure_ascii=False)
        assert "mật một" not in answer and "mật hai" not in answer, who
    assert find(client, cab.headers("m1"), "mật hai")["total"] == 1
    auth.login(cab.users["chair"])
    page = client.get("/search", query_string={"q": "mật"})
    assert page.status_code == 200 and "<mark>mật</mark>" in page.text  # the secret item's
    for name in ("confidential", "confidential_invited"):
        assert f"/documents/{shelf[name]}/versions/" not in page.text
    assert f"/documents/{shelf['secret_item']}/versions/" in page.text
    # "Tìm thấy 1 tài liệu" ("1 document found"): the count of what the chair may read.
    assert re.search(r'class="search-count"[^>]*>[^<]*?(?<!\d)1(?!\d)', page.text)


def test_rules_of_other_features_are_applied_and_counted(client, cabinet, shelf, app,
                                                         monkeypatch):
    """A feature may let more people read a document (``grant_reading``: a written poll's
    dossier); search asks it about the matching documents SQL refused."""
    cab = cabinet
    outsider_id = cab.users["outsider"].id

    def reads_the_loose_one(user, document):
        return user.id == outsider_id and document.id in (shelf["loose"], shelf["own_draft"])

    monkeypatch.setattr(documents, "_reading_grants", [reads_the_loose_one])
    body = find(client, cab.headers("outsider"), WORD)
    assert {hit["document_id"] for hit in body["results"]} == {shelf["loose"],
                                                               shelf["own_draft"]}
    assert body["total"] == 2 and body["total_exact"]
    # With fewer checks allowed than documents to check, the total says it is a lower bound.
    app.config["SEARCH_MAX_CANDIDATES"] = 1
    body = find(client, cab.headers("outsider"), WORD)
    assert body["total"] <= 1 and not body["total_exact"]
    assert find(client, cab.headers("guest"), WORD)["results"][0]["document_id"] == \
        shelf["guest_item"]
