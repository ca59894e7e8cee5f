"""Two gunicorn processes (gevent, one worker each) sharing a meeting through Redis.

A chair on server A opens a vote, members on server B hear of it; members on both servers
vote; the chair closes the vote over HTTP on server B and the tablets on server A receive the
result. Everything a broadcast carries from one process to the other goes through the Redis
message queue, as in production.
"""

import os
import secrets
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

import pytest
import requests
import socketio

from tests.conftest import bearer
from tests.live.test_production_server import REDIS_URL, _free_port, _redis_available

ROOT = Path(__file__).resolve().parents[2]
NS = "/live"
WAIT = 15  # seconds: the bound of every wait in this test


class Tablet:
    """A python-socketio client over websocket that keeps what it receives, by event name."""

    def __init__(self, url: str, token: str):
        self.received = defaultdict(list)
        self._changed = threading.Condition()
        self.client = socketio.Client(reconnection=False)
        self.client.on("*", self._on_any, namespace=NS)
        self.client.connect(url, namespaces=[NS], auth={"token": token},
                            transports=["websocket"], wait_timeout=WAIT)

    def _on_any(self, event, data=None):
        with self._changed:
            self.received[event].append(data)
            self._changed.notify_all()

    def call(self, event: str, data: dict) -> dict:
        return self.client.call(event, data, namespace=NS, timeout=WAIT)

    def wait_for(self, event: str, predicate=lambda data: True):
        """The first ``event`` received whose data satisfies ``predicate``, within WAIT."""
        deadline = time.monotonic() + WAIT
        with self._changed:
            while True:
                found = next((d for d in self.received[event] if predicate(d)), None)
                if found is not None:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no {event} within {WAIT} s; got "
                                         f"{ {k: len(v) for k, v in self.received.items()} }")
                self._changed.wait(left)

    def close(self) -> None:
        try:
            self.client.disconnect()
        finally:
            self.client.shutdown()


