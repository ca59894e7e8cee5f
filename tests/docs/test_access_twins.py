"""The documents' reading rule is written twice — ``can_read`` for one document, ``readable_by``
as SQL for lists and searches — and the two must agree for everyone, on confidential documents
above all. The meeting's payload lists under each item the documents its reader may open, and
only those."""

from __future__ import annotations

from sqlalchemy import select

from ecabinet.docs import access
from ecabinet.docs.models import Document
from ecabinet.extensions import db
from ecabinet.identity.models import User
from tests.docs.conftest import upload
from tests.search.pdfs import pdf_with


def _put(client, cab, api, name, *, who="secretariat", classification="normal", item=None):
    status, document = upload(client, cab.headers(who), pdf_with(f"Tài liệu {name}"),
                              filename="tai-lieu.pdf", title=name, classification=classification)
    assert status == 201, document
    if item is not None:
        status, body = api(cab, "POST", f"/api/v1/agenda-items/{item}/documents",
                           {"document_id": document["id"]}, who="secretariat")
        assert status == 201, body
    return document["id"]


def _shelf(client, cab, api, make_user, token_for) -> dict:
    secretary = make_user("member", name="Thư ký phiên họp")
    cab.users["secretary"], cab.tokens["secretary"] = secretary, token_for(secretary)
    assert api(cab, "POST", f"/api/v1/meetings/{cab.meeting_id}/participants",
               {"user_id": secretary.id, "role": "secretary"}, who="secretariat")[0] == 201
    return {
        "normal": _put(client, cab, api, "chung", item=cab.items[1]),
        "guest_item": _put(client, cab, api, "khách mời", item=cab.items[0]),
        "secret_item": _put(client, cab, api, "mục mật", item=cab.confidential_item),
        "confidential": _put(client, cab, api, "mật một", classification="confidential",
                             item=cab.items[1]),
        "confidential_invited": _put(client, cab, api, "mật hai",
                                     classification="confidential",
                                     item=cab.confidential_item),
        "own_draft": _put(client, cab, api, "của m2", who="m2", classification="confidential"),
        "loose": _put(client, cab, api, "chưa gắn"),
    }


def test_readable_by_is_can_read_in_sql(app, client, cabinet, api, make_user, token_for):
    shelf = _shelf(client, cabinet, api, make_user, token_for)
    with app.app_context():
        documents = list(db.session.scalars(select(Document)))
        assert len(documents) == len(shelf)
        for user in db.session.scalars(select(User)):
            by_sql = set(db.session.scalars(select(Document.id).where(access.readable_by(user))))
            by_predicate = {d.id for d in documents if access.can_read(user, d)}
            assert by_sql == by_predicate, user.name
            assert [d.id for d in access.readable_documents(user)] == \
                sorted(by_predicate, reverse=True), user.name


def test_the_meeting_lists_under_each_item_what_its_reader_may_open(client, cabinet, api,
                                                                    make_user, token_for):
    cab = cabinet
    shelf = _shelf(client, cab, api, make_user, token_for)
    attached = set(shelf.values()) - {shelf["own_draft"], shelf["loose"]}
    confidential_listed = set()
    for who in cab.users:
        status, meeting = api(cab, "GET", f"/api/v1/meetings/{cab.meeting_id}", who=who)
        if status == 404:
            assert who == "outsider"
            continue
        listed = {doc["id"] for item in meeting["agenda"] for doc in item["documents"]}
        opened = {document for document in attached
                  if api(cab, "GET", f"/api/v1/documents/{document}", who=who)[0] == 200}
        assert listed == opened, who
        if shelf["confidential_invited"] in listed:
            confidential_listed.add(who)
    # The confidential document of the confidential item: its invitee, the meeting's secretary
    # and the secretariat; not the chair, who sees the item but is not invited to it.
    assert confidential_listed == {"m1", "secretary", "secretariat"}
