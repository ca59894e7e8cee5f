"""Keeping the index up to date: a PDF is searchable as soon as its upload commits, a .docx once
converted, a new version replaces the old text; failures never cost the upload; the CLI
rebuilds everything."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from ecabinet.audit.models import AuditEntry
from ecabinet.database import unit_of_work
from ecabinet.docs import jobs as document_jobs
from ecabinet.docs.models import DocumentVersion
from ecabinet.extensions import db
from ecabinet.search import extract, services
from ecabinet.search.models import SearchEntry
from tests.conftest import bearer
from tests.docs.conftest import upload, wait_for_state
from tests.docs.corpus import docx_bytes
from tests.search.conftest import find, found_ids, upload_new_version, upload_pdf
from tests.search.pdfs import pdf_with


@pytest.fixture
def secretariat(make_user, token_for):
    return bearer(token_for(make_user("secretariat")))


def _entry(app, document_id) -> SearchEntry | None:
    with app.app_context():
        entry = db.session.get(SearchEntry, document_id)
        if entry is not None:
            db.session.expunge(entry)
        return entry


def test_an_uploaded_pdf_is_searchable_at_once(client, app, secretariat):
    document = upload_pdf(client, secretariat, "Đề án chuyển đổi số quốc gia",
                          ["Trang hai", "về hạ tầng số"], title="Đề án")
    assert found_ids(client, secretariat, "chuyen doi so") == [document]
    entry = _entry(app, document)
    assert entry.version_number == 1 and entry.extraction_error is None
    assert entry.body == "Đề án chuyển đổi số quốc gia\fTrang hai về hạ tầng số"


def test_a_new_version_replaces_the_old_text(client, app, secretariat):
    document = upload_pdf(client, secretariat, "Phương án cũ về thuế tài nguyên",
                          title="Tờ trình")
    assert upload_new_version(client, secretariat, document,
                              "Phương án mới về phí bảo vệ môi trường") == 2
    assert found_ids(client, secretariat, "thue tai nguyen") == []
    body = find(client, secretariat, "moi truong")
    assert [h["document_id"] for h in body["results"]] == [document]
    assert body["results"][0]["version"] == 2
    assert body["results"][0]["pdf_url"].startswith(f"/api/v1/documents/{document}/versions/2/")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SearchEntry)) == 1


def test_an_older_version_never_replaces_a_newer_one(client, app, secretariat):
    """Versions may become ready out of order (a .docx converting while a PDF is uploaded)."""
    document = upload_pdf(client, secretariat, "Bản một", title="Văn bản")
    upload_new_version(client, secretariat, document, "Bản hai")
    with app.app_context(), unit_of_work():
        first = db.session.scalar(select(DocumentVersion).where(
            DocumentVersion.document_id == document, DocumentVersion.number == 1))
        assert services.index_version(first, app.config) is False
    assert _entry(app, document).version_number == 2
    assert found_ids(client, secretariat, "ban hai") == [document]
    assert found_ids(client, secretariat, "ban mot") == []


def test_a_rolled_back_upload_leaves_no_entry(client, app, secretariat, monkeypatch):
    from ecabinet.docs import services as documents

    def fail_audit(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(documents.audit, "record", fail_audit)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    status, _body = upload(client, secretariat, pdf_with("Văn bản bị hủy"), title="Hủy")
    assert status == 500
    monkeypatch.undo()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SearchEntry)) == 0
        if db.engine.dialect.name == "sqlite":
            assert db.session.execute(text("SELECT count(*) FROM search_fts")).scalar() == 0


def test_a_long_pdf_is_indexed_after_the_commit(make_app, make_user, token_for):
    app = make_app(SEARCH_INLINE_MAX_PAGES=2)
    client = app.test_client()
    headers = bearer(token_for(make_user("secretariat")))
    document = upload_pdf(client, headers, "Một", "Hai", "Ba: kế hoạch đầu tư công",
                          title="Kế hoạch")
    assert document_jobs.local_worker().wait_idle(timeout=60)
    body = find(client, headers, "dau tu cong")
    assert [h["document_id"] for h in body["results"]] == [document]
    assert body["results"][0]["page"] == 3
    # A short one is still indexed in the upload's own transaction.
    short = upload_pdf(client, headers, "Ngắn gọn", title="Ngắn")
    assert _entry(app, short) is not None


def test_a_pdf_without_readable_text_is_found_by_its_title(client, app, secretariat,
                                                           monkeypatch):
    def unreadable(*args, **kwargs):
        raise extract.ExtractionError("pdftotext exited with 1")

    monkeypatch.setattr(extract, "pdf_text", unreadable)
    document = upload_pdf(client, secretariat, "Nội dung", title="Bản scan công văn")
    assert found_ids(client, secretariat, "cong van") == [document]
    assert _entry(app, document).extraction_error == "pdftotext exited with 1"


def test_a_failing_index_does_not_cost_the_upload(client, app, secretariat, monkeypatch):
    def broken_store(version, extracted):
        raise OperationalError("INSERT INTO search_entries", {}, Exception("disk I/O error"))

    monkeypatch.setattr(services, "store", broken_store)
    status, body = upload(client, secretariat, pdf_with("Vẫn lưu được"), title="Vẫn lưu")
    assert status == 201, body
    monkeypatch.undo()
    assert client.get(f"/api/v1/documents/{body['id']}", headers=secretariat).status_code == 200
    assert found_ids(client, secretariat, "van luu") == []  # unindexed until a reindex
    assert _entry(app, body["id"]) is None


def test_a_converted_docx_becomes_searchable(client, app, secretariat):
    """The real thing: LibreOffice converts in the worker thread, the converter's transaction
    sends version_ready, the text of its PDF is indexed."""
    status, body = upload(client, secretariat,
                          docx_bytes("Báo cáo thẩm định dự án đường cao tốc Bắc – Nam",
                                     "Kiến nghị của Bộ Tư pháp"),
                          filename="bao-cao.docx", title="Báo cáo thẩm định")
    assert status == 201, body
    version = wait_for_state(client, secretariat, body["id"], timeout=180)
    assert version["state"] == "ready", version
    found = find(client, secretariat, "cao toc bac nam")
    assert [h["document_id"] for h in found["results"]] == [body["id"]]
    assert "<mark>cao</mark> <mark>tốc</mark> <mark>Bắc</mark>" in \
        found["results"][0]["snippet_html"]
    assert found_ids(client, secretariat, "Bộ tư pháp") == [body["id"]]


# --- ecabinet search reindex ---------------------------------------------------------------------

def _wipe_index(app):
    with app.app_context(), unit_of_work():
        db.session.execute(text("DELETE FROM search_entries"))
        if db.engine.dialect.name == "sqlite":
            db.session.execute(text("DELETE FROM search_fts"))


def test_reindex_rebuilds_everything(client, app, runner, secretariat):
    first = upload_pdf(client, secretariat, "Quy hoạch vùng đồng bằng sông Cửu Long",
                       title="Quy hoạch")
    second = upload_pdf(client, secretariat, "Bản một", title="Nghị quyết")
    upload_new_version(client, secretariat, second, "Bản hai về giá điện")
    _wipe_index(app)
    assert found_ids(client, secretariat, "cuu long") == []

    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "Indexed 2 document(s); removed 0 stale entries." in result.output
    assert found_ids(client, secretariat, "cuu long") == [first]
    assert found_ids(client, secretariat, "gia dien") == [second]
    assert found_ids(client, secretariat, "ban mot") == []
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "search.reindex")).one()
        assert '"indexed": 2' in entry.details


def test_reindex_is_idempotent_and_forgets_what_is_gone(client, app, runner, secretariat):
    kept = upload_pdf(client, secretariat, "Chính sách tiền lương", title="Tiền lương")
    gone = upload_pdf(client, secretariat, "Chính sách nhà ở xã hội", title="Nhà ở")
    with app.app_context(), unit_of_work():
        # As if the only version of a document had been withdrawn.
        db.session.execute(text("UPDATE document_versions SET state = 'failed' "
                                "WHERE document_id = :id"), {"id": gone})
    assert runner.invoke(args=["search", "reindex"]).output.strip() == \
        "Indexed 1 document(s); removed 1 stale entry."
    assert runner.invoke(args=["search", "reindex"]).output.strip() == \
        "Indexed 1 document(s); removed 0 stale entries."
    assert found_ids(client, secretariat, "chinh sach") == [kept]
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            assert db.session.execute(text("SELECT rowid FROM search_fts")).scalars().all() \
                == [kept]


def test_postgresql_uses_the_gin_index(client, app, secretariat):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL only")
    upload_pdf(client, secretariat, "Đất đai", title="Luật")
    with app.app_context():
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        match, _rank = services._postgresql_match(["dat", "dai"])
        statement = select(SearchEntry.document_id).where(match)
        compiled = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
        plan = "\n".join(db.session.execute(text(f"EXPLAIN {compiled}")).scalars())
        db.session.rollback()
    assert "ix_search_entries_fts" in plan, plan


def test_documents_missing_from_the_index_are_queued(client, app, secretariat):
    """What the first request of a freshly upgraded server does (not in tests: TESTING)."""
    from ecabinet.search import jobs

    document = upload_pdf(client, secretariat, "Chương trình mục tiêu quốc gia", title="CTMTQG")
    _wipe_index(app)
    assert jobs.index_missing(app) == 1
    assert document_jobs.local_worker().wait_idle(timeout=60)
    assert found_ids(client, secretariat, "muc tieu quoc gia") == [document]
    assert jobs.index_missing(app) == 0
