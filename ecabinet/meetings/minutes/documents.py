"""The minutes and the conclusions notice as .docx, in the house style of the Government's
documents (:mod:`ecabinet.house_style`, Decree 30/2020/NĐ-CP, Appendix I): A4, Times New Roman,
the two-column header, number and date lines, type name and summary, justified body, signature
block and recipients. A :class:`~ecabinet.meetings.minutes.record.MeetingRecord` in, bytes out:
no database, no app.
"""

from __future__ import annotations

from dataclasses import dataclass

from ecabinet.house_style.blocks import header, recipients, title
from ecabinet.house_style.writer import CENTER, TEXT_MM, Writer
from ecabinet.i18n import vietnamese_date
from ecabinet.meetings.minutes.record import MeetingRecord, Person
from ecabinet.meetings.minutes.wording import (
    clock_time,
    count_words,
    item_heading,
    outcome_lines,
    presenter_line,
    vote_lines,
)
from ecabinet.meetings.models import MinutesKind


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


def _header(w: Writer, layout: _Layout, date_line: str) -> None:
    # The number is given when the document is issued (văn thư registers it).
    header(w, layout.issuer, layout.issuer_rule_mm, f"Số:        /{layout.symbol}", date_line)


def _labelled(w: Writer, label: str, text: str, **kwargs):
    paragraph = w.para(**kwargs)
    w.run(paragraph, label, bold=True)
    w.run(paragraph, text)
    return paragraph


def _people(w: Writer, people: tuple[Person, ...]) -> None:
    for number, person in enumerate(people, start=1):
        w.para(text=f"- {person.label}{'.' if number == len(people) else ';'}", before=0)


def render_minutes(record: MeetingRecord) -> bytes:
    """The biên bản of the session as a .docx."""
    layout = MINUTES_LAYOUT
    w = Writer(title=f"Biên bản {record.summary}", author="Văn phòng Chính phủ")
    _header(w, layout, vietnamese_date(record.began, record.place))
    title(w, layout.type_name, record.summary)

    w.para(text="I. THỜI GIAN, ĐỊA ĐIỂM", bold=True, keep_next=True)
    began = record.began
    _labelled(w, "Thời gian: ", f"bắt đầu lúc {clock_time(began)}, {vietnamese_date(began)}"
              + (f"; kết thúc lúc {clock_time(record.closed_at)}, "
                 f"{vietnamese_date(record.closed_at)}" if record.closed_at else "") + ".")
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
        w.para(text=item_heading(item), bold=True, keep_next=True)
        presenter = presenter_line(item)
        if presenter:
            _labelled(w, "Cơ quan trình: ", presenter)
        _labelled(w, "Ý kiến trước phiên họp: ", count_words(item.positions) + ".")
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
            for label, text in vote_lines(vote):
                _labelled(w, label, text)

    ending = "Biên bản do Thư ký phiên họp lập, trình Chủ tọa ký./."
    w.para(text=ending, before=12, keep_next=True)

    # One row that cannot split: the signatures and the recipients under them stay together.
    signatures = w.table((TEXT_MM / 2, TEXT_MM / 2))
    cells = [w.cell(signatures, 0), w.cell(signatures, 1)]
    for cell, role, person in zip(cells, ("THƯ KÝ", "CHỦ TỌA"), (record.secretary, record.chair),
                                  strict=True):
        w.para(cell, role, bold=True, align=CENTER, first_line=False, before=12)
        w.para(cell, person.name if person else "", bold=True, align=CENTER,
               first_line=False, before=84)
    recipients(w, cells[0], [
        "Thủ tướng, các Phó Thủ tướng Chính phủ",
        "Các thành viên Chính phủ dự phiên họp",
        "VPCP: BTCN, các PCN",
        "Lưu: VT, TH",
    ], before=18)
    return w.to_bytes()


def render_conclusions(record: MeetingRecord) -> bytes:
    """The draft thông báo kết luận: per item its outcome, and room for the chair's conclusion,
    which the secretariat writes."""
    layout = CONCLUSIONS_LAYOUT
    authority = record.chair.title if record.chair and record.chair.title else \
        "Thủ tướng Chính phủ"
    summary = f"Kết luận của {authority} tại {record.summary}"
    w = Writer(title=f"Thông báo {summary}", author="Văn phòng Chính phủ")
    _header(w, layout, vietnamese_date(record.drawn_up_on, record.place))
    title(w, layout.type_name, summary)

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
        w.para(text=item_heading(item), bold=True, keep_next=True)
        presenter = presenter_line(item)
        if presenter:
            _labelled(w, "Cơ quan trình: ", presenter)
        for label, text in outcome_lines(item):
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
    recipients(w, left, [
        "Thủ tướng, các Phó Thủ tướng Chính phủ",
        "Các thành viên Chính phủ",
        *agencies,
        "VPCP: BTCN, các PCN, các Vụ, Cục",
        "Lưu: VT, TH",
    ], before=12)
    for number, line in enumerate(CONCLUSIONS_AUTHORITY):
        w.para(right, line, bold=True, align=CENTER, first_line=False,
               before=12 if number == 0 else 0)
    # Room for the signature; the signer's name goes on this line when it is known.
    w.para(right, "", bold=True, align=CENTER, first_line=False, before=84)
    return w.to_bytes()


RENDERERS = {MinutesKind.MINUTES: render_minutes, MinutesKind.CONCLUSIONS: render_conclusions}
