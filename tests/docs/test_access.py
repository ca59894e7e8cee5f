"""Who reads a document, who uploads, who attaches: a document someone may not read is a 404."""

from __future__ import annotations

import pytest

from tests.conftest import bearer
from tests.docs.conftest import new_version, upload
from tests.docs.corpus import pdf_bytes

EVERYONE = ("secretariat", "chair", "m1", "m2", "m3", "m4", "guest", "outsider")


def _upload(client, cab, who="secretariat", classification="normal", title="Tờ trình"):
    status, document = upload(client, cab.headers(who), pdf_bytes(), filename="to-trinh.pdf",
                              title=title, classification=classification)
    assert status == 201, document
    return document["id"]


def _readers(client, cab, document_id) -> set[str]:
    """Who gets the document and its PDF (both agree). The original goes to the same readers
    of a normal document; of a confidential one, see :func:`_original_readers`."""
    readers = set()
    for who in EVERYONE:
        answers = {client.get(f"/api/v1/documents/{document_id}{path}",
                              headers=cab.headers(who)).status_code
                   for path in ("", "/versions/1/pdf")}
        assert answers in ({200}, {404}), (who, answers)
        if answers == {200}:
            readers.add(who)
    return readers


def _original_readers(client, cab, document_id) -> set[str]:
    """Who gets the file as uploaded: a reader who may not is told so (403), anyone else 404."""
    readers = _readers(client, cab, document_id)
    got = set()
    for who in EVERYONE:
        status = client.get(f"/api/v1/documents/{document_id}/versions/1/original",
                            headers=cab.headers(who)).status_code
        assert status == (200 if status == 200 else 403 if who in readers else 404), (who, status)
        if status == 200:
            got.add(who)
    return got


def _attach(api, cab, item_id, document_id, who="secretariat"):
    return api(cab, "POST", f"/api/v1/agenda-items/{item_id}/documents",
               {"document_id": document_id}, who=who)


def _item_documents(api, cab, who) -> dict[int, list]:
    status, meeting = api(cab, "GET", f"/api/v1/meetings/{cab.meeting_id}", who=who)
    assert status == 200
    return {item["id"]: [d["id"] for d in item["documents"]] for item in meeting["agenda"]}


def test_a_normal_document_is_read_by_who_sees_its_items(client, cabinet, api):
    cab = cabinet
    document = _upload(client, cab)
    assert _readers(client, cab, document) == {"secretariat"}
    status, attached = _attach(api, cab, cab.items[1], document)
    assert status == 201 and attached["agenda_item_id"] == cab.items[1]
    # Item 2 is for every member; the guest is invited to item 1 only.
    assert _readers(client, cab, document) == {"secretariat", "chair", "m1", "m2", "m3", "m4"}
    assert _item_documents(api, cab, "m2")[cab.items[1]] == [document]
    assert _item_documents(api, cab, "guest") == {cab.items[0]: []}
    assert _attach(api, cab, cab.items[0], document)[0] == 201
    assert "guest" in _readers(client, cab, document)
    assert _item_documents(api, cab, "guest") == {cab.items[0]: [document]}
    listed = api(cab, "GET", f"/api/v1/meetings/{cab.meeting_id}", who="m1")[1]["agenda"][0]
    assert listed["documents"][0] == {"id": document, "title": "Tờ trình",
                                      "classification": "normal", "version": 1,
                                      "state": "ready", "pages": 1}


def test_a_confidential_document_is_read_by_the_invitees_only(client, cabinet, api):
    cab = cabinet
    # A member uploads (members submit drafts); the secretariat attaches.
    document = _upload(client, cab, who="m2", classification="confidential", title="Nhân sự")
    assert _readers(client, cab, document) == {"secretariat", "m2"}
    assert _attach(api, cab, cab.items[1], document)[0] == 201
    # Item 2 invites nobody: still only the uploader and the secretariat.
    assert _readers(client, cab, document) == {"secretariat", "m2"}
    assert _item_documents(api, cab, "m1")[cab.items[1]] == []
    # The confidential item 3 invites m1: m1 reads it; the chair sees the item, not the document.
    assert _attach(api, cab, cab.confidential_item, document)[0] == 201
    assert _readers(client, cab, document) == {"secretariat", "m2", "m1"}
    assert _item_documents(api, cab, "m1")[cab.confidential_item] == [document]
    assert _item_documents(api, cab, "chair")[cab.confidential_item] == []
    assert _item_documents(api, cab, "secretariat")[cab.confidential_item] == [document]


