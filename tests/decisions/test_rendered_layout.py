"""A rendered decision against Decree 30/2020, Appendix I: the seal and the signature are placed
where nothing printed lies under them, whatever the recipients' length; the rule under the
summary is a third to a half of the summary's line.

Measured on LibreOffice's real PDF (poppler's word boxes, as :mod:`ecabinet.decisions.pdf`
reads them), not on the .docx: the overlap the issue saw came from the rendered page.
"""

from __future__ import annotations

import pytest

from ecabinet.decisions import layout
from ecabinet.decisions import pdf as fields_pdf
from ecabinet.docs import converter

# Its subject is LibreOffice's layout of the page, not the database: the SQLite pass runs it.
pytestmark = pytest.mark.one_database

SHORT = "Bộ Tài chính"
LONG = ("Các Bộ, cơ quan ngang Bộ, cơ quan thuộc Chính phủ và Ủy ban nhân dân các tỉnh, thành "
        "phố trực thuộc Trung ương")


def _draft(recipients: tuple[str, ...], signer_name: str = "Trần Minh Quang",
           summary: str = "Về việc phê duyệt Đề án chuyển đổi số quốc gia") -> layout.Draft:
    return layout.Draft(
        kind="quyet_dinh", issuer_name="THỦ TƯỚNG CHÍNH PHỦ", issuer_code="TTg",
        summary=summary, signer_name=signer_name,
        body="Căn cứ Luật Tổ chức Chính phủ;\nQUYẾT ĐỊNH:\nĐiều 1. Phê duyệt Đề án.",
        authority=("KT. THỦ TƯỚNG", "PHÓ THỦ TƯỚNG"), recipients=recipients)


def _rendered(recipients: tuple[str, ...], signer_name: str = "Trần Minh Quang",
              summary: str = "Về việc phê duyệt Đề án chuyển đổi số quốc gia") -> bytes:
    # The process's LibreOffice, as the app's conversions use it (a LibreOffice of its own per
    # document was a cold start each time).
    return converter.for_config({}).convert(
        layout.render(_draft(recipients, signer_name, summary)), timeout=120)


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _words(pdf: bytes, page: int):
    _width, height, words = fields_pdf._pages(pdf)[page]
    return [(w.text, (w.x1, height - w.y2, w.x2, height - w.y1)) for w in words]


def _misplaced(pdf: bytes, signer: str) -> list[str]:
    """What is wrong with the signature block of a rendered decision (nothing: [])."""
    fields = fields_pdf.locate(pdf, signer_name=signer)
    words = _words(pdf, fields.signature_page)
    problems = []
    under_seal = [text for text, box in words if _overlap(fields.seal, box)]
    under_signature = [text for text, box in words if _overlap(fields.signature, box)]
    if under_seal or under_signature:
        problems.append(f"under the seal {under_seal}, under the signature {under_signature}")
    # The seal at its real size over the left third of the signature, the signer's name
    # right under both, the authority line right above.
    seal, signature = fields.seal, fields.signature
    if seal[3] - seal[1] < fields_pdf.SEAL_SIZE:
        problems.append(f"the seal is {seal[3] - seal[1]:.1f} pt high")
    third = signature[0] + (signature[2] - signature[0]) / 3
    if not (seal[0] < signature[0] < seal[0] + fields_pdf.SEAL_SIZE
            and abs(seal[0] + fields_pdf.SEAL_SIZE - third) < 1):
        problems.append(f"the seal {seal} is not over the signature's {signature} left third")
    name_top = max(box[3] for text, box in words if text == signer.split()[0])
    if not 0 <= min(seal[1], signature[1]) - name_top < 12:
        problems.append(f"the name's top {name_top:.1f} is not right under {seal}, {signature}")
    authority = [box for text, box in words if text == "PHÓ"]
    if not (authority and 0 <= min(b[1] for b in authority) - max(seal[3], signature[3]) < 12):
        problems.append(f"the authority line {authority} is not right above the seal")
    return problems


@pytest.mark.slow
@pytest.mark.parametrize(("name", "signer"), [
    (SHORT, "Trần Minh Quang"), (SHORT, "Nguyễn Thị Thanh Hương"),
    (LONG, "Trần Minh Quang"), (LONG, "Nguyễn Thị Thanh Hương")],
    ids=["short names, short signer", "short names, long signer",
         "long names, short signer", "long names, long signer"])
def test_nothing_printed_lies_under_the_seal_or_the_signature(name, signer):
    """Every length of Nơi nhận from 1 to 12 recipients (issue 9, point 14), each rendered by
    LibreOffice (the process's, as the app's conversions) and measured on the page."""
    found = {}
    for count in range(1, 13):
        recipients = tuple(f"{name} ({number})" for number in range(1, count + 1))
        found[count] = _misplaced(_rendered(recipients, signer), signer)
    assert sorted(found) == list(range(1, 13))
    assert {count: problems for count, problems in found.items() if problems} == {}


