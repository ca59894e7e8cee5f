"""Building the pack: cover, agenda, then every included document, with an outline and page
labels. Pure: a :class:`~ecabinet.packs.plan.PackPlan` and a way to get PDF bytes by hash in,
PDF bytes and the page layout out.

The pages of the documents are appended one by one to a fresh writer (FACTS: cloning a whole
document is several times slower); the cover and agenda are drawn with
:mod:`ecabinet.packs.typeset`. The text of the pack is Vietnamese whatever the reader's interface
language: it is a Government record, like the minutes.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime

from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject, StreamObject

from ecabinet.i18n import in_vietnam, vietnamese_date
from ecabinet.packs.plan import CONVERTING, FAILED, PackDocument, PackPlan
from ecabinet.packs.typeset import A4, Canvas, Fonts

log = logging.getLogger(__name__)

#: Page geometry of the cover and agenda (Decree 30/2020 margins: left 30 mm, right 20 mm,
#: top and bottom 20 mm).
MM = 72 / 25.4
LEFT, RIGHT, TOP, BOTTOM = 30 * MM, 20 * MM, 20 * MM, 20 * MM
WIDTH, HEIGHT = A4

NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
ISSUER = "CHÍNH PHỦ"
PACK_TITLE = "TÀI LIỆU PHIÊN HỌP"
AGENDA_TITLE = "CHƯƠNG TRÌNH PHIÊN HỌP"
KINDS = {"regular": "Phiên họp Chính phủ thường kỳ", "thematic": "Phiên họp Chính phủ chuyên đề"}
NOTES = {CONVERTING: "đang chuyển đổi", FAILED: "lỗi"}
#: Mật: how a confidential document is marked.
MARK = "MẬT"


@dataclass(frozen=True)
class Placed:
    """Where one document landed: ``first`` is the 0-based index of its first page in the pack."""

    document_id: int
    version_id: int
    first: int
    count: int
    confidential: bool


@dataclass(frozen=True)
class BuiltPack:
    data: bytes
    pages: int
    front: int  # pages of cover and agenda (labelled i, ii, …)
    placed: tuple[Placed, ...]

    def layout(self) -> dict:
        return {"front": self.front, "pages": self.pages,
                "documents": [asdict(p) for p in self.placed]}

    @classmethod
    def from_layout(cls, data: bytes, layout: dict) -> BuiltPack:
        return cls(data, layout["pages"], layout["front"],
                   tuple(Placed(**p) for p in layout["documents"]))

    def confidential_pages(self) -> list[int]:
        return [i for p in self.placed if p.confidential for i in range(p.first,
                                                                         p.first + p.count)]


def steps(plan: PackPlan) -> int:
    """How many progress steps :func:`build` reports: each document read, the front pages,
    each document placed, the file written."""
    return 2 * len(plan.included()) + 2


def build(plan: PackPlan, load_pdf: Callable[[str], bytes], *,
          font_dir: str | None = None,
          progress: Callable[[int, int], None] | None = None) -> BuiltPack:
    """The unwatermarked pack of ``plan``. A stored PDF that cannot be read any more is left
    out and marked "lỗi" on the agenda rather than failing the whole pack. ``progress(done,
    total)`` hears of each step (the job queue shows it to the waiting reader)."""
    total, done = steps(plan), 0

    def step() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total)

    readers: dict[int, PdfReader] = {}
    for doc in plan.included():
        step()
        try:
            readers[doc.document_id] = PdfReader(io.BytesIO(load_pdf(doc.pdf_sha256)))
            len(readers[doc.document_id].pages)
        except Exception:  # pypdf raises many kinds; storage OSError
            log.exception("pack %s: the PDF of document %s cannot be read", plan.meeting_id,
                          doc.document_id)
            readers.pop(doc.document_id, None)

    starts: dict[int, int] = {}  # document id → its first page number (documents count from 1)
    number = 1
    for doc in plan.included():
        if doc.document_id in readers and doc.document_id not in starts:
            starts[doc.document_id] = number
            number += len(readers[doc.document_id].pages)

    fonts = Fonts(font_dir) if font_dir else Fonts()
    front = [_cover(plan, fonts)] + _agenda(plan, fonts, starts, set(readers))
    writer = PdfWriter()
    # Everything is drawn already, so the font subsets can be made now: one per face, shared.
    font_resources = writer._add_object(fonts.resources(writer))
    for canvas in front:
        _add_drawn_page(writer, canvas, font_resources)
    step()

    placed: list[Placed] = []
    first_page_of: dict[int, int] = {}
    for doc in plan.included():
        step()
        reader = readers.get(doc.document_id)
        if reader is None or doc.document_id in first_page_of:
            continue  # unreadable, or attached to two items: once is enough
        first_page_of[doc.document_id] = len(writer.pages)
        for page in reader.pages:
            writer.add_page(page)
        placed.append(Placed(doc.document_id, doc.version_id, first_page_of[doc.document_id],
                             len(reader.pages), doc.confidential))

    _outline(writer, plan, first_page_of)
    total = len(writer.pages)
    writer.set_page_label(0, len(front) - 1, style="/r")
    if total > len(front):
        writer.set_page_label(len(front), total - 1, style="/D", start=1)
    writer.add_metadata({"/Title": f"{PACK_TITLE} - {plan.title}", "/Producer": "ecabinet"})
    writer.page_mode = "/UseOutlines"
    out = io.BytesIO()
    writer.write(out)
    step()
    return BuiltPack(out.getvalue(), total, len(front), tuple(placed))


def _add_drawn_page(writer: PdfWriter, canvas: Canvas, font_resources) -> None:
    page = writer.add_blank_page(WIDTH, HEIGHT)
    stream = StreamObject()
    stream.set_data(canvas.content())
    page[NameObject("/Contents")] = writer._add_object(stream.flate_encode())
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): font_resources})


def _outline(writer: PdfWriter, plan: PackPlan, first_page_of: dict[int, int]) -> None:
    """One entry per item (to its first document, or the agenda page when it has none) and one
    child per document in the pack."""
    for item in plan.items:
        docs = [d for d in item.documents if d.document_id in first_page_of]
        target = first_page_of[docs[0].document_id] if docs else 1
        parent = writer.add_outline_item(title=item_heading(item.position, item.title),
                                         page_number=target, bold=True)
        for doc in docs:
            writer.add_outline_item(title=document_heading(doc),
                                    page_number=first_page_of[doc.document_id], parent=parent)


def item_heading(position: int, title: str) -> str:
    return f"{position}. {title}"


def document_heading(doc: PackDocument) -> str:
    return f"{doc.title} ({MARK})" if doc.confidential else doc.title


def meeting_when(starts_at: datetime) -> str:
    local = in_vietnam(starts_at)
    return f"{local:%H:%M}, {vietnamese_date(local)}"


# --- the cover -----------------------------------------------------------------------------------

def _cover(plan: PackPlan, fonts: Fonts) -> Canvas:
    c = Canvas(fonts)
    left_centre = LEFT + 75
    right_centre = WIDTH - RIGHT - 135
    y = HEIGHT - TOP - 14
    c.text(left_centre, y, ISSUER, face="bold", size=13, align="center")
    c.line(left_centre - 25, y - 5, left_centre + 25, y - 5)
    c.text(right_centre, y, NATIONAL_TITLE, face="bold", size=12, align="center")
    motto = c.text(right_centre, y - 16, MOTTO, face="bold", size=13, align="center")
    c.line(right_centre - motto / 2, y - 21, right_centre + motto / 2, y - 21)
    if any(doc.confidential for doc in plan.included()):
        c.text(LEFT, y - 60, MARK, face="bold", size=16, color=(0.65, 0.05, 0.05))

    centre = (LEFT + WIDTH - RIGHT) / 2
    y = HEIGHT * 0.62
    c.text(centre, y, PACK_TITLE, face="bold", size=24, align="center")
    y -= 40
    c.text(centre, y, KINDS.get(plan.kind, KINDS["regular"]), face="italic", size=14,
           align="center")
    y -= 34
    for line in c.wrap(plan.title, WIDTH - LEFT - RIGHT - 40, face="bold", size=17):
        c.text(centre, y, line, face="bold", size=17, align="center")
        y -= 23
    y -= 30
    c.text(centre, y, f"Thời gian: {meeting_when(plan.starts_at)}", size=14, align="center")
    if plan.location:
        for line in c.wrap(f"Địa điểm: {plan.location}", WIDTH - LEFT - RIGHT - 40, size=14):
            y -= 20
            c.text(centre, y, line, size=14, align="center")
    c.line(centre - 60, BOTTOM + 90, centre + 60, BOTTOM + 90, width=0.4)
    c.text(centre, BOTTOM + 70, f"Hà Nội, {vietnamese_date(plan.starts_at)}", face="italic",
           size=13, align="center")
    return c


# --- the agenda ----------------------------------------------------------------------------------

class _Pages:
    """Agenda lines flowing over as many pages as they need."""

    def __init__(self, fonts: Fonts):
        self.fonts = fonts
        self.pages: list[Canvas] = []
        self.y = 0.0
        self.new_page()

    def new_page(self) -> None:
        self.pages.append(Canvas(self.fonts))
        self.y = HEIGHT - TOP - 10
        if len(self.pages) > 1:
            self.column_heads()

    def column_heads(self) -> None:
        """"Nội dung … Trang" over the agenda, again at the top of each following page."""
        c, right = self.canvas, WIDTH - RIGHT
        c.text(LEFT, self.y, "Nội dung", face="bold", size=12)
        c.text(right, self.y, "Trang", face="bold", size=12, align="right")
        c.line(LEFT, self.y - 5, right, self.y - 5, width=0.5)
        self.y -= 24

    @property
    def canvas(self) -> Canvas:
        return self.pages[-1]

    def room(self, height: float) -> None:
        if self.y - height < BOTTOM:
            self.new_page()


def _agenda(plan: PackPlan, fonts: Fonts, starts: dict[int, int],
            readable: set[int]) -> list[Canvas]:
    flow = _Pages(fonts)
    c = flow.canvas
    centre = (LEFT + WIDTH - RIGHT) / 2
    text_width = WIDTH - LEFT - RIGHT - 70  # the page column on the right
    page_x = WIDTH - RIGHT
    c.text(centre, flow.y, AGENDA_TITLE, face="bold", size=15, align="center")
    flow.y -= 20
    for line in c.wrap(plan.title, WIDTH - LEFT - RIGHT, face="italic", size=13):
        c.text(centre, flow.y, line, face="italic", size=13, align="center")
        flow.y -= 17
    flow.y -= 14
    flow.column_heads()
    if not plan.items:
        c.text(LEFT, flow.y, "Chưa có nội dung nào trong chương trình.", face="italic", size=12)
    for item in plan.items:
        heading = item_heading(item.position, item.title)
        if item.confidential and MARK.lower() not in item.title.lower():
            heading += f" ({MARK})"
        lines = flow.canvas.wrap(heading, text_width, face="bold", size=13)
        flow.room(17 * len(lines) + 40)
        pages = [starts[d.document_id] for d in item.documents if d.document_id in starts]
        flow.canvas.text(page_x, flow.y, str(min(pages)) if pages else "—", face="bold",
                         size=13, align="right")
        for line in lines:
            flow.canvas.text(LEFT, flow.y, line, face="bold", size=13)
            flow.y -= 17
        if item.presenting_agency:
            flow.canvas.text(LEFT + 14, flow.y, f"Cơ quan trình: {item.presenting_agency}",
                             face="italic", size=12)
            flow.y -= 16
        if not item.documents:
            flow.canvas.text(LEFT + 14, flow.y, "(Không có tài liệu)", face="italic", size=12)
            flow.y -= 16
        for doc in item.documents:
            _agenda_document(flow, doc, starts, readable, text_width, page_x)
        flow.y -= 10
    return flow.pages


def _agenda_document(flow: _Pages, doc: PackDocument, starts: dict[int, int],
                     readable: set[int], text_width: float, page_x: float) -> None:
    title = f"[{MARK}] {doc.title}" if doc.confidential else doc.title
    note = None
    if not doc.included:
        note = NOTES.get(doc.latest_state or FAILED, NOTES[FAILED])
    elif doc.document_id not in readable:
        note = NOTES[FAILED]
    elif doc.latest_state in NOTES:
        title += f" (bản {doc.latest_number}: {NOTES[doc.latest_state]})"
    note_width = flow.canvas.measure(note, face="italic", size=11) + 12 if note else 0
    width = min(text_width, page_x - LEFT - note_width) - 14
    lines = flow.canvas.wrap(f"– {title}", width, size=12)
    flow.room(15 * len(lines) + 2)
    if note:
        flow.canvas.text(page_x, flow.y, note, face="italic", size=11, align="right",
                         color=(0.55, 0.1, 0.1))
    else:
        flow.canvas.text(page_x, flow.y, str(starts[doc.document_id]), size=12, align="right")
    for line in lines:
        flow.canvas.text(LEFT + 14, flow.y, line, size=12)
        flow.y -= 15
