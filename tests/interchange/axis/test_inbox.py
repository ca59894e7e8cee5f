"""The inbox: kept before acknowledged, never twice, and one bad message does not stop the
others."""

from __future__ import annotations

import pytest

from ecabinet.interchange.axis import services
from ecabinet.interchange.axis.models import IncomingState
from ecabinet.interchange.axis.transport import (
    AxisRefused,
    AxisUnavailable,
    HttpAxisTransport,
    Received,
)
from tests.interchange.axis.conftest import GOV, MINISTRY
from tests.interchange.axis.helpers import audit_lines, incoming, run


def send_to_ministry(axis_service, *packages: bytes) -> list[str]:
    """The ids the ministry will see them under (each recipient has its own)."""
    gov = axis_service.transport("vpcp")
    for package in packages:
        gov.send(package, MINISTRY)
    return [item.id for item in axis_service.transport("btc").received()]


class Recording:
    """The real client, counting its calls, failing those a test asks to fail."""

    def __init__(self, inner: HttpAxisTransport, fail: dict | None = None):
        self.inner, self.fail, self.calls = inner, fail or {}, []

    def __getattr__(self, name):
        operation = getattr(self.inner, name)

        def call(*args):
            self.calls.append((name, *args))
            failure = self.fail.get((name, *args[:1])) or self.fail.get(name)
            if failure is not None:
                raise failure
            return operation(*args)

        return call


def test_an_acknowledgement_lost_is_sent_again_without_fetching_twice(ministry, axis_service):
    send_to_ministry(axis_service, b"<edXML>1</edXML>")
    failing = Recording(axis_service.transport("btc"),
                        {"update_status": AxisUnavailable("the service went away")})
    report = run(ministry, services.poll_once, failing)
    [message] = incoming(ministry)
    # Kept (and handed over) although the service never heard "done": it lists it again.
    assert report.stored == [message.remote_id] and report.failed == [message.remote_id]
    assert message.acknowledged_at is None and message.state == IncomingState.RECEIVED
    assert [item.id for item in axis_service.transport("btc").received()] == [message.remote_id]

    again = Recording(axis_service.transport("btc"))
    report = run(ministry, services.poll_once, again)
    assert report.stored == [] and report.acknowledged == [message.remote_id]
    assert [call[0] for call in again.calls] == ["received", "update_status"]  # no fetch
    [same] = incoming(ministry)
    assert same.id == message.id and same.acknowledged_at is not None
    assert axis_service.transport("btc").received() == []
    assert [a for a, _ in audit_lines(ministry)].count("axis.received") == 1


def test_a_message_listed_twice_is_stored_once(ministry, axis_service):
    [remote_id] = send_to_ministry(axis_service, b"<edXML>dup</edXML>")

    class Twice(Recording):
        def received(self):
            listing = self.inner.received()
            return listing + listing  # a service (or two pollers) repeating itself

    report = run(ministry, services.poll_once, Twice(axis_service.transport("btc")))
    assert report.stored == [remote_id] and report.acknowledged == [remote_id, remote_id]
    assert len(incoming(ministry)) == 1


def test_a_concurrent_poller_storing_first_is_not_an_error(ministry, axis_service):
    """Two pollers fetched the same message; the second insert meets the unique remote id."""
    [remote_id] = send_to_ministry(axis_service, b"<edXML>race</edXML>")
    transport = axis_service.transport("btc")
    [item] = transport.received()
    with ministry.app_context():
        first = services._store(item, transport.fetch(remote_id), services.PollReport())
        second = services._store(item, transport.fetch(remote_id), services.PollReport())
    assert first == second and len(incoming(ministry)) == 1