def _horizontal_rules(pdf: bytes, page: int = 0) -> list[tuple[float, float, float]]:
    """The straight horizontal strokes LibreOffice draws (paragraph borders): (x1, x2, y)."""
    import io

    from pypdf import PdfReader
    from pypdf.generic import ContentStream

    reader = PdfReader(io.BytesIO(pdf))
    stream = ContentStream(reader.pages[page].get_contents(), reader)
    rules, start = set(), None
    for operands, operator in stream.operations:
        if operator == b"m":
            start = tuple(float(v) for v in operands)
        elif operator == b"l" and start is not None:
            x, y = (float(v) for v in operands)
            if abs(y - start[1]) < 0.1 and abs(x - start[0]) > 5:
                rules.add((round(min(x, start[0]), 2), round(max(x, start[0]), 2), round(y, 2)))
            start = None
    return sorted(rules, key=lambda rule: -rule[2])


@pytest.mark.slow
@pytest.mark.parametrize("summary", [
    "Về việc phê duyệt Đề án",
    "Về việc phê duyệt Đề án chuyển đổi số quốc gia",
    "Về việc phê duyệt Chương trình hành động của Chính phủ thực hiện Nghị quyết của Quốc hội "
    "về kế hoạch phát triển kinh tế - xã hội năm 2027 và các nhiệm vụ trọng tâm"])
def test_the_rule_under_the_summary_is_a_third_to_a_half_of_its_line(summary):
    pdf = _rendered(("Bộ Tài chính",), summary=summary)
    words = _words(pdf, 0)
    title = next(box for text, box in words if text == "ĐỊNH")  # "QUYẾT ĐỊNH", the type name
    body = next(box for text, box in words if text == "Căn")  # the first line of the body
    summary_words = [box for _text, box in words
                     if body[3] < box[1] and (box[1] + box[3]) / 2 < title[1]]
    lines: dict[float, list] = {}
    for box in summary_words:
        lines.setdefault(round(box[1]), []).append(box)
    widest = max(max(b[2] for b in line) - min(b[0] for b in line) for line in lines.values())
    rule = next(r for r in _horizontal_rules(pdf) if body[3] < r[2] < min(b[1] for b in
                                                                          summary_words))
    length = rule[1] - rule[0]
    assert widest / 3 <= length <= widest / 2, (length, widest, summary)


def _font_files(font) -> list[str]:
    """The font program entries of a font dictionary (a Type0's through its descendant)."""
    font = font.get_object()
    if "/DescendantFonts" in font:
        font = font["/DescendantFonts"][0].get_object()
    descriptor = font.get("/FontDescriptor")
    descriptor = descriptor.get_object() if descriptor is not None else {}
    return [key for key in ("/FontFile", "/FontFile2", "/FontFile3") if key in descriptor]


@pytest.mark.slow
def test_the_filled_number_and_date_are_drawn_in_an_embedded_font(tmp_path):
    import io
    import subprocess

    from pypdf import PdfReader

    pdf = _rendered(("Bộ Tài chính",))
    prepared = fields_pdf.prepare(pdf, fields_pdf.locate(pdf, signer_name="Trần Minh Quang"))
    filled = fields_pdf.fill(prepared, {
        fields_pdf.NUMBER_FIELD: "05", fields_pdf.DAY_FIELD: "05",
        fields_pdf.MONTH_FIELD: "02", fields_pdf.YEAR_FIELD: "2026"})
    assert filled.startswith(prepared)  # an incremental update, as DocMDP form filling needs
    reader = PdfReader(io.BytesIO(filled))
    drawn = {}
    for annotation in reader.pages[0]["/Annots"]:
        widget = annotation.get_object()
        if widget.get("/FT") != "/Tx":
            continue
        fonts = widget["/AP"]["/N"].get_object()["/Resources"]["/Font"]
        drawn[str(widget["/T"])] = {name: _font_files(font) for name, font in fonts.items()}
    assert set(drawn) == {fields_pdf.NUMBER_FIELD, fields_pdf.DAY_FIELD,
                          fields_pdf.MONTH_FIELD, fields_pdf.YEAR_FIELD}
    assert all(files for fonts in drawn.values() for files in fonts.values()), drawn
    path = tmp_path / "filled.pdf"
    path.write_bytes(filled)
    listing = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True,  # noqa: S607
                             check=True).stdout.splitlines()[2:]
    filled_fonts = [line for line in listing if "LiberationSerif" in line and "CID" in line]
    assert filled_fonts, listing
    # name, type, encoding, emb, sub, uni: every font on the page is embedded, none is Times
    assert all(line.split()[-5] == "yes" for line in listing), listing
    assert not any(line.startswith("Times") for line in listing), listing
