"""The consolidated table of comments (Bảng tổng hợp, tiếp thu, giải trình ý kiến) as a .docx.

Landscape A4, Times New Roman 13 pt, a Decree 30 header (the drafting agency, the national
title and motto), the title, then one row per comment in the document's order, the rows of one
paragraph sharing its "Điều, đoạn" cell.
"""

from __future__ import annotations

import io
from itertools import groupby

from docx import Document as new_docx
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from ecabinet.consultation.models import AnswerKind, Comment, ConsultationRound
from ecabinet.consultation.services import all_threads, labels_of
from ecabinet.consultation.text import anchor_parts
from ecabinet.i18n import vietnamese_date, vietnamese_datetime

FONT = "Times New Roman"
SIZE = Pt(13)
#: The issuing body when the uploader belongs to no organisation.
DEFAULT_BODY = "VĂN PHÒNG CHÍNH PHỦ"
ANSWER_WORDS = {AnswerKind.ACCEPTED: "Tiếp thu", AnswerKind.EXPLAINED: "Giải trình"}
COLUMNS = [("STT", 15), ("Cơ quan, người góp ý", 48), ("Điều, đoạn", 60),
           ("Nội dung góp ý", 70), ("Tiếp thu / giải trình", 64)]
QUOTE_START = 160


#: Characters XML (so a .docx) cannot hold: C0 controls but tab and newline.
_NOT_XML = dict.fromkeys(i for i in range(32) if i not in (9, 10, 13))


def _safe(text: str) -> str:
    """Titles and names come from elsewhere: keep what a .docx can hold."""
    return (text or "").translate(_NOT_XML)


def _document():
    document = new_docx()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    section.top_margin = section.bottom_margin = Mm(20)
    section.left_margin, section.right_margin = Mm(25), Mm(15)
    style = document.styles["Normal"]
    style.font.name, style.font.size = FONT, SIZE
    style.paragraph_format.space_after = Pt(0)
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), FONT)
    return document


def _line(container, text: str, *, bold=False, italic=False, size=SIZE,
          align=WD_ALIGN_PARAGRAPH.CENTER, first=False):
    paragraph = container.paragraphs[0] if first else container.add_paragraph()
    paragraph.alignment = align
    if text:
        run = paragraph.add_run(_safe(text))
        run.bold, run.italic, run.font.size = bold, italic, size
    return paragraph


def _rule(container, width_mm: float) -> None:
    """A short horizontal line under a header block (a bottom border of an empty paragraph,
    indented to the wanted width)."""
    paragraph = container.add_paragraph()
    paragraph.paragraph_format.space_after = Pt(6)
    cell_width = container.width.mm if getattr(container, "width", None) else 120
    side = max(0.0, (cell_width - width_mm) / 2)
    paragraph.paragraph_format.left_indent = Mm(side)
    paragraph.paragraph_format.right_indent = Mm(side)
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"),
                       ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)
    paragraph.paragraph_format.line_spacing = Pt(2)


def _header(document, body: str, date_line: str) -> None:
    table = document.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = table.rows[0].cells
    for column, width in zip(table.columns, (100, 157), strict=True):
        column.width = Mm(width)
    left.width, right.width = Mm(100), Mm(157)
    _line(left, body.upper(), bold=True, first=True)
    _rule(left, 30)
    _line(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, size=Pt(13), first=True)
    _line(right, "Độc lập - Tự do - Hạnh phúc", bold=True, size=Pt(14))
    _rule(right, 62)
    _line(right, date_line, italic=True)


def anchor_label(anchor: str) -> str:
    parts = anchor_parts(anchor)
    if parts is None:
        return anchor
    return f"Đoạn {parts[1]}" if parts[0] == "p" else f"Trang {parts[1]}"


def _quote_start(quote: str) -> str:
    quote = " ".join(quote.split())
    return quote if len(quote) <= QUOTE_START else quote[:QUOTE_START].rsplit(" ", 1)[0] + "…"


def _who(comment: Comment) -> tuple[str, str]:
    author = comment.author
    organisation = author.organisation.name if author.organisation else ""
    person = author.name + (f" ({author.title})" if author.title else "")
    return organisation, person


def _set_width(cell, width_mm: float) -> None:
    cell.width = Mm(width_mm)


def _repeat_header(row) -> None:
    properties = row._tr.get_or_add_trPr()
    marker = OxmlElement("w:tblHeader")
    marker.set(qn("w:val"), "true")
    properties.append(marker)


