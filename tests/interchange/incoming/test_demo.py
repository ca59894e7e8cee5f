"""The demo's incoming documents are real packages through the receiver: sealed and signed by
keys of the demo PKI, checked against its root, registered with 01 queued — sealed by the
installation's seal in its SoftHSM2 token."""

from __future__ import annotations

from sqlalchemy import select

from ecabinet.database import unit_of_work
from ecabinet.extensions import db
from ecabinet.identity.models import Organisation
from ecabinet.interchange import edxml
from ecabinet.interchange.incoming.demo import PACKAGES, ensure_demo_incoming
from ecabinet.interchange.incoming.models import IncomingDocument, IncomingQuarantine
from tests.interchange.incoming.conftest import statuses_sent
from tests.pki import PIN


def test_the_demo_registers_real_packages_waiting_for_the_clerk(make_app, demo_pki,
                                                                  signing_keys):
    from ecabinet.organisations import services as organisations
    from ecabinet.signing import trust

    app = make_app(**demo_pki.config, AXIS_SEAL_PIN=PIN)
    with app.app_context(), unit_of_work():
        office = db.session.get(Organisation, signing_keys.organisation_id)  # holds the seal
        organisations.update(office, identifier="000.00.00.G22", code="VPCP")
        for organ_id, name, *_rest in PACKAGES:
            organisations.create(identifier=organ_id, code=organ_id[-3:], name=name)
    with app.app_context(), unit_of_work():
        assert len(ensure_demo_incoming()) == len(PACKAGES)
    with app.app_context(), unit_of_work():
        assert ensure_demo_incoming() == []  # once
        assert db.session.scalar(select(IncomingQuarantine.reason)) is None
        assert [(d.number, d.state) for d in db.session.scalars(
            select(IncomingDocument).order_by(IncomingDocument.number))] == [
            (1, "received"), (2, "received"), (3, "received")]
        roots = edxml.Trust(roots=tuple(trust.trust_roots()),
                            intermediates=tuple(trust.intermediates()))
    with app.app_context():
        sent = statuses_sent(app, trust=roots)
    assert [(to, s.status_code.value) for to, s in sent] == [
        (organ_id, "01") for organ_id, *_rest in PACKAGES]
