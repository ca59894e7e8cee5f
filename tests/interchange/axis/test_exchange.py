"""Two installations exchange packages through ``axis serve`` exactly as through the real
service: the Government Office sends, the Ministry polls, keeps, acknowledges, and answers."""

from __future__ import annotations

import json
import os

from ecabinet.interchange.axis import services
from ecabinet.interchange.axis.models import IncomingState, OutgoingState
from tests.interchange.axis.conftest import GOV, MINISTRY, SECRETS
from tests.interchange.axis.helpers import audit_lines, incoming, outgoing, queue, run


def test_a_package_goes_from_one_installation_to_the_other(gov, ministry, axis_service):
    package = b"<edXML>" + os.urandom(20_000) + b"</edXML>"
    sent_id = queue(gov, package, [MINISTRY])
    assert outgoing(gov, sent_id).state == OutgoingState.QUEUED  # stored before any attempt

    report = run(gov, services.send_pending)
    assert report.sent == [sent_id]
    row = outgoing(gov, sent_id)
    assert row.state == OutgoingState.SENT and row.remote_id and row.tries == 1

    polled = run(ministry, services.poll_once)
    assert len(polled.stored) == 1 and polled.acknowledged == polled.stored
    [message] = incoming(ministry)
    assert message.sender == GOV and message.messagetype == "edoc"
    assert message.state == IncomingState.RECEIVED and message.acknowledged_at is not None
    assert run(ministry, services.package_of, message) == package
    assert incoming(gov) == []  # the sender's inbox is not the recipient's

    # The sender sees the delivery; nothing waits any more for the recipient.
    [delivery] = run(gov, lambda: services.configured_transport().sent())
    assert (delivery.id, delivery.to, delivery.delivery) == (row.remote_id, MINISTRY, "done")
    assert run(ministry, lambda: services.configured_transport().received()) == []
    assert run(ministry, services.poll_once).stored == []

    assert [action for action, _ in audit_lines(gov)] == ["axis.queued", "axis.sent"]
    assert [action for action, _ in audit_lines(ministry)] == [
        "axis.received", "axis.acknowledged", "axis.handed_over"]


def test_a_status_message_comes_back(gov, ministry):
    queue(ministry, b"<Status>01</Status>", GOV, "status")
    assert len(run(ministry, services.send_pending).sent) == 1
    run(gov, services.poll_once)
    [message] = incoming(gov)
    assert (message.sender, message.messagetype) == (MINISTRY, "status")


def test_a_package_for_two_recipients_is_queued_for_each(gov, ministry, axis_service):
    third = axis_service.transport("tinh", "tinh-secret")
    axis_service.store.add_agency("000.00.00.H41", "UBND tỉnh Nghệ An", "tinh", "tinh-secret")
    assert queue(gov, b"<edXML>both</edXML>", [MINISTRY, "000.00.00.H41"]) == 1
    run(gov, services.send_pending)
    assert len(run(ministry, services.poll_once).stored) == 1
    [waiting] = third.received()
    assert third.fetch(waiting.id) == b"<edXML>both</edXML>"
    [(remote_id, deliveries)] = run(gov, services.deliveries).items()
    assert remote_id == outgoing(gov, 1).remote_id
    assert deliveries == {MINISTRY: "done", "000.00.00.H41": "pending"}


def test_the_secret_is_never_logged_nor_audited(gov, ministry, axis_service, caplog):
    caplog.set_level("DEBUG")
    queue(gov, b"<edXML>x</edXML>", [MINISTRY])
    run(gov, services.send_pending)
    run(ministry, services.poll_once)
    gov.config["AXIS_SECRET"] = "wrong-" + SECRETS["vpcp"]
    queue(gov, b"<edXML>y</edXML>", [MINISTRY])
    run(gov, services.send_pending)  # refused: the reason is audited, the secret is not
    text = caplog.text + json.dumps(audit_lines(gov) + audit_lines(ministry))
    for secret in (*SECRETS.values(), gov.config["AXIS_SECRET"]):
        assert secret not in text
    assert "axis.send_failed" in text
