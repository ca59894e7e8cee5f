#!/usr/bin/env python
"""Live fan-out bench: N tablets vote in one meeting; ecabinet against a bare Flask-SocketIO server.

Run by hand (never in the test suite), from the repository root:

    .venv/bin/python bench/live_fanout.py --clients 500
    .venv/bin/python bench/live_fanout.py --clients 500 --database-url postgresql+psycopg://root@127.0.0.1:5432/test
    .venv/bin/python bench/live_fanout.py --clients 500 --workers 2 --database-url postgresql+psycopg://root@127.0.0.1:5432/test

What it does, all on 127.0.0.1, bounded in time, stopping everything it started:

1. A throwaway database (a fresh SQLite file, or a new PostgreSQL schema dropped at the end),
   migrated with ``ecabinet db upgrade``; N members, the chair and the secretariat created in one
   transaction with their bearer tokens; a meeting in session with N+1 voting participants.
2. ``--workers`` gunicorn gevent processes (one worker each; with 2, a Redis message queue).
3. N python-socketio AsyncClients (aiohttp, websocket transport) in ``--client-procs`` processes,
   each an asyncio loop, spread over the servers: connect, ``meeting.join``, ``attendance.checkin``.
4. ``--rounds`` times: the chair (a sync client on the first server) opens a vote over the socket;
   every tablet casts at once (``ballot.cast`` with an ack); after ``--settle`` seconds the chair
   closes it over the socket. With ``--secret`` the vote is a secret one, so end-to-end
   verifiable: the chair opens it with two trustees' PINs (the chair and the secretariat), each
   tablet encrypts its choice with its proofs before the burst (the tablet's work, timed apart:
   "encrypt"), the burst sends the ciphertexts, and closing is the chair's close with their PIN
   then the secretariat's decryption (close→``vote.closed`` covers both trustees).
   Measured: emit→ack latency of ballots, close request→``vote.closed`` received on each
   tablet, lost and duplicated ballots (acks, the closed tally, the ballot rows in the
   database), and how many ``vote.progress`` messages each tablet got (coalescing).
5. The same clients against bench/bare_broadcast_server.py (same gunicorn set-up, same Redis when
   there are two workers): join, an event that acks, a close that broadcasts to the room.
6. The ratio ecabinet / bare of close→received p50 and p99.

Timestamps are ``time.monotonic()`` (CLOCK_MONOTONIC: one clock for every process on the machine).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import resource
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The in-process app (the set-up, the checks) is this checkout's, as the servers are.
sys.path.insert(0, str(ROOT))
BENCH = Path(__file__).resolve().parent
NS = "/live"
PASSWORD = "bench-only password 0"  # noqa: S105 - throwaway accounts in a throwaway database
#: The trustees' vote PINs of a secret vote (throwaway, as the accounts).
TRUSTEE_PINS = {"chair": "246810", "secretariat": "135790"}
APP_NAME = "ecabinet-bench"  # PostgreSQL application_name of the servers' connections
CHOICES = ("yes",) * 7 + ("no",) * 2 + ("abstain",)  # tablet i votes CHOICES[i % 10]


@dataclass(frozen=True)
class Target:
    """Event names of one server under test."""

    name: str
    join: str
    checkin: str
    open: str
    opened: str
    cast: str
    close: str
    closed: str
    progress: str | None


ECABINET = Target("ecabinet", "meeting.join", "attendance.checkin", "vote.open", "vote.opened",
                  "ballot.cast", "vote.close", "vote.closed", "vote.progress")
BARE = Target("bare", "join", "checkin", "open", "opened", "cast", "close", "closed", None)


def raise_open_files() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = min(hard, 65536)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def pct(values: list[float], q: float) -> float | None:
    """The q-th percentile (nearest rank) of values, or None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def note(message: str) -> None:
    """Progress, on stderr, as the run goes (the figures come at the end, on stdout)."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def ms(value: float | None) -> str:
    return "—" if value is None else f"{value * 1000:.0f} ms"


# =================================================================================================
# Tablets: a process running many AsyncClients in one asyncio loop, driven through a Pipe
# =================================================================================================

class Tablet:
    def __init__(self, url: str, token: str | None, choice: str):
        import socketio

        self.url, self.token, self.choice = url, token, choice
        self.ballot: dict | None = None  # a secret vote's, encrypted before the burst
        self.client = socketio.AsyncClient(reconnection=False)
        self.events: dict[str, list] = defaultdict(list)  # name -> [(monotonic, data)]
        self.done: set[str] = set()  # the set-up phases ("join", "checkin") acknowledged ok
        self.client.on("*", self._on_any, namespace=NS)

    def _on_any(self, event, data=None):
        self.events[event].append((time.monotonic(), data))

    def first(self, event: str, vote_id) -> float | None:
        for at, data in self.events.get(event, ()):
            if isinstance(data, dict) and data.get("vote_id") == vote_id:
                return at
        return None


async def _call(tablet: Tablet, event: str, data: dict, timeout: float):
    """(ack or None on timeout, emit→ack seconds, emit time)."""
    import socketio

    start = time.monotonic()
    try:
        ack = await tablet.client.call(event, data, namespace=NS, timeout=timeout)
    except socketio.exceptions.TimeoutError:
        return None, time.monotonic() - start, start
    except Exception as exc:  # noqa: BLE001 - a disconnected client counts as a failed call
        ack = {"ok": False, "error": {"code": type(exc).__name__, "message": str(exc)}}
    return ack, time.monotonic() - start, start


def _acks_summary(results) -> dict:
    ok = [r for r in results if r[0] is not None and r[0].get("ok")]
    refused = [r[0] for r in results if r[0] is not None and not r[0].get("ok")]
    return {"ok": len(ok), "refused": len(refused), "missing": sum(r[0] is None for r in results),
            "errors": Counter(json.dumps(a.get("error", {}).get("code")) for a in refused),
            "latencies": [r[1] for r in ok],
            "first_emit": min((r[2] for r in results), default=None),
            "last_ack": max((r[2] + r[1] for r in ok), default=None)}


async def _tablets_main(conn, target: Target, specs: list, meeting_id: int, timeout: float):
    loop = asyncio.get_running_loop()
    tablets = [Tablet(url, token, choice) for url, token, choice in specs]

    async def connect(tablet, gate):
        async with gate:
            try:
                await tablet.client.connect(tablet.url, namespaces=[NS], transports=["websocket"],
                                            auth={"token": tablet.token} if tablet.token else None,
                                            wait_timeout=timeout)
                return None
            except Exception as exc:  # noqa: BLE001 - reported, not raised
                return f"{type(exc).__name__}: {exc}"

    while True:
        command, *args = await loop.run_in_executor(None, conn.recv)
        started = time.monotonic()
        if command == "connect":
            gate = asyncio.Semaphore(100)
            errors = await asyncio.gather(*(connect(t, gate) for t in tablets))
            failed = [e for e in errors if e]
            reply = {"connected": len(tablets) - len(failed), "failed": Counter(failed)}
        elif command in ("join", "checkin", "retry"):
            # "retry" (phase): those whose join or check-in was refused try again, 50 at a
            # time, so that the rounds measure every tablet even when the simultaneous set-up
            # overran the server (reported apart).
            phase = args[0] if command == "retry" else command
            event = target.join if phase == "join" else target.checkin
            gate = asyncio.Semaphore(50 if command == "retry" else len(tablets))
            chosen = [t for t in tablets if command != "retry" or phase not in t.done]

            async def setup_call(tablet, event=event, phase=phase, gate=gate):
                async with gate:
                    result = await _call(tablet, event, {"meeting_id": meeting_id}, timeout)
                if result[0] is not None and result[0].get("ok"):
                    tablet.done.add(phase)
                return result

            reply = _acks_summary(await asyncio.gather(*(setup_call(t) for t in chosen)))
        elif command == "encrypt":  # a secret vote: each tablet encrypts its choice
            (vote_id,) = args
            reply = {"encrypted": _encrypt_all(tablets, vote_id)}
        elif command == "cast":
            (vote_id,) = args
            results = await asyncio.gather(*(_call(t, target.cast, {"vote_id": vote_id, **(
                {"ballot": t.ballot} if t.ballot is not None else {"choice": t.choice})},
                timeout) for t in tablets))
            for t in tablets:
                t.ballot = None
            reply = _acks_summary(results)
        elif command == "collect":  # wait until every tablet has `event` for this vote
            event, vote_id, wait = args
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline and \
                    any(t.first(event, vote_id) is None for t in tablets):
                await asyncio.sleep(0.01)
            times = [t.first(event, vote_id) for t in tablets]
            payloads = Counter(json.dumps(d, sort_keys=True) for t in tablets
                               for _, d in t.events.get(event, ())
                               if isinstance(d, dict) and d.get("vote_id") == vote_id)
            reply = {"times": times, "payloads": payloads}
        elif command == "counts":  # messages per tablet, by event name, for this vote
            (vote_id,) = args
            per_tablet = []
            for t in tablets:
                counts = Counter(name for name, items in t.events.items() for _ in items)
                if target.progress:
                    counts["progress_of_vote"] = sum(
                        1 for _, d in t.events.get(target.progress, ())
                        if isinstance(d, dict) and d.get("vote_id") == vote_id)
                per_tablet.append(dict(counts))
            reply = {"per_tablet": per_tablet}
        elif command == "reset":  # forget what was received (between rounds)
            for t in tablets:
                t.events.clear()
            reply = {}
        elif command == "quit":
            await asyncio.gather(*(asyncio.wait_for(t.client.disconnect(), 10) for t in tablets),
                                 return_exceptions=True)
            conn.send({"seconds": time.monotonic() - started, "cpu": time.process_time()})
            return
        else:
            reply = {"error": f"unknown command {command}"}
        reply["seconds"] = time.monotonic() - started
        reply["cpu"] = time.process_time()
        conn.send(reply)


def _encrypt_all(tablets: list[Tablet], vote_id) -> int:
    """Each tablet's ballot under the key its vote.opened carried, as lib/ballot.js makes it."""
    from ecabinet.ballots.ballot import make_ballot
    from ecabinet.ballots.proofs import Context

    done = 0
    for t in tablets:
        opened = [d for _, d in t.events.get("vote.opened", ())
                  if isinstance(d, dict) and d.get("vote_id") == vote_id and d.get("public_key")]
        if opened:
            ctx = Context(str(vote_id), bytes.fromhex(opened[-1]["public_key"]), 3)
            t.ballot = make_ballot(ctx, ("yes", "no", "abstain").index(t.choice))
            done += 1
    return done


