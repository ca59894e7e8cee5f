"""Checkpoints made automatically, after the commit that calls for one, off the request's path.

After a commit that chained entries (:data:`ecabinet.audit.services.CHAINED`), a checkpoint is
due when the chain passed a multiple of ``AUDIT_CHECKPOINT_EVERY``, when one of the entries is an
action of ``AUDIT_CHECKPOINT_ACTIONS`` (a decision issued, a vote or poll closed), or when the
last checkpoint is older than ``AUDIT_CHECKPOINT_INTERVAL_SECONDS``. It is made by the
in-process job thread (:func:`ecabinet.docs.jobs.local_worker`), never inside the transaction
nor the request; a failure is logged and the committed change stays as it is.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from ecabinet.audit import services as audit
from ecabinet.audit.checkpoints import CheckpointError, folder, latest, make
from ecabinet.extensions import db

log = logging.getLogger(__name__)

_state_lock = threading.Lock()
_last_time: dict[str, datetime | None] = {}  # per folder, once read; None: no checkpoint yet
_queued: set[str] = set()
_warned: set[str] = set()


def _remember(where: str, moment: datetime) -> None:
    with _state_lock:
        _last_time[where] = moment


def _last_made(where: Path) -> datetime | None:
    key = str(where)
    with _state_lock:
        if key in _last_time:
            return _last_time[key]
    newest = latest(where)
    moment = newest.time if newest else None
    with _state_lock:
        _last_time.setdefault(key, moment)
        return _last_time[key]


def due(config, chained: audit.Chained) -> str | None:
    """Why the commit that chained ``chained`` calls for a checkpoint, if it does."""
    actions = chained.actions & set(config.get("AUDIT_CHECKPOINT_ACTIONS") or ())
    if actions:
        return sorted(actions)[0]
    every = config.get("AUDIT_CHECKPOINT_EVERY") or 0
    if every > 0 and (chained.first - 1) // every != chained.last // every:
        return f"every {every} entries"
    interval = config.get("AUDIT_CHECKPOINT_INTERVAL_SECONDS")
    if interval is not None:
        last = _last_made(folder())
        if last is None or (datetime.now(UTC) - last).total_seconds() >= interval:
            return "hourly"
    return None


def _after_commit(session: Session) -> None:
    chained = session.info.pop(audit.CHAINED, None)
    if chained is None or not has_app_context():
        return
    try:
        app = current_app._get_current_object()
        reason = due(app.config, chained)
        if reason is None:
            return
        if not app.config.get("AUDIT_SEAL_PIN"):
            # Hourly is due at every commit until the first checkpoint: say it once.
            if reason != "hourly" or str(folder()) not in _warned:
                _warned.add(str(folder()))
                log.warning("audit checkpoint due (%s) but not made: AUDIT_SEAL_PIN is not set",
                            reason)
            return
        _schedule(app, reason)
    except Exception:  # the change is committed: a checkpoint problem must not surface here
        log.exception("scheduling an audit checkpoint failed")


def _drop(session: Session, _previous_transaction) -> None:
    session.info.pop(audit.CHAINED, None)


def _schedule(app, reason: str) -> None:
    from ecabinet.docs.jobs import local_worker

    where = str(folder())
    with _state_lock:
        if where in _queued:
            return
        _queued.add(where)
        # Until the job has run, the hourly check need not fire again.
        _last_time[where] = datetime.now(UTC)
    local_worker().submit_call(lambda: _run(app, where, reason))


def _run(app, where: str, reason: str) -> None:
    with _state_lock:
        _queued.discard(where)
    with app.app_context():
        try:
            made = make(reason)
            if made.checkpoint is not None:
                _remember(where, made.checkpoint.time)
        except CheckpointError as exc:
            log.warning("audit checkpoint (%s) not made: %s", reason, exc)
        except Exception:
            log.exception("audit checkpoint (%s) failed", reason)
        finally:
            db.session.remove()


def wait_idle(timeout: float = 60) -> bool:
    """True once the scheduled checkpoints are made (tests, a graceful stop)."""
    from ecabinet.docs.jobs import local_worker

    deadline = time.monotonic() + timeout
    while not local_worker().wait_idle(timeout=0.05):
        if time.monotonic() > deadline:
            return False
    return True


def install() -> None:
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", _drop)