def test_one_message_failing_does_not_stop_the_next(ministry, axis_service, monkeypatch):
    first, second, third = send_to_ministry(
        axis_service, b"<edXML>1</edXML>", b"<edXML>2</edXML>", b"<edXML>3</edXML>")
    broken = Recording(axis_service.transport("btc"),
                       {("fetch", first): AxisUnavailable("timed out")})
    real = services.on_received

    def on_received(message):
        if services.package_of(message) == b"<edXML>2</edXML>":
            raise ValueError("not an edXML package I can register")
        real(message)

    monkeypatch.setattr(services, "on_received", on_received)
    report = run(ministry, services.poll_once, broken)
    rows = {row.remote_id: row for row in incoming(ministry)}
    assert set(rows) == {second, third}  # the first is still at the service, for next time
    assert rows[second].state == IncomingState.STORED
    assert "not an edXML package" in rows[second].last_error
    assert rows[third].state == IncomingState.RECEIVED
    assert first in report.failed and str(rows[second].id) in report.failed
    actions = [action for action, _ in audit_lines(ministry)]
    assert "axis.fetch_failed" in actions and "axis.handover_failed" in actions

    # Next run: the first is fetched, the second handed over once the hook takes it.
    monkeypatch.setattr(services, "on_received", real)
    report = run(ministry, services.poll_once)
    assert report.stored == [first]
    assert {row.state for row in incoming(ministry)} == {IncomingState.RECEIVED}
    assert axis_service.transport("btc").received() == []


def test_the_service_down_raises_and_loses_nothing(ministry, axis_service):
    send_to_ministry(axis_service, b"<edXML>later</edXML>")
    down = Recording(axis_service.transport("btc"),
                     {"received": AxisUnavailable("cannot be reached")})
    with pytest.raises(AxisUnavailable):
        run(ministry, services.poll_once, down)
    assert incoming(ministry) == []
    assert len(run(ministry, services.poll_once).stored) == 1


def test_a_message_too_large_is_refused_unread_and_the_sender_told(ministry, axis_service):
    [remote_id] = send_to_ministry(axis_service, b"<edXML>" + b"B" * 300_000 + b"</edXML>")
    small = axis_service.transport("btc", max_bytes=100_000)
    with pytest.raises(AxisRefused, match="exceeds"):
        small.fetch(remote_id)  # cut off after the limit, not read whole
    ministry.config["AXIS_MAX_BYTES"] = 100_000
    report = run(ministry, services.poll_once)
    assert report.failed == [remote_id] and report.acknowledged == [remote_id]
    [row] = incoming(ministry)
    # Recorded for the clerk without its bytes; the service heard "fail" and lists it no more.
    assert (row.remote_id, row.state, row.package_sha256) == (remote_id, "refused", "")
    assert "exceeds" in row.last_error or "more than" in row.last_error
    assert axis_service.transport("btc").received() == []
    [delivery] = axis_service.transport("vpcp").sent()
    assert delivery.delivery == "fail"
    assert [a for a, _ in audit_lines(ministry)] == ["axis.refused", "axis.acknowledged"]

    # Listed again (a service that kept it): "fail" again, never fetched, never handed over.
    again = Recording(axis_service.transport("btc"))
    listed = Received(id=remote_id, sender=GOV, to=MINISTRY, messagetype="edoc")
    again.received = lambda: [listed]
    report = run(ministry, services.poll_once, again)
    assert [call[0] for call in again.calls] == ["update_status"]
    assert again.calls[0][2] == "fail" and len(incoming(ministry)) == 1


def test_messages_for_the_installation_come_from_the_listing_only(ministry, axis_service):
    """A listing naming a message of another system (a forged or mixed-up answer) gets
    nothing: the service answers the fetch as for a message that does not exist."""
    send_to_ministry(axis_service, b"<edXML>mine</edXML>")
    axis_service.transport("btc").send(b"<edXML>to gov</edXML>", GOV)
    [other] = [item.id for item in axis_service.transport("vpcp").received()]

    class Forged(Recording):
        def received(self):
            return [Received(id=other, sender=GOV, to=MINISTRY, messagetype="edoc"),
                    *self.inner.received()]

    report = run(ministry, services.poll_once, Forged(axis_service.transport("btc")))
    assert report.failed == [other] and len(report.stored) == 1
