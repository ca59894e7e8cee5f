"""Each process's linker: links the audit entries written unlinked (a ballot's) into the chain
right after their commit, all those committed meanwhile in one transaction.

Why (bench/README.md): with every ballot linking its own entry, the chain's head row was locked
from the append to the end of the COMMIT — its WAL flush included (~2–5 ms on this machine) —
so a burst of 500 ballots committed one after another, 65–75 % of PostgreSQL's connections
waiting on that lock. Written unlinked, the ballots commit side by side (PostgreSQL flushes
concurrent commits together); the linker takes the lock once for a whole batch.

A ballot is acknowledged after its own commit, which holds its entry: nothing acknowledged is
ever missing from the trail, only its place in the chain comes a moment later. If the process
dies first, the entries wait, committed, for the next linker woken (any process's next
ballot), the vote's close (which links them before its own entry), or ``ecabinet audit
verify``, which links before it walks the chain
(``tests/live/test_kill_during_burst.py``). The linker does not poll: idle, it costs nothing.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask, current_app

from ecabinet.audit import services as audit
from ecabinet.database import on_commit
from ecabinet.extensions import db, socketio

log = logging.getLogger(__name__)

class Linker:
    def __init__(self, app: Flask):
        self.app = app
        self.wake = threading.Event()
        self.started = False
        self._lock = threading.Lock()

    def poke(self) -> None:
        self.wake.set()
        if not self.started:
            with self._lock:
                if not self.started:
                    self.started = True
                    socketio.start_background_task(self._run)

    def _run(self) -> None:
        while True:
            self.wake.wait()
            self.wake.clear()  # before reading: a commit from now on wakes us again
            with self.app.app_context():
                try:
                    audit.link_pending()
                except Exception:  # the entries stay committed; the next round links them
                    log.exception("linking audit entries failed")
                finally:
                    db.session.remove()


def _poke() -> None:
    app = current_app._get_current_object()
    found = app.extensions.get("ecabinet_audit_linker")
    if found is None:
        found = app.extensions.setdefault("ecabinet_audit_linker", Linker(app))
    found.poke()


def _wake_after_commit() -> None:
    on_commit(_poke)


def install() -> None:
    """Once per process: transactions that wrote unlinked entries wake this app's linker."""
    if _wake_after_commit not in audit.after_unlinked_commit:
        audit.after_unlinked_commit.append(_wake_after_commit)
