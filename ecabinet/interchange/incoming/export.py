"""The incoming register as a spreadsheet (.xlsx), in the columns of the paper register
(Decree 30 Annex IV: number of arrival, date, sender, number and symbol, date, summary, unit
or person handling, deadline, state)."""

from __future__ import annotations

import io

from ecabinet.i18n import in_vietnam
from ecabinet.interchange.incoming.models import IncomingDocument

COLUMNS = ("Số đến", "Ngày đến", "Nơi gửi", "Số, ký hiệu", "Ngày văn bản", "Loại",
           "Trích yếu", "Đơn vị/người xử lý", "Hạn xử lý", "Trạng thái")
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


def to_xlsx(documents: list[IncomingDocument], title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Văn bản đến"
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([])
    sheet.append(list(COLUMNS))
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for document in documents:
        sheet.append(_cells(document))
    for column, width in zip("ABCDEFGHIJ", (8, 16, 28, 18, 12, 14, 60, 28, 12, 16),
                             strict=True):
        sheet.column_dimensions[column].width = width
    for line in sheet.iter_rows(min_row=4):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if cell.data_type == "f":  # a subject starting with "=" is text, not a formula
                cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