def tablet_process(conn, target: dict, specs: list, meeting_id: int, timeout: float) -> None:
    raise_open_files()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the coordinator stops us
    asyncio.run(_tablets_main(conn, Target(**target), specs, meeting_id, timeout))


class TabletPool:
    """The client processes; every command goes to all of them and waits for every reply."""

    def __init__(self, target: Target, specs: list, meeting_id: int, procs: int, timeout: float):
        context = mp.get_context("spawn")
        self.timeout = timeout
        self.conns, self.processes = [], []
        for index in range(procs):
            parent, child = context.Pipe()
            process = context.Process(target=tablet_process, daemon=True, args=(
                child, asdict(target), specs[index::procs], meeting_id, timeout))
            process.start()
            self.conns.append(parent)
            self.processes.append(process)

    def command(self, *command, wait: float | None = None) -> list[dict]:
        for conn in self.conns:
            conn.send(command)
        deadline = time.monotonic() + (wait or self.timeout) + 30
        replies = []
        for conn in self.conns:
            if not conn.poll(max(0.0, deadline - time.monotonic())):
                raise TimeoutError(f"tablets did not answer {command[0]!r} in time")
            replies.append(conn.recv())
        return replies

    def close(self) -> None:
        try:
            self.command("quit", wait=15)
        except (TimeoutError, OSError, EOFError):
            pass
        for process in self.processes:
            process.join(timeout=5)
            if process.is_alive():
                process.terminate()
                process.join(timeout=5)


