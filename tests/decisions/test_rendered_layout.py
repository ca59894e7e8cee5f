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

SHORT = "Bộ Tài chính"
LONG = ("Các Bộ, cơ quan ngang Bộ, cơ quan thuộc Chính phủ và Ủy ban nhân dân các tỉnh, thành "
        "phố trực thuộc Trung ương")


def _rendered(recipients: tuple[str, ...], signer_name: str = "Trần Minh Quang",
              summary: str = "Về việc phê duyệt Đề án chuyển đổi số quốc gia") -> bytes:
    draft = layout.Draft(
        kind="quyet_dinh", issuer_name="THỦ TƯỚNG CHÍNH PHỦ", issuer_code="TTg",
        summary=summary, signer_name=signer_name,
        body="Căn cứ Luật Tổ chức Chính phủ;\nQUYẾT ĐỊNH:\nĐiều 1. Phê duyệt Đề án.",
        authority=("KT. THỦ TƯỚNG", "PHÓ THỦ TƯỚNG"), recipients=recipients)
    own = converter.Converter()
    try:
        return own.convert(layout.render(draft), timeout=120)
    finally:
        own.close()


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _words(pdf: bytes, page: int):
    _width, height, words = fields_pdf._pages(pdf)[page]
    return [(w.text, (w.x1, height - w.y2, w.x2, height - w.y1)) for w in words]


@pytest.mark.slow
@pytest.mark.parametrize(("count", "name", "signer"), [
    (1, SHORT, "Trần Minh Quang"), (4, SHORT, "Trần Minh Quang"),
    (8, SHORT, "Trần Minh Quang"), (12, SHORT, "Trần Minh Quang"),
    (1, LONG, "Trần Minh Quang"), (4, LONG, "Nguyễn Thị Thanh Hương"),
    (12, LONG, "Trần Minh Quang")])
def test_nothing_printed_lies_under_the_seal_or_the_signature(count, name, signer):
    recipients = tuple(f"{name} ({number})" for number in range(1, count + 1))
    pdf = _rendered(recipients, signer)
    fields = fields_pdf.locate(pdf, signer_name=signer)
    words = _words(pdf, fields.signature_page)
    under_seal = [text for text, box in words if _overlap(fields.seal, box)]
    under_signature = [text for text, box in words if _overlap(fields.signature, box)]
    assert under_seal == [] and under_signature == [], (fields, under_seal, under_signature)
    # The seal at its real size over the left third of the signature, the signer's name
    # right under both, the authority line right above.
    seal, signature = fields.seal, fields.signature
    assert seal[3] - seal[1] >= fields_pdf.SEAL_SIZE
    third = signature[0] + (signature[2] - signature[0]) / 3
    assert seal[0] < signature[0] < seal[0] + fields_pdf.SEAL_SIZE and \
        abs(seal[0] + fields_pdf.SEAL_SIZE - third) < 1
    name_top = max(box[3] for text, box in words if text == signer.split()[0])
    assert 0 <= min(seal[1], signature[1]) - name_top < 12
    authority = [box for text, box in words if text == "PHÓ"]
    assert authority and 0 <= min(b[1] for b in authority) - max(seal[3], signature[3]) < 12


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
