"""The .docx layout (Decree 30/2020, Appendix I) and where the fields are found in its PDF."""

from __future__ import annotations

import io

import pytest
from docx import Document

from ecabinet.decisions import layout
from ecabinet.decisions import pdf as fields_pdf


def _draft(**overrides) -> layout.Draft:
    values = {"kind": "quyet_dinh", "issuer_name": "THỦ TƯỚNG CHÍNH PHỦ", "issuer_code": "TTg",
              "summary": "Về việc phê duyệt Đề án", "signer_name": "Trần Minh Quang",
              "body": "Căn cứ Luật Tổ chức Chính phủ;\nQUYẾT ĐỊNH:\nĐiều 1. Phê duyệt Đề án.",
              "authority": ("TM. CHÍNH PHỦ", "THỦ TƯỚNG"), "recipients": ("Các Bộ",)}
    values.update(overrides)
    return layout.Draft(**values)


def test_page_fonts_and_parts():
    document = Document(io.BytesIO(layout.render(_draft())))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert (round(section.left_margin.mm), round(section.right_margin.mm)) == (30, 15)
    header = document.tables[0]
    left, right = header.cell(0, 0).text, header.cell(0, 1).text
    assert "THỦ TƯỚNG CHÍNH PHỦ" in left
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in right and "Độc lập - Tự do - Hạnh phúc" in right
    assert header.cell(1, 0).text.replace(" ", "") == "Số:/QĐ-TTg"
    assert header.cell(1, 1).text.split() == ["Hà", "Nội,", "ngày", "tháng", "năm"]
    article = next(p for p in document.paragraphs if p.text.startswith("Điều 1."))
    assert article.runs[0].bold and article.runs[0].text == "Điều 1."
    assert any(p.text == "QUYẾT ĐỊNH" and p.runs[0].bold for p in document.paragraphs)
    block = document.tables[-1]
    assert "Nơi nhận:" in block.cell(0, 0).text and "- Lưu: VT." in block.cell(0, 0).text
    lines = [p.text for p in block.cell(0, 1).paragraphs]
    assert lines[:2] == ["TM. CHÍNH PHỦ", "THỦ TƯỚNG"] and lines[-1] == "Trần Minh Quang"
    fonts = {run.font.name for p in document.paragraphs for run in p.runs if run.text}
    assert fonts == {"Times New Roman"}


def test_a_letter_has_no_type_name_and_its_summary_under_the_number():
    document = Document(io.BytesIO(layout.render(_draft(kind="cong_van"))))
    assert "V/v Về việc phê duyệt Đề án" in document.tables[0].cell(1, 0).text
    assert "/TTg" in document.tables[0].cell(1, 0).text
    assert not any(p.text == "QUYẾT ĐỊNH" for p in document.paragraphs)


def test_a_pdf_without_our_layout_is_refused():
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(fields_pdf.LayoutNotFound):
        fields_pdf.locate(out.getvalue(), signer_name="Trần Minh Quang")


def test_only_digits_are_filled_in():
    prepared = _prepared()
    with pytest.raises(ValueError):
        fields_pdf.fill(prepared, {fields_pdf.NUMBER_FIELD: "5) Tj (x"})
    filled = fields_pdf.fill(prepared, {fields_pdf.NUMBER_FIELD: "05"})
    assert filled.startswith(prepared)  # an incremental update
    assert fields_pdf.field_values(filled)[fields_pdf.NUMBER_FIELD] == "05"


def _prepared() -> bytes:
    """A real rendered and prepared draft is made in the workflow tests; here a minimal one."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    fields = fields_pdf.Fields((100, 700, 140, 716), (300, 700, 320, 716), (330, 700, 350, 716),
                               (360, 700, 400, 716), 0, (350, 400, 500, 470),
                               (300, 385, 400, 485))
    return fields_pdf.prepare(out.getvalue(), fields)