def _start(db_url: str, instance: Path, name: str, secret_key: str):
    port = _free_port()
    env = {**os.environ, "ECABINET_ASYNC_MODE": "gevent", "ECABINET_REDIS_URL": REDIS_URL,
           "ECABINET_DATABASE_URL": db_url, "ECABINET_INSTANCE_DIR": str(instance),
           "ECABINET_SECRET_KEY": secret_key, "ECABINET_COOKIE_SECURE": "0",
           # This run's own channel: another run on the same Redis is not heard.
           "ECABINET_LIVE_CHANNEL": f"ecabinet-test-{secret_key[:12]}"}
    log = (instance / f"{name}.log").open("wb")
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [str(gunicorn), "-k", "gevent", "-w", "1", "-b", f"127.0.0.1:{port}",
         "--graceful-timeout", "3", "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
    log.close()
    return process, f"http://127.0.0.1:{port}", instance / f"{name}.log"


def _wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(log.read_text(errors="replace")[-2000:])
        try:
            requests.get(f"{url}/login", timeout=5)
            return
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.2)
    raise TimeoutError(f"gunicorn did not start: {log.read_text(errors='replace')[-2000:]}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture
def two_servers(db_url, tmp_path):
    """Two gunicorn gevent processes on the test's database and the Redis message queue."""
    if db_url.startswith("sqlite"):
        # Several workers is the production set-up, on PostgreSQL. SQLite under gevent blocks a
        # whole worker in its busy wait while another greenlet of that worker holds the write
        # lock, so two gevent workers on one SQLite file fail with "database is locked".
        pytest.skip("several workers need PostgreSQL (the PostgreSQL pass runs this test)")
    if not _redis_available():
        pytest.skip(f"no Redis at {REDIS_URL}")
    instance = tmp_path / "prod"
    instance.mkdir()
    key = secrets.token_hex(32)  # the same on every worker, as in production
    started = [_start(db_url, instance, name, key) for name in ("a", "b")]
    try:
        for process, url, log in started:
            _wait_until_up(url, process, log)
        yield [url for _, url, _ in started]
    finally:
        for process, _, _ in started:
            _stop(process)


MEMBERS_ON_A, MEMBERS_ON_B = ("m1", "m2", "m3"), ("m4", "m5", "m6")
CHOICES = {"chair": "yes", "m1": "yes", "m2": "no", "m3": "abstain",
           "m4": "yes", "m5": "yes", "m6": "no"}


@pytest.fixture
def meeting(client, make_user, token_for):
    """A published meeting built through the API (in-process, on the same database): the chair
    and six members; returns (meeting id, item id, tokens by name)."""
    users = {"secretariat": make_user("secretariat"), "chair": make_user("member")}
    users.update({name: make_user("member") for name in MEMBERS_ON_A + MEMBERS_ON_B})
    tokens = {name: token_for(user) for name, user in users.items()}

    def post(path, body, who="secretariat"):
        response = client.post(path, json=body, headers=bearer(tokens[who]))
        assert response.status_code in (200, 201), (path, response.get_json())
        return response.get_json()

    mid = post("/api/v1/meetings", {"title": "Phiên họp Chính phủ chuyên đề",
                                    "starts_at": "2026-12-01T08:00:00+07:00"})["id"]
    post(f"/api/v1/meetings/{mid}/participants", {"user_id": users["chair"].id, "role": "chair"})
    for name in MEMBERS_ON_A + MEMBERS_ON_B:
        post(f"/api/v1/meetings/{mid}/participants", {"user_id": users[name].id,
                                                      "role": "member"})
    item = post(f"/api/v1/meetings/{mid}/agenda-items",
                {"title": "Dự thảo Nghị định về chính phủ điện tử"})["id"]
    post(f"/api/v1/meetings/{mid}/transition", {"to": "published"})
    post(f"/api/v1/meetings/{mid}/transition", {"to": "in_session"}, who="chair")
    return mid, item, tokens


def test_a_vote_across_two_workers(meeting, two_servers):
    mid, item, tokens = meeting
    server_a, server_b = two_servers
    tablets = {}
    try:
        tablets["chair"] = Tablet(server_a, tokens["chair"])
        for name in MEMBERS_ON_A:
            tablets[name] = Tablet(server_a, tokens[name])
        for name in MEMBERS_ON_B:
            tablets[name] = Tablet(server_b, tokens[name])
        for name, tablet in tablets.items():
            joined = tablet.call("meeting.join", {"meeting_id": mid})
            assert joined["ok"] and joined["state"]["status"] == "in_session", (name, joined)
            checked = tablet.call("attendance.checkin", {"meeting_id": mid})
            assert checked["ok"] and checked["changed"] is True, (name, checked)
        # Check-ins on A reach the tablets on B (and the other way round).
        for tablet in (tablets["m6"], tablets["m1"]):
            tablet.wait_for("attendance.changed", lambda d: len(d["present"]) == len(tablets))
        # meeting.join's shared part was built by each server before the check-ins; those
        # committed on the other server moved its version (in Redis): a join sees them all.
        for name in ("m1", "m6"):
            again = tablets[name].call("meeting.join", {"meeting_id": mid})
            assert len(again["state"]["attendance"]["present"]) == len(tablets), (name, again)
            assert again["state"]["me"]["checked_in"] is True

        opened = tablets["chair"].call("vote.open", {
            "meeting_id": mid, "agenda_item_id": item, "question": "Thông qua dự thảo?",
            "secret": False, "rule": "majority_of_present"})
        assert opened["ok"], opened
        vote_id = opened["vote_id"]
        for name in MEMBERS_ON_B + MEMBERS_ON_A:
            heard = tablets[name].wait_for("vote.opened", lambda d: d["vote_id"] == vote_id)
            assert heard["eligible"] == len(tablets) and heard["rule"] == "majority_of_present"

        for name, choice in CHOICES.items():
            ack = tablets[name].call("ballot.cast", {"vote_id": vote_id, "choice": choice})
            assert ack.pop("receipt")["statement"]["choice"] == choice  # signed, either server
            assert ack == {"ok": True, "vote_id": vote_id, "choice": choice}, (name, ack)
        # Progress counts what both processes committed (read from the database), and reaches
        # the other server's tablets.
        for name in ("m4", "m1"):
            tablets[name].wait_for("vote.progress",
                                   lambda d: d["vote_id"] == vote_id and d["cast"] == len(CHOICES))

        response = requests.post(f"{server_b}/api/v1/votes/{vote_id}/close", timeout=WAIT,
                                 headers=bearer(tokens["chair"]))
        assert response.status_code == 200, response.text
        tally = {"yes": 4, "no": 2, "abstain": 1, "absent": 0}
        assert response.json() == {"vote_id": vote_id, "tally": tally, "outcome": "adopted"}
        for name in ("chair",) + MEMBERS_ON_A + MEMBERS_ON_B:
            closed = tablets[name].wait_for("vote.closed", lambda d: d["vote_id"] == vote_id)
            assert closed["tally"] == tally and closed["outcome"] == "adopted", (name, closed)
        # A ballot after the close is refused, whichever server takes it.
        late = tablets["m5"].call("ballot.cast", {"vote_id": vote_id, "choice": "no"})
        assert late["ok"] is False and late["error"]["code"] == "vote_closed"
    finally:
        for tablet in tablets.values():
            tablet.close()
