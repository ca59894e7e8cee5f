"""Minutes (biên bản) and the conclusions notice (thông báo kết luận) of a meeting.

Three parts:

- :func:`build_record` reads what the session recorded (attendance and quorum, items, positions,
  who spoke, votes with their rule, tally and outcome) into a plain :class:`MeetingRecord`;
- :func:`render_minutes` and :func:`render_conclusions` lay that record out as a .docx the way
  Decree 30/2020/NĐ-CP wants an administrative document (A4, Times New Roman, the two-column
  header, number and date lines, type name and summary, justified body, signature block and
  recipients). They need no database and no app;
- the services: the secretariat generates a version, edits it in a word processor, uploads the
  edited file as a new version and finally locks one, which closes the series. Every version is
  kept (its bytes in :mod:`ecabinet.storage`, by SHA-256) and every change is audited.

The documents are in Vietnamese whatever the reader's interface language: they are the
Government's records, so their text is not put through the interface translations.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import PurePosixPath

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt
from flask_babel import gettext as _
from lxml import etree
from sqlalchemy import func, select

from ecabinet import storage
from ecabinet.audit import services as audit
from ecabinet.docs import validation
from ecabinet.errors import Conflict, Forbidden, Invalid, NotFound
from ecabinet.extensions import db
from ecabinet.i18n import VIETNAM, in_vietnam, vietnamese_date
from ecabinet.identity.models import User
from ecabinet.meetings import access, queries
from ecabinet.meetings.models import (
    VOTING_ROLES,
    Meeting,
    MeetingKind,
    MeetingStatus,
    MinutesKind,
    MinutesSource,
    MinutesVersion,
    ParticipantRole,
    QuorumRule,
    SpeakerRequest,
    SpeakerStatus,
    Stance,
    Vote,
    VoteRule,
)

#: Word's media type (the documents feature's validator owns it).
DOCX_MIME = validation.DOCX_MIME

# --- the record ----------------------------------------------------------------------------------

#: The rule a vote passes by, as the minutes write it.
RULE_WORDS = {
    VoteRule.MAJORITY_OF_ALL: "quá nửa tổng số thành viên Chính phủ",
    VoteRule.MAJORITY_OF_PRESENT: "quá nửa số thành viên có mặt",
    VoteRule.TWO_THIRDS_OF_ALL: "hai phần ba tổng số thành viên",
    VoteRule.TWO_THIRDS_OF_PRESENT: "hai phần ba số thành viên có mặt",
}
QUORUM_WORDS = {
    QuorumRule.TWO_THIRDS: "hai phần ba tổng số thành viên Chính phủ",
    QuorumRule.MAJORITY: "quá nửa tổng số thành viên Chính phủ",
}
OUTCOME_WORDS = {"adopted": "thông qua", "rejected": "không thông qua"}
KIND_WORDS = {MeetingKind.REGULAR: "thường kỳ", MeetingKind.THEMATIC: "chuyên đề"}
PLACE = "Hà Nội"


@dataclass(frozen=True)
class Person:
    name: str
    title: str | None = None

    @property
    def label(self) -> str:
        return f"{self.name}, {self.title}" if self.title else self.name


@dataclass(frozen=True)
class Quorum:
    present: int
    total: int
    needed: int
    reached: bool
    rule: str
    rule_words: str


@dataclass(frozen=True)
class Attendance:
    present: tuple[Person, ...]
    absent: tuple[Person, ...]
    guests_present: tuple[Person, ...]
    guests_absent: tuple[Person, ...]
    quorum: Quorum


@dataclass(frozen=True)
class PositionTally:
    """Positions stated before the session (tán thành / không tán thành / đăng ký phát biểu)."""

    agree: int
    against: int
    speak: int
    none: int


@dataclass(frozen=True)
class Speaker:
    person: Person
    #: "done", or "speaking" when the floor had not been taken back at the end.
    status: str
    started_at: datetime | None


@dataclass(frozen=True)
class VoteRecord:
    question: str
    secret: bool
    rule: str
    rule_words: str
    #: "closed", or "open" when the session stopped with the vote still open.
    status: str
    members_total: int
    present_total: int
    yes: int | None
    no: int | None
    abstain: int | None
    absent: int | None
    #: "adopted" / "rejected" (None while open), and the same in the minutes' words.
    outcome: str | None
    outcome_words: str | None
    #: A tie decided by the side the chair voted with.
    decided_by_chair: bool


@dataclass(frozen=True)
class ItemRecord:
    position: int
    title: str
    presenting_agency: str | None
    presenter: Person | None
    confidential: bool
    positions: PositionTally
    speakers: tuple[Speaker, ...]
    votes: tuple[VoteRecord, ...]
    adopted_without_discussion: bool


@dataclass(frozen=True)
class MeetingRecord:
    meeting_id: int
    title: str
    kind: str
    #: The trích yếu: "Phiên họp Chính phủ thường kỳ tháng 11 năm 2026".
    summary: str
    #: Times in Vietnam's time zone.
    starts_at: datetime
    started_at: datetime | None
    closed_at: datetime | None
    location: str | None
    status: str
    chair: Person | None
    secretary: Person | None
    attendance: Attendance
    items: tuple[ItemRecord, ...]
    #: The day the record was drawn up (the draft notice's date).
    drawn_up_on: date
    place: str = PLACE

    @property
    def began(self) -> datetime:
        """When the session actually opened (the scheduled time if it never did)."""
        return self.started_at or self.starts_at


def _person(user: User | None) -> Person | None:
    return Person(user.name, user.title) if user is not None else None


def _local(value: datetime | None) -> datetime | None:
    return in_vietnam(value) if value is not None else None


def meeting_summary(meeting: Meeting) -> str:
    """The trích yếu of the minutes. A regular meeting is named by its month, as the Government
    names them; a thematic one by its title."""
    starts = _local(meeting.starts_at)
    if meeting.kind == MeetingKind.REGULAR:
        return f"Phiên họp Chính phủ thường kỳ tháng {starts.month} năm {starts.year}"
    return meeting.title


def build_record(meeting: Meeting, *, secretary: User | None = None) -> MeetingRecord:
    """What the session recorded, as plain data. ``secretary`` is who takes the minutes when the
    meeting has no participant invited as secretary."""
    participants = sorted(meeting.participants,
                          key=lambda p: (p.role != ParticipantRole.CHAIR, p.id))
    voting = [p for p in participants if p.role in VOTING_ROLES]
    guests = [p for p in participants if p.role == ParticipantRole.GUEST]
    counted = queries.quorum(meeting)
    rule = QuorumRule(meeting.quorum_rule)
    attendance = Attendance(
        present=tuple(_person(p.user) for p in voting if p.checked_in_at is not None),
        absent=tuple(_person(p.user) for p in voting if p.checked_in_at is None),
        guests_present=tuple(_person(p.user) for p in guests if p.checked_in_at is not None),
        guests_absent=tuple(_person(p.user) for p in guests if p.checked_in_at is None),
        quorum=Quorum(counted["present"], counted["total"], counted["needed"],
                      counted["reached"], rule.value, QUORUM_WORDS[rule]))
    invited_secretary = next((p.user for p in participants
                              if p.role == ParticipantRole.SECRETARY), None)
    chair = meeting.chair
    return MeetingRecord(
        meeting_id=meeting.id, title=meeting.title, kind=meeting.kind,
        summary=meeting_summary(meeting), starts_at=_local(meeting.starts_at),
        started_at=_local(meeting.started_at), closed_at=_local(meeting.closed_at),
        location=meeting.location, status=meeting.status,
        chair=_person(chair.user) if chair else None,
        secretary=_person(invited_secretary or secretary),
        attendance=attendance,
        items=tuple(_item_record(item) for item in sorted(meeting.items,
                                                          key=lambda i: i.position)),
        drawn_up_on=datetime.now(VIETNAM).date())


def _item_record(item) -> ItemRecord:
    tally = queries.position_tally(item)
    speakers = db.session.scalars(
        select(SpeakerRequest)
        .where(SpeakerRequest.item_id == item.id,
               SpeakerRequest.status.in_([SpeakerStatus.DONE, SpeakerStatus.SPEAKING]))
        .order_by(SpeakerRequest.started_at, SpeakerRequest.id))
    votes = tuple(db.session.scalars(select(Vote).where(Vote.item_id == item.id)
                                     .order_by(Vote.opened_at, Vote.id)))
    return ItemRecord(
        position=item.position, title=item.title, presenting_agency=item.presenting_agency,
        presenter=_person(item.presenter), confidential=item.confidential,
        positions=PositionTally(tally[Stance.AGREE], tally[Stance.OBJECT], tally[Stance.SPEAK],
                                tally["none"]),
        speakers=tuple(Speaker(_person(r.user), r.status, _local(r.started_at))
                       for r in speakers),
        votes=tuple(_vote_record(vote) for vote in votes),
        # One outcome per item: a vote's result wins over an adoption without discussion (which
        # the rule no longer allows beside a vote, but an older record may hold both).
        adopted_without_discussion=item.adopted_without_discussion_at is not None and not votes)


def _vote_record(vote: Vote) -> VoteRecord:
    closed = vote.status == "closed"
    return VoteRecord(
        question=vote.question, secret=vote.secret, rule=vote.rule,
        rule_words=RULE_WORDS[VoteRule(vote.rule)], status=vote.status,
        members_total=vote.members_total, present_total=vote.present_total,
        yes=vote.tally_yes if closed else None, no=vote.tally_no if closed else None,
        abstain=vote.tally_abstain if closed else None,
        absent=vote.tally_absent if closed else None,
        outcome=vote.outcome if closed else None,
        outcome_words=OUTCOME_WORDS.get(vote.outcome) if closed else None,
        decided_by_chair=vote.decided_by_chair)


# --- layout (Decree 30/2020/NĐ-CP, Appendix I) ----------------------------------------------------

FONT = "Times New Roman"
BODY_PT = 14
#: Text width: A4 (210 mm) less the left (30 mm) and right (15 mm) margins.
TEXT_MM = 165
#: The header's two columns: the issuing body on the left, the national title on the right.
HEADER_MM = (60, 105)
#: The motto's length at 13 pt bold (Times New Roman / Liberation Serif): its rule is as long.
MOTTO_RULE_MM = 56


@dataclass(frozen=True)
class _Layout:
    """What differs between the minutes and the notice."""

    issuer: str
    #: The rule under the issuer's name: a third to a half of the name's length.
    issuer_rule_mm: float
    symbol: str
    type_name: str


MINUTES_LAYOUT = _Layout("CHÍNH PHỦ", 14, "BB-CP", "BIÊN BẢN")
#: The Government Office issues the notice of the chair's conclusions.
CONCLUSIONS_LAYOUT = _Layout("VĂN PHÒNG CHÍNH PHỦ", 22, "TB-VPCP", "THÔNG BÁO")
#: Who signs the notice: the Minister, Head of the Government Office, or a deputy for them.
CONCLUSIONS_AUTHORITY = ("KT. BỘ TRƯỞNG, CHỦ NHIỆM", "PHÓ CHỦ NHIỆM")

_JUSTIFY, _CENTER, _LEFT = WD_ALIGN_PARAGRAPH.JUSTIFY, WD_ALIGN_PARAGRAPH.CENTER, \
    WD_ALIGN_PARAGRAPH.LEFT
#: Where w:pBdr goes among a paragraph's properties (the schema's order).
_AFTER_PBDR = ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap",
               "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi",
               "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing",
               "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection",
               "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId",
               "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")


def _fonts(rpr) -> None:
    """Times New Roman for every script slot, and no theme font that would override it: without
    the east-Asian and complex-script slots LibreOffice may substitute another font."""
    rfonts = rpr.get_or_add_rFonts()
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(theme), None)
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(slot), FONT)


class _Writer:
    """A python-docx document set up for a Vietnamese administrative text, with helpers."""

    def __init__(self, *, title: str, author: str):
        self.doc = Document()
        self._page()
        self._defaults()
        props = self.doc.core_properties
        props.title, props.author, props.last_modified_by = title, author, author
        props.language, props.comments, props.keywords = "vi-VN", "", ""
        props.created = props.modified = datetime.now(UTC).replace(microsecond=0)
        props.revision = 1

    def _page(self) -> None:
        section = self.doc.sections[0]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin = section.bottom_margin = Mm(20)
        section.left_margin, section.right_margin = Mm(30), Mm(15)
        section.header_distance = section.footer_distance = Mm(10)
        # Page numbers from the second page, centred at the top (Decree 30, Appendix I).
        section.different_first_page_header_footer = True
        number = section.header.paragraphs[0]
        number.alignment = _CENTER
        self._field(number, "PAGE", size=BODY_PT)

    def _defaults(self) -> None:
        styles = self.doc.styles
        defaults = styles.element.find(qn("w:docDefaults"))
        rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
        _fonts(rpr)
        rpr.find(qn("w:sz")).set(qn("w:val"), str(BODY_PT * 2))
        rpr.find(qn("w:szCs")).set(qn("w:val"), str(BODY_PT * 2))
        lang = rpr.find(qn("w:lang"))
        lang.set(qn("w:val"), "vi-VN")
        lang.set(qn("w:eastAsia"), "vi-VN")
        spacing = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr")).find(qn("w:spacing"))
        spacing.set(qn("w:after"), "0")
        spacing.set(qn("w:line"), "240")
        for name in ("Normal", "Header", "Footer"):
            if name in [s.name for s in styles]:
                style = styles[name]
                style.font.name, style.font.size = FONT, Pt(BODY_PT)
                _fonts(style.element.get_or_add_rPr())
        settings = self.doc.settings.element
        theme_lang = settings.find(qn("w:themeFontLang"))
        if theme_lang is not None:
            theme_lang.set(qn("w:val"), "vi-VN")

    # paragraphs

    def para(self, container=None, text: str = "", *, bold=False, italic=False,
             size: float = BODY_PT, align=_JUSTIFY, first_line: bool = True,
             before: float = 6, after: float = 0, keep_next: bool = False):
        container = container if container is not None else self.doc
        paragraph = container.add_paragraph()
        fmt = paragraph.paragraph_format
        fmt.alignment = align
        fmt.first_line_indent = Cm(1.27) if first_line else None
        fmt.space_before, fmt.space_after = Pt(before), Pt(after)
        fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
        fmt.widow_control = True
        if keep_next:
            fmt.keep_with_next = True
        if text:
            self.run(paragraph, text, bold=bold, italic=italic, size=size)
        self._mark_size(paragraph, size)
        return paragraph

    def run(self, paragraph, text: str, *, bold=False, italic=False, size: float = BODY_PT):
        run = paragraph.add_run(text)
        run.bold, run.italic = bold or None, italic or None
        run.font.size = Pt(size)
        run.font.name = FONT
        _fonts(run._r.get_or_add_rPr())
        if "  " in text or text != text.strip():
            for t in run._r.findall(qn("w:t")):
                t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        return run

    def _mark_size(self, paragraph, size: float) -> None:
        """The paragraph mark's size sets an empty line's height: keep it the text's."""
        ppr = paragraph._p.get_or_add_pPr()
        rpr = ppr.find(qn("w:rPr"))
        if rpr is None:
            rpr = OxmlElement("w:rPr")
            ppr.append(rpr)
        for tag in ("w:sz", "w:szCs"):
            element = rpr.find(qn(tag))
            if element is None:
                element = OxmlElement(tag)
                rpr.append(element)
            element.set(qn("w:val"), str(round(size * 2)))

    def national_title(self, cell, cell_mm: float) -> None:
        """The right half of every Decree 30 header: the national title, the motto and the
        rule under it."""
        self.para(cell, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, size=12, align=_CENTER,
                  first_line=False, before=0)
        self.para(cell, "Độc lập - Tự do - Hạnh phúc", bold=True, size=13, align=_CENTER,
                  first_line=False, before=0)
        self.rule(cell, MOTTO_RULE_MM, cell_mm, before=1)

    def rule(self, container, width_mm: float, container_mm: float, *, before: float = 0):
        """A centred horizontal rule ``width_mm`` long: the bottom border of an empty, tiny
        paragraph, narrowed by equal indents."""
        paragraph = self.para(container, size=1, align=_CENTER, first_line=False,
                              before=before)
        fmt = paragraph.paragraph_format
        side = Mm(max((container_mm - width_mm) / 2, 0))
        fmt.left_indent = fmt.right_indent = side
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(1)
        border = OxmlElement("w:pBdr")
        bottom = OxmlElement("w:bottom")
        for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"),
                           ("w:color", "000000")):
            bottom.set(qn(key), value)
        border.append(bottom)
        paragraph._p.get_or_add_pPr().insert_element_before(border, *_AFTER_PBDR)
        return paragraph

    def _field(self, paragraph, instruction: str, *, size: float) -> None:
        run = self.run(paragraph, "", size=size)
        for kind, text in (("begin", None), (None, f" {instruction} "), ("separate", None),
                           (None, "2"), ("end", None)):
            if kind:
                char = OxmlElement("w:fldChar")
                char.set(qn("w:fldCharType"), kind)
                run._r.append(char)
            elif text.strip() == instruction:
                instr = OxmlElement("w:instrText")
                instr.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
                instr.text = text
                run._r.append(instr)
            else:
                t = OxmlElement("w:t")
                t.text = text
                run._r.append(t)

    # tables

    def table(self, widths_mm: tuple[float, ...], container=None):
        """A borderless table of fixed column widths, flush with the text margins."""
        container = container if container is not None else self.doc
        table = container.add_table(rows=1, cols=len(widths_mm))
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False  # w:tblLayout fixed: the widths below are kept as they are
        tbl_pr = table._tbl.tblPr
        width = OxmlElement("w:tblW")
        width.set(qn("w:w"), str(round(sum(widths_mm) / 25.4 * 1440)))
        width.set(qn("w:type"), "dxa")
        existing = tbl_pr.find(qn("w:tblW"))
        if existing is not None:
            tbl_pr.remove(existing)
        tbl_pr.insert(1 if tbl_pr.find(qn("w:tblStyle")) is not None else 0, width)
        borders = OxmlElement("w:tblBorders")
        for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
            element = OxmlElement(f"w:{edge}")
            element.set(qn("w:val"), "nil")
            borders.append(element)
        tbl_pr.append(borders)
        margins = OxmlElement("w:tblCellMar")
        for edge in ("left", "right"):
            element = OxmlElement(f"w:{edge}")
            element.set(qn("w:w"), "0")
            element.set(qn("w:type"), "dxa")
            margins.append(element)
        tbl_pr.append(margins)
        self._order_tbl_pr(tbl_pr)
        for column, width_mm in zip(table.columns, widths_mm, strict=True):
            column.width = Mm(width_mm)
            for cell in column.cells:
                cell.width = Mm(width_mm)
        row_pr = table.rows[0]._tr.get_or_add_trPr()
        row_pr.append(OxmlElement("w:cantSplit"))
        return table

    @staticmethod
    def _order_tbl_pr(tbl_pr) -> None:
        order = ["tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize",
                 "tblStyleColBandSize", "tblW", "jc", "tblCellSpacing", "tblInd", "tblBorders",
                 "shd", "tblLayout", "tblCellMar", "tblLook"]
        children = list(tbl_pr)
        children.sort(key=lambda e: order.index(etree.QName(e).localname)
                      if etree.QName(e).localname in order else len(order))
        for child in children:
            tbl_pr.remove(child)
            tbl_pr.append(child)

    @staticmethod
    def cell(table, column: int, row: int = 0):
        """A new cell without the empty paragraph python-docx puts in it, so that helpers add
        paragraphs from the top (a cell must end up with at least one)."""
        cell = table.cell(row, column)
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
        for paragraph in cell.paragraphs:
            if not paragraph.text:
                cell._tc.remove(paragraph._p)
        return cell

    def add_row(self, table):
        row = table.add_row()
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        return row

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        self.doc.save(buffer)
        return buffer.getvalue()


