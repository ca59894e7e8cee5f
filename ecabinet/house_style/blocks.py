"""The parts every issued document has, in the layout of Decree 30/2020/NĐ-CP (Appendix I):
the two-column header (issuing body and number; national title, motto and date), the type name
and summary, and the recipients ("Nơi nhận"). What goes in them is the caller's."""

from __future__ import annotations

from ecabinet.house_style.metrics import PT_PER_MM, text_width_pt, widest_line_pt
from ecabinet.house_style.writer import BODY_PT, CENTER, HEADER_MM, LEFT, TEXT_MM, Writer

#: The rule under the summary: 1/3 to 1/2 of the summary's line (Decree 30, Appendix I); the
#: middle of that range, so that the rendering's small differences keep it inside.
SUMMARY_RULE_SHARE = 0.4


def issuer_rule_mm(issuer: str) -> float:
    """The rule under the issuing body: 40 % of its name as printed (13 pt bold capitals), a
    third to a half of it as the decree asks."""
    width_mm = text_width_pt(issuer, 13, bold=True) / PT_PER_MM
    return min(SUMMARY_RULE_SHARE * width_mm, HEADER_MM[0])


def header(w: Writer, issuer: str, issuer_rule_mm: float, number: str | None, date_line: str):
    """The issuing body and number on the left; the national title, motto and date on the
    right, in the decree's column widths (the national title on one line). Returns the number's
    cell: a letter's summary goes under the number. A working paper without a number (a poll's
    result) passes None: the cell stays empty."""
    left_mm, right_mm = HEADER_MM
    table = w.table(HEADER_MM)
    left, right = w.cell(table, 0), w.cell(table, 1)
    w.para(left, issuer, bold=True, size=13, align=CENTER, first_line=False, before=0)
    w.rule(left, issuer_rule_mm, left_mm, before=1)
    w.national_title(right, right_mm)
    w.add_row(table)
    number_cell, place = w.cell(table, 0, row=1), w.cell(table, 1, row=1)
    w.para(number_cell, number or "", size=13, align=CENTER, first_line=False, before=6)
    w.para(place, date_line, italic=True, size=14, align=CENTER, first_line=False, before=6)
    return number_cell


def title(w: Writer, type_name: str, summary: str) -> None:
    """The type's name and the summary (trích yếu), centred and bold, with a rule under them as
    long as 40 % of the summary's widest line (as printed: measured with the font's metrics)."""
    w.para(text=type_name, bold=True, align=CENTER, first_line=False, before=24,
           keep_next=True)
    w.para(text=summary, bold=True, align=CENTER, first_line=False, before=0, keep_next=True)
    line_mm = widest_line_pt(summary, BODY_PT, TEXT_MM * PT_PER_MM, bold=True) / PT_PER_MM
    w.rule(None, SUMMARY_RULE_SHARE * line_mm, TEXT_MM, before=2)
    w.para(size=6, first_line=False, before=0)


def recipients(w: Writer, container, lines: list[str], *, before: float = 0) -> None:
    """"Nơi nhận:" bold italic 12 pt; each line 11 pt, "-" … ";" and the last one "."."""
    w.para(container, "Nơi nhận:", bold=True, italic=True, size=12, align=LEFT,
           first_line=False, before=before)
    for number, line in enumerate(lines, start=1):
        end = "." if number == len(lines) else ";"
        w.para(container, f"- {line}{end}", size=11, align=LEFT, first_line=False, before=0)
