"""``ecabinet axis add-agency | poll | retry`` and the minute ticker."""

from __future__ import annotations

import pytest

from ecabinet.interchange.axis import runner, services
from ecabinet.interchange.axis.models import IncomingState, OutgoingState
from ecabinet.interchange.axis.runner import local_worker
from ecabinet.interchange.axis.server_store import open_store
from tests.fixtures.database import REDIS_URL
from tests.interchange.axis.conftest import GOV, MINISTRY, SECRETS
from tests.interchange.axis.helpers import incoming, outgoing, queue, run


def test_add_agency_registers_with_a_hashed_secret_and_refuses_a_takeover(app, tmp_path):
    database = f"sqlite:///{tmp_path / 'service.db'}"
    cli = app.test_cli_runner()
    args = ["axis", "add-agency", "--database", database, "--code", GOV,
            "--name", "Văn phòng Chính phủ", "--system-id", "vpcp"]
    # The secret is asked for, hidden, twice: it stays out of the shell's history.
    result = cli.invoke(args=args, input="s3cret-value\ns3cret-value\n")
    assert result.exit_code == 0, result.output
    assert f"Added agency {GOV}" in result.output and "s3cret-value" not in result.output
    taken = cli.invoke(args=[*args[:-1], "intruder", "--secret", "other"])
    assert taken.exit_code != 0 and "belongs to another system" in taken.output
    store = open_store(database)
    assert store.authenticate("vpcp", "s3cret-value").codes == (GOV,)
    store.engine.dispose()


def test_axis_poll_sends_and_receives_once(gov, ministry, axis_service):
    sent_id = queue(gov, b"<edXML>cli</edXML>", MINISTRY)
    result = gov.test_cli_runner().invoke(args=["axis", "poll"])
    assert result.exit_code == 0, result.output
    assert "outbox: 1 sent" in result.output and "inbox: 0 received" in result.output
    result = ministry.test_cli_runner().invoke(args=["axis", "poll"])
    assert "inbox: 1 received, 1 acknowledged, 1 handed over, 0 failed" in result.output
    assert outgoing(gov, sent_id).state == OutgoingState.SENT
    assert [row.state for row in incoming(ministry)] == [IncomingState.RECEIVED]


def test_axis_poll_says_clearly_when_the_service_is_down_or_unset(app):
    result = app.test_cli_runner().invoke(args=["axis", "poll"])
    assert result.exit_code != 0 and "ECABINET_AXIS_URL" in result.output
    app.config.update(AXIS_URL="http://127.0.0.1:9")  # without its system id and secret
    result = app.test_cli_runner().invoke(args=["axis", "poll"])
    assert result.exit_code != 0 and "ECABINET_AXIS_SECRET" in result.output
    assert "Traceback" not in result.output
    app.config.update(AXIS_URL="http://127.0.0.1:9", AXIS_SYSTEM_ID="vpcp",
                      AXIS_SECRET=SECRETS["vpcp"], AXIS_TIMEOUT_SECONDS=2)
    result = app.test_cli_runner().invoke(args=["axis", "poll"])
    assert result.exit_code != 0 and "cannot be reached" in result.output
    assert SECRETS["vpcp"] not in result.output


def test_axis_retry_queues_a_failed_package_again(gov, axis_service):
    gov.config["AXIS_SEND_MAX_TRIES"] = 1
    gov.config["AXIS_URL"] = "http://127.0.0.1:9"
    sent_id = queue(gov, b"<edXML>retry</edXML>", MINISTRY)
    assert run(gov, services.send_pending).failed == [sent_id]
    cli = gov.test_cli_runner()
    assert cli.invoke(args=["axis", "retry", str(sent_id)]).exit_code == 0
    again = cli.invoke(args=["axis", "retry", str(sent_id)])
    assert again.exit_code != 0 and "not failed" in again.output
    assert outgoing(gov, sent_id).state == OutgoingState.QUEUED
    gov.config["AXIS_URL"] = axis_service.url
    assert run(gov, services.send_pending).sent == [sent_id]


def test_the_ticker_runs_send_and_poll_in_the_worker_thread(gov, ministry, axis_service):
    queue(gov, b"<edXML>tick</edXML>", MINISTRY)
    ticker = runner.Ticker(gov, interval=60)
    assert ticker.tick() is True
    assert local_worker().wait_idle(timeout=30)
    assert [message.remote_id for message in incoming(ministry)] == []
    ministry_ticker = runner.Ticker(ministry, interval=60)
    assert ministry_ticker.tick() is True
    assert local_worker().wait_idle(timeout=30)
    assert len(incoming(ministry)) == 1


def test_a_tick_while_the_last_run_is_going_is_skipped(gov, monkeypatch):
    import threading

    release = threading.Event()
    runs = []
    monkeypatch.setattr(runner, "run_once", lambda app: (runs.append(app), release.wait(10)))
    ticker = runner.Ticker(gov, interval=60)
    assert ticker.tick() is True
    assert ticker.tick() is False  # the first is still queued or running
    release.set()
    assert local_worker().wait_idle(timeout=30)
    assert ticker.tick() is True
    assert local_worker().wait_idle(timeout=30)
    assert len(runs) == 2


def test_no_ticker_without_a_service_nor_in_tests(app):
    assert runner.start_ticker(app) is None  # no AXIS_URL
    assert runner.run_once(app) is None


@pytest.mark.skipif(not REDIS_URL, reason="needs ECABINET_TEST_REDIS_URL")
def test_with_redis_one_tick_per_interval_for_the_whole_deployment(make_app, monkeypatch):
    app = make_app(REDIS_URL=REDIS_URL, LIVE_CHANNEL="axis-test-tick", AXIS_URL="http://x")
    from redis import Redis

    with Redis.from_url(REDIS_URL) as connection:
        connection.delete("axis-test-tick:axis:tick")
    enqueued = []
    monkeypatch.setattr(runner, "enqueue_job", lambda job, **kw: enqueued.append(job))
    first, second = runner.Ticker(app, 60), runner.Ticker(app, 60)  # two web workers
    assert first.tick() is True and second.tick() is False
    assert enqueued == ["ecabinet.worker.run_axis"]
    with Redis.from_url(REDIS_URL) as connection:
        connection.delete("axis-test-tick:axis:tick")


def test_the_worker_entry_point_runs_once(gov, ministry, axis_service):
    from ecabinet import worker

    queue(gov, b"<edXML>rq</edXML>", MINISTRY)
    sent, polled = worker.run_axis(gov)
    assert len(sent.sent) == 1 and polled.stored == []


def test_axis_serve_starts_on_its_own_database(app, tmp_path, monkeypatch):
    """The command wires the service's app and its database; serving itself is what every
    other test here talks to (``LiveServer``)."""
    from werkzeug.serving import BaseWSGIServer

    served = []

    def serve_forever(self, *args, **kwargs):
        served.append(self.server_port)
        raise KeyboardInterrupt  # the operator's Ctrl-C

    monkeypatch.setattr(BaseWSGIServer, "serve_forever", serve_forever)
    database = tmp_path / "service.db"
    result = app.test_cli_runner().invoke(args=[
        "axis", "serve", "--port", "0", "--database", f"sqlite:///{database}",
        "--max-bytes", "1000"])
    assert result.exit_code == 0, result.output
    assert "axis exchange service on http://127.0.0.1:" in result.output
    assert "packages up to 1000 bytes" in result.output
    assert served and database.exists()
