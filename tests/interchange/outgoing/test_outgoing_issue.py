"""Issuing a decision to organisations reached through the axis: one sealed edXML package per
remote recipient, queued in the issue's transaction; none for a local recipient or when the
installation is not on the axis; an issue the seal cannot sign for is refused whole."""

from __future__ import annotations

import json

import pytest

from ecabinet import storage
from ecabinet.audit.models import AuditEntry
from ecabinet.decisions.models import Decision
from ecabinet.errors import Conflict
from ecabinet.extensions import db
from ecabinet.interchange import edxml, installation
from ecabinet.interchange.axis.models import AxisOutgoing
from ecabinet.interchange.outgoing.models import ExchangeOutgoing
from tests.interchange.outgoing.conftest import FINANCE, GOV, HOME, issue, rows


def test_one_sealed_package_per_remote_recipient_none_for_a_local_one(app, office,
                                                                     signed_decision):
    decision_id = signed_decision()
    issue(app, office, decision_id)

    queued = rows(app, AxisOutgoing)
    assert sorted(json.loads(r.recipients)[0] for r in queued) == [HOME, FINANCE]
    assert {r.messagetype for r in queued} == {"edoc"} and {r.state for r in queued} == {"queued"}
    sent = rows(app, ExchangeOutgoing)
    assert {r.organ_id for r in sent} == {FINANCE, HOME}
    with app.app_context():
        decision = db.session.get(Decision, decision_id)
        sealed_pdf = storage.get(decision.pdf_sha256)
        trust = installation.trust()
        for row in queued:
            package = edxml.parse(storage.get(row.package_sha256), trust=trust)
            (to,) = package.to
            assert to.organ_id == json.loads(row.recipients)[0]
            assert package.from_.organ_id == GOV
            assert package.from_.organ_name == "Văn phòng Chính phủ"
            assert str(package.document_id) == \
                f"{GOV},{package.promulgation.date:%Y/%m/%d},{decision.symbol}"
            assert package.code == edxml.Code(f"{decision.number:02d}", "QĐ-VPCP")
            assert package.promulgation.place == "Hà Nội"
            assert package.document_type.type_name == "Quyết định"
            assert package.subject == decision.summary
            assert package.signer == edxml.SignerInfo("KT.", "THỨ TRƯỞNG", "Nguyễn Văn Ký")
            assert package.trace[0].organ_id == GOV
            # The issued PDF, sealed, byte for byte.
            assert package.attachments[0].data == sealed_pdf
            assert package.attachments[0].content_type == "application/pdf"
            assert package.signature.certificate  # sealed by the installation's seal
        actions = [e.action for e in db.session.scalars(
            db.select(AuditEntry).order_by(AuditEntry.seq))]
    assert actions.count("axis.queued") == 2
    assert actions.index("decision.issue") < actions.index("interchange.decision_sent")


def test_nothing_queued_when_the_installation_is_not_on_the_axis(app, office, signed_decision,
                                                                 monkeypatch):
    monkeypatch.setitem(app.config, "AXIS_URL", None)
    decision_id = signed_decision()
    issue(app, office, decision_id)
    assert rows(app, Decision, Decision.id == decision_id)[0].state == "issued"
    assert rows(app, AxisOutgoing) == [] and rows(app, ExchangeOutgoing) == []


def test_nothing_queued_for_local_recipients_only(app, office, signed_decision):
    decision_id = signed_decision(office.justice_id)
    issue(app, office, decision_id)
    assert rows(app, Decision, Decision.id == decision_id)[0].state == "issued"
    assert rows(app, AxisOutgoing) == []


@pytest.mark.parametrize("pin", [None, "000000"], ids=["pin-missing", "pin-wrong"])
def test_seal_that_cannot_sign_refuses_the_issue_whole(app, office, signed_decision,
                                                       monkeypatch, pin):
    monkeypatch.setitem(app.config, "AXIS_SEAL_PIN", pin)
    decision_id = signed_decision()
    with pytest.raises(Conflict) as refused:
        issue(app, office, decision_id)
    assert refused.value.code == "axis_seal_refused"
    decision = rows(app, Decision, Decision.id == decision_id)[0]
    assert (decision.state, decision.number, decision.symbol) == ("signed", None, None)
    assert rows(app, AxisOutgoing) == [] and rows(app, ExchangeOutgoing) == []
    with app.app_context():
        actions = set(db.session.scalars(db.select(AuditEntry.action)))
    assert "decision.issue" not in actions and "decision.delivered" not in actions


def test_a_seal_failing_after_the_issue_rolls_it_back(app, office, signed_decision,
                                                      monkeypatch):
    """Past the check (the token failing between the check and the package): the whole issue
    rolls back; nothing issued, nothing queued."""
    from ecabinet.interchange.outgoing import services

    monkeypatch.setattr(services.edxml, "build", lambda *a, **k: (_ for _ in ()).throw(
        OSError("token removed")))
    decision_id = signed_decision()
    with pytest.raises(services.SealFailed):
        issue(app, office, decision_id)
    assert rows(app, Decision, Decision.id == decision_id)[0].state == "signed"
    assert rows(app, AxisOutgoing) == []