def merge_acks(replies: list[dict]) -> dict:
    merged = {"ok": 0, "refused": 0, "missing": 0, "errors": Counter(), "latencies": []}
    for reply in replies:
        for key in ("ok", "refused", "missing"):
            merged[key] += reply[key]
        merged["errors"].update(reply["errors"])
        merged["latencies"] += reply["latencies"]
    emits = [r["first_emit"] for r in replies if r["first_emit"] is not None]
    acks = [r["last_ack"] for r in replies if r["last_ack"] is not None]
    merged["burst"] = (max(acks) - min(emits)) if emits and acks else None
    return merged


# =================================================================================================
# Servers
# =================================================================================================

def cpu_of(pids) -> float:
    """User + system CPU time of these processes so far (those gone meanwhile count 0)."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            pass
    return total


def postgres_pids() -> list[int]:
    """Every PostgreSQL process of the machine: the servers' backends and what serves them
    (the WAL writer flushes the commits). Whatever else uses PostgreSQL meanwhile counts too."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                pass
    return pids


class CpuMeter:
    """The CPU the servers, the tablets' processes and PostgreSQL spent over a phase: on two
    cores shared by all three, a phase's wall time is their sum over the cores, so the bench
    says which of them grew."""

    def __init__(self, servers: Servers, pool: TabletPool):
        self.parts = {"server": servers.worker_pids,
                      "tablets": lambda: [p.pid for p in pool.processes],
                      "postgres": postgres_pids}
        self.start = {}

    def __enter__(self):
        self.start = {name: cpu_of(pids()) for name, pids in self.parts.items()}
        return self

    def __exit__(self, *exc):
        self.spent = {f"{name}_cpu": cpu_of(pids()) - self.start[name]
                      for name, pids in self.parts.items()}

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Servers:
    """``count`` gunicorn processes (-k gevent -w 1) of ecabinet or of the bare server."""

    def __init__(self, kind: str, count: int, env: dict, logs: Path):
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        self.processes, self.urls, self.logs = [], [], []
        for index in range(count):
            port = free_port()
            log = logs / f"{kind}-{index}.log"
            command = [gunicorn, "-k", "gevent", "-w", "1", "-b", f"127.0.0.1:{port}",
                       "--worker-connections", "10000", "--graceful-timeout", "3",
                       "--timeout", "300", "--log-level", "warning"]
            if kind == "bare":
                command += ["--chdir", str(BENCH), "bare_broadcast_server:app"]
            else:
                command += ["wsgi:app"]
            with log.open("wb") as out:
                self.processes.append(subprocess.Popen(  # noqa: S603 - our own command line
                    command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                    preexec_fn=raise_open_files))
            self.urls.append(f"http://127.0.0.1:{port}")
            self.logs.append(log)
        for process, url, log in zip(self.processes, self.urls, self.logs, strict=True):
            self._wait_until_up(process, url, log)

    @staticmethod
    def _wait_until_up(process, url: str, log: Path) -> None:
        import requests

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{url} exited:\n{log.read_text(errors='replace')[-3000:]}")
            try:
                if requests.get(f"{url}/socket.io/?EIO=4&transport=polling",
                                timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"{url} did not start")

    def worker_pids(self) -> list[int]:
        pids = []
        for process in self.processes:
            try:
                children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text()
                pids += [int(p) for p in children.split()]
            except OSError:
                pass
        return pids

    def cpu_seconds(self) -> float:
        """User + system CPU time of the worker processes so far."""
        return cpu_of(self.worker_pids())

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)

    def log_tail(self) -> str:
        return "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')[-1500:]}"
                         for log in self.logs if log.exists() and log.stat().st_size)


# =================================================================================================
# The database and the meeting
# =================================================================================================

