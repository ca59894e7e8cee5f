"""The register of outgoing documents as its keepers read it (sổ đăng ký văn bản đi): a year's
issued documents in the order of their numbers, with the register's columns, as rows for the
page and the API and as the table its .csv and .xlsx exports write
(:mod:`ecabinet.registers.exports`).

Who reads it: the clerks who keep it, the secretariat and the administrators. A document the
reader may not read (:func:`ecabinet.decisions.access.can_read`) keeps its line — the numbers
must be seen to run without a gap — with its summary, signer and recipients withheld.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from ecabinet.decisions import access, layout
from ecabinet.decisions.models import Decision, DecisionState
from ecabinet.errors import Forbidden
from ecabinet.extensions import db
from ecabinet.i18n import VIETNAM
from ecabinet.identity.models import Role, User
from ecabinet.registers import exports

#: How the API gives it: the rows (json) or an export.
FORMATS = ("json", "csv", "xlsx")
#: The years a register may be asked for: from the Democratic Republic's first (1945).
FIRST_YEAR, LAST_YEAR = 1945, 2200
#: The register's columns, in the order of the paper book.
COLUMNS = ("Số, ký hiệu", "Ngày ban hành", "Loại văn bản", "Trích yếu nội dung",
           "Người ký", "Nơi nhận", "Cơ quan ban hành")
WITHHELD = "(văn bản mật)"


def require_reader(user: User) -> None:
    if not user.has_role(Role.CLERK, Role.SECRETARIAT, Role.ADMIN):
        raise Forbidden(_("The register is kept by the clerks and the secretariat."),
                        code="not_register_keeper")


def this_year() -> int:
    """The register's year by default: Vietnam's (:func:`.register.register_year`)."""
    return datetime.now(VIETNAM).year


def years() -> list[int]:
    """The years that have issued documents, the latest first (this year always)."""
    found = set(db.session.scalars(select(Decision.year).distinct().where(
        Decision.state == DecisionState.ISSUED.value, Decision.year.is_not(None))))
    found.add(this_year())
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


WIDTHS = (16, 14, 16, 60, 24, 40, 28)


def _cells(row: dict) -> list[str]:
    return [row["symbol"], row["issued_on_text"], row["kind_label"], row["summary"],
            row["signer"] or "", "\n".join(row["recipients"]), row["issuer"]]


def table(rows: list[dict], year: int) -> exports.Table:
    """The year's register as its export writes it (:mod:`ecabinet.registers.exports`)."""
    return exports.Table(title=f"SỔ ĐĂNG KÝ VĂN BẢN ĐI NĂM {year}", sheet=f"Văn bản đi {year}",
                         columns=COLUMNS, widths=WIDTHS, rows=[_cells(row) for row in rows])