def _header(w: _Writer, layout: _Layout, date_line: str) -> None:
    """The issuing body and number on the left; the national title, motto and date on the right."""
    left_mm, right_mm = HEADER_MM
    table = w.table(HEADER_MM)
    left, right = w.cell(table, 0), w.cell(table, 1)
    w.para(left, layout.issuer, bold=True, size=13, align=_CENTER, first_line=False, before=0)
    w.rule(left, layout.issuer_rule_mm, left_mm, before=1)
    w.national_title(right, right_mm)
    w.add_row(table)
    number, place = w.cell(table, 0, row=1), w.cell(table, 1, row=1)
    # The number is given when the document is issued (văn thư registers it).
    w.para(number, f"Số:        /{layout.symbol}", size=13, align=_CENTER, first_line=False,
           before=6)
    w.para(place, date_line, italic=True, size=14, align=_CENTER, first_line=False, before=6)


def _title(w: _Writer, layout: _Layout, summary: str) -> None:
    w.para(text=layout.type_name, bold=True, align=_CENTER, first_line=False, before=24,
           keep_next=True)
    w.para(text=summary, bold=True, align=_CENTER, first_line=False, before=0, keep_next=True)
    w.rule(None, 40, TEXT_MM, before=2)
    w.para(size=6, first_line=False, before=0)