class Database:
    """A throwaway SQLite file or PostgreSQL schema, migrated, with the meeting in session."""

    def __init__(self, base_url: str | None, workdir: Path):
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        self.workdir, self.schema, self.admin = workdir, None, None
        if base_url:
            self.schema = f"bench_{uuid.uuid4().hex[:12]}"
            self.admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
            with self.admin.connect() as conn:
                conn.execute(text(f'CREATE SCHEMA "{self.schema}"'))
            self.url = make_url(base_url).update_query_dict(
                {"options": f"-csearch_path={self.schema}", "application_name": APP_NAME}
            ).render_as_string(hide_password=False)
        else:
            self.url = f"sqlite:///{workdir / 'ecabinet.db'}"
        self.kind = "postgresql" if base_url else "sqlite"
        self.instance = workdir / "instance"
        self.secret_key = secrets.token_hex(32)
        self.env = {**os.environ, "ECABINET_DATABASE_URL": self.url,
                    "ECABINET_INSTANCE_DIR": str(self.instance),
                    "ECABINET_SECRET_KEY": self.secret_key, "ECABINET_COOKIE_SECURE": "0"}
        self.env.pop("ECABINET_REDIS_URL", None)
        # `python -c` puts this checkout first on the path: the `ecabinet` script would import
        # the package the virtualenv was installed from (another worktree's migrations).
        ecabinet = [sys.executable, "-c", "import sys; from ecabinet.cli import main; "
                    "sys.argv[0] = 'ecabinet'; sys.exit(main())"]
        done = subprocess.run([*ecabinet, "db", "upgrade"], cwd=ROOT, env=self.env,  # noqa: S603
                              capture_output=True, text=True, timeout=300, check=False)
        if done.returncode:
            raise RuntimeError(f"ecabinet db upgrade failed:\n{done.stdout}\n{done.stderr}")
        self.app = None
        self._poller = None  # linking_lag's connection

    def app_(self):
        if self.app is None:
            from ecabinet import create_app
            from ecabinet.identity.passwords import use_cheapest_parameters

            use_cheapest_parameters()
            self.app = create_app({
                "TESTING": True, "SQLALCHEMY_DATABASE_URI": self.url,
                "INSTANCE_PATH": str(self.instance), "SECRET_KEY": self.secret_key,
                "RATELIMIT_STORAGE_URI": "memory://", "PASSWORD_HASH_CHEAP": True})
        return self.app

    def build_meeting(self, members: int) -> dict:
        """N members, the chair, the secretariat, tokens, and a meeting in session (one commit
        for the people, one for the meeting)."""
        from datetime import UTC, datetime, timedelta

        from ecabinet.database import unit_of_work
        from ecabinet.identity import services as identity
        from ecabinet.meetings import services

        app = self.app_()
        started = time.monotonic()
        with app.app_context():
            with unit_of_work():
                secretariat = identity.create_user(email="bench-secretariat@example.gov.vn",
                                                   name="Văn phòng Chính phủ",
                                                   roles=["secretariat"], password=PASSWORD)
                chair = identity.create_user(email="bench-chair@example.gov.vn", name="Thủ tướng",
                                             roles=["member"], password=PASSWORD)
                users = [identity.create_user(email=f"bench-member-{i}@example.gov.vn",
                                              name=f"Thành viên {i}", roles=["member"],
                                              password=PASSWORD) for i in range(members)]
                tokens = [identity.issue_token(email=u.email, password=PASSWORD, otp=None,
                                               ttl=timedelta(hours=4))[0]
                          for u in [chair, *users, secretariat]]
                ids = {"secretariat": secretariat.id, "chair": chair.id,
                       "members": [u.id for u in users]}
            with unit_of_work():
                from ecabinet.extensions import db
                from ecabinet.identity.models import User

                secretariat, chair = (db.session.get(User, ids["secretariat"]),
                                      db.session.get(User, ids["chair"]))
                meeting = services.create_meeting(secretariat, title="Phiên họp (bench)",
                                                  starts_at=datetime.now(UTC))
                services.invite(secretariat, meeting, user_id=chair.id, role="chair")
                for user_id in ids["members"]:
                    services.invite(secretariat, meeting, user_id=user_id, role="member")
                item = services.add_item(secretariat, meeting, title="Dự thảo Nghị định")
                services.transition(secretariat, meeting, "published")
                services.transition(chair, meeting, "in_session")
                ids.update(meeting=meeting.id, item=item.id)
            db.session.remove()
        ids.update(chair_token=tokens[0], tokens=tokens[1:-1], secretariat_token=tokens[-1],
                   seconds=time.monotonic() - started)
        return ids

    def vote_rows(self, vote_id: int) -> dict:
        from sqlalchemy import func, select

        from ecabinet.extensions import db
        from ecabinet.meetings.e2e_models import EncryptedBallot
        from ecabinet.meetings.models import Ballot, Vote

        with self.app_().app_context():
            try:
                vote = db.session.get(Vote, vote_id)
                table = EncryptedBallot if vote.secret else Ballot
                rows = db.session.scalar(select(func.count()).select_from(table)
                                         .where(table.vote_id == vote_id))
                return {"ballot_rows": rows, "status": vote.status,
                        "tally": {"yes": vote.tally_yes, "no": vote.tally_no,
                                  "abstain": vote.tally_abstain, "absent": vote.tally_absent}}
            finally:
                db.session.remove()

    def linking_lag(self, bound: float) -> dict:
        """Audit entries committed but not linked into the chain yet when the last ballot was
        acknowledged, and how long until none is left (polled every 5 ms, up to ``bound``)."""
        from sqlalchemy import create_engine, text

        engine = self._poller = self._poller or create_engine(self.url, pool_size=1)
        t0, first = time.monotonic(), None
        with engine.connect() as conn:
            while True:
                left = conn.execute(text("SELECT count(*) FROM audit_entries "
                                         "WHERE seq IS NULL")).scalar()
                conn.rollback()
                first = left if first is None else first
                if left == 0 or time.monotonic() - t0 > bound:
                    return {"unlinked_at_last_ack": first, "left": left,
                            "seconds": time.monotonic() - t0}
                time.sleep(0.005)

    def drop(self) -> None:
        if self._poller is not None:
            self._poller.dispose()
        if self.app is not None:
            from ecabinet.extensions import db

            with self.app.app_context():
                db.session.remove()
                db.engine.dispose()
        if self.schema:
            from sqlalchemy import text

            with self.admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))
            self.admin.dispose()