def test_a_normal_document_on_a_confidential_item(client, cabinet, api):
    cab = cabinet
    document = _upload(client, cab)
    assert _attach(api, cab, cab.confidential_item, document)[0] == 201
    assert _readers(client, cab, document) == {"secretariat", "chair", "m1"}


def test_nothing_is_read_through_a_draft_meeting(client, cabinet, api):
    cab = cabinet
    mid = api(cab, "POST", "/api/v1/meetings", {"title": "Phiên họp chuyên đề",
                                                "starts_at": "2026-12-10T08:00:00+07:00"},
              who="secretariat")[1]["id"]
    for who, role in (("chair", "chair"), ("m3", "member")):
        assert api(cab, "POST", f"/api/v1/meetings/{mid}/participants",
                   {"user_id": cab.users[who].id, "role": role}, who="secretariat")[0] == 201
    item = api(cab, "POST", f"/api/v1/meetings/{mid}/agenda-items", {"title": "Đề án"},
               who="secretariat")[1]["id"]
    document = _upload(client, cab)
    assert _attach(api, cab, item, document)[0] == 201
    assert "m3" not in _readers(client, cab, document)
    status, body = api(cab, "POST", f"/api/v1/meetings/{mid}/transition", {"to": "published"},
                       who="secretariat")
    assert status == 200, body
    assert "m3" in _readers(client, cab, document)


@pytest.mark.parametrize("role,status", [("secretariat", 201), ("member", 201), ("guest", 403),
                                         ("clerk", 403), ("admin", 403)])
def test_who_may_upload(client, make_user, token_for, role, status):
    headers = bearer(token_for(make_user(role)))
    assert upload(client, headers, pdf_bytes())[0] == status


def test_uploading_needs_a_sign_in(client):
    got, body = upload(client, {}, pdf_bytes())
    assert got == 401 and body["error"]["code"] == "unauthorized"


def test_who_may_attach_and_when(client, cabinet, api):
    cab = cabinet
    document = _upload(client, cab)
    assert _attach(api, cab, cab.items[1], document, who="m1")[0] == 403
    assert _attach(api, cab, cab.items[1], document, who="outsider")[0] == 404
    assert _attach(api, cab, cab.items[1], 999_999)[0] == 404
    assert _attach(api, cab, 999_999, document)[0] == 404
    assert _attach(api, cab, cab.items[1], document)[0] == 201
    status, body = _attach(api, cab, cab.items[1], document)
    assert status == 409 and body["error"]["code"] == "already_attached"
    for who in ("chair", "m1", "m2", "m3"):
        api(cab, "POST", f"/api/v1/meetings/{cab.meeting_id}/checkin", who=who)
    assert api(cab, "POST", f"/api/v1/meetings/{cab.meeting_id}/transition",
               {"to": "in_session"}, who="chair")[0] == 200
    status, body = _attach(api, cab, cab.items[0], document)
    assert status == 409 and body["error"]["code"] == "meeting_locked"


def test_who_may_add_a_version(client, cabinet, api):
    cab = cabinet
    document = _upload(client, cab, who="m2")
    assert _attach(api, cab, cab.items[1], document)[0] == 201
    assert new_version(client, cab.headers("m1"), document, pdf_bytes())[0] == 403  # a reader
    assert new_version(client, cab.headers("outsider"), document, pdf_bytes())[0] == 404
    assert new_version(client, cab.headers("m2"), document, pdf_bytes(2))[0] == 201  # uploader
    assert new_version(client, cab.headers("secretariat"), document, pdf_bytes(3))[0] == 201
    versions = api(cab, "GET", f"/api/v1/documents/{document}", who="m1")[1]["versions"]
    assert [(v["number"], v["pages"]) for v in versions] == [(1, 1), (2, 2), (3, 3)]