def _recipients(w: _Writer, container, lines: list[str], *, before: float = 0) -> None:
    """"Nơi nhận:" bold italic 12 pt; each line 11 pt, "-" … ";" and the last one "."."""
    w.para(container, "Nơi nhận:", bold=True, italic=True, size=12, align=_LEFT,
           first_line=False, before=before)
    for number, line in enumerate(lines, start=1):
        end = "." if number == len(lines) else ";"
        w.para(container, f"- {line}{end}", size=11, align=_LEFT, first_line=False, before=0)


def _time(value: datetime) -> str:
    return f"{value.hour:02d} giờ {value.minute:02d}"


def _count_words(tally: PositionTally) -> str:
    return (f"{tally.agree} tán thành, {tally.against} không tán thành, "
            f"{tally.speak} đăng ký phát biểu, {tally.none} chưa có ý kiến")


def _vote_lines(vote: VoteRecord) -> list[tuple[str, str]]:
    """(label, text) lines describing one vote in the minutes."""
    form = "bỏ phiếu kín" if vote.secret else "biểu quyết công khai"
    lines = [("Nội dung biểu quyết: ", f"{vote.question.rstrip('.?')}."),
             ("Hình thức: ", f"{form}; nguyên tắc thông qua: {vote.rule_words}."),
             ]
    if vote.status != "closed":
        lines.append(("Kết quả: ", "chưa kết thúc biểu quyết khi phiên họp tạm dừng."))
        return lines
    lines.append(("Kết quả: ", f"{vote.yes} tán thành, {vote.no} không tán thành, "
                               f"{vote.abstain} không biểu quyết, {vote.absent} vắng mặt hoặc "
                               f"không tham gia (trên tổng số {vote.members_total} thành viên, "
                               f"{vote.present_total} có mặt)."))
    verdict = vote.outcome_words or ""
    if vote.decided_by_chair:
        verdict += (" (số phiếu tán thành và không tán thành ngang nhau, kết quả theo ý kiến "
                    "mà Chủ tọa đã biểu quyết)")
    lines.append(("Kết luận: ", f"{verdict}."))
    return lines


