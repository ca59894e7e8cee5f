"""The baseline for bench/live_fanout.py: a bare Flask-SocketIO server doing the same fan-out.

No database, no authentication, no audit: a room, events that acknowledge, and broadcasts to the
room. Served exactly like ecabinet (``gunicorn -k gevent -w 1``), with a Redis message queue
when BARE_REDIS_URL is set (several processes), so the difference the bench measures is what
ecabinet adds on top of Flask-SocketIO itself.

    cd bench && gunicorn -k gevent -w 1 -b 127.0.0.1:8101 bare_broadcast_server:app
"""

from gevent import monkey

monkey.patch_all()

import os  # noqa: E402 - after monkey-patching
import resource  # noqa: E402

from flask import Flask  # noqa: E402
from flask_socketio import SocketIO, join_room  # noqa: E402

NS, ROOM = "/live", "meeting"
#: Its own channel, so that it never hears ecabinet's broadcasts on the same Redis.
CHANNEL = "ecabinet-bench-bare"


def _raise_open_files() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < min(hard, 65536):
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))


_raise_open_files()
app = Flask(__name__)
app.config["SECRET_KEY"] = os.environ.get("BARE_SECRET_KEY", "bench-only")
_redis = os.environ.get("BARE_REDIS_URL") or None
socketio = SocketIO(app, async_mode="gevent", message_queue=_redis, channel=CHANNEL)
#: Ballots taken by this process (a process's share when there are several).
ballots: dict[int, dict[str, int]] = {}


@socketio.on("connect", namespace=NS)
def connect(auth=None):
    return True


@socketio.on("join", namespace=NS)
def join(data=None):
    join_room(ROOM)
    return {"ok": True}


@socketio.on("checkin", namespace=NS)
def checkin(data=None):
    return {"ok": True}


@socketio.on("open", namespace=NS)
def open_vote(data):
    vote_id = int(data["vote_id"])
    ballots[vote_id] = {}
    socketio.emit("opened", {"vote_id": vote_id}, to=ROOM, namespace=NS)
    return {"ok": True, "vote_id": vote_id}


@socketio.on("cast", namespace=NS)
def cast(data):
    vote_id = int(data["vote_id"])
    counts = ballots.setdefault(vote_id, {})
    counts[data["choice"]] = counts.get(data["choice"], 0) + 1
    return {"ok": True, "vote_id": vote_id, "choice": data["choice"]}


@socketio.on("close", namespace=NS)
def close(data):
    vote_id = int(data["vote_id"])
    tally = ballots.get(vote_id, {})
    socketio.emit("closed", {"vote_id": vote_id, "tally": tally}, to=ROOM, namespace=NS)
    return {"ok": True, "vote_id": vote_id, "tally": tally}
