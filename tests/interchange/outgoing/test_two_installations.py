"""Done means (issue 11): two installations and ``axis serve`` between them. The Government
Office issues a decision to the Ministry of Finance; the Ministry's incoming register has it
numbered and validated, its clerk accepts it, its leader assigns it, it is done; the Government
Office's outgoing register shows 01 → 03 → 04 → 05 → 06 from the Ministry; a recall comes back
accepted (15); a hostile package is quarantined at the Ministry.

Both installations use the demo PKI (the same root, so each trusts the other's seal); each has
its own database, files and seal row."""

from __future__ import annotations

from datetime import date

import pytest

from ecabinet.database import unit_of_work
from ecabinet.extensions import db
from ecabinet.identity import services as identity
from ecabinet.identity.models import Organisation, User
from ecabinet.interchange.axis import services as axis
from ecabinet.interchange.outgoing.models import ExchangeStatusRefused
from tests.conftest import PASSWORD, bearer
from tests.interchange.axis.conftest import (  # noqa: F401 - fixtures
    axis_config,
    axis_service,
    ministry_db,
    sqlite_schema,
)
from tests.interchange.axis.helpers import run
from tests.interchange.outgoing.conftest import FINANCE, GOV, issue
from tests.pki import PIN


@pytest.fixture
def gov(app, axis_service, monkeypatch):  # noqa: F811
    for key, value in axis_config(axis_service.url, "vpcp").items():
        monkeypatch.setitem(app.config, key, value)
    return app


@pytest.fixture
def ministry(make_app, gov, ministry_db, axis_service, demo_pki, tmp_path):  # noqa: F811
    """The Ministry of Finance: its own database and files, the demo PKI's seal as its seal,
    a clerk and a leader."""
    from ecabinet.signing.models import SigningKey

    folder = tmp_path / "ministry"
    app = make_app(fresh_app=True, SQLALCHEMY_DATABASE_URI=ministry_db,
                   INSTANCE_PATH=str(folder / "instance"), STORAGE_DIR=str(folder / "files"),
                   **demo_pki.config, **axis_config(axis_service.url, "btc"),
                   AXIS_ORGAN_ID=FINANCE, AXIS_SEAL_PIN=PIN, AXIS_FETCH_REVOCATION=False,
                   AXIS_POLL_INTERVAL_SECONDS=0)
    with app.app_context(), unit_of_work():
        finance = Organisation(name="Bộ Tài chính", code="BTC", identifier=FINANCE)
        db.session.add_all([finance, Organisation(name="Văn phòng Chính phủ", code="VPCP",
                                                  identifier=GOV)])
        db.session.flush()
        db.session.add(SigningKey(organisation_id=finance.id, pin_failures=0, **demo_pki.seal))
        identity.create_user(email="vanthu@mof.gov.vn", name="Lê Văn Thư", roles=["clerk"],
                             password=PASSWORD, organisation="BTC")
        identity.create_user(email="bt@mof.gov.vn", name="Hồ Đức Phớc", roles=["signer"],
                             password=PASSWORD, organisation="BTC")
    return app


def _step(app, *steps):
    """Run the incoming workflow's steps as the Ministry's people, then send what they queued."""
    from ecabinet.interchange.incoming import workflow
    from ecabinet.interchange.incoming.models import IncomingDocument

    with app.app_context():
        for name, email, kwargs in steps:
            with unit_of_work():
                document = db.session.scalar(db.select(IncomingDocument))
                actor = db.session.scalar(db.select(User).where(User.email == email))
                getattr(workflow, name)(document, actor, **kwargs)
        db.session.remove()
    assert len(run(app, axis.send_pending).sent) == len(steps)


def _trace(client, clerk, decision_id):
    [finance] = [r["exchange"] for r in client.get(
        f"/api/v1/decisions/{decision_id}/recipients", headers=clerk).get_json()
        if r["exchange"]]
    return finance


def test_a_decision_goes_to_the_ministry_and_its_handling_comes_back(
        gov, ministry, office, signed_decision, client, token_for, axis_service):  # noqa: F811
    from ecabinet.interchange.incoming.models import IncomingDocument, IncomingQuarantine

    decision_id = signed_decision(office.finance_id, office.justice_id)
    issue(gov, office, decision_id)
    assert len(run(gov, axis.send_pending).sent) == 1
    axis_service.transport("vpcp").send(b"<edXML>hostile", [FINANCE], "edoc")

    run(ministry, axis.poll_once)  # registered (01 queued), the hostile one quarantined (02)
    with ministry.app_context():
        [document] = db.session.scalars(db.select(IncomingDocument)).all()
        assert (document.number, document.state) == (1, "received")
        [quarantined] = db.session.scalars(db.select(IncomingQuarantine)).all()
        assert quarantined.reason == "not_well_formed"
        db.session.remove()
    assert len(run(ministry, axis.send_pending).sent) == 2  # 01 to us, 02 to the sender
    _step(ministry, ("accept", "vanthu@mof.gov.vn", {}))
    _step(ministry, ("assign", "bt@mof.gov.vn", {"deadline": date(2026, 12, 31),
                                                  "direction": "Vụ Ngân sách xử lý",
                                                  "organisation_id": 1}),
          ("handle", "vanthu@mof.gov.vn", {}), ("done", "vanthu@mof.gov.vn", {}))

    run(gov, axis.poll_once)
    clerk = bearer(token_for(office.clerk))
    finance = _trace(client, clerk, decision_id)
    assert [s["code"] for s in finance["history"]] == ["01", "03", "04", "05", "06"]
    assert (finance["sent"], finance["delivery"], finance["status"]) == ("sent", "done", "06")
    # The 02 about the hostile package names no document of ours: kept refused, not applied.
    assert [r.reason for r in _rows(gov, ExchangeStatusRefused)] == ["unknown_document"]

    assert client.post(f"/api/v1/decisions/{decision_id}/recall", json={"reason": "Sai sót"},
                       headers=clerk).status_code == 201
    assert len(run(gov, axis.send_pending).sent) == 1
    run(ministry, axis.poll_once)  # the 13: recalled there, 15 queued
    assert len(run(ministry, axis.send_pending).sent) == 1
    run(gov, axis.poll_once)
    finance = _trace(client, clerk, decision_id)
    assert [s["code"] for s in finance["history"]][-2:] == ["13", "15"]
    with ministry.app_context():
        assert db.session.scalar(db.select(IncomingDocument.state)) == "recalled"
        db.session.remove()
    register = client.get("/interchange/outgoing", headers=clerk).get_data(as_text=True)
    assert "000.00.00.G12" in register and "15 · " in register


def _rows(app, model):
    with app.app_context():
        found = list(db.session.scalars(db.select(model)))
        db.session.expunge_all()
        return found