# =================================================================================================
# One target: connect, join, check in, then rounds of open → cast → close
# =================================================================================================

class Chair:
    """The chair's console: a sync client on the first server."""

    def __init__(self, url: str, token: str | None, target: Target, meeting_id: int,
                 timeout: float):
        import socketio

        self.target, self.meeting_id, self.timeout = target, meeting_id, timeout
        self.trustee: Chair | None = None  # a secret vote's other trustee (the secretariat)
        self.client = socketio.Client(reconnection=False)
        self.client.connect(url, namespaces=[NS], transports=["websocket"],
                            auth={"token": token} if token else None, wait_timeout=timeout)
        ack = self.call(target.join, {"meeting_id": meeting_id})
        assert ack and ack.get("ok"), ack

    def call(self, event: str, data: dict):
        return self.client.call(event, data, namespace=NS, timeout=self.timeout)

    def close(self) -> None:
        try:
            self.client.disconnect()
        finally:
            self.client.shutdown()


def run_target(target: Target, servers: Servers, setup: dict, args, db: Database | None) -> dict:
    n = args.clients
    specs = [(servers.urls[i % len(servers.urls)],
              setup["tokens"][i] if target is ECABINET else None,
              CHOICES[i % len(CHOICES)]) for i in range(n)]
    expected = Counter(spec[2] for spec in specs)
    result = {"target": target.name, "rounds": []}
    pool = TabletPool(target, specs, setup["meeting"], args.client_procs, args.timeout)
    chair = None
    try:
        t0 = time.monotonic()
        replies = pool.command("connect")
        result["connect"] = {"connected": sum(r["connected"] for r in replies),
                             "failed": dict(sum((Counter(r["failed"]) for r in replies),
                                                Counter())),
                             "seconds": time.monotonic() - t0}
        phases = ("join", "checkin") if args.checkin == "after-join" else ("checkin", "join")
        for phase in phases:
            t0 = time.monotonic()
            sampler = PgSampler(db).start() if target is ECABINET and db is not None \
                and db.kind == "postgresql" else None
            try:
                with CpuMeter(servers, pool) as cpu:
                    merged = merge_acks(pool.command(phase))
            finally:
                waits = sampler.stop() if sampler else None
            merged.update(seconds=time.monotonic() - t0, **cpu.spent, pg=waits)
            result[phase] = merged
            note(f"{target.name}: {phase} {merged['ok']}/{n} ok in {merged['seconds']:.1f} s")
            if merged["ok"] < n:
                retried = merge_acks(pool.command("retry", phase))
                merged["retried"] = {"ok": retried["ok"], "refused": retried["refused"],
                                     "missing": retried["missing"]}
                note(f"{target.name}: {phase} retried, {retried['ok']} more ok")
        time.sleep(args.settle)  # let check-in broadcasts drain
        chair = Chair(servers.urls[0], setup["chair_token"] if target is ECABINET else None,
                      target, setup["meeting"], args.timeout)
        if target is ECABINET and args.secret:  # the second trustee, on their own tablet
            chair.trustee = Chair(servers.urls[-1], setup["secretariat_token"], target,
                                  setup["meeting"], args.timeout)
        for number in range(1, args.rounds + 1):
            pool.command("reset")
            result["rounds"].append(one_round(target, number, pool, chair, servers, setup,
                                              expected, args, db))
            last = result["rounds"][-1]
            note(f"{target.name}: round {number}: ballots ok {last['cast']['ok']}/{n}, "
                 f"close→closed p50 {ms(last['closed']['p50'])}")
            time.sleep(args.settle)
    finally:
        if chair is not None:
            if chair.trustee is not None:
                chair.trustee.close()
            chair.close()
        pool.close()
    return result