def _comments_table(document, threads: list[Comment], labels: dict[str, str]) -> None:
    table = document.add_table(rows=1, cols=len(COLUMNS))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    # LibreOffice and Word lay the table out by its grid: the cells' widths alone are ignored.
    for column, (_title, width) in zip(table.columns, COLUMNS, strict=True):
        column.width = Mm(width)
    for cell, (title, width) in zip(table.rows[0].cells, COLUMNS, strict=True):
        _set_width(cell, width)
        _line(cell, title, bold=True, first=True)
    _repeat_header(table.rows[0])
    if not threads:
        row = table.add_row().cells
        merged = row[0].merge(row[-1])
        _line(merged, "Chưa có ý kiến góp ý.", italic=True, first=True)
        return
    number = 0
    for _anchor, group in groupby(threads, key=lambda comment: comment.anchor):
        group = list(group)
        first_row = None
        for comment in group:
            number += 1
            cells = table.add_row().cells
            for cell, (_title, width) in zip(cells, COLUMNS, strict=True):
                _set_width(cell, width)
            first_row = first_row or cells
            _line(cells[0], str(number), first=True)
            _fill_who(cells[1], comment)
            _fill_comment(cells[3], comment)
            _fill_answer(cells[4], comment)
        anchor_cell = first_row[2]
        if len(group) > 1:
            last = table.rows[-1].cells[2]
            anchor_cell = anchor_cell.merge(last)
        _fill_anchor(anchor_cell, group[0], labels)


def _fill_who(cell, comment: Comment) -> None:
    organisation, person = _who(comment)
    left = WD_ALIGN_PARAGRAPH.LEFT
    if organisation:
        _line(cell, organisation, bold=True, align=left, first=True)
        _line(cell, person, align=left)
    else:
        _line(cell, person, align=left, first=True)


def _fill_anchor(cell, comment: Comment, labels: dict[str, str]) -> None:
    left = WD_ALIGN_PARAGRAPH.LEFT
    where = labels.get(comment.anchor) or anchor_label(comment.anchor)
    _line(cell, where, bold=True, align=left, first=True)
    if comment.quote:
        _line(cell, f"“{_quote_start(comment.quote)}”", italic=True, align=left)


def _fill_comment(cell, comment: Comment) -> None:
    justify = WD_ALIGN_PARAGRAPH.JUSTIFY
    for index, text in enumerate(comment.text.splitlines() or [comment.text]):
        _line(cell, text, align=justify, first=index == 0)
    for reply in comment.replies:
        paragraph = _line(cell, "", align=justify)
        run = paragraph.add_run(_safe(f"{reply.author.name}: "))
        run.bold, run.font.size = True, SIZE
        paragraph.add_run(_safe(" ".join(reply.text.split()))).font.size = SIZE


def _fill_answer(cell, comment: Comment) -> None:
    justify = WD_ALIGN_PARAGRAPH.JUSTIFY
    answer = comment.answer
    if answer is None:
        _line(cell, "Chưa trả lời", italic=True, align=justify, first=True)
        return
    paragraph = _line(cell, "", align=justify, first=True)
    run = paragraph.add_run(ANSWER_WORDS[AnswerKind(answer.kind)] + ". ")
    run.bold, run.font.size = True, SIZE
    lines = answer.text.splitlines() or [answer.text]
    paragraph.add_run(_safe(lines[0])).font.size = SIZE
    for text in lines[1:]:
        _line(cell, text, align=justify)


def render_table(round_: ConsultationRound, *, when=None) -> bytes:
    """The .docx of a round's comments and answers as they stand now."""
    from datetime import UTC, datetime

    document_row = round_.document
    uploader = document_row.created_by
    body = uploader.organisation.name if uploader and uploader.organisation else DEFAULT_BODY
    when = when or round_.closed_at or datetime.now(UTC)
    docx = _document()
    _header(docx, body, vietnamese_date(when, "Hà Nội"))
    _line(docx, "", first=False)
    _line(docx, "BẢNG TỔNG HỢP, TIẾP THU, GIẢI TRÌNH Ý KIẾN", bold=True, size=Pt(14))
    subject = document_row.title
    if not subject.casefold().startswith("dự thảo"):
        subject = f"dự thảo {subject}"
    _line(docx, f"đối với {subject} (bản số {round_.version.number})", bold=True)
    _line(docx, f"{round_.title} · thời hạn góp ý: {vietnamese_datetime(round_.deadline)}",
          italic=True).paragraph_format.space_after = Pt(12)
    _comments_table(docx, all_threads(round_), labels_of(round_.version))
    buffer = io.BytesIO()
    docx.save(buffer)
    return buffer.getvalue()
