"""Statuses coming back from the recipients: only a signed status from the recipient of a
document we sent is applied; anything else is kept refused and audited, never applied. The
applied ones appear in order, in the API (the clerk and the secretariat only) and the register."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook

from ecabinet.audit.models import AuditEntry
from ecabinet.extensions import db
from ecabinet.interchange import edxml
from ecabinet.interchange.outgoing.models import (
    ExchangeOutgoing,
    ExchangeStatus,
    ExchangeStatusRefused,
)
from tests.conftest import bearer
from tests.interchange.outgoing.conftest import (
    FINANCE,
    GOV,
    HOME,
    issue,
    receive,
    rows,
    sent_to,
    status_bytes,
)


@pytest.fixture
def sent(app, office, signed_decision):
    decision_id = signed_decision()
    issue(app, office, decision_id)
    return decision_id


def _refused(app, reason: str):
    refused = rows(app, ExchangeStatusRefused)
    assert [r.reason for r in refused] == [reason]
    assert rows(app, ExchangeStatus) == []
    assert {r.status for r in rows(app, ExchangeOutgoing)} == {None}
    with app.app_context():
        audited = [e.details for e in db.session.scalars(
            db.select(AuditEntry).where(AuditEntry.action == "interchange.status_refused"))]
    assert [json.loads(d)["reason"] for d in audited] == [reason]


def test_a_status_from_an_organisation_that_is_not_the_recipient(app, sent, client, office,
                                                                token_for):
    """Home Affairs got its own copy; it cannot answer for Finance's (nor an organisation we
    never sent it to for anyone's): its From is checked against the document's recipient."""
    finance = sent_to(app, FINANCE)
    data = status_bytes(app, document_id=finance.document_id, code="06",
                        from_="000.00.00.G01")
    receive(app, data, sender="000.00.00.G01")
    _refused(app, "not_a_recipient")
    page = client.get("/interchange/outgoing", headers=bearer(token_for(office.clerk)))
    assert "not_a_recipient" in page.get_data(as_text=True)  # shown to the clerk


def test_a_status_whose_service_sender_is_not_its_signed_from(app, sent):
    """Home Affairs' system sends a status signed as from Finance about Finance's copy."""
    finance = sent_to(app, FINANCE)
    data = status_bytes(app, document_id=finance.document_id, code="06", from_=FINANCE)
    receive(app, data, sender=HOME)
    _refused(app, "sender_mismatch")


def test_a_status_about_a_document_we_never_sent(app, sent):
    data = status_bytes(app, document_id=f"{GOV},2026/01/02,99/QĐ-VPCP", code="03")
    receive(app, data)
    _refused(app, "unknown_document")


def test_an_unsigned_status(app, sent):
    data = status_bytes(app, document_id=sent_to(app, FINANCE).document_id, code="03",
                        signer=None)
    receive(app, data)
    _refused(app, "unsigned")


def test_a_tampered_status(app, sent):
    data = status_bytes(app, document_id=sent_to(app, FINANCE).document_id, code="03",
                        description="Đã tiếp nhận")
    receive(app, data.replace("Đã tiếp nhận".encode(), "Đã hoàn thành".encode()))
    _refused(app, "bad_signature")


def test_a_status_signed_by_a_stranger(app, sent, test_pki):
    data = status_bytes(app, document_id=sent_to(app, FINANCE).document_id, code="03",
                        signer=test_pki.stranger)
    receive(app, data)
    _refused(app, "untrusted_certificate")


def test_a_recall_answer_nobody_asked_for(app, sent):
    data = status_bytes(app, document_id=sent_to(app, FINANCE).document_id, code="15")
    receive(app, data)
    _refused(app, "unexpected_status")


def test_not_xml_at_all(app, sent):
    receive(app, b"<edXML><unclosed>")
    assert [r.reason for r in rows(app, ExchangeStatusRefused)] == ["not_well_formed"]


def test_statuses_in_order_in_the_api_and_the_register(app, client, office, sent, token_for):
    document = sent_to(app, FINANCE).document_id
    for code, text in (("01", "Đã nhận"), ("03", "Đã vào sổ đến số 15"),
                       ("04", "Giao Vụ Ngân sách, hạn 15/12"), ("06", "Đã xử lý xong")):
        receive(app, status_bytes(app, document_id=document, code=code, description=text,
                                  staff=edxml.StaffInfo(department="Văn phòng Bộ",
                                                        staff="Trần Văn Thư")))
    assert rows(app, ExchangeStatusRefused) == []

    answer = client.get(f"/api/v1/decisions/{sent}/recipients",
                        headers=bearer(token_for(office.clerk)))
    assert answer.status_code == 200, answer.get_json()
    by_label = {r["label"]: r for r in answer.get_json()}
    finance = by_label["Bộ Tài chính"]["exchange"]
    assert finance["organ_id"] == FINANCE and finance["document_id"] == document
    assert finance["sent"] == "queued" and finance["delivery"] is None
    assert finance["status"] == "06"
    assert [s["code"] for s in finance["history"]] == ["01", "03", "04", "06"]
    assert finance["history"][2]["description"] == "Giao Vụ Ngân sách, hạn 15/12"
    assert finance["history"][2]["staff"] == "Văn phòng Bộ – Trần Văn Thư"
    assert by_label["Bộ Nội vụ"]["exchange"]["status"] is None
    assert by_label["Bộ Tư pháp"]["exchange"] is None  # in this installation

    # A recipient's member does not follow the distribution (nor its statuses).
    refused = client.get(f"/api/v1/decisions/{sent}/recipients",
                         headers=bearer(token_for(office.member)))
    assert refused.status_code == 403

    headers = bearer(token_for(office.clerk))
    page = client.get("/interchange/outgoing", headers=headers)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert text.index("Đã vào sổ đến số 15") < text.index("Giao Vụ Ngân sách")
    filtered = client.get("/interchange/outgoing?status=06", headers=headers)
    assert "Bộ Tài chính" in filtered.get_data(as_text=True)
    assert "000.00.00.G10" not in filtered.get_data(as_text=True)
    export = client.get("/interchange/outgoing?format=xlsx", headers=headers)
    sheet = load_workbook(io.BytesIO(export.data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=4)]
    finance_row = next(v for v in values if v[4] == FINANCE)
    assert finance_row[7].startswith("06 · ")
    assert finance_row[8].splitlines()[0].split(" ", 2)[2].startswith("01")
    assert client.get("/interchange/outgoing",
                      headers=bearer(token_for(office.member))).status_code == 403


class _IncomingRegister:
    """Stands for ecabinet.interchange.incoming.workflow (built separately): records the
    recalls handed to it."""

    def __init__(self):
        self.recalls = []

    def recall_requested(self, status, message=None):
        self.recalls.append((status.from_.organ_id, status.response_for.document_id,
                             message.remote_id))


@pytest.fixture
def incoming_register(monkeypatch):
    import sys

    register = _IncomingRegister()
    monkeypatch.setitem(sys.modules, "ecabinet.interchange.incoming.workflow", register)
    return register


THEIRS = f"{FINANCE},2026/12/01,15/BTC-NSNN"


def test_a_recall_of_a_document_they_sent_us_goes_to_the_incoming_register(
        app, office, incoming_register):
    receive(app, status_bytes(app, document_id=THEIRS, code="13", description="Sai sót"))
    assert [(who, document) for who, document, _ in incoming_register.recalls] == \
        [(FINANCE, THEIRS)]
    assert rows(app, ExchangeStatusRefused) == []


@pytest.mark.parametrize(("document", "sender", "reason"), [
    (THEIRS, HOME, "sender_mismatch"),  # Home Affairs' system, signed as Finance
    (f"{HOME},2026/12/01,7/BNV-TCCB", FINANCE, "not_the_issuer"),  # Finance recalls Home's
])
def test_a_recall_by_someone_else_is_not_handed_over(app, office, incoming_register,
                                                     document, sender, reason):
    receive(app, status_bytes(app, document_id=document, code="13"), sender=sender)
    assert incoming_register.recalls == []
    assert [r.reason for r in rows(app, ExchangeStatusRefused)] == [reason]
