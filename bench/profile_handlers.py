#!/usr/bin/env python
"""Where a live handler's time goes, in-process: cProfile around meeting.join, attendance.checkin,
ballot.cast and vote.close for N tablets (Flask-SocketIO's test client, no network).

    .venv/bin/python bench/profile_handlers.py --clients 500 [--database-url postgresql+psycopg://…]

Prints the CPU milliseconds per event of each phase, the number of SQL statements and rows each
one costs, and the functions that take the most time. Tablets check in before anyone joins the
room, so that the attendance broadcasts (N² messages) don't swamp the test clients: that cost is
measured by bench/live_fanout.py over the network.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

# This checkout first (before the package the virtualenv was installed from), then bench/.
sys.path[:0] = [str(Path(__file__).resolve().parents[1]), str(Path(__file__).resolve().parent)]

from live_fanout import CHOICES, Database  # noqa: E402

NS = "/live"


class StatementCounter:
    def __init__(self, engine):
        import threading

        from sqlalchemy import event

        self.thread = threading.get_ident()  # the handlers' (the test client's) thread
        self.threading = threading
        self.statements = 0
        #: Sent by background threads meanwhile (the audit linker, the coalesced broadcasts).
        self.background = 0
        self.rows = 0
        self.log: list[str] | None = None  # the statements themselves, while recording
        event.listen(engine, "after_cursor_execute", self._after)

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        if self.threading.get_ident() != self.thread:
            self.background += 1
            return
        self.statements += 1
        if self.log is not None:
            self.log.append(" ".join(statement.split()))
        try:
            self.rows += max(cursor.rowcount, 0) if not statement.lstrip().upper().startswith(
                "SELECT") else 0
        except Exception:  # noqa: BLE001, S110 - a count, not a check
            pass


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--database-url")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--secret", action="store_true")
    parser.add_argument("--no-profile", action="store_true",
                        help="CPU per event without cProfile's overhead (no function list)")
    parser.add_argument("--cpu-clock", action="store_true",
                        help="profile with the thread's CPU clock (a loaded machine's waits "
                             "do not count), not the wall clock")
    parser.add_argument("--sort", default="cumulative", help="pstats order (tottime, …)")
    parser.add_argument("--statements", action="store_true",
                        help="print the SQL statements of the last event of each phase")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="ecabinet-profile-"))
    db = Database(args.database_url, workdir)
    try:
        setup = db.build_meeting(args.clients)
        app = db.app_()
        from ecabinet.extensions import db as sqla
        from ecabinet.extensions import socketio

        with app.app_context():
            counter = StatementCounter(sqla.engine)
        chair = socketio.test_client(app, namespace=NS, auth={"token": setup["chair_token"]})
        tablets = [socketio.test_client(app, namespace=NS, auth={"token": token})
                   for token in setup["tokens"]]
        mid = setup["meeting"]

        def phase(name, calls):
            profile = (cProfile.Profile(time.thread_time) if args.cpu_clock
                       else cProfile.Profile())
            statements0, background0 = counter.statements, counter.background
            cpu0, wall0 = time.process_time(), time.perf_counter()
            own0 = time.thread_time()
            if not args.no_profile:
                profile.enable()
            acks = [call() for call in calls[:-1]]
            counter.log = []
            acks.append(calls[-1]())
            last, counter.log = counter.log, None
            profile.disable()
            cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
            own = time.thread_time() - own0
            bad = [a for a in acks if not (a and a.get("ok"))]
            n = len(calls)
            print(f"\n### {name}: {n} events, {cpu / n * 1000:.1f} ms CPU each "
                  f"({wall:.2f} s wall), {(counter.statements - statements0) / n:.1f} SQL "
                  f"statements each, {len(bad)} not ok {bad[:1]}; the handlers' thread "
                  f"{own / n * 1000:.1f} ms; background threads "
                  f"{(counter.background - background0) / n:.1f} statements each; the "
                  f"answer {len(json.dumps(acks[-1], default=str))} bytes of JSON")
            if args.statements:
                print(f"the last one's {len(last)} statements:")
                print("\n".join(f"  {i + 1:>2}. {sql[:160]}" for i, sql in enumerate(last)))
            if not args.no_profile:
                out = io.StringIO()
                pstats.Stats(profile, stream=out).sort_stats(args.sort).print_stats(args.top)
                print("\n".join(line for line in out.getvalue().splitlines()[6:]
                                if line.strip()))
            return acks

        def emit(client, event, data):
            return lambda: client.emit(event, data, namespace=NS, callback=True)

        phase("attendance.checkin", [emit(t, "attendance.checkin", {"meeting_id": mid})
                                     for t in tablets])
        phase("meeting.join", [emit(t, "meeting.join", {"meeting_id": mid}) for t in tablets])
        for t in tablets:
            t.get_received(NS)
        emit(chair, "meeting.join", {"meeting_id": mid})()
        vote_id = emit(chair, "vote.open", {"meeting_id": mid, "agenda_item_id": setup["item"],
                                            "question": "?", "secret": args.secret,
                                            "rule": "majority_of_present"})()["vote_id"]
        phase("ballot.cast", [emit(t, "ballot.cast", {"vote_id": vote_id,
                                                      "choice": CHOICES[i % len(CHOICES)]})
                              for i, t in enumerate(tablets)])
        for t in tablets:
            t.get_received(NS)
        phase("vote.close", [emit(chair, "vote.close", {"vote_id": vote_id})])
        return 0
    finally:
        db.drop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