def _labelled(w: _Writer, label: str, text: str, **kwargs):
    paragraph = w.para(**kwargs)
    w.run(paragraph, label, bold=True)
    w.run(paragraph, text)
    return paragraph


def _people(w: _Writer, people: tuple[Person, ...]) -> None:
    for number, person in enumerate(people, start=1):
        w.para(text=f"- {person.label}{'.' if number == len(people) else ';'}", before=0)


def _item_heading(item: ItemRecord) -> str:
    marked = item.title.lower().rstrip().endswith("(mật)")
    secret = " (Mật)" if item.confidential and not marked else ""
    return f"{item.position}. {item.title}{secret}"


def _presenter_line(item: ItemRecord) -> str | None:
    parts = [item.presenting_agency] if item.presenting_agency else []
    if item.presenter:
        parts.append(f"trình bày: {item.presenter.label}")
    return "; ".join(parts) + "." if parts else None


def render_minutes(record: MeetingRecord) -> bytes:
    """The biên bản of the session as a .docx."""
    layout = MINUTES_LAYOUT
    w = _Writer(title=f"Biên bản {record.summary}", author="Văn phòng Chính phủ")
    _header(w, layout, vietnamese_date(record.began, record.place))
    _title(w, layout, record.summary)

    w.para(text="I. THỜI GIAN, ĐỊA ĐIỂM", bold=True, keep_next=True)
    began = record.began
    _labelled(w, "Thời gian: ", f"bắt đầu lúc {_time(began)}, {vietnamese_date(began)}"
              + (f"; kết thúc lúc {_time(record.closed_at)}, {vietnamese_date(record.closed_at)}"
                 if record.closed_at else "") + ".")
    _labelled(w, "Địa điểm: ", f"{record.location or record.place}.")

    w.para(text="II. THÀNH PHẦN", bold=True, keep_next=True)
    chair = record.chair.label if record.chair else "…"
    _labelled(w, "Chủ tọa: ", f"{chair}.")
    att = record.attendance
    quorum = att.quorum
    _labelled(w, "Thành viên Chính phủ có mặt: ",
              f"{quorum.present}/{quorum.total} thành viên; "
              + (f"đủ số lượng theo quy định ({quorum.rule_words}, tối thiểu {quorum.needed} "
                 "thành viên)." if quorum.reached else
                 f"không đủ số lượng theo quy định ({quorum.rule_words}, tối thiểu "
                 f"{quorum.needed} thành viên)."), keep_next=True)
    _people(w, att.present)
    if att.absent:
        _labelled(w, "Vắng mặt: ", f"{len(att.absent)} thành viên.", keep_next=True)
        _people(w, att.absent)
    else:
        _labelled(w, "Vắng mặt: ", "không.")
    if att.guests_present:
        _labelled(w, "Đại biểu mời dự: ", "", keep_next=True)
        _people(w, att.guests_present)
    if att.guests_absent:
        _labelled(w, "Đại biểu mời vắng mặt: ",
                  "; ".join(p.label for p in att.guests_absent) + ".")
    secretary = record.secretary.label if record.secretary else "…"
    _labelled(w, "Thư ký: ", f"{secretary}.")

    w.para(text="III. NỘI DUNG", bold=True, keep_next=True)
    w.para(text="Phiên họp xem xét, cho ý kiến về các nội dung sau:")
    for item in record.items:
        w.para(text=_item_heading(item), bold=True, keep_next=True)
        presenter = _presenter_line(item)
        if presenter:
            _labelled(w, "Cơ quan trình: ", presenter)
        _labelled(w, "Ý kiến trước phiên họp: ", _count_words(item.positions) + ".")
        if item.adopted_without_discussion:
            _labelled(w, "Kết quả: ", "không có ý kiến không tán thành hoặc đăng ký phát biểu; "
                      "nội dung được thông qua không thảo luận.")
        if item.speakers:
            names = "; ".join(s.person.label for s in item.speakers)
            _labelled(w, "Phát biểu tại phiên họp (theo thứ tự): ", f"{names}.")
        elif not item.adopted_without_discussion:
            _labelled(w, "Phát biểu tại phiên họp: ", "không có.")
        for number, vote in enumerate(item.votes, start=1):
            heading = "Biểu quyết" + (f" lần {number}" if len(item.votes) > 1 else "") + ":"
            w.para(text=heading, bold=True, italic=True, keep_next=True)
            for label, text in _vote_lines(vote):
                _labelled(w, label, text)

    ending = "Biên bản do Thư ký phiên họp lập, trình Chủ tọa ký./."
    w.para(text=ending, before=12, keep_next=True)

    # One row that cannot split: the signatures and the recipients under them stay together.
    signatures = w.table((TEXT_MM / 2, TEXT_MM / 2))
    cells = [w.cell(signatures, 0), w.cell(signatures, 1)]
    for cell, role, person in zip(cells, ("THƯ KÝ", "CHỦ TỌA"), (record.secretary, record.chair),
                                  strict=True):
        w.para(cell, role, bold=True, align=_CENTER, first_line=False, before=12)
        w.para(cell, person.name if person else "", bold=True, align=_CENTER,
               first_line=False, before=84)
    _recipients(w, cells[0], [
        "Thủ tướng, các Phó Thủ tướng Chính phủ",
        "Các thành viên Chính phủ dự phiên họp",
        "VPCP: BTCN, các PCN",
        "Lưu: VT, TH",
    ], before=18)
    return w.to_bytes()


