"""Numbering paragraphs and pages, and comparing versions (no app needed)."""

import hashlib
import io

import pytest
from docx import Document as new_docx

from ecabinet.consultation import text
from tests.consultation.conftest import NUMBERED, draft_docx
from tests.docs.corpus import pdf_bytes


def units(kind: str, data: bytes):
    return text.units_of(kind, hashlib.sha256(data).hexdigest(), lambda: data)


def test_paragraphs_are_numbered_in_document_order_with_table_cells():
    found = units("docx", draft_docx())
    assert [unit.text for unit in found] == NUMBERED
    assert [unit.anchor for unit in found[:2]] == ["p:1", "p:2"]
    assert found[4].anchor == "p:5" and found[4].text == "Cơ quan"


def test_numbering_is_the_same_on_every_reading():
    data = draft_docx()
    first = units("docx", data)
    text._cache.clear()
    assert units("docx", data) == first


def test_nested_tables_and_merged_cells_count_each_paragraph_once():
    document = new_docx()
    document.add_paragraph("Trước bảng")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).merge(table.cell(0, 1)).text = "Ô gộp"
    table.cell(1, 0).text = "Ô trái"
    inner = table.cell(1, 1).add_table(rows=1, cols=1)
    inner.cell(0, 0).text = "Bảng lồng"
    document.add_paragraph("Sau   bảng")  # inner spaces are normalised
    buffer = io.BytesIO()
    document.save(buffer)
    found = [unit.text for unit in units("docx", buffer.getvalue())]
    assert found == ["Trước bảng", "Ô gộp", "Ô trái", "Bảng lồng", "Sau bảng"]


def test_pages_of_a_pdf():
    found = units("pdf", pdf_bytes(3))
    assert [unit.anchor for unit in found] == ["page:1", "page:2", "page:3"]
    assert all(unit.text == "" for unit in found)


@pytest.mark.parametrize("anchor, parts", [
    ("p:12", ("p", 12)), ("page:3", ("page", 3)), (" p:1 ", ("p", 1)),
    ("p:0", None), ("p:-1", None), ("p:1.5", None), ("para:1", None), ("p:", None),
    ("p:1234567", None), ("", None), ("page:3; drop table", None),
])
def test_anchor_parts(anchor, parts):
    assert text.anchor_parts(anchor) == parts


def test_word_diff_marks_inserted_and_deleted_words():
    segments = text.word_diff("Thời hạn góp ý là 30 ngày.", "Thời hạn góp ý là 20 ngày làm việc.")
    assert {"op": "delete", "text": "30"} in segments
    inserted = "".join(s["text"] for s in segments if s["op"] == "insert")
    assert "20" in inserted and "làm việc" in inserted
    rebuilt_new = "".join(s["text"] for s in segments if s["op"] != "delete")
    rebuilt_old = "".join(s["text"] for s in segments if s["op"] != "insert")
    assert rebuilt_new == "Thời hạn góp ý là 20 ngày làm việc."
    assert rebuilt_old == "Thời hạn góp ý là 30 ngày."


def _units(*texts):
    return [text.Unit(f"p:{n}", n, value) for n, value in enumerate(texts, 1)]


def test_compare_finds_changed_inserted_and_deleted_paragraphs():
    old = _units("Điều 1. Phạm vi", "Thời hạn là 30 ngày.", "Điều bị bỏ đi hoàn toàn.", "Hết.")
    new = _units("Điều 1. Phạm vi", "Thời hạn là 20 ngày.", "Hết.", "Điều mới được thêm.")
    blocks = text.compare(old, new)
    ops = [(block["op"], block["old"], block["new"]) for block in blocks]
    assert ("equal", 1, 1) in ops and ("change", 2, 2) in ops
    assert ("delete", 3, None) in ops and ("insert", None, 4) in ops
    change = next(block for block in blocks if block["op"] == "change")
    assert {"op": "delete", "text": "30"} in change["segments"]
    assert {"op": "insert", "text": "20"} in change["segments"]


def test_unrelated_paragraphs_are_not_paired_as_a_change():
    blocks = text.compare(_units("Một câu hoàn toàn khác"), _units("Nội dung mới về ngân sách"))
    assert [block["op"] for block in blocks] == ["delete", "insert"]


def test_words_changed_side_by_side_read_as_one_change():
    assert text.word_diff("dự thảo văn bản mới", "dự thảo nghị định mới") == [
        {"op": "equal", "text": "dự thảo "}, {"op": "delete", "text": "văn bản"},
        {"op": "insert", "text": "nghị định"}, {"op": "equal", "text": " mới"}]


def text_pdf(*pages: bytes) -> bytes:
    """A PDF whose pages show the given (Latin-1) text in Helvetica."""
    from tests.docs.corpus import raw_pdf

    count = len(pages)
    kids = b" ".join(b"%d 0 R" % (4 + 2 * i) for i in range(count))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, count),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    for index, content in enumerate(pages):
        stream = b"BT /F1 12 Tf 72 720 Td (" + content + b") Tj ET"
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
                       b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>"
                       % (5 + 2 * index))
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    return raw_pdf(*objects)


def test_the_text_of_each_pdf_page_without_control_characters():
    found = units("pdf", text_pdf(b"Trang mot", b"Trang \\007hai  co   chu"))
    assert [(unit.anchor, unit.text) for unit in found] == [("page:1", "Trang mot"),
                                                            ("page:2", "Trang hai co chu")]


DECREE = [
    "NGHỊ ĐỊNH",                                            # 1
    "Chương I",                                             # 2
    "QUY ĐỊNH CHUNG",                                       # 3
    "Điều 1. Phạm vi điều chỉnh",                           # 4
    "Nghị định này quy định chi tiết việc lấy ý kiến.",     # 5
    "Điều 2. Giải thích từ ngữ",                            # 6
    "Trong Nghị định này, các từ ngữ dưới đây được hiểu như sau:",  # 7
    "1. Dự thảo là văn bản đang được soạn thảo.",           # 8
    "2. Cơ quan chủ trì soạn thảo gồm:",                    # 9
    "a) Bộ, cơ quan ngang bộ;",                             # 10
    "b) Ủy ban nhân dân cấp tỉnh.",                         # 11
    "Chương II",                                            # 12
    "Điều 3a. Hiệu lực thi hành",                           # 13
    "Nơi nhận:",                                            # 14
]


def test_paragraphs_are_cited_as_lawyers_cite_them():
    """Điều, khoản, điểm where the text has them; the paragraph number otherwise (issue 9,
    point 12)."""
    assert text.citations(DECREE) == [
        None, None, None,
        "Điều 1", "Điều 1 (đoạn 5)",
        "Điều 2", "Điều 2 (đoạn 7)", "Điều 2, khoản 1", "Điều 2, khoản 2",
        "Điều 2, khoản 2, điểm a", "Điều 2, khoản 2, điểm b",
        None, "Điều 3a", "Điều 3a (đoạn 14)",
    ]


def test_units_carry_their_citation():
    units = text.units_of("docx", "cite-test", lambda: draft_docx())
    by_anchor = {unit.anchor: unit for unit in units}
    assert by_anchor["p:1"].citation is None and by_anchor["p:1"].label == "Đoạn 1"
    assert by_anchor["p:3"].citation == "Điều 1" and by_anchor["p:3"].label == "Điều 1"
    assert by_anchor["p:4"].label == "Điều 1 (đoạn 4)"