def one_round(target, number, pool, chair, servers, setup, expected, args, db) -> dict:
    n = args.clients
    if target is ECABINET:
        opening = {"meeting_id": setup["meeting"], "agenda_item_id": setup["item"],
                   "question": f"Biểu quyết {number}?", "secret": args.secret,
                   "rule": "majority_of_present"}
        if args.secret:
            opening["trustees"] = [{"user_id": setup[who], "pin": pin}
                                   for who, pin in TRUSTEE_PINS.items()]
    else:
        opening = {"vote_id": number}
    t_open = time.monotonic()
    opened_ack = chair.call(target.open, opening)
    assert opened_ack and opened_ack.get("ok"), opened_ack
    vote_id = opened_ack["vote_id"]
    opened = pool.command("collect", target.opened, vote_id, args.timeout, wait=args.timeout)
    opened_at = [t for r in opened for t in r["times"]]
    encrypt = None
    if target is ECABINET and args.secret:  # the tablets' work, before anyone taps
        t0 = time.monotonic()
        encrypted = sum(r["encrypted"] for r in pool.command("encrypt", vote_id))
        encrypt = {"ballots": encrypted, "seconds": time.monotonic() - t0,
                   "procs": args.client_procs}

    sampler = PgSampler(db).start() if target is ECABINET and db.kind == "postgresql" else None
    try:
        with CpuMeter(servers, pool) as cpu:
            cast = merge_acks(pool.command("cast", vote_id))
    finally:
        waits = sampler.stop() if sampler else None
    linking = db.linking_lag(args.settle) if target is ECABINET and db.kind == "postgresql" \
        else None
    time.sleep(args.settle)  # the chair closes a moment after the last ballot

    cpu0 = servers.cpu_seconds()
    t_close = time.monotonic()
    if target is ECABINET and args.secret:  # the chair's share with the close, then the other
        closing = chair.call(target.close, {"vote_id": vote_id, "pin": TRUSTEE_PINS["chair"]})
        assert closing and closing.get("ok"), closing
        closed_ack = chair.trustee.call("vote.decrypt", {"vote_id": vote_id,
                                                         "pin": TRUSTEE_PINS["secretariat"]})
    else:
        closed_ack = chair.call(target.close, {"vote_id": vote_id})
    t_close_ack = time.monotonic()
    closed = pool.command("collect", target.closed, vote_id, args.timeout, wait=args.timeout)
    close_cpu = servers.cpu_seconds() - cpu0
    closed_at = [t for r in closed for t in r["times"]]
    payloads = sum((Counter(r["payloads"]) for r in closed), Counter())
    counts = [c for r in pool.command("counts", vote_id) for c in r["per_tablet"]]

    round_ = {
        "round": number, "vote_id": vote_id, "encrypt": encrypt,
        "opened": latencies_from(opened_at, t_open),
        "cast": {k: v for k, v in cast.items() if k != "latencies"} | {
            "p50": pct(cast["latencies"], 50), "p99": pct(cast["latencies"], 99),
            "max": max(cast["latencies"], default=None), **cpu.spent},
        "close_ack": t_close_ack - t_close,
        "closed": latencies_from(closed_at, t_close) | {"server_cpu": close_cpu},
        "closed_payloads": len(payloads),
        "messages_per_tablet": {name: summary([c.get(name, 0) for c in counts])
                                for name in sorted({k for c in counts for k in c})},
    }
    round_["closed_latencies"] = [t - t_close for t in closed_at if t is not None]
    if target is ECABINET:
        tally = (closed_ack or {}).get("tally") or {}
        counted = sum(tally.get(k, 0) for k in ("yes", "no", "abstain"))
        rows = db.vote_rows(vote_id)
        round_.update(tally=tally, expected={k: expected[k] for k in ("yes", "no", "abstain")},
                      tally_matches=all(tally.get(k) == expected[k] for k in expected),
                      lost=max(0, n - counted) + 0, duplicates=max(0, counted - n),
                      db=rows, db_duplicates=max(0, (rows["ballot_rows"] or 0) - n))
    else:
        round_.update(lost=max(0, n - cast["ok"]), duplicates=0)
    round_["acks_not_ok"] = cast["refused"] + cast["missing"]
    round_["pg_during_ballots"] = waits
    round_["linking"] = linking
    return round_


class PgSampler:
    """What the servers' PostgreSQL connections do during a burst (ballots, check-ins, joins):
    pg_stat_activity sampled every 20 ms, as shares of connection-samples (idle ones in the pool
    left out)."""

    def __init__(self, db: Database):
        import threading

        self.db, self.counts, self.samples = db, Counter(), 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> PgSampler:
        self._thread.start()
        return self

    @staticmethod
    def _kind(state, wait_type, wait_event, query) -> str | None:
        if state == "idle":
            return None
        if state and state.startswith("idle in transaction"):
            return "idle in transaction (waiting for the app)"
        if wait_type == "Lock":
            table = next((t for t in ("audit_head", "UPDATE meetings", "votes",
                                      "vote_eligibility", "ballots")
                          if t in (query or "")), "other")
            return f"row-lock wait ({table})"
        if wait_type in ("IO", "LWLock") or (wait_event or "").startswith("WAL"):
            return f"I/O or WAL ({wait_event})"
        return "running in PostgreSQL" if wait_type is None else f"{wait_type}:{wait_event}"

    def _run(self) -> None:
        from sqlalchemy import text

        with self.db.admin.connect() as conn:
            while not self._stop.is_set():
                rows = conn.execute(text(
                    "SELECT state, wait_event_type, wait_event, query FROM pg_stat_activity "
                    "WHERE application_name = :name"), {"name": APP_NAME}).all()
                self.samples += 1
                for row in rows:
                    kind = self._kind(*row)
                    if kind:
                        self.counts[kind] += 1
                time.sleep(0.02)

    def stop(self) -> dict:
        self._stop.set()
        self._thread.join(timeout=10)
        total = sum(self.counts.values()) or 1
        busy = sum(self.counts.values()) / max(self.samples, 1)
        shares = {k: f"{v / total:.0%}" for k, v in self.counts.most_common()}
        return {"busy connections (mean)": f"{busy:.1f}", **shares}


def latencies_from(times: list, start: float) -> dict:
    got = [t - start for t in times if t is not None]
    return {"received": len(got), "missing": sum(t is None for t in times),
            "p50": pct(got, 50), "p99": pct(got, 99), "max": max(got, default=None)}


def summary(values: list[int]) -> dict:
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


# =================================================================================================
# Report
# =================================================================================================

def cpu_text(phase: dict) -> str:
    return (f"CPU: servers {phase['server_cpu']:.2f} s, tablets {phase['tablets_cpu']:.2f} s, "
            f"PostgreSQL {phase['postgres_cpu']:.2f} s")


