"""10,000 follow-up tasks: how long the list and the dashboard take, and how many SQL statements
each sends (constant in the tasks). In-process (Flask's test client), on a throwaway SQLite file
or PostgreSQL schema (``bench/live_fanout.py``'s :class:`Database`).

    .venv/bin/python bench/tasks.py                      # SQLite, 10,000 tasks
    .venv/bin/python bench/tasks.py --tasks 10000 \
        --database-url postgresql+psycopg://root@127.0.0.1:5432/test

The tasks are written in bulk (not through the services: the bench measures reading them), over
40 organisations, a third of them coordinated by a second one, in every standing; the reader is
a member (who sees every task: the access rule is part of every query) and the liaison of one
organisation. Target: each read under 300 ms.
"""

from __future__ import annotations

import argparse
import random
import secrets
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[1]), str(Path(__file__).resolve().parent)]

from live_fanout import Database  # noqa: E402

TARGET_MS = 300


def populate(app, count: int) -> dict:
    from ecabinet.database import unit_of_work
    from ecabinet.extensions import db
    from ecabinet.identity import services as identity
    from ecabinet.identity.models import Organisation
    from ecabinet.tasks.figures import today
    from ecabinet.tasks.models import Task, TaskCoordinator

    rng = random.Random(12)  # noqa: S311 - figures, not secrets
    password = secrets.token_urlsafe(12)
    with app.app_context(), unit_of_work():
        organisations = [Organisation(name=f"Bộ số {n}", code=f"B{n}") for n in range(40)]
        db.session.add_all(organisations)
        db.session.flush()
        identity.create_user(email="member@bench.vn", name="Thành viên", roles=["member"],
                             password=password)
        identity.create_user(email="liaison@bench.vn", name="Đầu mối", roles=["liaison"],
                             password=password, organisation=organisations[0].name)
        on = today()
        rows = []
        for n in range(count):
            assigned = on - timedelta(days=rng.randint(0, 360))
            deadline = None if n % 17 == 0 else assigned + timedelta(days=rng.randint(10, 120))
            status = rng.choice(["assigned", "in_progress", "submitted", "done", "done"])
            done_on = None
            if status in ("done", "submitted"):
                done_on = min(on, assigned + timedelta(days=rng.randint(5, 130)))
            rows.append({
                "title": f"Nhiệm vụ số {n}: hoàn thiện dự thảo Nghị định, trình Chính phủ",
                "source_kind": "manual", "confidential": False,
                "lead_id": organisations[n % 40].id, "deadline": deadline,
                "original_deadline": deadline, "status": status, "assigned_on": assigned,
                "submitted_on": done_on, "done_on": done_on if status == "done" else None,
                "product_required": False})
        db.session.execute(db.insert(Task), rows)
        ids = list(db.session.scalars(db.select(Task.id)))
        db.session.execute(db.insert(TaskCoordinator), [
            {"task_id": task_id, "organisation_id": organisations[(i + 1) % 40].id}
            for i, task_id in enumerate(ids) if i % 3 == 0])
    return {"password": password}


def measure(app, client, path: str, runs: int) -> tuple[float, float, int]:
    """(median ms, worst ms, SQL statements) of ``runs`` GETs after one warm-up."""
    from sqlalchemy import event

    from ecabinet.extensions import db

    with app.app_context():
        engine = db.engine
    sent = []

    def count(*_args):
        sent.append(1)

    assert client.get(path).status_code == 200, path
    event.listen(engine, "before_cursor_execute", count)
    times = []
    try:
        for _ in range(runs):
            sent.clear()
            start = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (path, response.status_code)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return statistics.median(times), max(times), len(sent)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--database-url")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="ecabinet-bench-tasks-"))
    database = Database(args.database_url, workdir)
    try:
        app = database.app_()
        started = time.perf_counter()
        setup = populate(app, args.tasks)
        print(f"{args.tasks} tasks written in {time.perf_counter() - started:.1f} s "
              f"({database.kind})", file=sys.stderr)
        failed = False
        for who, paths in (
                ("member@bench.vn", ["/api/v1/tasks", "/api/v1/tasks?standing=late",
                                     "/tasks", "/tasks/dashboard", "/tasks/report.pdf",
                                     "/tasks/dashboard.xlsx"]),
                ("liaison@bench.vn", ["/api/v1/tasks", "/tasks"])):
            client = app.test_client()
            token = client.post("/api/v1/auth/token", json={
                "email": who, "password": setup["password"]}).json["access_token"]
            client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
            for path in paths:
                median, worst, statements = measure(app, client, path, args.runs)
                # The workbook lists every task (an export, not a page): figures, no target.
                export = path.endswith(".xlsx")
                verdict = "export" if export else "ok" if median < TARGET_MS else "SLOW"
                failed |= median >= TARGET_MS and not export
                print(f"{who:<18} {path:<28} median {median:7.1f} ms  worst {worst:7.1f} ms  "
                      f"{statements:>3} statements  {verdict}")
        return 1 if failed else 0
    finally:
        database.drop()


if __name__ == "__main__":
    sys.exit(main())
