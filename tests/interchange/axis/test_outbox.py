"""The outbox when the service is down or slow: retried with back-off, failed after N tries,
never sent twice by two senders at once."""

from __future__ import annotations

import json
import socket
import threading
from datetime import UTC, datetime, timedelta

import pytest

from ecabinet.interchange.axis import services
from ecabinet.interchange.axis.models import OutgoingState
from ecabinet.interchange.axis.transport import AxisUnavailable, HttpAxisTransport
from tests.interchange.axis.conftest import MINISTRY, SECRETS
from tests.interchange.axis.helpers import audit_lines, outgoing, queue, run
from tests.pki import free_port


def test_service_down_retried_with_back_off_then_failed_after_n_tries(gov, axis_service):
    gov.config.update(AXIS_URL=f"http://127.0.0.1:{free_port()}", AXIS_SEND_MAX_TRIES=3,
                      AXIS_RETRY_BASE_SECONDS=60, AXIS_RETRY_MAX_SECONDS=3600)
    sent_id = queue(gov, b"<edXML>urgent</edXML>", [MINISTRY])
    t0 = datetime.now(UTC) + timedelta(seconds=1)

    assert run(gov, services.send_pending, now=t0).retried == [sent_id]
    row = outgoing(gov, sent_id)
    assert (row.state, row.tries) == (OutgoingState.QUEUED, 1)
    assert row.next_attempt_at == t0 + timedelta(seconds=60)
    assert "cannot be reached" in row.last_error

    # Not before its time.
    assert run(gov, services.send_pending, now=t0 + timedelta(seconds=59)).retried == []
    assert outgoing(gov, sent_id).tries == 1

    t1 = t0 + timedelta(seconds=60)
    assert run(gov, services.send_pending, now=t1).retried == [sent_id]
    assert outgoing(gov, sent_id).next_attempt_at == t1 + timedelta(seconds=120)  # doubled

    t2 = t1 + timedelta(seconds=120)
    assert run(gov, services.send_pending, now=t2).failed == [sent_id]
    row = outgoing(gov, sent_id)
    assert (row.state, row.tries) == (OutgoingState.FAILED, 3)
    assert run(gov, services.send_pending, now=t2 + timedelta(days=1)).failed == []  # stays

    actions = [action for action, _ in audit_lines(gov)]
    assert actions == ["axis.queued", "axis.send_retry", "axis.send_retry", "axis.send_failed"]

    # The service is back and the clerk asks again: sent, from a first try.
    gov.config["AXIS_URL"] = axis_service.url
    with gov.app_context(), services.unit_of_work():
        services.retry_outgoing(sent_id)
    assert run(gov, services.send_pending).sent == [sent_id]
    assert len(axis_service.transport("btc").received()) == 1
    with pytest.raises(services.Invalid, match="not failed"), gov.app_context(), \
            services.unit_of_work():
        services.retry_outgoing(sent_id)


def test_a_service_down_is_tried_once_per_run_not_once_per_package(gov):
    """Each package would wait for the same timeout: the run stops at the first, the others
    keep their place and their tries."""
    gov.config["AXIS_URL"] = f"http://127.0.0.1:{free_port()}"
    first, second, third = (queue(gov, f"<edXML>{n}</edXML>".encode(), MINISTRY)
                            for n in range(3))
    report = run(gov, services.send_pending)
    assert (report.retried, report.sent, report.failed) == ([first], [], [])
    assert [outgoing(gov, n).tries for n in (first, second, third)] == [1, 0, 0]
    # The next run starts with the next package (the first waits for its back-off).
    assert run(gov, services.send_pending).retried == [second]


def test_back_off_is_capped(gov):
    gov.config.update(AXIS_RETRY_BASE_SECONDS=60, AXIS_RETRY_MAX_SECONDS=600)
    with gov.app_context():
        waits = [services.backoff(n).total_seconds() for n in range(1, 7)]
    assert waits == [60, 120, 240, 480, 600, 600]


@pytest.fixture
def silent_service():
    """A port that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    listener.close()


def test_a_service_that_does_not_answer_times_out_with_a_clear_error(silent_service):
    transport = HttpAxisTransport(silent_service, "vpcp", SECRETS["vpcp"], timeout=0.3)
    with pytest.raises(AxisUnavailable, match=r"did not answer getReceivedEdocList within 0.3 s"):
        transport.received()


def test_a_broken_answer_is_unavailable_not_a_crash(gov, axis_service):
    transport = axis_service.transport("vpcp")
    transport.url = axis_service.url + "/nowhere"  # the service answers 404 with JSON FAIL
    with pytest.raises(services.AxisRefused, match="no operation"):
        transport.received()


def test_two_senders_at_once_send_a_package_once(gov, axis_service, monkeypatch):
    """The claim on the row: two pollers running together (two web workers' ticks, a manual
    `ecabinet axis poll`) never both send it, even when both listed it as due."""
    queue(gov, b"<edXML>once</edXML>", MINISTRY)
    real_claim, real_send = services._claim, HttpAxisTransport.send
    both_listed = threading.Barrier(2, timeout=10)
    calls, reports = [], []

    def claim_after_both_listed(outgoing_id, now):
        both_listed.wait()  # each sender has its list of due packages, with this one in it
        return real_claim(outgoing_id, now)

    def counted_send(self, package, to, messagetype="edoc"):
        calls.append(1)
        return real_send(self, package, to, messagetype)

    monkeypatch.setattr(services, "_claim", claim_after_both_listed)
    monkeypatch.setattr(HttpAxisTransport, "send", counted_send)
    threads = [threading.Thread(target=lambda: reports.append(run(gov, services.send_pending)))
               for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert len(calls) == 1
    assert sorted(len(report.sent) for report in reports) == [0, 1]
    assert len(axis_service.transport("btc").received()) == 1


def test_a_package_lost_from_storage_fails_with_its_reason(gov, tmp_path):
    sent_id = queue(gov, b"<edXML>gone</edXML>", MINISTRY)
    with gov.app_context():
        from ecabinet import storage

        storage.path_for(outgoing(gov, sent_id).package_sha256).unlink()
    assert run(gov, services.send_pending).failed == [sent_id]
    assert outgoing(gov, sent_id).state == OutgoingState.FAILED
    details = json.loads(audit_lines(gov, "axis.send_failed")[0][1])
    assert details["to"] == [MINISTRY] and details["reason"]
