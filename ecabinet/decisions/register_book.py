"""The register of outgoing documents as its keepers read it (sổ đăng ký văn bản đi): a year's
issued documents in the order of their numbers, with the register's columns, as rows for the
page and the API and as .csv and .xlsx exports.

Who reads it: the clerks who keep it, the secretariat and the administrators. A document the
reader may not read (:func:`ecabinet.decisions.access.can_read`) keeps its line — the numbers
must be seen to run without a gap — with its summary, signer and recipients withheld.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from ecabinet.decisions import access, layout
from ecabinet.decisions.models import Decision, DecisionState
from ecabinet.errors import Forbidden, Invalid
from ecabinet.extensions import db
from ecabinet.i18n import VIETNAM
from ecabinet.identity.models import Role, User

FORMATS = ("json", "csv", "xlsx")
#: The register's columns, in the order of the paper book.
COLUMNS = ("Số, ký hiệu", "Ngày ban hành", "Loại văn bản", "Trích yếu nội dung",
           "Người ký", "Nơi nhận", "Cơ quan ban hành")
WITHHELD = "(văn bản mật)"


def require_reader(user: User) -> None:
    if not user.has_role(Role.CLERK, Role.SECRETARIAT, Role.ADMIN):
        raise Forbidden(_("The register is kept by the clerks and the secretariat."),
                        code="not_register_keeper")


def check_year(year: int | None) -> int:
    year = year or datetime.now(VIETNAM).year
    if not 1945 <= year <= 2200:
        raise Invalid(_("No register for that year."), details={"year": [year]})
    return year


def years() -> list[int]:
    """The years that have issued documents, the latest first (this year always)."""
    found = set(db.session.scalars(select(Decision.year).distinct().where(
        Decision.state == DecisionState.ISSUED.value, Decision.year.is_not(None))))
    found.add(datetime.now(VIETNAM).year)
    return sorted(found, reverse=True)


def issued_query(year: int):
    """The year's issued documents by issuer and number."""
    return (select(Decision).where(Decision.state == DecisionState.ISSUED.value,
                                   Decision.year == year)
            .order_by(Decision.issuer_id, Decision.number, Decision.id))


def entries(user: User, year: int) -> list[dict]:
    """The year's register, whole (the exports, the API)."""
    return rows_of(user, db.session.scalars(issued_query(year)))


def rows_of(user: User, decisions) -> list[dict]:
    """The register's rows of ``decisions``: those ``user`` may not read keep their number,
    symbol and issuer, their summary withheld."""
    rows = []
    for decision in decisions:
        readable = access.can_read(user, decision)
        issued_on = decision.issued_at.astimezone(VIETNAM).date()
        rows.append({
            "id": decision.id if readable else None,
            "number": decision.number,
            "symbol": decision.symbol,
            "issued_on": issued_on.isoformat(),
            "issued_on_text": issued_on.strftime("%d/%m/%Y"),
            "kind": decision.kind,
            "kind_label": str(layout.KINDS[decision.kind].type_name or "Công văn").capitalize(),
            "summary": decision.summary if readable else WITHHELD,
            "signer": decision.signer.name if readable else None,
            "recipients": decision.recipient_lines if readable else [],
            "issuer": decision.issuer.name,
            "withheld": not readable,
        })
    return rows


#: What makes a spreadsheet read a cell as a formula (OWASP: CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cells(row: dict) -> list[str]:
    return [row["symbol"], row["issued_on_text"], row["kind_label"], row["summary"],
            row["signer"] or "", "\n".join(row["recipients"]), row["issuer"]]


def _as_text(value: str) -> str:
    """A .csv cell a spreadsheet reads as text: a summary typed or pasted as "=HYPERLINK(…)"
    must not become a formula that sends the other rows elsewhere."""
    return f"'{value}" if value.startswith(_FORMULA_START) else value


def to_csv(rows: list[dict]) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel opens the Vietnamese text as such."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_as_text(cell) for cell in _cells(row)])
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(rows: list[dict], year: int) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"Văn bản đi {year}"
    sheet.append([f"SỔ ĐĂNG KÝ VĂN BẢN ĐI NĂM {year}"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([])
    sheet.append(list(COLUMNS))
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(_cells(row))
    for column, width in zip("ABCDEFG", (16, 14, 16, 60, 24, 40, 28), strict=True):
        sheet.column_dimensions[column].width = width
    for line in sheet.iter_rows(min_row=4):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if cell.data_type == "f":  # openpyxl reads "=…" as a formula: it is text here
                cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