def print_target(result: dict, n: int) -> None:
    name = result["target"]
    print(f"\n=== {name} ===")
    c = result["connect"]
    print(f"connect      {c['connected']}/{n} in {c['seconds']:.2f} s"
          + (f"  failed: {c['failed']}" if c["failed"] else ""))
    for phase in ("join", "checkin"):
        p = result[phase]
        print(f"{phase:<12} ok {p['ok']}/{n}, refused {p['refused']}, missing {p['missing']}; "
              f"ack p50 {ms(pct(p['latencies'], 50))} p99 {ms(pct(p['latencies'], 99))}; "
              f"all in {p['seconds']:.2f} s; {cpu_text(p)}"
              + (f"; errors {dict(p['errors'])}" if p["errors"] else "")
              + (f"; retried 50 at a time: {p['retried']}" if p.get("retried") else ""))
        if p.get("pg"):
            print(f"  PostgreSQL during the {phase}s: {p['pg']}")
    for r in result["rounds"]:
        o, b, cl = r["opened"], r["cast"], r["closed"]
        print(f"round {r['round']} (vote {r['vote_id']})")
        print(f"  open→opened    p50 {ms(o['p50'])} p99 {ms(o['p99'])} max {ms(o['max'])}"
              f"  received {o['received']}/{n}")
        if r.get("encrypt"):
            en = r["encrypt"]
            print(f"  encrypt        {en['ballots']} ballots on the tablets' side in "
                  f"{en['seconds']:.2f} s ({en['procs']} process(es), Python; not the server)")
        print(f"  ballot ack     p50 {ms(b['p50'])} p99 {ms(b['p99'])} max {ms(b['max'])}; "
              f"burst {ms(b['burst'])}; ok {b['ok']}, refused {b['refused']}, missing "
              f"{b['missing']}; {cpu_text(b)}"
              + (f"; errors {dict(b['errors'])}" if b["errors"] else ""))
        print(f"  close→closed   p50 {ms(cl['p50'])} p99 {ms(cl['p99'])} max {ms(cl['max'])}"
              f"  received {cl['received']}/{n}; chair's ack {ms(r['close_ack'])}; "
              f"server CPU {cl['server_cpu']:.2f} s")
        if "tally" in r:
            print(f"  tally          {r['tally']} expected {r['expected']} → lost {r['lost']}, "
                  f"duplicates {r['duplicates']}; DB ballot rows {r['db']['ballot_rows']}")
        else:
            print(f"  lost           {r['lost']}")
        if r.get("linking"):
            lk = r["linking"]
            print(f"  audit linking  {lk['unlinked_at_last_ack']} entries not linked yet at the "
                  f"last ack; {lk['left']} left after {ms(lk['seconds'])}")
        if r.get("pg_during_ballots"):
            print("  PostgreSQL     " + ", ".join(f"{k} {v}" for k, v in
                                                  r["pg_during_ballots"].items()))
        msgs = r["messages_per_tablet"]
        print("  per tablet     " + ", ".join(
            f"{k} {v['min']}–{v['max']}" for k, v in msgs.items()))


def pooled(result: dict) -> dict:
    latencies = [x for r in result["rounds"] for x in r["closed_latencies"]]
    lasts = [r["closed"]["max"] for r in result["rounds"] if r["closed"]["max"] is not None]
    ballots = [r["cast"]["p50"] for r in result["rounds"]]
    return {"p50": pct(latencies, 50), "p99": pct(latencies, 99), "max": max(lasts, default=None),
            "last_median": statistics.median(lasts) if lasts else None,
            "ballot_p50_median": statistics.median(b for b in ballots if b is not None)
            if any(b is not None for b in ballots) else None,
            "lost": sum(r["lost"] + r["acks_not_ok"] for r in result["rounds"]),
            "duplicates": sum(r["duplicates"] for r in result["rounds"])}


def print_comparison(results: dict) -> None:
    if "ecabinet" not in results or "bare" not in results:
        return
    e, b = pooled(results["ecabinet"]), pooled(results["bare"])
    print("\n=== close → vote.closed received, all rounds pooled ===")
    print(f"{'':10} {'p50':>8} {'p99':>8} {'max':>8}   lost/not-ok  duplicates")
    for name, p in (("ecabinet", e), ("bare", b)):
        print(f"{name:10} {ms(p['p50']):>8} {ms(p['p99']):>8} {ms(p['max']):>8}   "
              f"{p['lost']:>11}  {p['duplicates']:>10}")

    def ratio(key):
        return f"{e[key] / b[key]:.2f}" if e[key] and b[key] else "—"

    print(f"ratio ecabinet/bare: p50 {ratio('p50')}, p99 {ratio('p99')}, max {ratio('max')} "
          f"(target ≤ 1.5, nothing lost)")
    print_setup_and_burst_ratios(results)


