#!/usr/bin/env python
"""Where a tablet's read of the meeting spends its CPU, in-process: cProfile around N requests
of ``GET /api/v1/meetings/{id}`` (the demo meeting, a member's bearer token) through the app's
whole WSGI stack (the Socket.IO middleware included), without the network.

    .venv/bin/python bench/profile_reads.py                        # plain and conditional reads
    .venv/bin/python bench/profile_reads.py --no-profile --rounds 3    # CPU only, best of 3
    .venv/bin/python bench/profile_reads.py --root /work/main --no-profile   # another checkout

The instance is made as bench/reads.py makes it (``flask db upgrade``, ``flask seed-demo``, a
fresh SQLite file); the demo's documents are converted before anything is measured (each
conversion changes the meeting). The profiler runs on the thread's CPU clock
(``time.thread_time``), so that a loaded machine's waits do not count.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def _args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=BENCH.parent,
                        help="the checkout whose code is profiled (default: this one)")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=1, help="measured rounds (the best)")
    parser.add_argument("--no-profile", action="store_true",
                        help="the CPU per request alone (it is always measured without the "
                             "profiler; then one more round under it, unless this is given)")
    parser.add_argument("--only", choices=["plain", "conditional", "first of a version",
                                           "whole"])
    parser.add_argument("--sort", default="cumulative", help="pstats order (tottime, …)")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--breakdown", action="store_true",
                        help="the share of the request's CPU (under cProfile) of each known "
                             "cost, instead of the function list")
    parser.add_argument("--statements", action="store_true",
                        help="print the SQL statements of one request of each kind")
    return parser.parse_args(argv)


def _bare(workdir: Path, path: str, body: bytes) -> dict:
    """CPU per request of bench/bare_reads_server.py in-process (best of 3 × 1,000)."""
    import importlib

    (workdir / "body.json").write_bytes(body)
    os.environ.update({"BENCH_BODY": str(workdir / "body.json"), "BENCH_PATH": path})
    client = importlib.import_module("bare_reads_server").app.test_client()
    etag = client.get(path).headers["ETag"]
    found = {}
    for kind, headers in (("plain", {}), ("conditional", {"If-None-Match": etag})):
        best = None
        for _ in range(3):
            cpu0 = time.thread_time()
            for _ in range(1000):
                client.get(path, headers=headers)
            cpu = (time.thread_time() - cpu0)
            best = cpu if best is None else min(best, cpu)
        found[kind] = best
    return found


#: What a read may spend its CPU on: (label, path fragment of the file, function name).
COSTS = [
    ("the whole WSGI app (Socket.IO middleware in)", "engineio/middleware.py", "__call__"),
    ("Flask: before_request hooks", "flask/app.py", "preprocess_request"),
    ("  the early answer (ecabinet)", "meetings/early.py", "answered_early"),
    ("    its statement", "meetings/conditional.py", "_rows"),
    ("    the body made from the shared part", "meetings/read_body.py", "body_for"),
    ("  the early 304 (as it was before 2026-12-05's reads session)", "meetings/api.py",
     "_unchanged_early"),
    ("    its statement (ORM session)", "meetings/conditional.py", "unchanged_etag"),
    ("  the rate limiter's check", "flask_limiter/_extension.py", "_check_request_limit"),
    ("the view (flask-smorest's wrapper in)", "flask/app.py", "dispatch_request"),
    ("  the bearer token's user (Flask-Login)", "identity/access.py", "_load_bearer_user"),
    ("  the meeting and the reader's seat", "meetings/access.py", "meeting_for"),
    ("  the first look (needs_recording)", "meetings/notices.py", "needs_recording"),
    ("  items, participants (load_whole)", "meetings/queries.py", "load_whole"),
    ("  the dump (documents in)", "meetings/schemas.py", "dump_meeting_detail"),
    ("    the items' documents, checked per reader", "docs/access.py", "documents_of_item"),
    ("  the JSON encoding", "flask/json/provider.py", "response"),
    ("after_request hooks", "flask/app.py", "process_response"),
    ("  the security headers", "ecabinet/security.py", "_add_security_headers"),
    ("request context push (session opened)", "flask/ctx.py", "push"),
    ("request context pop (teardown)", "flask/ctx.py", "pop"),
]


def _breakdown(profile, cpu_ms: float) -> str:
    """Each cost's share of the app's time under the profiler, and its milliseconds: its
    share of all the profiled time (the test client's own work included) applied to the CPU
    measured without the profiler (``cpu_ms``). The profiler weighs small calls more than
    large ones: the shares are a guide, the CPU without it is the measure."""
    stats = pstats.Stats(profile).stats
    total = sum(entry[2] for entry in stats.values()) or 1
    found = {}
    for label, path, name in COSTS:
        found[label] = sum(entry[3] for (file, _line, function), entry in stats.items()
                           if function == name and path in file)
    whole = found[COSTS[0][0]] or 1
    lines = [f"  {'cost':62} {'share':>6} {'ms':>6}   (the test client: "
             f"{(1 - whole / total) * cpu_ms:.3f} ms)"]
    for label, _path, _name in COSTS:
        if found[label]:
            lines.append(f"  {label:62} {found[label] / whole:6.0%} "
                         f"{found[label] / total * cpu_ms:6.3f}")
    return "\n".join(lines)


def main(argv=None) -> int:
    args = _args(argv)
    root = args.root.resolve()
    sys.path[:0] = [str(root), str(BENCH)]
    from reads import MEMBER, prepare

    workdir = Path(tempfile.mkdtemp(prefix="ecabinet-profile-reads-"))
    try:
        setup = prepare(root, workdir)
        os.environ.update({k: v for k, v in setup["env"].items() if k.startswith("ECABINET_")})
        os.environ.pop("ECABINET_ASYNC_MODE", None)  # threads: the test client, no gevent
        from ecabinet import create_app
        from ecabinet.docs.jobs import local_worker, requeue_pending
        from ecabinet.extensions import db

        app = create_app()
        client = app.test_client()
        token = client.post("/api/v1/auth/token", json={"email": MEMBER,
                                                        "password": setup["password"]})
        headers = {"Authorization": f"Bearer {token.get_json()['access_token']}"}
        meeting_id = client.get("/api/v1/meetings", headers=headers).get_json()[0]["id"]
        path = f"/api/v1/meetings/{meeting_id}"
        client.get(path, headers=headers)  # the first look is recorded (a write, once)
        requeue_pending(app)
        local_worker().wait_idle(600)
        first = client.get(path, headers=headers)
        etag = first.headers["ETag"]
        print(f"{path}: {len(first.data)} bytes, {len(first.get_json()['agenda'])} items, "
              f"ETag {etag}; {args.requests} requests a round, code of {root}")

        bare = _bare(workdir, path, first.data)
        bare["first of a version"] = bare["whole"] = bare["plain"]
        from sqlalchemy import event

        sent: list[str] = []
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute",
                         lambda *a: sent.append(" ".join(a[2].split())))
        kinds = {"plain": (headers, 200), "conditional": ({**headers, "If-None-Match": etag}, 304)}
        from ecabinet.meetings import conditional

        if hasattr(conditional, "bodies"):  # the first read of a version: nothing kept yet
            kinds["first of a version"] = (headers, 200)
        # With a query string, the read always goes the whole way (a browser's, a first look).
        kinds["whole"] = (headers, 200)
        for kind, (sent_headers, status) in kinds.items():
            if args.only and kind != args.only:
                continue
            if kind == "first of a version":
                store = conditional.bodies(app)
                app.before_request_funcs[None].insert(0, store.clear)
            if kind == "whole":
                path += "?whole=1"
            for _ in range(20):  # warm
                assert client.get(path, headers=sent_headers).status_code == status
            sent.clear()
            client.get(path, headers=sent_headers)
            print(f"\n### {kind} read ({status}): {len(sent)} statements")
            if args.statements:
                print("\n".join(f"  {i + 1:>2}. {sql[:200]}" for i, sql in enumerate(sent)))
            best = None
            for _ in range(args.rounds):  # the CPU, without the profiler
                cpu0 = time.thread_time()
                for _ in range(args.requests):
                    client.get(path, headers=sent_headers)
                cpu = (time.thread_time() - cpu0) / args.requests * 1000
                best = cpu if best is None else min(best, cpu)
            print(f"CPU per request: {best:.3f} ms (best of {args.rounds}, test client "
                  f"included); the bare server {bare[kind]:.3f} ms, ratio "
                  f"{bare[kind] / best:.2f}×")
            if args.no_profile:
                continue
            profile = cProfile.Profile(time.thread_time)
            profile.enable()
            for _ in range(args.requests):
                client.get(path, headers=sent_headers)
            profile.disable()
            if args.breakdown:
                print(_breakdown(profile, best))
                continue
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats(args.sort).print_stats(args.top)
            print("\n".join(line for line in out.getvalue().splitlines()[6:] if line.strip()))
        return 0
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
