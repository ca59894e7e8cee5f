"""Read receipts: the first open of each version recorded once (also when opens race), the pack
counting for every document in it, and the secretariat's report of who has not opened what."""

from __future__ import annotations

import io
import threading

from sqlalchemy import func, select

from ecabinet.database import unit_of_work
from ecabinet.docs import access as docs
from ecabinet.docs.models import Document, DocumentVersion
from ecabinet.extensions import db
from ecabinet.identity.models import User
from ecabinet.meetings.models import Meeting
from ecabinet.packs import services
from ecabinet.packs.models import ReadReceipt, ReadVia
from tests.packs.conftest import pack_of, text_pdf


def _receipts(app) -> list[tuple[int, int, str]]:
    with app.app_context():
        return [(r.user_id, r.version_id, r.via) for r in db.session.scalars(
            select(ReadReceipt).order_by(ReadReceipt.id))]


def _reads(api, cabinet, who="secretariat"):
    return api(cabinet, "GET", f"/api/v1/meetings/{cabinet.meeting_id}/reads", who=who)


def _entry(body, document_id):
    return next(d for d in body["documents"] if d["document_id"] == document_id)


def test_the_first_open_is_recorded_once(app, client, cabinet, dossier):
    url = f"/api/v1/documents/{dossier.law}/versions/1/pdf"
    for _ in range(3):
        assert client.get(url, headers=cabinet.headers("m2")).status_code == 200
    receipts = _receipts(app)
    assert len(receipts) == 1
    user_id, version_id, via = receipts[0]
    assert (user_id, via) == (cabinet.users["m2"].id, "document")
    with app.app_context():
        first = db.session.scalar(select(ReadReceipt.first_opened_at))
    # a later pack download does not move the first open, nor add a second row for it
    assert pack_of(client, cabinet, "m2").status_code == 200
    with app.app_context():
        rows = list(db.session.scalars(select(ReadReceipt).where(
            ReadReceipt.user_id == cabinet.users["m2"].id)))
        assert len(rows) == 2  # the law (document) and the report (pack)
        law = next(r for r in rows if r.version_id == version_id)
        assert (law.via, law.first_opened_at) == ("document", first)


def test_a_pdf_that_is_not_ready_records_nothing(app, client, cabinet, dossier, api):
    assert client.get(f"/api/v1/documents/{dossier.law}/versions/9/pdf",
                      headers=cabinet.headers("m2")).status_code == 404
    assert client.get(f"/api/v1/documents/{dossier.staffing}/versions/1/pdf",
                      headers=cabinet.headers("m2")).status_code == 404  # not theirs
    assert _receipts(app) == []


def test_concurrent_first_opens_insert_one_receipt(app, cabinet, dossier):
    """Eight requests of the same reader at once (a tablet retrying): one row, no error."""
    with app.app_context():
        version_id = db.session.scalar(select(DocumentVersion.id).where(
            DocumentVersion.document_id == dossier.law))
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def open_it():
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                with unit_of_work():
                    user = db.session.get(User, cabinet.users["m3"].id)
                    services.record_reads(user, [version_id], ReadVia.DOCUMENT)
                db.session.remove()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReadReceipt)) == 1


def test_concurrent_downloads_over_http_all_succeed(app, cabinet, dossier):
    barrier = threading.Barrier(4)
    statuses: list[int] = []

    def download():
        client = app.test_client()
        barrier.wait(timeout=10)
        response = client.get(f"/api/v1/documents/{dossier.report}/versions/1/pdf",
                              headers=cabinet.headers("m4"))
        statuses.append(response.status_code)

    threads = [threading.Thread(target=download) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert statuses == [200] * 4
    assert len(_receipts(app)) == 1


def test_the_report_lists_who_has_not_opened_which_document(client, cabinet, api, dossier):
    status, body = _reads(api, cabinet)
    assert status == 200
    law = _entry(body, dossier.law)
    # everyone but the secretary; the guest is invited to item 1
    assert {r["name"] for r in law["not_opened"]} == {
        cabinet.users[w].name for w in ("chair", "m1", "m2", "m3", "m4", "guest")}
    assert (law["readers_total"], law["opened_total"], law["version"]) == (6, 0, 1)
    staffing = _entry(body, dossier.staffing)
    assert [r["name"] for r in staffing["readers"]] == [cabinet.users["m1"].name]
    report = _entry(body, dossier.report)
    assert cabinet.users["guest"].name not in {r["name"] for r in report["readers"]}

    assert client.get(f"/api/v1/documents/{dossier.law}/versions/1/pdf",
                      headers=cabinet.headers("m1")).status_code == 200
    assert pack_of(client, cabinet, "guest").status_code == 200
    _, body = _reads(api, cabinet)
    law = _entry(body, dossier.law)
    opened = {r["name"]: r for r in law["readers"] if r["state"] == "opened"}
    assert set(opened) == {cabinet.users["m1"].name, cabinet.users["guest"].name}
    assert opened[cabinet.users["m1"].name]["via"] == "document"
    assert opened[cabinet.users["guest"].name]["via"] == "pack"
    assert opened[cabinet.users["m1"].name]["opened_at"]
    assert law["opened_total"] == 2 and len(law["not_opened"]) == 4


def test_a_new_version_is_unread_again_but_says_an_earlier_one_was(client, cabinet, api,
                                                                   dossier):
    assert client.get(f"/api/v1/documents/{dossier.report}/versions/1/pdf",
                      headers=cabinet.headers("m2")).status_code == 200
    response = client.post(
        f"/api/v1/documents/{dossier.report}/versions",
        data={"file": (io.BytesIO(text_pdf(1, "NEW")), "v2.pdf")},
        headers=cabinet.headers("secretariat"), content_type="multipart/form-data")
    assert response.status_code == 201
    _, body = _reads(api, cabinet)
    report = _entry(body, dossier.report)
    assert report["version"] == 2
    states = {r["name"]: r["state"] for r in report["readers"]}
    assert states[cabinet.users["m2"].name] == "earlier"
    assert states[cabinet.users["m3"].name] == "not_opened"


def test_the_report_agrees_with_who_can_read(app, api, cabinet, dossier):
    """The report computes access from the loaded participants; it must say what
    docs.can_read says for every participant and document."""
    _, body = _reads(api, cabinet)
    with app.app_context():
        meeting = db.session.get(Meeting, cabinet.meeting_id)
        for entry in body["documents"]:
            document = db.session.get(Document, entry["document_id"])
            expected = {p.user_id for p in meeting.participants
                        if p.role != "secretary" and docs.can_read(p.user, document)}
            assert {r["user_id"] for r in entry["readers"]} == expected, entry["title"]


def test_only_the_secretariat_sees_the_report(api, cabinet, dossier):
    for who in ("chair", "m1", "guest"):
        status, body = _reads(api, cabinet, who)
        assert status == 403, (who, body)
        assert body["error"]["code"] == "forbidden"
    assert _reads(api, cabinet, "outsider")[0] == 404
    assert api(cabinet, "GET", "/api/v1/meetings/999999/reads", who="secretariat")[0] == 404
