"""The demo's dossier: `seed-demo` uploads realistic Vietnamese drafts and a report, attaches them
to the demo meeting's items, and leaves the .docx to the web server's worker to convert."""

from __future__ import annotations

import io

from pypdf import PdfReader
from sqlalchemy import select

from ecabinet.demo import documents as demo
from ecabinet.demo import report
from ecabinet.docs import jobs
from ecabinet.docs.models import Document, ItemDocument
from ecabinet.extensions import db
from ecabinet.meetings.models import AgendaItem


def _dossier(app):
    with app.app_context():
        rows = db.session.execute(
            select(Document.title, AgendaItem.title, Document.id)
            .join(ItemDocument, ItemDocument.document_id == Document.id)
            .join(AgendaItem, AgendaItem.id == ItemDocument.item_id).order_by(Document.id)).all()
        states = {d.title: [v.state for v in d.versions]
                  for d in db.session.scalars(select(Document))}
        return rows, states


def test_seed_demo_attaches_the_drafts_without_converting_them_itself(make_app, fake_converter,
                                                                     monkeypatch):
    submitted = []
    submit = jobs.LocalWorker.submit
    monkeypatch.setattr(jobs.LocalWorker, "submit", lambda self, app, version_id: (
        submitted.append(version_id), submit(self, app, version_id)))
    app = make_app(CONVERTER_COMMAND=fake_converter)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    rows, states = _dossier(app)
    # None of the dossier's versions was handed to this (short-lived) process's worker.
    with app.app_context():
        mine = {v.id for d in db.session.scalars(select(Document).where(
            Document.id.in_([row[2] for row in rows]))) for v in d.versions}
    assert not mine & set(submitted)
    assert jobs.local_worker().wait_idle(timeout=60)  # whatever others queued
    assert [(document, item.split(" ")[0]) for document, item, _ in rows] == [
        ("Báo cáo tình hình kinh tế - xã hội tháng 11 và 11 tháng năm 2026", "Báo"),
        ("Tờ trình về dự án Luật Tổ chức chính quyền địa phương (sửa đổi)", "Dự"),
        ("Dự thảo Nghị định quy định chi tiết một số điều của Luật Đầu tư công", "Dự"),
    ]
    assert rows[2][1].startswith("Dự thảo Nghị định")
    assert states[rows[0][0]] == ["ready"]  # the PDF
    assert states[rows[1][0]] == states[rows[2][0]] == ["converting"]
    # Idempotent: a second run adds nothing.
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0
    assert _dossier(app)[0] == rows
    # The web server takes them up (after its first request) and converts them.
    assert jobs.requeue_pending(app) >= 2
    assert jobs.local_worker().wait_idle(timeout=60)
    states = _dossier(app)[1]
    assert [states[row[0]] for row in rows] == [["ready"]] * 3, states


def test_the_report_is_a_searchable_two_page_pdf():
    reader = PdfReader(io.BytesIO(report.report_pdf()))
    assert len(reader.pages) == 2
    text = reader.pages[0].extract_text()
    assert "BÁO CÁO" in text and "Tình hình kinh tế - xã hội tháng 11" in text
    assert "Đỗ Văn Khánh" in reader.pages[1].extract_text()
    # Glyph widths in thousandths of an em (not the font's 2048 units): digits are half an em.
    font = reader.pages[0]["/Resources"]["/Font"]["/FRegular"].get_object()
    widths = font["/DescendantFonts"][0].get_object()["/W"]
    assert max(w for entry in widths if isinstance(entry, list) for w in entry) < 1100


def test_the_drafts_are_word_documents_in_vietnamese():
    from docx import Document as Word

    for make, expected in ((demo.draft_decree, ("NGHỊ ĐỊNH", "Điều 1. Phạm vi điều chỉnh")),
                           (demo.submission, ("TỜ TRÌNH", "Kính gửi: Chính phủ."))):
        document = Word(io.BytesIO(make()))
        text = "\n".join(p.text for p in document.paragraphs)
        text += "\n".join(cell.text for table in document.tables for cell in table._cells)
        for words in expected:
            assert words in text, words
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text  # the header's national title
