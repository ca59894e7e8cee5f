"""A poller killed (kill -9) between fetching a message and keeping it, or between keeping it
and acknowledging it, neither loses nor duplicates it: the next run picks up where it died."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from ecabinet.interchange.axis import services
from ecabinet.interchange.axis.models import IncomingState
from tests.interchange.axis.conftest import MINISTRY, SECRETS
from tests.interchange.axis.helpers import audit_lines, incoming, run

ROOT = Path(__file__).resolve().parents[3]

#: `ecabinet axis poll` with a SIGKILL of itself at one point of the run (a power cut there).
POLL_AND_DIE = """
import os, signal, sys
from ecabinet import storage
from ecabinet.interchange.axis.transport import HttpAxisTransport

point = sys.argv[1]
die = lambda *args: os.kill(os.getpid(), signal.SIGKILL)
if point == "file-written":  # fetched and in storage, its row not committed
    put = storage.put
    storage.put = lambda data: (put(data), die())[0]
elif point == "committed":  # the row committed, the service not told "done"
    HttpAxisTransport.update_status = die
from ecabinet.cli import cli
cli.main(args=["axis", "poll"], prog_name="ecabinet")
"""


def poll_and_die(point: str, environment: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", POLL_AND_DIE, point], cwd=ROOT,
                          env=environment, capture_output=True, text=True, timeout=60)


def test_kill_9_between_fetch_and_store_neither_loses_nor_duplicates(
        ministry, ministry_db, axis_service, tmp_path):
    package = b"<edXML>" + os.urandom(50_000) + b"</edXML>"
    axis_service.transport("vpcp").send(package, MINISTRY)
    [waiting] = axis_service.transport("btc").received()
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith("ECABINET_")}
    environment.update({
        "ECABINET_DATABASE_URL": ministry_db,
        "ECABINET_INSTANCE_DIR": str(tmp_path / "poller-instance"),
        "ECABINET_STORAGE_DIR": ministry.config["STORAGE_DIR"],
        "ECABINET_AXIS_URL": axis_service.url,
        "ECABINET_AXIS_SYSTEM_ID": "btc",
        "ECABINET_AXIS_SECRET": SECRETS["btc"],
        "ECABINET_AXIS_POLL_INTERVAL_SECONDS": "0",
    })

    # Two processes only (each pays the app's start, seconds on a busy machine): dying right
    # after the fetch is the first case with less done.
    for point, rows_after in [("file-written", 0), ("committed", 1)]:
        died = poll_and_die(point, environment)
        assert died.returncode == -signal.SIGKILL, (point, died.stdout, died.stderr)
        assert len(incoming(ministry)) == rows_after, point
        # Still waiting at the service: it never heard "done".
        assert [item.id for item in axis_service.transport("btc").received()] == [waiting.id]

    [kept] = incoming(ministry)
    assert kept.acknowledged_at is None and kept.state == IncomingState.STORED

    report = run(ministry, services.poll_once)
    assert report.stored == [] and report.acknowledged == [waiting.id]
    [message] = incoming(ministry)
    assert message.id == kept.id and message.state == IncomingState.RECEIVED
    assert run(ministry, services.package_of, message) == package
    assert axis_service.transport("btc").received() == []
    actions = [action for action, _ in audit_lines(ministry)]
    assert actions == ["axis.received", "axis.acknowledged", "axis.handed_over"]
