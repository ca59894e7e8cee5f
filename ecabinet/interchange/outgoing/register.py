"""What the clerk reads of the outgoing exchange: per recipient, sent (the outbox), delivered
(the exchange service's word) and the business status with its trace; the register of a year
with its filters, and the table of its .xlsx export. Reads only."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import extract, select

from ecabinet.decisions.models import Decision
from ecabinet.errors import DomainError
from ecabinet.extensions import db
from ecabinet.interchange.axis import services as axis
from ecabinet.interchange.axis.transport import AxisRefused, AxisUnavailable
from ecabinet.interchange.outgoing.models import ExchangeOutgoing, ExchangeStatusRefused
from ecabinet.registers import exports

log = logging.getLogger(__name__)

#: The business statuses as the clerk reads them (DOMAIN.md, "Status messages").
STATUS_LABELS = {
    "01": _l("Received"), "02": _l("Refused"), "03": _l("Accepted"), "04": _l("Assigned"),
    "05": _l("Being handled"), "06": _l("Done"), "13": _l("Recall asked"),
    "15": _l("Recall accepted"), "16": _l("Recall refused")}
#: The register's filter for the rows no recipient has answered yet.
NO_ANSWER = "none"


def _deliveries(rows: list[ExchangeOutgoing]) -> dict[str, dict[str, str]]:
    """The service's delivery states, when any package of ``rows`` was sent; a service that
    does not answer leaves them unknown (None), the rest of the page is ours."""
    if not any(row.axis_outgoing.remote_id for row in rows):
        return {}
    try:
        return axis.deliveries()
    except (AxisUnavailable, AxisRefused, DomainError, OSError) as exc:
        log.info("axis: deliveries unknown: %s", exc)
        return {}


def trace(row: ExchangeOutgoing) -> list[dict]:
    return [{"code": step.code, "label": str(STATUS_LABELS.get(step.code, step.code)),
             "description": step.description, "stated_at": step.stated_at,
             "recorded_at": step.recorded_at, "direction": step.direction, "staff": step.staff}
            for step in row.history]


def describe(row: ExchangeOutgoing, deliveries: dict) -> dict:
    outbox = row.axis_outgoing
    delivery = deliveries.get(outbox.remote_id or "", {}).get(row.organ_id)
    return {"exchange_id": row.id, "organ_id": row.organ_id, "document_id": row.document_id,
            "sent": outbox.state, "sent_at": outbox.sent_at, "send_error": outbox.last_error,
            "delivery": delivery, "status": row.status,
            "status_label": str(STATUS_LABELS[row.status]) if row.status else None,
            "status_at": row.status_at, "recall_asked_at": row.recall_asked_at,
            "history": trace(row)}


def by_recipient(decision: Decision) -> dict[int, dict]:
    """``{decision_recipient_id: describe(...)}`` for the recipients sent through the axis."""
    rows = list(db.session.scalars(select(ExchangeOutgoing)
                                   .where(ExchangeOutgoing.decision_id == decision.id)))
    deliveries = _deliveries(rows)
    return {row.recipient_id: describe(row, deliveries) for row in rows}


def this_year() -> int:
    """The register's year by default: UTC's, as its rows are counted (``created_at``)."""
    return datetime.now(UTC).year


def years() -> list[int]:
    found = db.session.scalars(select(Decision.year).join(
        ExchangeOutgoing, ExchangeOutgoing.decision_id == Decision.id).distinct()).all()
    return sorted({y for y in found if y} | {this_year()}, reverse=True)


def entries(year: int, *, status: str | None = None, organisation_id: int | None = None,
            with_delivery: bool = True) -> list[dict]:
    """The year's outgoing register through the axis: per document and recipient, newest
    first. ``status``: a business code, or :data:`NO_ANSWER` (nothing answered yet)."""
    query = (select(ExchangeOutgoing).join(Decision, Decision.id == ExchangeOutgoing.decision_id)
             .where(extract("year", ExchangeOutgoing.created_at) == year)
             .order_by(Decision.issued_at.desc(), ExchangeOutgoing.id))
    if status == NO_ANSWER:
        query = query.where(ExchangeOutgoing.status.is_(None))
    elif status:
        query = query.where(ExchangeOutgoing.status == status)
    if organisation_id:
        query = query.where(ExchangeOutgoing.organisation_id == organisation_id)
    rows = list(db.session.scalars(query))
    deliveries = _deliveries(rows) if with_delivery else {}
    return [{**describe(row, deliveries), "decision_id": row.decision_id,
             "symbol": row.decision.symbol, "summary": row.decision.summary,
             "issued_at": row.decision.issued_at, "organisation": row.organisation.name}
            for row in rows]


def refused(limit: int = 50) -> list[ExchangeStatusRefused]:
    """The latest statuses not applied, for the clerk to see (and to ask the sender about)."""
    return list(db.session.scalars(select(ExchangeStatusRefused)
                                   .order_by(ExchangeStatusRefused.id.desc()).limit(limit)))


COLUMNS = ("Số, ký hiệu", "Ngày ban hành", "Trích yếu", "Nơi nhận", "Mã định danh",
           "Gửi", "Chuyển đến", "Trạng thái", "Diễn biến")
WIDTHS = (16, 16, 50, 30, 16, 10, 12, 18, 60)


def _when(moment: datetime | None) -> str:
    from ecabinet.interchange.edxml.models import VIETNAM

    return f"{moment.astimezone(VIETNAM):%d/%m/%Y %H:%M}" if moment else ""


def _cells(row: dict) -> list:
    history = "\n".join(f"{_when(step['stated_at'])} {step['code']} {step['label']}"
                        + (f": {step['description']}" if step["description"] else "")
                        for step in row["history"])
    return [row["symbol"], _when(row["issued_at"]), row["summary"], row["organisation"],
            row["organ_id"], row["sent"], row["delivery"] or "",
            f"{row['status']} · {row['status_label']}" if row["status"] else "", history]


def table(rows: list[dict], year: int) -> exports.Table:
    """The year's register as its .xlsx writes it (:mod:`ecabinet.registers.exports`)."""
    return exports.Table(title=f"VĂN BẢN ĐI QUA TRỤC LIÊN THÔNG NĂM {year}",
                         sheet=f"Liên thông đi {year}", columns=COLUMNS, widths=WIDTHS,
                         rows=[_cells(row) for row in rows])
