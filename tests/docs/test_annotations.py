"""Private annotations: highlights and notes that only their author ever sees."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_from
from tests.docs.conftest import new_version, upload
from tests.docs.corpus import pdf_bytes

HIGHLIGHT = {"kind": "highlight", "page": 2, "x": 0.1, "y": 0.2, "width": 0.5, "height": 0.05}
NOTE = {"kind": "note", "page": 1, "x": 0.8, "y": 0.1, "text": "Đề nghị làm rõ Điều 5."}


@pytest.fixture
def doc(client, cabinet, api):
    """A three-page document on item 1 of the cabinet meeting: every participant reads it."""
    status, body = upload(client, cabinet.headers("secretariat"), pdf_bytes(3),
                          title="Dự thảo Nghị định")
    assert status == 201, body
    status, _ = api(cabinet, "POST", f"/api/v1/agenda-items/{cabinet.items[0]}/documents",
                    {"document_id": body["id"]}, who="secretariat")
    assert status == 201
    return body["id"]


def url(doc_id, version=1, suffix=""):
    return f"/api/v1/documents/{doc_id}/versions/{version}/annotations{suffix}"


def test_a_reader_highlights_and_notes(api, cabinet, doc):
    status, highlight = api(cabinet, "POST", url(doc), HIGHLIGHT, who="m2")
    assert status == 201, highlight
    assert highlight["kind"] == "highlight" and highlight["page"] == 2
    assert highlight["width"] == 0.5 and highlight["text"] is None
    status, note = api(cabinet, "POST", url(doc), NOTE, who="m2")
    assert status == 201 and note["text"] == NOTE["text"]
    assert note["width"] == 0 and note["height"] == 0  # a note is a point
    status, mine = api(cabinet, "GET", url(doc), who="m2")
    assert status == 200
    assert [a["id"] for a in mine] == [note["id"], highlight["id"]]  # page by page
    status, page_two = api(cabinet, "GET", url(doc, suffix="?page=2"), who="m2")
    assert [a["id"] for a in page_two] == [highlight["id"]]


@pytest.mark.parametrize("who", ["m1", "secretariat", "chair"])
def test_nobody_else_sees_them(api, cabinet, doc, who):
    _, note = api(cabinet, "POST", url(doc), NOTE, who="m2")
    status, theirs = api(cabinet, "GET", url(doc), who=who)
    assert status == 200 and theirs == []
    assert api(cabinet, "PATCH", url(doc, suffix=f"/{note['id']}"), {"text": "x"},
               who=who)[0] == 404
    assert api(cabinet, "DELETE", url(doc, suffix=f"/{note['id']}"), who=who)[0] == 404
    # Still there, unchanged, for its author.
    assert api(cabinet, "GET", url(doc), who="m2")[1][0]["text"] == NOTE["text"]


def test_not_even_an_admin_sees_them(api, cabinet, doc, make_user, token_for, client):
    from tests.conftest import bearer

    _, note = api(cabinet, "POST", url(doc), NOTE, who="m2")
    admin = bearer(token_for(make_user("admin")))
    # An admin who may not read the document does not find it, nor its annotations.
    assert client.get(url(doc), headers=admin).status_code == 404
    assert client.delete(url(doc, suffix=f"/{note['id']}"), headers=admin).status_code == 404


def test_annotations_are_not_in_the_audit_trail(app, api, cabinet, doc):
    from ecabinet.audit.models import AuditEntry
    from ecabinet.extensions import db

    def entries():
        with app.app_context():
            return db.session.scalar(select(func.count(AuditEntry.id)))

    before = entries()
    _, note = api(cabinet, "POST", url(doc), NOTE, who="m2")
    api(cabinet, "PATCH", url(doc, suffix=f"/{note['id']}"), {"text": "Riêng tư"}, who="m2")
    api(cabinet, "DELETE", url(doc, suffix=f"/{note['id']}"), who="m2")
    assert entries() == before


def test_an_outsider_gets_404(api, cabinet, doc):
    assert api(cabinet, "GET", url(doc), who="outsider")[0] == 404
    assert api(cabinet, "POST", url(doc), NOTE, who="outsider")[0] == 404


def test_update_and_delete(api, cabinet, doc):
    _, highlight = api(cabinet, "POST", url(doc), HIGHLIGHT, who="m2")
    one = url(doc, suffix=f"/{highlight['id']}")
    status, moved = api(cabinet, "PATCH", one, {"x": 0.3, "y": 0.6}, who="m2")
    assert status == 200, moved
    assert (moved["x"], moved["y"], moved["width"], moved["page"]) == (0.3, 0.6, 0.5, 2)
    # Moving it off the page is refused and changes nothing.
    assert api(cabinet, "PATCH", one, {"x": 0.9}, who="m2")[0] == 422
    assert api(cabinet, "GET", url(doc), who="m2")[1][0]["x"] == 0.3
    assert api(cabinet, "DELETE", one, who="m2")[0] == 204
    assert api(cabinet, "DELETE", one, who="m2")[0] == 404  # twice
    assert api(cabinet, "GET", url(doc), who="m2")[1] == []


@pytest.mark.parametrize("body", [
    {**HIGHLIGHT, "kind": "scribble"},
    {**HIGHLIGHT, "page": 4},  # three pages
    {**HIGHLIGHT, "page": 0},
    {**HIGHLIGHT, "x": 1.5},
    {**HIGHLIGHT, "x": -0.1},
    {**HIGHLIGHT, "x": 0.8, "width": 0.5},  # beyond the page
    {**HIGHLIGHT, "width": 0},  # a highlight has a size
    {**NOTE, "text": "   "},  # a note has text
    {**NOTE, "text": "x" * 5000},
    {"kind": "note"},
    {**HIGHLIGHT, "page": "2; DROP TABLE"},
])
def test_bad_annotations_are_refused(api, cabinet, doc, body):
    status, answer = api(cabinet, "POST", url(doc), body, who="m2")
    assert status == 422, answer
    assert "error" in answer
    assert api(cabinet, "GET", url(doc), who="m2")[1] == []


def test_each_version_has_its_own(api, cabinet, doc, client):
    api(cabinet, "POST", url(doc), NOTE, who="m2")
    status, _ = new_version(client, cabinet.headers("secretariat"), doc, pdf_bytes(2))
    assert status == 201
    assert api(cabinet, "GET", url(doc, version=2), who="m2")[1] == []
    assert len(api(cabinet, "GET", url(doc, version=1), who="m2")[1]) == 1
    assert api(cabinet, "GET", url(doc, version=3), who="m2")[0] == 404


def test_the_browser_needs_the_csrf_header(client, auth, cabinet, doc):
    auth.login(cabinet.users["m2"])
    page = client.get(f"/documents/{doc}/versions/1/view")
    refused = client.post(url(doc), json=NOTE)
    assert refused.status_code == 400
    accepted = client.post(url(doc), json=NOTE, headers={"X-CSRFToken": csrf_from(page.text)})
    assert accepted.status_code == 201
    assert client.get(url(doc)).get_json()[0]["text"] == NOTE["text"]



def test_the_api_describes_them(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    base = "/api/v1/documents/{document_id}/versions/{number}/annotations"
    assert set(spec["paths"][base]) >= {"get", "post"}
    assert set(spec["paths"][base + "/{annotation_id}"]) >= {"patch", "delete"}