def test_a_normal_documents_original_goes_to_its_readers(client, cabinet, api):
    cab = cabinet
    document = _upload(client, cab)
    assert _attach(api, cab, cab.items[1], document)[0] == 201
    assert _original_readers(client, cab, document) == _readers(client, cab, document)


def test_the_original_of_a_confidential_document_stays_with_its_uploader_and_the_secretariat(
        app, client, cabinet, api):
    """The original carries no reader's watermark: a confidential document's other readers get
    the watermarked PDF only (issue 8, point 8), and the refusal is audited."""
    from sqlalchemy import select

    from ecabinet.audit.models import AuditEntry
    from ecabinet.extensions import db

    cab = cabinet
    document = _upload(client, cab, who="m2", classification="confidential", title="Nhân sự")
    assert _attach(api, cab, cab.confidential_item, document)[0] == 201
    assert _readers(client, cab, document) == {"secretariat", "m2", "m1"}
    assert _original_readers(client, cab, document) == {"secretariat", "m2"}
    refused = client.get(f"/api/v1/documents/{document}/versions/1/original",
                         headers=cab.headers("m1"))
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "original_withheld"
    # the invitee still reads it, watermarked with their name
    pdf = client.get(f"/api/v1/documents/{document}/versions/1/pdf", headers=cab.headers("m1"))
    assert pdf.status_code == 200 and pdf.data != client.get(
        f"/api/v1/documents/{document}/versions/1/original", headers=cab.headers("m2")).data
    # the API and the page offer the original only to those who get it
    versions = api(cab, "GET", f"/api/v1/documents/{document}", who="m1")[1]["versions"]
    assert versions[0]["original_url"] is None
    versions = api(cab, "GET", f"/api/v1/documents/{document}", who="m2")[1]["versions"]
    assert versions[0]["original_url"].endswith("/versions/1/original")
    with app.app_context():
        denied = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "access.denied")).all()
        assert any("/versions/1/original" in entry.details and "original_withheld" in
                   entry.details for entry in denied)


def test_the_document_page_offers_the_original_only_to_who_gets_it(client, cabinet, api):
    cab = cabinet
    document = _upload(client, cab, who="m2", classification="confidential", title="Nhân sự")
    assert _attach(api, cab, cab.confidential_item, document)[0] == 201
    for who, offered in (("m1", False), ("m2", True)):
        page = client.get(f"/documents/{document}", headers=cab.headers(who))
        assert page.status_code == 200
        assert ("/versions/1/original" in page.text) is offered, who


def test_a_confidential_document_nobody_may_read_is_flagged_where_it_is_attached(
        app, client, cabinet, api):
    """Attached to item 2 (no invitees), a confidential document is read by the secretariat
    alone — the chair included would never see it: the attachment says so and names who reads
    it through the item (issue 9, point 5)."""
    from tests.conftest import AuthActions

    cab = cabinet
    document = _upload(client, cab, classification="confidential", title="Phương án mật")
    status, attached = _attach(api, cab, cab.items[1], document)
    assert status == 201
    assert attached["readers"] == [] and attached["warning"] == "no_reader"
    status, attached = _attach(api, cab, cab.confidential_item, document)
    assert status == 201 and attached["warning"] is None
    assert [reader["name"] for reader in attached["readers"]] == ["Phạm Quốc Bảo"]
    # the prepare page shows both: the warning on item 2, the readers on item 3
    pages = app.test_client()
    AuthActions(app, pages).login(cab.users["secretariat"])
    page = pages.get(f"/meetings/{cab.meeting_id}/prepare").text
    item2 = page.split(f'id="item-{cab.items[1]}"')[1].split('class="prepare-docs"')[0]
    item3 = page.split(f'id="item-{cab.confidential_item}"')[1].split('class="prepare-docs"')[0]
    assert "Chỉ Văn phòng Chính phủ đọc được" in item2
    assert "Phạm Quốc Bảo" in item3 and "Chỉ Văn phòng Chính phủ đọc được" not in item3
