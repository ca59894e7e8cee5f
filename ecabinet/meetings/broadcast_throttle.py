"""Coalesced broadcasts: ``vote.progress`` and ``attendance.changed`` at most a few times a
second, never one per ballot or check-in.

Broadcasting after each ballot (or each check-in, with the list of who is present) makes N²
messages — 500 tablets: 250,000 — which collapsed every server set-up we measured. Instead a
committed change marks its vote or meeting as changed, and one background task per app and
process sends the current figures (read from the database, so they are right whatever worker
took the change) every :data:`INTERVAL` seconds while something changed. This is throttling
state of the process, not of any connection.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from flask import Flask, current_app

from ecabinet.database import on_commit
from ecabinet.extensions import socketio
from ecabinet.live.namespace import NAMESPACE

log = logging.getLogger(__name__)

INTERVAL = 0.5  # seconds


@dataclass
class _Pending:
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: ("vote", vote id) or ("attendance", meeting id) -> meeting id
    changed: dict[tuple[str, int], int] = field(default_factory=dict)
    started: bool = False
    #: Set by a graceful stop: the task sends what is due now instead of at its next wake-up.
    wake: threading.Event = field(default_factory=threading.Event)


def _pending(app: Flask) -> _Pending:
    return app.extensions.setdefault("ecabinet_vote_progress", _Pending())


def mark(meeting_id: int, vote_id: int) -> None:
    """A ballot was cast: once its transaction commits, the vote's count is due."""
    _mark(("vote", vote_id), meeting_id)


def mark_attendance(meeting_id: int) -> None:
    """Someone checked in: once committed, the attendance and quorum are due."""
    _mark(("attendance", meeting_id), meeting_id)


def _mark(key: tuple[str, int], meeting_id: int) -> None:
    app = current_app._get_current_object()
    on_commit(lambda: _mark_committed(app, key, meeting_id))


def _mark_committed(app: Flask, key: tuple[str, int], meeting_id: int) -> None:
    pending = _pending(app)
    with pending.lock:
        pending.changed[key] = meeting_id
        start, pending.started = not pending.started, True
    if start:
        socketio.start_background_task(_run, app)


def forget(vote_id: int) -> None:
    pending = _pending(current_app)
    with pending.lock:
        pending.changed.pop(("vote", vote_id), None)


def _take(app: Flask) -> dict[tuple[str, int], int]:
    """What changed since the last round; empty means the task ends (the next mark restarts it),
    so no task outlives the activity that started it."""
    pending = _pending(app)
    with pending.lock:
        taken, pending.changed = pending.changed, {}
        if not taken:
            pending.started = False
            pending.wake.clear()
    return taken


def wait_idle(app: Flask, timeout: float = 10) -> bool:
    """True once no broadcast task runs for this app (a graceful stop; tests). The running
    task is woken to send what is due at once, rather than after its interval."""
    pending = _pending(app)
    deadline = time.monotonic() + timeout
    while True:
        with pending.lock:
            if not pending.started:
                return True
            pending.wake.set()
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)


def _run(app: Flask) -> None:
    wake = _pending(app).wake
    while True:
        # Under gevent (the production worker) threading is patched: this wait yields too.
        wake.wait(INTERVAL)
        changed = _take(app)
        if not changed:
            return
        try:
            with app.app_context():
                send(changed)
        except Exception:  # keep the loop alive: the next ballot marks the vote again
            log.exception("vote progress broadcast failed")


def send(changed: dict[tuple[str, int], int]) -> None:
    from sqlalchemy.orm import lazyload

    from ecabinet.extensions import db
    from ecabinet.meetings import rooms
    from ecabinet.meetings.models import Meeting, Vote
    from ecabinet.meetings.queries import OPEN, attendance_of, cast_count

    try:
        for (kind, key), meeting_id in changed.items():
            if kind == "attendance":
                meeting = db.session.get(Meeting, key)
                if meeting is not None:
                    socketio.emit("attendance.changed", attendance_of(meeting),
                                  to=rooms.room(meeting_id), namespace=NAMESPACE)
                continue
            vote = db.session.get(Vote, key)
            if vote is None or vote.status != OPEN:
                continue
            # To those who see the vote's item only (a confidential item's invitees); the
            # meeting's row alone (its audiences are kept per meeting state: rooms.audiences_of).
            meeting = db.session.get(Meeting, meeting_id, options=(lazyload(Meeting.items),))
            rooms.send_about(meeting, vote.item_id, "vote.progress",
                             {"vote_id": key, "cast": cast_count(vote),
                              "eligible": vote.present_total})
    finally:
        db.session.remove()
