"""The outgoing side over real HTTP: the Government Office issues a decision to the Ministry of
Finance, ``axis serve`` carries the package, the Ministry's statuses 01 → 03 → 04 → 06 come back
through it, the clerk sees them with the delivery, then recalls and gets 15.

The Ministry's side is played by its axis inbox and outbox only (the incoming register is built
separately): its statuses are written by the test and sent through its own outbox."""

from __future__ import annotations

import pytest

from ecabinet.interchange import edxml, installation
from ecabinet.interchange.axis import services as axis
from ecabinet.interchange.outgoing.models import ExchangeStatusRefused
from tests.conftest import bearer
from tests.interchange.axis.conftest import (  # noqa: F401 - fixtures
    axis_config,
    axis_service,
    ministry_db,
    sqlite_schema,
)
from tests.interchange.axis.helpers import incoming, queue, run
from tests.interchange.outgoing.conftest import FINANCE, issue, rows, sent_to, status_bytes


@pytest.fixture
def gov(app, axis_service, monkeypatch):  # noqa: F811
    for key, value in axis_config(axis_service.url, "vpcp").items():
        monkeypatch.setitem(app.config, key, value)
    return app


@pytest.fixture
def ministry(make_app, gov, ministry_db, axis_service, tmp_path):  # noqa: F811
    folder = tmp_path / "ministry"
    return make_app(fresh_app=True, SQLALCHEMY_DATABASE_URI=ministry_db,
                    INSTANCE_PATH=str(folder / "instance"), STORAGE_DIR=str(folder / "files"),
                    **axis_config(axis_service.url, "btc"))


def _answer(gov, ministry, document_id, *codes, description=""):
    for code in codes:
        queue(ministry, status_bytes(gov, document_id=document_id, code=code,
                                     description=description or f"Trạng thái {code}"),
              [installation_id(gov)], "status")
    assert len(run(ministry, axis.send_pending).sent) == len(codes)
    run(gov, axis.poll_once)


def installation_id(app) -> str:
    return app.config["AXIS_ORGAN_ID"]


def test_issue_travels_and_the_statuses_come_back(gov, ministry, office, signed_decision,
                                                  client, token_for):
    decision_id = signed_decision(office.finance_id, office.justice_id)
    issue(gov, office, decision_id)
    assert len(run(gov, axis.send_pending).sent) == 1

    run(ministry, axis.poll_once)
    [message] = incoming(ministry)
    assert (message.sender, message.messagetype) == ("000.00.00.G22", "edoc")
    with gov.app_context():  # read with the sender's trust roots: the ministry has none here
        data = run(ministry, axis.package_of, message)
        package = edxml.parse(data, trust=installation.trust())
    document = sent_to(gov, FINANCE).document_id
    assert str(package.document_id) == document and package.to[0].organ_id == FINANCE

    _answer(gov, ministry, document, "01", "03", "04", "06")
    assert rows(gov, ExchangeStatusRefused) == []
    clerk = bearer(token_for(office.clerk))
    [finance] = [r["exchange"] for r in client.get(
        f"/api/v1/decisions/{decision_id}/recipients", headers=clerk).get_json()
        if r["exchange"]]
    assert [s["code"] for s in finance["history"]] == ["01", "03", "04", "06"]
    assert (finance["sent"], finance["delivery"], finance["status"]) == ("sent", "done", "06")

    assert client.post(f"/api/v1/decisions/{decision_id}/recall", json={"reason": "Sai sót"},
                       headers=clerk).status_code == 201
    assert len(run(gov, axis.send_pending).sent) == 1
    run(ministry, axis.poll_once)
    recall = [m for m in incoming(ministry) if m.messagetype == "status"]
    assert len(recall) == 1
    with gov.app_context():
        asked = edxml.parse_status(run(ministry, axis.package_of, recall[0]),
                                   trust=installation.trust())
    assert (asked.status_code, asked.response_for.document_id) == ("13", document)
    _answer(gov, ministry, document, "15", description="Đã hủy văn bản")
    [finance] = [r["exchange"] for r in client.get(
        f"/api/v1/decisions/{decision_id}/recipients", headers=clerk).get_json()
        if r["exchange"]]
    assert [s["code"] for s in finance["history"]][-2:] == ["13", "15"]
    assert finance["history"][-1]["description"] == "Đã hủy văn bản"
