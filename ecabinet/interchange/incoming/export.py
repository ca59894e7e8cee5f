"""The incoming register as a spreadsheet (.xlsx), in the columns of the paper register
(Decree 30 Annex IV: number of arrival, date, sender, number and symbol, date, summary, unit
or person handling, deadline, state)."""

from __future__ import annotations

from ecabinet.i18n import in_vietnam
from ecabinet.interchange.incoming.models import IncomingDocument
from ecabinet.registers import exports

COLUMNS = ("Số đến", "Ngày đến", "Nơi gửi", "Số, ký hiệu", "Ngày văn bản", "Loại",
           "Trích yếu", "Đơn vị/người xử lý", "Hạn xử lý", "Trạng thái")
WIDTHS = (8, 16, 28, 18, 12, 14, 60, 28, 12, 16)
STATES = {"received": "Đã nhận", "accepted": "Đã vào sổ", "assigned": "Đã giao xử lý",
          "in_handling": "Đang xử lý", "done": "Đã xử lý xong", "refused": "Đã trả lại",
          "recalled": "Đã thu hồi"}


def _cells(document: IncomingDocument) -> list:
    unit = (document.handling_organisation.name if document.handling_organisation
            else document.handling_user.name if document.handling_user else "")
    return [document.number, f"{in_vietnam(document.received_at):%d/%m/%Y %H:%M}",
            document.sender_name, document.symbol, f"{document.promulgation_date:%d/%m/%Y}",
            document.type_name, document.subject, unit,
            f"{document.deadline:%d/%m/%Y}" if document.deadline else "",
            STATES.get(document.state, document.state)]


def table(documents: list[IncomingDocument], title: str) -> exports.Table:
    """The register as its .xlsx writes it (:mod:`ecabinet.registers.exports`)."""
    return exports.Table(title=title, sheet="Văn bản đến", columns=COLUMNS, widths=WIDTHS,
                         rows=[_cells(document) for document in documents])
