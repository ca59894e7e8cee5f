"""Live events leave only after the transaction that caused them commits.

Services call :func:`emit`; the events wait in the session and are sent by the ``after_commit``
hook, or dropped on rollback. A tablet never hears of a change that did not happen.
"""

from __future__ import annotations

import logging

from sqlalchemy import event
from sqlalchemy.orm import Session

from ecabinet.extensions import db, socketio
from ecabinet.live import NAMESPACE

log = logging.getLogger(__name__)
_KEY = "ecabinet.live_outbox"


def emit(name: str, payload: dict, *, room: str) -> None:
    on_commit(lambda: socketio.emit(name, payload, to=room, namespace=NAMESPACE))


def on_commit(callback) -> None:
    """Run ``callback`` once the current transaction commits; forget it if it rolls back."""
    db.session.info.setdefault(_KEY, []).append(callback)


def _send_after_commit(session: Session) -> None:
    for callback in session.info.pop(_KEY, []):
        try:
            callback()
        except Exception:  # a failed broadcast must not undo a committed change
            log.exception("live broadcast after commit failed")


def _drop_after_rollback(session: Session, _previous_transaction) -> None:
    session.info.pop(_KEY, None)


def install() -> None:
    if not event.contains(Session, "after_commit", _send_after_commit):
        event.listen(Session, "after_commit", _send_after_commit)
        event.listen(Session, "after_soft_rollback", _drop_after_rollback)
