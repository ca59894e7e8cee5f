"""A register as a file: its rows in its columns, as .csv or .xlsx, sent as a download.

The text in a register comes from outside: a summary typed or pasted by a drafter, a subject
written by the organisation that sent us a document, a status description written by a
recipient. None of it may become a formula in the clerk's spreadsheet (OWASP: CSV injection):
a summary "=HYPERLINK(…&A4, …)" would send the next rows elsewhere when clicked. Guarded here
once, for every register and both formats:

- .csv: a cell beginning with = + - @ TAB or CR is written with a leading apostrophe, which
  Excel and LibreOffice read as "text";
- .xlsx: every cell written from a row is a string or a number, never a formula (openpyxl
  takes a string beginning with "=" for one).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from flask import Response

from ecabinet.i18n import ascii_name

MIMETYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
#: What makes a spreadsheet read a cell as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Table:
    """A register's export: what the paper book shows."""

    #: The heading of the .xlsx (its first row), e.g. "SỔ ĐĂNG KÝ VĂN BẢN ĐI NĂM 2026".
    title: str
    #: The worksheet's name (Excel allows 31 characters).
    sheet: str
    #: The register's columns, as the paper book names them.
    columns: Sequence[str]
    #: Their widths in the .xlsx, in characters, one a column.
    widths: Sequence[int]
    #: The cells of each row, in the columns' order: text, numbers, or None (empty).
    rows: Iterable[Sequence]


def as_text(value):
    """A .csv cell a spreadsheet reads as text, whatever it begins with."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return f"'{value}"
    return value


def to_csv(table: Table) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel opens the Vietnamese text as such; the
    columns' names on the first line (no title: a .csv is read by programs too)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([as_text(cell) for cell in row])
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(table: Table) -> bytes:
    """The title, an empty row, the columns in bold, then the rows (wrapped, top-aligned)."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = table.sheet[:31]
    sheet.append([table.title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([])
    sheet.append(list(table.columns))
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for row in table.rows:
        # A control character (typed in a summary) is no text an .xlsx can hold: openpyxl
        # refuses the whole file for it.
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", cell) if isinstance(cell, str) else cell
                      for cell in row])
    for number, width in enumerate(table.widths, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = width
    for line in sheet.iter_rows(min_row=4):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if cell.data_type == "f":  # openpyxl read "=…" as a formula: it is text here
                cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


WRITERS = {"csv": to_csv, "xlsx": to_xlsx}


def content_disposition(filename: str) -> dict[str, str]:
    """The download's names (RFC 6266): ``filename`` in ASCII for every client, the letters
    kept ("Sổ đến" → "So den"), and ``filename*`` in UTF-8 when the name is not ASCII."""
    from urllib.parse import quote

    fallback = ascii_name(filename)
    if fallback == filename:
        return {"filename": filename}
    return {"filename": fallback,
            "filename*": "UTF-8''" + quote(filename, safe="!#$&+-.^_`|~")}


def download(table: Table, fmt: str, name: str) -> Response:
    """``table`` written as ``fmt`` ("csv" or "xlsx"), as the attachment ``name.fmt``. Not
    kept by any cache on the way: a register is read by its keepers only."""
    response = Response(WRITERS[fmt](table), mimetype=MIMETYPES[fmt])
    response.headers.set("Content-Disposition", "attachment",
                         **content_disposition(f"{name}.{fmt}"))
    response.headers["Cache-Control"] = "private, no-store"
    return response