def print_setup_and_burst_ratios(results: dict) -> None:
    """The join and check-in phases (all tablets at once) and the ballot burst, against the
    bare server in the same run (issue 14's targets: ≤ 5×)."""
    e, b = results["ecabinet"], results["bare"]

    def ratio(x, y):
        return f"{x / y:.1f}×" if x and y else "—"

    print("\n=== all tablets at once, ecabinet against bare (same run) ===")
    print(f"{'':34} {'ecabinet':>10} {'bare':>10} {'ratio':>7}")
    for phase in ("join", "checkin"):
        pe, pb = e[phase], b[phase]
        print(f"{phase + ' all in':34} {ms(pe['seconds']):>10} {ms(pb['seconds']):>10} "
              f"{ratio(pe['seconds'], pb['seconds']):>7}")
        n = max(pe["ok"], 1)
        for part in ("server", "tablets"):
            key = f"{part}_cpu"
            print(f"{phase + ' ' + part + ' CPU each':34} {pe[key] / n * 1000:>7.1f} ms "
                  f"{pb[key] / max(pb['ok'], 1) * 1000:>7.1f} ms {ratio(pe[key], pb[key]):>7}")
    for key, label in (("p50", "ballot ack p50"), ("p99", "ballot ack p99"),
                       ("burst", "ballot burst")):
        ve = statistics.median(r["cast"][key] for r in e["rounds"] if r["cast"][key] is not None)
        vb = statistics.median(r["cast"][key] for r in b["rounds"] if r["cast"][key] is not None)
        print(f"{label + ' (median of rounds)':34} {ms(ve):>10} {ms(vb):>10} {ratio(ve, vb):>7}")
    for part in ("tablets", "postgres"):
        cpu = [r["cast"][f"{part}_cpu"] / max(r["cast"]["ok"], 1) * 1000 for r in e["rounds"]]
        base = [r["cast"][f"{part}_cpu"] / max(r["cast"]["ok"], 1) * 1000 for r in b["rounds"]]
        print(f"{'ballot ' + part + ' CPU each':34} {min(cpu):.1f}–{max(cpu):.1f} ms "
              f"(bare {min(base):.1f}–{max(base):.1f} ms)")
    cpu = [r["cast"]["server_cpu"] / max(r["cast"]["ok"], 1) * 1000 for r in e["rounds"]]
    print(f"{'ballot server CPU each':34} {min(cpu):.1f}–{max(cpu):.1f} ms; lost "
          f"{sum(r['lost'] for r in e['rounds'])}, not ok "
          f"{sum(r['acks_not_ok'] for r in e['rounds'])} (target ≤ 5×, nothing lost)")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} (1 min), "
          f"{os.getloadavg()[1]:.1f} (5 min)")


# =================================================================================================
# Main
# =================================================================================================

def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=500, help="tablets (default 500)")
    parser.add_argument("--workers", type=int, default=1, choices=(1, 2),
                        help="gunicorn processes; 2 uses the Redis message queue")
    parser.add_argument("--database-url", help="PostgreSQL URL (a throwaway schema is made in "
                        "it); default a fresh SQLite file")
    parser.add_argument("--redis-url", default=os.environ.get("ECABINET_TEST_REDIS_URL",
                                                              "redis://127.0.0.1:6379/15"))
    parser.add_argument("--client-procs", type=int, default=1,
                        help="processes running the tablets (an asyncio loop each)")
    parser.add_argument("--rounds", type=int, default=3, help="votes per target (default 3)")
    parser.add_argument("--settle", type=float, default=1.0,
                        help="seconds between the last ballot and the close (default 1)")
    parser.add_argument("--secret", action="store_true", help="secret ballots")
    parser.add_argument("--only", choices=("ecabinet", "bare"), help="measure one target only")
    parser.add_argument("--checkin", choices=("after-join", "before-join"), default="before-join",
                        help="tablets check in after joining the room (every check-in is "
                        "broadcast to those already there: N² messages) or before")
    parser.add_argument("--timeout", type=float, default=60, help="bound of each wait (s)")
    parser.add_argument("--deadline", type=int, default=1200, help="bound of the whole run (s)")
    parser.add_argument("--keep-logs", action="store_true", help="print where the logs are "
                        "and keep the temporary folder")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    return parser.parse_args(argv)


class Deadline(Exception):
    pass


def _on_alarm(signum, frame):
    raise Deadline("the bench ran past --deadline")


def main(argv=None) -> int:
    args = parse_args(argv)
    raise_open_files()
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(args.deadline)
    workdir = Path(tempfile.mkdtemp(prefix="ecabinet-bench-"))
    (workdir / "logs").mkdir()
    redis_url = None
    if args.workers > 1:
        import redis

        redis.Redis.from_url(args.redis_url, socket_connect_timeout=2).ping()
        redis_url = args.redis_url
    print(f"{args.clients} tablets, {args.workers} gunicorn gevent process(es)"
          f"{' + Redis ' + redis_url if redis_url else ''}, "
          f"{'PostgreSQL' if args.database_url else 'SQLite'}, {args.client_procs} client "
          f"process(es), {args.rounds} rounds, {'secret' if args.secret else 'open'} ballots, "
          f"{os.cpu_count()} cores, check-in {args.checkin}; load average "
          f"{os.getloadavg()[0]:.1f} (1 min) {os.getloadavg()[1]:.1f} (5 min)")
    db, servers, results = None, None, {}
    try:
        db = Database(args.database_url, workdir)
        setup = db.build_meeting(args.clients)
        print(f"setup: {args.clients + 2} users, tokens and the meeting in "
              f"{setup['seconds']:.1f} s ({db.kind})")
        for target in (ECABINET, BARE):
            if args.only and args.only != target.name:
                continue
            if target is ECABINET:
                env = {**db.env, "ECABINET_ASYNC_MODE": "gevent"}
                if redis_url:
                    env["ECABINET_REDIS_URL"] = redis_url
            else:
                env = {**os.environ, "BARE_REDIS_URL": redis_url or ""}
            servers = Servers(target.name, args.workers, env, workdir / "logs")
            try:
                results[target.name] = run_target(target, servers, setup, args, db)
            finally:
                servers.stop()
                tail = servers.log_tail()
                servers = None
            print_target(results[target.name], args.clients)
            if tail:
                print(f"server logs (tail):\n{tail}")
        print_comparison(results)
        if args.json:
            for result in results.values():
                for r in result["rounds"]:
                    r.pop("closed_latencies", None)
                for phase in ("join", "checkin"):
                    result.get(phase, {}).pop("latencies", None)
            args.json.write_text(json.dumps(results, indent=1, default=str))
        return 0
    finally:
        signal.alarm(0)
        if servers is not None:
            servers.stop()
        if db is not None:
            db.drop()
        if args.keep_logs:
            print(f"logs: {workdir / 'logs'}")
        else:
            import shutil

            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