def _outcome_lines(item: ItemRecord) -> list[tuple[str, str]]:
    """(label, text): each closed vote's question and result, or how the item ended."""
    lines = []
    for vote in (v for v in item.votes if v.status == "closed"):
        text = (f"{vote.question.rstrip('.?')}: {vote.outcome_words} ({vote.yes}/"
                f"{vote.members_total} thành viên Chính phủ tán thành; nguyên tắc: "
                f"{vote.rule_words}")
        if vote.decided_by_chair:
            text += "; số phiếu ngang nhau, kết quả theo ý kiến mà Chủ tọa đã biểu quyết"
        lines.append(("Kết quả biểu quyết: ", text + ")."))
    if item.adopted_without_discussion:
        lines.append(("Kết quả: ", "nội dung được thông qua không thảo luận (không có ý kiến "
                                   "không tán thành)."))
    if not lines:
        lines.append(("Kết quả: ", "Chính phủ đã thảo luận, cho ý kiến; chưa biểu quyết."))
    return lines


def render_conclusions(record: MeetingRecord) -> bytes:
    """The draft thông báo kết luận: per item its outcome, and room for the chair's conclusion,
    which the secretariat writes."""
    layout = CONCLUSIONS_LAYOUT
    authority = record.chair.title if record.chair and record.chair.title else \
        "Thủ tướng Chính phủ"
    summary = f"Kết luận của {authority} tại {record.summary}"
    w = _Writer(title=f"Thông báo {summary}", author="Văn phòng Chính phủ")
    _header(w, layout, vietnamese_date(record.drawn_up_on, record.place))
    _title(w, layout, summary)

    chair = f"{authority} {record.chair.name}" if record.chair else authority
    when = vietnamese_date(record.began)
    where = f", tại {record.location}" if record.location else ""
    quorum = record.attendance.quorum
    w.para(text=f"{when[0].upper()}{when[1:]}{where}, {chair} chủ trì {record.summary}. "
                f"Dự phiên họp có {quorum.present}/{quorum.total} thành viên Chính phủ"
                + (" và đại biểu mời" if record.attendance.guests_present else "") + ".")
    w.para(text=f"Sau khi nghe cơ quan trình báo cáo và ý kiến của các thành viên Chính phủ, "
                f"{authority} kết luận như sau:")
    for item in record.items:
        w.para(text=_item_heading(item), bold=True, keep_next=True)
        presenter = _presenter_line(item)
        if presenter:
            _labelled(w, "Cơ quan trình: ", presenter)
        for label, text in _outcome_lines(item):
            _labelled(w, label, text)
        w.para(text="[Văn phòng Chính phủ ghi nội dung kết luận của Chủ tọa về nội dung này.]",
               italic=True)
    w.para(text="Văn phòng Chính phủ thông báo để các cơ quan, đơn vị liên quan biết, "
                "thực hiện./.", keep_next=True)

    block = w.table((85, TEXT_MM - 85))
    left, right = w.cell(block, 0), w.cell(block, 1)
    agencies = []
    for item in record.items:
        if item.presenting_agency and item.presenting_agency not in agencies:
            agencies.append(item.presenting_agency)
    _recipients(w, left, [
        "Thủ tướng, các Phó Thủ tướng Chính phủ",
        "Các thành viên Chính phủ",
        *agencies,
        "VPCP: BTCN, các PCN, các Vụ, Cục",
        "Lưu: VT, TH",
    ], before=12)
    for number, line in enumerate(CONCLUSIONS_AUTHORITY):
        w.para(right, line, bold=True, align=_CENTER, first_line=False,
               before=12 if number == 0 else 0)
    # Room for the signature; the signer's name goes on this line when it is known.
    w.para(right, "", bold=True, align=_CENTER, first_line=False, before=84)
    return w.to_bytes()


