#!/usr/bin/env python
"""Reads bench: a hall of tablets reading the meeting. ecabinet against a bare Flask endpoint
serving the same JSON, in one run, as a ratio.

Run by hand (never in the test suite), from the repository root:

    .venv/bin/python bench/reads.py
    .venv/bin/python bench/reads.py --root /work/main        # the code of another checkout
    .venv/bin/python bench/reads.py --duration 20 --connections 50

What it does, all on 127.0.0.1, bounded in time, stopping everything it started:

1. A throwaway instance (a fresh SQLite file) migrated with ``flask db upgrade`` and seeded with
   ``flask seed-demo`` (the demo government and its meeting), from ``--root``'s code.
2. ``gunicorn -k gevent -w 1 wsgi:app`` (``ECABINET_ASYNC_MODE=gevent``), as in production; a
   member's bearer token (``POST /api/v1/auth/token``, the demo Minister of Justice) and the
   demo meeting's id (``GET /api/v1/meetings``); its body captured once.
3. ``bench/bare_reads_server.py`` under the same gunicorn set-up: a bare Flask endpoint at the
   same path that answers the captured body with ``jsonify`` (and 304 on its ETag).
4. wrk (``--connections``, ``--threads``, ``--duration``) on each: the plain read, then the
   conditional read (``If-None-Match`` with the ETag the server gave; a server without ETags
   answers 200 and the row says so).
5. req/s, p50, p99, statuses, and the ratios ecabinet / bare; the load average before and after
   (the machine is shared: compare ratios within one run). With ``--rounds N`` the four runs
   are repeated N times and each round gives its ratios (each compares runs seconds apart),
   then their median.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
MEMBER = "bt.tuphap@ecabinet.gov.vn"  # a member of the demo meeting, no second factor


def note(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def loadavg() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


class Server:
    """One ``gunicorn -k gevent -w 1`` process."""

    def __init__(self, app: str, cwd: Path, env: dict, log: Path):
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        command = [gunicorn, "-k", "gevent", "-w", "1", "-b", f"127.0.0.1:{self.port}",
                   "--worker-connections", "1000", "--graceful-timeout", "3",
                   "--timeout", "120", "--log-level", "warning", app]
        with log.open("wb") as out:
            self.process = subprocess.Popen(  # noqa: S603 - our own command line
                command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)

    def wait(self, path: str, headers: dict | None = None) -> None:
        import requests

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.url} exited:\n{self.log.read_text()[-3000:]}")
            try:
                requests.get(self.url + path, headers=headers, timeout=5)
                return
            except requests.RequestException:
                time.sleep(0.2)
        raise TimeoutError(f"{self.url} did not start")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


def _seconds(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS[unit]


def wrk(url: str, headers: dict, args) -> dict:
    """One wrk run: req/s, p50 and p99 latency, non-2xx/3xx count."""
    command = ["wrk", "-t", str(args.threads), "-c", str(args.connections),
               "-d", f"{args.duration}s", "--latency", "--timeout", "10s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    done = subprocess.run([*command, url], capture_output=True, text=True,  # noqa: S603
                          timeout=args.duration + 60, check=True)
    out = done.stdout
    found = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
             "requests": int(re.search(r"(\d+) requests in", out).group(1)),
             "errors": 0}
    for label, key in (("50%", "p50"), ("99%", "p99")):
        found[key] = _seconds(re.search(rf"^\s+{re.escape(label)}\s+(\S+)", out, re.M).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    found["errors"] = int(bad.group(1)) if bad else 0
    return found


def settled(url: str, headers: dict, wait: float = 300):
    """The read once the meeting stops changing: the demo's .docx are converted in the
    server's worker thread after its first request, and each conversion changes the meeting's
    documents (so its ETag). Waits until the body is the same 3 s apart."""
    import requests

    deadline = time.monotonic() + wait
    last = requests.get(url, headers=headers, timeout=30)
    while time.monotonic() < deadline:
        time.sleep(3)
        answer = requests.get(url, headers=headers, timeout=30)
        answer.raise_for_status()
        states = {d["state"] for item in answer.json()["agenda"] for d in item["documents"]}
        if answer.content == last.content and "converting" not in states:
            return answer
        last = answer
    note("the meeting did not settle: measuring anyway")
    return last


def prepare(root: Path, workdir: Path) -> dict:
    """A fresh instance with the demo, from ``root``'s code."""
    instance = workdir / "instance"
    env = {**os.environ, "ECABINET_DATABASE_URL": f"sqlite:///{workdir / 'ecabinet.db'}",
           "ECABINET_INSTANCE_DIR": str(instance), "ECABINET_SECRET_KEY": secrets.token_hex(32),
           "ECABINET_COOKIE_SECURE": "0", "ECABINET_ASYNC_MODE": "gevent",
           "PYTHONPATH": str(root),
           # Another checkout measured as a "before" is read, not written to.
           "PYTHONDONTWRITEBYTECODE": "1"}
    for name in ("ECABINET_REDIS_URL", "ECABINET_SMTP_URL", "ECABINET_AUDIT_SEAL_PIN"):
        env.pop(name, None)
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    for step in (["db", "upgrade"], ["seed-demo", "--quiet"]):
        note(f"flask {' '.join(step)}")
        done = subprocess.run([*flask, *step], cwd=root, env=env,  # noqa: S603
                              capture_output=True, text=True, timeout=600, check=False)
        if done.returncode:
            raise RuntimeError(f"{step} failed:\n{done.stdout}\n{done.stderr}")
    credentials = json.loads((instance / "demo-accounts.json").read_text())
    return {"env": env, "password": credentials[MEMBER]["password"]}


