"""The consolidated result of a written poll as a .docx (bảng tổng hợp kết quả lấy ý kiến)."""

from __future__ import annotations

from datetime import datetime

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt

from ecabinet.house_style.blocks import header, issuer_rule_mm
from ecabinet.house_style.writer import Writer, docx_bytes
from ecabinet.i18n import VIETNAM, vietnamese_date, vietnamese_datetime
from ecabinet.polls.models import Answer, MissingAnswer, Poll
from ecabinet.polls.services import defaults_apply, result_of

GOVERNMENT_OFFICE = "VĂN PHÒNG CHÍNH PHỦ"
ANSWER_WORDS = {Answer.AGREE: "Đồng ý", Answer.DISAGREE: "Không đồng ý",
                Answer.OTHER: "Ý kiến khác"}


def _base_document(date_line: str) -> Document:
    """The house style's page, fonts and Decree 30 header (the national title on one line, the
    motto under it with its rule: :func:`ecabinet.house_style.blocks.header`); the text in
    13 pt, a working table rather than an issued text."""
    w = Writer(title="Tổng hợp kết quả lấy ý kiến thành viên Chính phủ",
               author=GOVERNMENT_OFFICE)
    header(w, GOVERNMENT_OFFICE, issuer_rule_mm(GOVERNMENT_OFFICE), None, date_line)
    return w.doc


def _paragraph(document, text: str, *, bold=False, italic=False, size=13,
               align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=True):
    paragraph = document.add_paragraph()
    paragraph.alignment = align
    if indent and align == WD_ALIGN_PARAGRAPH.JUSTIFY:
        paragraph.paragraph_format.first_line_indent = Mm(12.7)
    run = paragraph.add_run(text)
    run.bold, run.italic, run.font.size = bold, italic, Pt(size)
    return paragraph


def render_result(poll: Poll) -> bytes:
    result = result_of(poll)
    # Dated the day it is made (Decree 30: the date of the document), not the deadline.
    document = _base_document(vietnamese_date(datetime.now(VIETNAM), "Hà Nội"))
    _paragraph(document, "TỔNG HỢP KẾT QUẢ", bold=True, size=14,
               align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(document, "Lấy ý kiến thành viên Chính phủ bằng phiếu", bold=True, size=14,
               align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(document, f"Nội dung xin ý kiến: {poll.question}")
    if poll.summary:
        _paragraph(document, poll.summary)
    _paragraph(document, f"Thời hạn trả lời: {vietnamese_datetime(poll.deadline)}.")
    if poll.missing_counts_as != MissingAnswer.AGREE:
        missing_rule = "không được tính là đồng ý"
    elif counts_by_default := result.counts["agree_by_default"]:
        missing_rule = (f"{counts_by_default} phiếu chưa trả lời được tính là đồng ý theo Quy chế "
                        "làm việc của Chính phủ")
    elif result.outcome == "pending":
        missing_rule = ("được tính là đồng ý theo Quy chế làm việc của Chính phủ sau thời hạn "
                        "trả lời")
    elif not defaults_apply(poll):
        missing_rule = "không được tính là đồng ý vì lấy ý kiến kết thúc trước thời hạn"
    else:
        missing_rule = "được tính là đồng ý theo Quy chế làm việc của Chính phủ"
    counts = result.counts
    _paragraph(document, (
        f"Số phiếu gửi: {counts['recipients']}; đồng ý: {counts[Answer.AGREE]}; "
        f"không đồng ý: {counts[Answer.DISAGREE]}; ý kiến khác: {counts[Answer.OTHER]}; "
        f"chưa trả lời: {counts['missing']} ({missing_rule})."))
    verdict = {"agreed": "được đa số thành viên Chính phủ đồng ý",
               "not_agreed": "chưa được đa số thành viên Chính phủ đồng ý",
               "pending": "chưa có kết quả cuối cùng (đang lấy ý kiến)"}[result.outcome]
    _paragraph(document, f"Kết quả: nội dung xin ý kiến {verdict} "
                         f"({counts['agree_total']}/{counts['recipients']}).", bold=True)
    _answers_table(document, poll)
    return docx_bytes(document)


def _answers_table(document, poll: Poll) -> None:
    table = document.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    for cell, title in zip(table.rows[0].cells, ("TT", "Thành viên Chính phủ", "Ý kiến",
                                                  "Nội dung ý kiến"), strict=True):
        cell.paragraphs[0].add_run(title).bold = True
    answers = {response.user_id: response for response in poll.responses}
    for number, recipient in enumerate(sorted(poll.recipients, key=lambda r: r.user.name), 1):
        response = answers.get(recipient.user_id)
        answer = ANSWER_WORDS[Answer(response.answer)] if response else "Chưa trả lời"
        row = table.add_row().cells
        row[0].text = str(number)
        row[1].text = f"{recipient.user.name}" + (f", {recipient.user.title}"
                                                  if recipient.user.title else "")
        row[2].text = answer
        row[3].text = (response.comment or "") if response else ""