RENDERERS = {MinutesKind.MINUTES: render_minutes, MinutesKind.CONCLUSIONS: render_conclusions}
FILE_PREFIX = {MinutesKind.MINUTES: "bien-ban", MinutesKind.CONCLUSIONS: "thong-bao-ket-luan"}


# --- checking an uploaded .docx ------------------------------------------------------------------

#: The minutes' own limits; the checks themselves are the documents feature's (one validator).
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
#: A .docx this size unpacks to a few times as much; more is a zip bomb.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024


def check_docx(data: bytes) -> None:
    """Accept only a real Word document (.docx) within the minutes' limits."""
    validation.check_docx(data, max_bytes=MAX_UPLOAD_BYTES, max_unpacked=MAX_UNPACKED_BYTES)


def clean_filename(name: str | None, fallback: str) -> str:
    """A display name for Content-Disposition: the last path part, printable, ending .docx."""
    name = PurePosixPath((name or "").replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"<>:|?*').strip(" .")
    stem = re.sub(r"\.docx$", "", name, flags=re.IGNORECASE)[:150].strip(" .")
    return f"{stem or fallback}.docx"


# --- services ------------------------------------------------------------------------------------

#: Minutes are drawn up once the session has stopped: adjourned (it may resume) or closed.
MINUTES_OPEN = {MeetingStatus.ADJOURNED, MeetingStatus.CLOSED}


def _kind(value: str) -> MinutesKind:
    try:
        return MinutesKind(value)
    except ValueError:
        raise Invalid(_("A kind is minutes or conclusions."), details={"kind": [value]}) from None


def versions_of(meeting: Meeting) -> list[MinutesVersion]:
    return list(db.session.scalars(
        select(MinutesVersion).where(MinutesVersion.meeting_id == meeting.id)
        .order_by(MinutesVersion.kind, MinutesVersion.number)))


def locked_version(meeting: Meeting, kind: MinutesKind) -> MinutesVersion | None:
    return db.session.scalar(select(MinutesVersion).where(
        MinutesVersion.meeting_id == meeting.id, MinutesVersion.kind == kind.value,
        MinutesVersion.locked_at.is_not(None)))


def can_read(user: User, meeting: Meeting, version: MinutesVersion) -> bool:
    """Drafts: the secretariat and the chair. The final (locked) text: also the members, when
    they may see every item it reports on (a confidential item stays with its invitees)."""
    if access.is_organiser(user, meeting) or access.is_chair(user, meeting):
        return True
    if version.locked_at is None or not access.is_voting_member(user, meeting):
        return False
    return len(access.visible_items(user, meeting)) == len(meeting.items)


def visible_versions(user: User, meeting: Meeting) -> list[MinutesVersion]:
    return [v for v in versions_of(meeting) if can_read(user, meeting, v)]


def version_for(user: User, meeting_id: int, kind: str, number: int) -> MinutesVersion:
    """Load a version the user may read: 404 when the meeting or version is not theirs to see,
    403 when it is a draft they may not read yet."""
    meeting = access.meeting_for(user, meeting_id)
    version = db.session.scalar(select(MinutesVersion).where(
        MinutesVersion.meeting_id == meeting.id, MinutesVersion.kind == kind,
        MinutesVersion.number == number))
    if version is None:
        raise NotFound(_("No such version."))
    if not can_read(user, meeting, version):
        raise Forbidden(_("Members can read the minutes once the final version is locked; "
                          "guests cannot."))
    return version


def content_of(version: MinutesVersion) -> bytes:
    return storage.get(version.sha256)


def _require_open(meeting: Meeting, kind: MinutesKind) -> None:
    if MeetingStatus(meeting.status) not in MINUTES_OPEN:
        raise Conflict(_("The minutes are drawn up once the session is adjourned or closed."),
                       code="wrong_status")
    if locked_version(meeting, kind) is not None:
        raise Conflict(_("The final version is locked: no new version can be added."),
                       code="minutes_locked")


def _serialise(meeting: Meeting) -> None:
    """Take the meeting's row lock so that two versions never get the same number and two locks
    never both succeed (SQLite's BEGIN IMMEDIATE serialises writers already)."""
    db.session.execute(select(Meeting.id).where(Meeting.id == meeting.id).with_for_update())


def _add_version(actor: User, meeting: Meeting, kind: MinutesKind, data: bytes,
                 source: MinutesSource, filename: str | None) -> MinutesVersion:
    _serialise(meeting)
    _require_open(meeting, kind)
    number = (db.session.scalar(select(func.max(MinutesVersion.number)).where(
        MinutesVersion.meeting_id == meeting.id, MinutesVersion.kind == kind.value)) or 0) + 1
    canonical = f"{FILE_PREFIX[kind]}-{meeting.id}-v{number}"
    digest = storage.put(data)
    version = MinutesVersion(
        meeting_id=meeting.id, kind=kind.value, number=number, sha256=digest, size=len(data),
        filename=clean_filename(filename, canonical) if filename else f"{canonical}.docx",
        source=source.value, created_by_id=actor.id)
    db.session.add(version)
    db.session.flush()
    audit.record(f"minutes.{'generate' if source == MinutesSource.GENERATED else 'upload'}",
                 actor=actor, target=version,
                 details={"meeting_id": meeting.id, "kind": kind.value, "number": number,
                          "sha256": digest, "size": len(data)})
    return version


def generate(actor: User, meeting: Meeting, kind: str) -> MinutesVersion:
    """A new version drawn from what the session recorded."""
    access.require_organiser(actor, meeting)
    kind_value = _kind(kind)
    _require_open(meeting, kind_value)
    data = RENDERERS[kind_value](build_record(meeting, secretary=actor))
    return _add_version(actor, meeting, kind_value, data, MinutesSource.GENERATED, None)


def upload(actor: User, meeting: Meeting, kind: str, data: bytes,
           filename: str | None = None) -> MinutesVersion:
    """A new version from a .docx the secretariat edited. Nothing is stored unless it is one."""
    access.require_organiser(actor, meeting)
    kind_value = _kind(kind)
    _require_open(meeting, kind_value)
    check_docx(data)
    return _add_version(actor, meeting, kind_value, data, MinutesSource.UPLOADED, filename)


def lock(actor: User, meeting: Meeting, kind: str, number: int) -> MinutesVersion:
    """Make a version the final text: no version of its kind can be added after this."""
    access.require_organiser(actor, meeting)
    kind_value = _kind(kind)
    _serialise(meeting)
    version = db.session.scalar(select(MinutesVersion).where(
        MinutesVersion.meeting_id == meeting.id, MinutesVersion.kind == kind_value.value,
        MinutesVersion.number == number))
    if version is None:
        raise NotFound(_("No such version."))
    if locked_version(meeting, kind_value) is not None:
        raise Conflict(_("The final version is locked already."), code="minutes_locked")
    version.locked_at, version.locked_by_id = datetime.now(UTC), actor.id
    db.session.flush()
    audit.record("minutes.lock", actor=actor, target=version,
                 details={"meeting_id": meeting.id, "kind": kind_value.value, "number": number,
                          "sha256": version.sha256})
    return version