def row(name: str, figures: dict, statuses: str) -> str:
    return (f"| {name:28} | {figures['rps']:8.0f} | {figures['p50'] * 1000:7.1f} ms "
            f"| {figures['p99'] * 1000:7.1f} ms | {statuses:14} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=BENCH.parent,
                        help="the checkout whose code is served (default: this one)")
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=1,
                        help="rounds of the four wrk runs (ecabinet, bare, each plain then "
                             "conditional): on a shared machine, the ratios of each round and "
                             "their median")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is needed: apt-get install wrk", file=sys.stderr)
        return 2
    import requests

    workdir = Path(tempfile.mkdtemp(prefix="ecabinet-reads-"))
    servers: list[Server] = []
    results: dict = {"root": str(args.root), "load_before": loadavg()}
    try:
        setup = prepare(args.root.resolve(), workdir)
        ecabinet = Server("wsgi:app", args.root, setup["env"], workdir / "ecabinet.log")
        servers.append(ecabinet)
        ecabinet.wait("/api/v1/me")
        token = requests.post(f"{ecabinet.url}/api/v1/auth/token", timeout=30,
                              json={"email": MEMBER, "password": setup["password"]})
        token.raise_for_status()
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        meetings = requests.get(f"{ecabinet.url}/api/v1/meetings", headers=headers, timeout=30)
        meeting_id = meetings.json()[0]["id"]
        path = f"/api/v1/meetings/{meeting_id}"
        requests.get(ecabinet.url + path, headers=headers, timeout=30)  # the first look
        first = settled(ecabinet.url + path, headers)
        body_file = workdir / "body.json"
        body_file.write_bytes(first.content)
        etag = first.headers.get("ETag")
        note(f"meeting {meeting_id}: {len(first.content)} bytes, "
             f"{len(first.json()['agenda'])} items, ETag {etag}")

        bare_env = {**os.environ, "BENCH_BODY": str(body_file), "BENCH_PATH": path}
        bare = Server("bare_reads_server:app", BENCH, bare_env, workdir / "bare.log")
        servers.append(bare)
        bare.wait(path)
        bare_etag = requests.get(bare.url + path, timeout=10).headers.get("ETag")

        plans = [("ecabinet", ecabinet.url, headers, None),
                 ("bare", bare.url, headers, None),
                 ("ecabinet If-None-Match", ecabinet.url, headers, etag),
                 ("bare If-None-Match", bare.url, headers, bare_etag)]
        rounds = []
        for number in range(1, args.rounds + 1):
            figures = {}
            for name, url, sent, conditional in plans:
                if name.endswith("If-None-Match") and conditional is None:
                    note(f"{name}: no ETag given, the conditional read is the plain read")
                extra = {**sent, **({"If-None-Match": conditional} if conditional else {})}
                status = requests.get(url + path, headers=extra, timeout=10).status_code
                note(f"round {number}: wrk {name} ({status})")
                figures[name] = {**wrk(url + path, extra, args), "status": status}
            figures["load"] = loadavg()
            rounds.append(figures)
        results["load_after"] = loadavg()
        results["rounds"] = rounds
        results["meeting_bytes"] = len(first.content)

        print(f"\nGET {path} as a member; wrk -t{args.threads} -c{args.connections} "
              f"-d{args.duration}s, {args.rounds} round(s), each wrk run of a round back to "
              f"back; gunicorn -k gevent -w 1; code of {args.root}")
        print(f"load average before {results['load_before']}, after {results['load_after']}")
        ratios, conditionals = [], []
        for number, figures in enumerate(rounds, 1):
            print(f"\nround {number} (load average at its end {figures['load']})\n")
            print(f"| {'read':28} | {'req/s':>8} | {'p50':>10} | {'p99':>10} | status, errors |")
            print("| --- | ---: | ---: | ---: | --- |")
            for name, _url, _sent, _conditional in plans:
                value = figures[name]
                print(row(name, value, f"{value['status']}, {value['errors']}"))
            ratios.append(figures["ecabinet"]["rps"] / figures["bare"]["rps"])
            conditionals.append(figures["ecabinet If-None-Match"]["rps"]
                                / figures["bare If-None-Match"]["rps"])
            print(f"\nratio ecabinet / bare (req/s): {ratios[-1]:.2f}×   "
                  f"with If-None-Match: {conditionals[-1]:.2f}×")
        results["ratios"], results["ratios_conditional"] = ratios, conditionals
        results["ratio"] = statistics.median(ratios)
        results["ratio_conditional"] = statistics.median(conditionals)
        print(f"\nmedian of the rounds: ratio {results['ratio']:.2f}×, with If-None-Match "
              f"{results['ratio_conditional']:.2f}×  (target ≥ 0.3× for both)")
        if args.json:
            args.json.write_text(json.dumps(results, indent=2))
        return 0
    finally:
        for server in servers:
            server.stop()
        if args.keep:
            note(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
