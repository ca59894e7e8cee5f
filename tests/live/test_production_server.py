"""The production set-up for real: gunicorn with the gevent worker, websocket transport, and the
Redis message queue, reached by a python-socketio client over the network (loopback)."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
import requests
import socketio

from tests.conftest import PASSWORD
from tests.fixtures import ports

REDIS_URL = os.environ.get("ECABINET_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    return ports.free_port()  # below the ephemeral range (tests/fixtures/ports.py)


def _redis_available() -> bool:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False
    return True


@pytest.fixture
def gunicorn_server(db_url, tmp_path, runner):
    if not _redis_available():
        pytest.skip(f"no Redis at {REDIS_URL}")
    runner.invoke(args=["create-user", "--email", "live@example.gov.vn", "--name", "Bộ trưởng",
                        "--role", "member", "--password", PASSWORD])
    port = _free_port()
    env = {**os.environ, "ECABINET_ASYNC_MODE": "gevent", "ECABINET_REDIS_URL": REDIS_URL,
           "ECABINET_DATABASE_URL": db_url, "ECABINET_INSTANCE_DIR": str(tmp_path / "prod"),
           "ECABINET_COOKIE_SECURE": "0"}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [str(gunicorn), "-k", "gevent", "-w", "1", "-b", f"127.0.0.1:{port}",
         "--graceful-timeout", "5", "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process)
        yield url
    finally:
        # A loaded machine may take longer than the graceful stop: then it is killed, and the
        # pipe closed either way (left open, the next test fails on its ResourceWarning).
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stderr.close()


def _wait_until_up(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120  # a gevent worker starting on a loaded machine
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(process.stderr.read().decode()[-2000:])
        try:
            requests.get(f"{url}/login", timeout=5)
            return
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.2)
    raise TimeoutError("gunicorn did not start")


def test_tablet_connects_over_websocket_to_gunicorn_gevent(gunicorn_server):
    # The worker's first request builds what the app builds lazily; on a loaded machine that
    # took more than 10 s (a CI run timed out here), so the wait is generous.
    token = requests.post(f"{gunicorn_server}/api/v1/auth/token", timeout=60, json={
        "email": "live@example.gov.vn", "password": PASSWORD}).json()["access_token"]
    client = socketio.Client(reconnection=False)
    client.connect(gunicorn_server, namespaces=["/live"], auth={"token": token},
                   transports=["websocket"], wait_timeout=10)
    try:
        assert client.transport() == "websocket"
        ack = client.call("me", {}, namespace="/live", timeout=10)
        assert ack["ok"] is True and ack["user"]["name"] == "Bộ trưởng"
    finally:
        client.disconnect()


def test_gunicorn_refuses_a_tablet_without_credentials(gunicorn_server):
    client = socketio.Client(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(gunicorn_server, namespaces=["/live"], transports=["websocket"],
                       wait_timeout=10)
    client.disconnect()
