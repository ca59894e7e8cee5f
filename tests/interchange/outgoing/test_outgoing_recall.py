"""The recall (13) of an issued decision sent through the axis, and the recipients' answers
(15 accepted, 16 refused); the decision recalled once, its record kept."""

from __future__ import annotations

import json

from ecabinet import storage
from ecabinet.audit.models import AuditEntry
from ecabinet.decisions.models import Decision
from ecabinet.extensions import db
from ecabinet.interchange import edxml, installation
from ecabinet.interchange.axis.models import AxisOutgoing
from ecabinet.interchange.outgoing.models import DecisionRecall, ExchangeStatusRefused
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


def _recall(client, decision_id, token, reason="Sai sót về thẩm quyền ban hành"):
    return client.post(f"/api/v1/decisions/{decision_id}/recall", json={"reason": reason},
                       headers=bearer(token))


def test_recall_sends_13_to_each_axis_recipient_and_shows_their_answers(
        app, client, office, signed_decision, token_for):
    decision_id = signed_decision()
    issue(app, office, decision_id)
    clerk = token_for(office.clerk)

    answer = _recall(client, decision_id, clerk)
    assert answer.status_code == 201, answer.get_json()
    statuses = rows(app, AxisOutgoing, AxisOutgoing.messagetype == "status")
    assert sorted(json.loads(r.recipients)[0] for r in statuses) == [HOME, FINANCE]
    with app.app_context():
        for row in statuses:
            status = edxml.parse_status(storage.get(row.package_sha256),
                                        trust=installation.trust())
            assert status.status_code == edxml.StatusCode.RECALL
            assert status.from_.organ_id == GOV
            assert status.description == "Sai sót về thẩm quyền ban hành"
            assert status.response_for.document_id == \
                sent_to(app, json.loads(row.recipients)[0]).document_id

    finance, home = sent_to(app, FINANCE), sent_to(app, HOME)
    receive(app, status_bytes(app, document_id=finance.document_id, code="15",
                              description="Đã hủy văn bản"))
    receive(app, status_bytes(app, document_id=home.document_id, code="16", from_=HOME,
                              description="Đã thực hiện"), sender=HOME)
    assert rows(app, ExchangeStatusRefused) == []
    recipients = {r["label"]: r["exchange"] for r in client.get(
        f"/api/v1/decisions/{decision_id}/recipients", headers=bearer(clerk)).get_json()}
    assert [(s["code"], s["direction"]) for s in recipients["Bộ Tài chính"]["history"]] == \
        [("13", "out"), ("15", "in")]
    assert recipients["Bộ Tài chính"]["status"] == "15"
    assert recipients["Bộ Nội vụ"]["status"] == "16"
    assert recipients["Bộ Tài chính"]["recall_asked_at"]

    # Recalled once: frozen, its record and metadata kept.
    again = _recall(client, decision_id, clerk)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_recalled"
    decision = rows(app, Decision, Decision.id == decision_id)[0]
    assert decision.state == "issued" and decision.symbol and decision.pdf_sha256
    page = client.get(f"/decisions/{decision_id}", headers=bearer(clerk)).get_data(as_text=True)
    assert "Sai sót về thẩm quyền ban hành" in page and "recall-reason" not in page
    # The readers see it was recalled too.
    page = client.get(f"/decisions/{decision_id}", headers=bearer(token_for(office.member)))
    assert page.status_code == 200
    assert "Sai sót về thẩm quyền ban hành" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "decision.recalled")) == 1


def test_who_may_recall_and_what(app, client, office, signed_decision, token_for, monkeypatch):
    local_only = signed_decision(office.justice_id)
    issue(app, office, local_only)
    answer = _recall(client, local_only, token_for(office.clerk))
    assert answer.status_code == 409
    assert answer.get_json()["error"]["code"] == "not_sent_through_axis"

    decision_id = signed_decision()
    page = client.get(f"/decisions/{decision_id}", headers=bearer(token_for(office.clerk)))
    assert "recall-reason" not in page.get_data(as_text=True)  # not issued yet
    answer = _recall(client, decision_id, token_for(office.clerk))
    assert answer.status_code == 409 and answer.get_json()["error"]["code"] == "not_issued"
    issue(app, office, decision_id)
    page = client.get(f"/decisions/{decision_id}", headers=bearer(token_for(office.clerk)))
    assert "recall-reason" in page.get_data(as_text=True)

    assert _recall(client, decision_id, token_for(office.member)).status_code in (403, 404)

    monkeypatch.setitem(app.config, "AXIS_SEAL_PIN", None)
    answer = _recall(client, decision_id, token_for(office.secretariat))
    assert answer.status_code == 409 and answer.get_json()["error"]["code"] == "axis_seal_refused"
    assert rows(app, DecisionRecall) == []
    assert rows(app, AxisOutgoing, AxisOutgoing.messagetype == "status") == []
