"""The per-reader watermark: on every page of confidential documents, in the pack and in the
single-document download, and nowhere else."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

from pypdf import PdfReader
from sqlalchemy import select

from ecabinet.audit.models import AuditEntry
from ecabinet.extensions import db
from ecabinet.packs import watermark
from tests.packs.conftest import pack_of, page_texts, text_pdf


def _marked(text: str, name: str) -> bool:
    flat = " ".join(text.split())
    return "MẬT" in flat and name in flat and "Tải xuống lúc" in flat


def test_the_pack_marks_every_confidential_page_and_only_those(client, cabinet, dossier):
    name = cabinet.users["m1"].name
    response = pack_of(client, cabinet, "m1")
    texts = page_texts(response.data)
    assert len(texts) == 9
    staffing = [i for i, text in enumerate(texts) if "STAFFING page" in text]
    assert staffing == [7, 8]
    for index, text in enumerate(texts):
        assert _marked(text, name) == (index in staffing), (index, text)
    # the document's own text is still there under the mark
    assert "STAFFING page 1" in texts[7]
    # pypdf agrees with poppler
    reader = PdfReader(io.BytesIO(response.data))
    assert name in reader.pages[8].extract_text()
    assert name not in reader.pages[3].extract_text()


def test_the_mark_names_the_reader_and_the_time(client, cabinet, dossier, app):
    before = datetime.now(UTC)
    texts = page_texts(pack_of(client, cabinet, "chair").data)
    # the chair sees the confidential item but is not invited: no confidential document
    assert not any("MẬT" in " ".join(t.split()) and "Tải xuống" in t for t in texts)
    texts = page_texts(pack_of(client, cabinet, "secretariat").data)
    secretariat = cabinet.users["secretariat"].name
    marked = [t for t in texts if _marked(t, secretariat)]
    assert len(marked) == 2
    from ecabinet.i18n import vietnamese_datetime

    stamp = " ".join(marked[0].split())
    assert any(vietnamese_datetime(moment) in stamp for moment in (before, datetime.now(UTC)))


def test_single_document_download_is_marked_for_confidential_documents_only(client, cabinet,
                                                                             dossier, app):
    name = cabinet.users["m1"].name
    confidential = client.get(f"/api/v1/documents/{dossier.staffing}/versions/1/pdf",
                              headers=cabinet.headers("m1"))
    assert confidential.status_code == 200
    assert confidential.headers["Cache-Control"] == "private, no-store"
    texts = page_texts(confidential.data)
    assert len(texts) == 2 and all(_marked(t, name) for t in texts)
    normal = client.get(f"/api/v1/documents/{dossier.law}/versions/1/pdf",
                        headers=cabinet.headers("m1"))
    assert normal.status_code == 200
    assert not any("MẬT" in t for t in page_texts(normal.data))
    with app.app_context():
        actions = [(e.action, e.actor_id, json.loads(e.details).get("version"))
                   for e in db.session.scalars(select(AuditEntry).where(
                       AuditEntry.action == "document.confidential_download"))]
    assert actions == [("document.confidential_download", cabinet.users["m1"].id, 1)]


def test_pack_downloads_are_audited(client, cabinet, dossier, app):
    assert pack_of(client, cabinet, "m1").status_code == 200
    assert pack_of(client, cabinet, "guest").status_code == 200
    with app.app_context():
        entries = list(db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "meeting.pack_download").order_by(AuditEntry.seq)))
        details = [json.loads(e.details) for e in entries]
        actors = [e.actor_id for e in entries]
    assert actors == [cabinet.users["m1"].id, cabinet.users["guest"].id]
    assert details[0]["watermarked_pages"] == 2 and details[1]["watermarked_pages"] == 0
    assert {d["document_id"] for d in details[0]["documents"]} == {
        dossier.law, dossier.report, dossier.staffing}
    assert [d["document_id"] for d in details[1]["documents"]] == [dossier.law]


def test_the_watermark_is_one_shared_form_on_every_page():
    """Its resources are made once per copy: every page points at the same form object."""
    data = watermark.watermark(text_pdf(5, "X"), reader_name="Nguyễn Thu Hà",
                               at=datetime(2026, 2, 5, 1, 0, tzinfo=UTC))
    reader = PdfReader(io.BytesIO(data))
    forms = {page["/Resources"]["/XObject"].raw_get(watermark.RESOURCE).idnum
             for page in reader.pages}
    assert len(forms) == 1
    assert all("Nguyễn Thu Hà" in t for t in page_texts(data))
    assert "08:00, ngày 05 tháng 02 năm 2026" in " ".join(page_texts(data)[0].split())


def test_landscape_and_offset_pages_are_marked_inside_the_page():
    from pypdf import PdfWriter
    from pypdf.generic import RectangleObject

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(text_pdf(2, "Y"))))
    writer.pages[0].mediabox = RectangleObject([0, 0, 842, 595])
    writer.pages[1].mediabox = RectangleObject([100, 200, 695, 1042])
    out = io.BytesIO()
    writer.write(out)
    data = watermark.watermark(out.getvalue(), reader_name="Đỗ Văn Khánh",
                               at=datetime(2026, 2, 5, 1, 0, tzinfo=UTC))
    # pdftotext only returns text inside the page box
    assert all("Đỗ Văn Khánh" in t for t in page_texts(data))
