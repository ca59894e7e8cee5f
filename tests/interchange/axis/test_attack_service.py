"""What the exchange service refuses: a wrong secret, another system's messages, a sender it
does not speak for, a damaged or oversized package — each with a clear answer."""

from __future__ import annotations

import json

import pytest
import requests
from sqlalchemy import select

from ecabinet.interchange.axis import server_store, services
from ecabinet.interchange.axis.models import OutgoingState
from ecabinet.interchange.axis.transport import AxisAuthFailed, AxisRefused
from tests.interchange.axis.conftest import GOV, MINISTRY, SECRETS
from tests.interchange.axis.helpers import outgoing, queue, run


@pytest.mark.parametrize("system_id, secret", [
    ("vpcp", "not-the-secret"),
    ("vpcp", ""),
    ("nobody", SECRETS["vpcp"]),
    ("", ""),
])
def test_a_wrong_secret_or_unknown_system_is_refused(axis_service, system_id, secret):
    from ecabinet.interchange.axis.transport import HttpAxisTransport

    if not system_id or not secret:
        # The client will not even ask without credentials.
        with pytest.raises(ValueError, match="ECABINET_AXIS_SECRET"):
            HttpAxisTransport(axis_service.url, system_id, secret)
        response = requests.post(f"{axis_service.url}/getReceivedEdocList",
                                 headers={"systemid": system_id, "secret": secret}, timeout=5)
        assert response.status_code == 401
        assert response.json()["status"] == "FAIL"
        return
    transport = axis_service.transport(system_id, secret)
    for call in (transport.received, transport.agencies, lambda: transport.send(b"x", GOV)):
        with pytest.raises(AxisAuthFailed) as refusal:
            call()
        # One answer for both: no telling which system ids exist.
        assert "unknown system or wrong secret" in refusal.value.message
        assert secret not in refusal.value.message


def test_a_system_cannot_read_or_acknowledge_another_systems_messages(axis_service):
    gov, ministry = axis_service.transport("vpcp"), axis_service.transport("btc")
    axis_service.store.add_agency("000.00.00.H41", "UBND tỉnh Nghệ An", "tinh", "tinh-secret")
    province = axis_service.transport("tinh", "tinh-secret")
    sender_id = gov.send(b"<edXML>for the ministry</edXML>", MINISTRY)
    [waiting] = ministry.received()
    assert province.received() == [] and gov.received() == []
    for intruder in (province, gov):  # a third party, and the sender itself
        for remote_id in (waiting.id, sender_id):
            with pytest.raises(AxisRefused) as refusal:
                intruder.fetch(remote_id)
            assert refusal.value.status_code == 404  # as if it did not exist
            with pytest.raises(AxisRefused):
                intruder.update_status(remote_id, "done")
    # Nothing the intruders did changed the recipient's queue.
    assert [item.id for item in ministry.received()] == [waiting.id]
    assert ministry.fetch(waiting.id) == b"<edXML>for the ministry</edXML>"
    assert province.sent() == [] and [s.id for s in gov.sent()] == [sender_id]


def test_a_system_cannot_send_as_an_agency_it_does_not_speak_for(axis_service):
    spoofing = axis_service.transport("vpcp", sender=MINISTRY)
    with pytest.raises(AxisRefused) as refusal:
        spoofing.send(b"<edXML>forged</edXML>", GOV)
    assert refusal.value.status_code == 403
    assert axis_service.transport("vpcp").received() == []


def test_unknown_recipients_and_bad_headers_are_refused(axis_service):
    gov = axis_service.transport("vpcp")
    with pytest.raises(AxisRefused, match="unknown recipient.*000.00.99.Z99"):
        gov.send(b"<edXML/>", [MINISTRY, "000.00.99.Z99"])
    assert axis_service.transport("btc").received() == []  # all or nothing
    headers = {"systemid": "vpcp", "secret": SECRETS["vpcp"], "servicetype": "eDoc",
               "messagetype": "edoc", "to": json.dumps([MINISTRY])}
    for change, reason in [({"hash-file": "0" * 64}, "hash-file"),
                           ({"to": "not json"}, "JSON list"),
                           ({"messagetype": "invoice"}, "messagetype"),
                           ({"servicetype": "other"}, "servicetype")]:
        response = requests.post(f"{axis_service.url}/sendEdoc", data=b"<edXML/>",
                                 headers={**headers, **change}, timeout=5)
        assert response.status_code == 400, change
        assert reason in response.json()["ErrorDesc"]
    empty = requests.post(f"{axis_service.url}/sendEdoc", data=b"", headers=headers, timeout=5)
    assert empty.status_code == 400
    assert axis_service.transport("btc").received() == []


