"""The dashboard taken away: a workbook (.xlsx) of the figures and the tasks, and a one-page
PDF report for the next regular meeting, typeset with the packs' embedded Liberation Serif
(:mod:`ecabinet.packs.typeset`) so that every Vietnamese letter prints and extracts right."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Font
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, StreamObject

from ecabinet.packs.typeset import A4, Canvas, Fonts
from ecabinet.tasks.charts import COLOURS
from ecabinet.tasks.figures import STANDINGS, standing

#: The papers are the Government Office's, in Vietnamese whatever the reader's language.
WORDS = {"on_time": "Đang thực hiện trong hạn", "late": "Quá hạn chưa hoàn thành",
         "done_on_time": "Hoàn thành đúng hạn", "done_late": "Hoàn thành trễ hạn"}
STATUS = {"assigned": "Đã giao", "in_progress": "Đang thực hiện",
          "submitted": "Báo cáo hoàn thành, chờ xác nhận", "done": "Đã hoàn thành"}

#: Rows of tasks in the workbook at most (a sheet for people, not a database dump).
MAX_ROWS = 10_000


def workbook(figures, totals: dict, months, tasks, names: dict[int, str], on: date) -> bytes:
    """Three sheets: by organisation, by month, the tasks."""
    words = WORDS
    book = Workbook()
    sheet = book.active
    sheet.title = "Theo đơn vị"
    header = ["Đơn vị chủ trì", *(words[s.value] for s in STANDINGS), "Tổng",
              "Quá hạn lâu nhất (hạn)"]
    sheet.append(header)
    for entry in figures:
        sheet.append([entry.name, *(entry.counts[s.value] for s in STANDINGS), entry.total,
                      entry.oldest_overdue])
    sheet.append(["Tổng cộng", *(totals[s.value] for s in STANDINGS), sum(totals.values())])
    trend = book.create_sheet("Theo tháng")
    trend.append(["Tháng", "Giao", words["done_on_time"], words["done_late"]])
    for month in months:
        trend.append([month.label, month.assigned, month.done_on_time, month.done_late])
    listing = book.create_sheet("Nhiệm vụ")
    listing.append(["Số", "Nhiệm vụ", "Đơn vị chủ trì", "Hạn", "Tình trạng", "Trạng thái",
                    "Ngày hoàn thành"])
    for task in tasks[:MAX_ROWS]:
        listing.append([task.id, task.title, names.get(task.lead_id, ""),
                        task.deadline or "Thường xuyên", words[standing(task, on).value],
                        STATUS[task.status], task.done_on])
    for ws in book.worksheets:
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for cell in ws["A"] + ws["B"]:
            if isinstance(cell.value, date):
                cell.number_format = "DD/MM/YYYY"
    for column, width in (("A", 36), ("B", 60), ("C", 28)):
        listing.column_dimensions[column].width = width
    sheet.column_dimensions["A"].width = 36
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _rgb(hex_colour: str) -> tuple[float, float, float]:
    return tuple(int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5))


def report_pdf(figures, totals: dict, months, *, title: str, subtitle: str, on: date,
               font_dir=None) -> bytes:
    """One A4 page: the totals, the table by organisation (the first rows that fit), the
    months as bars."""
    words = WORDS
    fonts = Fonts(font_dir) if font_dir else Fonts()
    c = Canvas(fonts)
    width, height = A4
    left, right = 60.0, width - 45.0
    y = height - 60
    c.text(width / 2, y, "VĂN PHÒNG CHÍNH PHỦ", face="bold", size=13, align="center")
    y -= 30
    c.text(width / 2, y, title.upper(), face="bold", size=14, align="center")
    y -= 18
    c.text(width / 2, y, subtitle, face="italic", size=12, align="center")
    y -= 30
    box = (right - left) / 4
    for n, s in enumerate(STANDINGS):
        x = left + n * box
        c.text(x + box / 2, y, str(totals[s.value]), face="bold", size=22, align="center",
               color=_rgb(COLOURS[s.value]))
        c.text(x + box / 2, y - 16, words[s.value], size=10, align="center")
    y -= 44
    columns = [left, left + 190, left + 250, left + 300, left + 355, left + 410]
    heads = ["Đơn vị chủ trì", "Trong hạn", "Quá hạn", "Đúng hạn", "Trễ hạn",
             "Quá hạn lâu nhất"]
    for x, head in zip(columns, heads, strict=True):
        c.text(x, y, head, face="bold", size=10)
    y -= 6
    c.line(left, y, right, y)
    shown = 0
    for entry in figures:
        if y < 300:
            break
        y -= 15
        shown += 1
        name = entry.name if c.measure(entry.name, size=10) < 180 else entry.name[:30] + "…"
        c.text(columns[0], y, name, size=10)
        for x, s in zip(columns[1:5], STANDINGS, strict=True):
            c.text(x + 30, y, str(entry.counts[s.value]), size=10, align="right")
        if entry.oldest_overdue:
            c.text(columns[5], y, f"hạn {entry.oldest_overdue:%d/%m/%Y} "
                   f"({(on - entry.oldest_overdue).days} ngày)", size=10,
                   color=_rgb(COLOURS["late"]))
    if shown < len(figures):
        y -= 15
        c.text(left, y, f"… và {len(figures) - shown} đơn vị khác (xem bảng tính)",
               face="italic", size=10)
    y -= 30
    c.text(left, y, "Nhiệm vụ được giao và hoàn thành theo tháng", face="bold", size=11)
    _month_bars(c, months, left, right, y - 150, y - 14)
    c.text(right, 40, f"Số liệu ngày {on:%d/%m/%Y}", face="italic", size=9, align="right")
    writer = PdfWriter()
    resources = writer._add_object(fonts.resources(writer))
    page = writer.add_blank_page(width, height)
    stream = StreamObject()
    stream.set_data(c.content())
    page[NameObject("/Contents")] = writer._add_object(stream.flate_encode())
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): resources})
    writer.add_metadata({"/Title": f"{title} - {subtitle}", "/Producer": "ecabinet"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _month_bars(c: Canvas, months, left: float, right: float, base: float, top: float) -> None:
    most = max((max(m.assigned, m.done_on_time + m.done_late) for m in months), default=0) or 1
    slot = (right - left) / max(len(months), 1)
    bar = max(3.0, slot / 2 - 3)
    c.line(left, base, right, base, 0.5)
    for n, month in enumerate(months):
        x = left + n * slot + 2
        stacks = ((month.assigned, "assigned", 0, 0.0),
                  (month.done_on_time, "done_on_time", 0, bar + 1),
                  (month.done_late, "done_late", month.done_on_time, bar + 1))
        for value, key, below, dx in stacks:
            if not value:
                continue
            h = value / most * (top - base)
            y = base + below / most * (top - base)
            c.raw(b"q %.3f %.3f %.3f rg %.2f %.2f %.2f %.2f re f Q"
                  % (*_rgb(COLOURS[key]), x + dx, y, bar, h))
        c.text(x + bar, base - 11, f"{month.month:02d}/{month.year % 100:02d}", size=8,
               align="center")
    legend_x = left
    for key, label in (("assigned", "Giao"), ("done_on_time", "Hoàn thành đúng hạn"),
                       ("done_late", "Hoàn thành trễ hạn")):
        c.raw(b"q %.3f %.3f %.3f rg %.2f %.2f 8 8 re f Q"
              % (*_rgb(COLOURS[key]), legend_x, base - 30))
        legend_x += 12 + c.text(legend_x + 11, base - 29, label, size=9) + 10