def test_the_sdk_s_own_hash_format_is_accepted(axis_service):
    """The SDK writes each byte of the SHA-256 without its leading zero; a package it sent
    must not be refused as damaged."""
    from ecabinet.interchange.axis.transport import sdk_hash_hex

    body = b"<edXML>sdk</edXML>" * 7
    response = requests.post(f"{axis_service.url}/sendEdoc", data=body, timeout=5, headers={
        "systemid": "vpcp", "secret": SECRETS["vpcp"], "servicetype": "eDoc",
        "messagetype": "edoc", "to": json.dumps([MINISTRY]), "hash-file": sdk_hash_hex(body)})
    assert response.status_code == 200 and response.json()["DocId"]


def test_an_oversized_package_is_refused_by_the_service_with_a_clear_error(gov, axis_service):
    big = b"<edXML>" + b"A" * (2 * 1024 * 1024) + b"</edXML>"  # the service takes 2 MB here
    with pytest.raises(AxisRefused) as refusal:
        axis_service.transport("vpcp").send(big, MINISTRY)
    assert refusal.value.status_code == 413
    assert "exceeds the service's limit of 2097152 bytes" in refusal.value.message

    # Through the outbox: failed at once (sending it again cannot help), with the reason.
    sent_id = queue(gov, big, MINISTRY)
    report = run(gov, services.send_pending)
    assert report.failed == [sent_id]
    row = outgoing(gov, sent_id)
    assert row.state == OutgoingState.FAILED and row.tries == 1
    assert "limit of 2097152 bytes" in row.last_error
    assert axis_service.transport("btc").received() == []


def test_the_outbox_refuses_a_package_over_the_installations_own_limit(gov):
    gov.config["AXIS_MAX_BYTES"] = 1000
    with pytest.raises(services.PackageTooLarge, match="more than the 1000 bytes"):
        queue(gov, b"x" * 1001, MINISTRY)
    for bad_to in ([], [""], "", [None]):
        with pytest.raises(services.Invalid):
            queue(gov, b"<edXML/>", bad_to)
    with pytest.raises(services.Invalid):
        queue(gov, b"<edXML/>", MINISTRY, "invoice")


def test_secrets_are_stored_hashed(axis_service):
    with axis_service.store.engine.connect() as conn:
        stored = conn.execute(select(server_store.systems.c.secret_hash)).scalars().all()
    assert len(stored) == 2 and all(h.startswith("pbkdf2_sha256$") for h in stored)
    assert not any(secret in h for h in stored for secret in SECRETS.values())
    # And a registration cannot take over a system or an agency with another secret.
    with pytest.raises(server_store.StoreError, match="another secret"):
        axis_service.store.add_agency("000.00.00.X01", "Kẻ mạo danh", "vpcp", "guess")
    with pytest.raises(server_store.StoreError, match="another system"):
        axis_service.store.add_agency(GOV, "Kẻ mạo danh", "intruder", "whatever")


def test_a_redirect_is_not_followed_so_the_secret_stays_home(axis_service):
    """A service (or a proxy in its place) answering with a redirect to another host would get
    requests to carry the secret header there."""
    from flask import Flask, redirect

    from ecabinet.interchange.axis.server import LiveServer
    from ecabinet.interchange.axis.transport import AxisUnavailable

    seen = []
    elsewhere = Flask("elsewhere")

    @elsewhere.route("/<path:anything>", methods=["GET", "POST"])
    def catch(anything):
        from flask import request

        seen.append(dict(request.headers))
        return {"status": "OK", "ErrorCode": "0", "data": []}

    catcher = LiveServer(elsewhere).start()
    redirector = Flask("redirector")
    redirector.add_url_rule("/<path:anything>", "go", methods=["POST"],
                            view_func=lambda anything: redirect(f"{catcher.url}/{anything}", 307))
    front = LiveServer(redirector).start()
    try:
        transport = axis_service.transport("vpcp")
        transport.url = front.url
        with pytest.raises(AxisUnavailable, match="redirect"):
            transport.received()
    finally:
        front.stop()
        catcher.stop()
    assert seen == []
