"""Packages per minute through ``ecabinet axis serve``: one installation sends, another polls.

    .venv/bin/python bench/axis.py                      # 20 packages of 5 MB, SQLite everywhere
    .venv/bin/python bench/axis.py --packages 50 --size-mb 5 \\
        --service-database postgresql+psycopg://root@127.0.0.1:5432/bench_axis

What one run does:

1. ``ecabinet axis serve`` in a subprocess on a free port of 127.0.0.1, on a fresh SQLite file (or
   ``--service-database``), with two agencies registered by ``ecabinet axis add-agency``;
2. two installations in this process (two apps, each its own migrated SQLite file and storage
   folder): the sender queues N packages of ``--size-mb`` (random bytes in an edXML-looking
   wrapper, so nothing compresses), the receiver starts empty;
3. **send**: the sender's ``send_pending()`` (each package read from storage, posted, its row
   marked sent, audited); **receive**: the receiver's ``poll_once()`` (list, then per package
   fetch, store, commit, acknowledge, hand over), each timed with ``time.perf_counter()``;
4. checks that every package arrived once, byte for byte, and that the service lists nothing
   more for the receiver.

It prints packages per minute and MB/s for each half and for the whole trip. Every wait is
bounded (``--timeout`` per call, ``--deadline`` for the run); the service process is stopped
and the temporary folder removed whatever happens.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GOV, MINISTRY = "000.00.00.G22", "000.00.00.G12"
SECRETS = {"vpcp": "bench-vpcp-secret", "btc": "bench-btc-secret"}
CLI = "from ecabinet.cli import main; main()"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def ecabinet(args: list[str], folder: Path, **popen):
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith("ECABINET_")}
    environment["ECABINET_INSTANCE_DIR"] = str(folder / "service-instance")
    command = [sys.executable, "-c", CLI, *args]
    if popen.pop("background", False):
        return subprocess.Popen(command, cwd=ROOT, env=environment, **popen)  # noqa: S603 - ours
    return subprocess.run(command, cwd=ROOT, env=environment,  # noqa: S603 - our command line
                          check=True, capture_output=True, text=True, timeout=120)


def wait_listening(port: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"axis serve did not listen on {port} in time")


def installation(folder: Path, name: str, url: str, system_id: str, max_bytes: int,
                 timeout: float):
    from flask_migrate import upgrade

    from ecabinet import create_app

    home = folder / name
    app = create_app({
        "TESTING": True, "INSTANCE_PATH": str(home / "instance"),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{home / 'ecabinet.db'}",
        "STORAGE_DIR": str(home / "files"), "SECRET_KEY": os.urandom(16).hex(),
        "AXIS_URL": url, "AXIS_SYSTEM_ID": system_id, "AXIS_SECRET": SECRETS[system_id],
        "AXIS_MAX_BYTES": max_bytes, "AXIS_TIMEOUT_SECONDS": timeout,
        "AXIS_POLL_INTERVAL_SECONDS": 0})
    with app.app_context():
        upgrade()
    return app


def package(number: int, size: int) -> bytes:
    head = f'<edXML n="{number}"><AttachmentEncoded>'.encode()
    tail = b"</AttachmentEncoded></edXML>"
    return head + os.urandom(max(0, size - len(head) - len(tail))) + tail


def rate(count: int, seconds: float, size_mb: float) -> str:
    return (f"{count / seconds * 60:8.1f} packages/min  {count * size_mb / seconds:6.1f} MB/s  "
            f"({count} in {seconds:.2f} s)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--packages", type=int, default=20)
    parser.add_argument("--size-mb", type=float, default=5.0)
    parser.add_argument("--service-database", default=None,
                        help="the service's database URL (default a fresh SQLite file)")
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--deadline", type=float, default=1200.0)
    options = parser.parse_args()
    deadline = time.monotonic() + options.deadline
    size = int(options.size_mb * 1024 * 1024)
    folder = Path(tempfile.mkdtemp(prefix="bench-axis-"))
    service = None
    try:
        database = options.service_database or f"sqlite:///{folder / 'axis-service.db'}"
        for code, name, system in [(GOV, "Văn phòng Chính phủ", "vpcp"),
                                   (MINISTRY, "Bộ Tài chính", "btc")]:
            ecabinet(["axis", "add-agency", "--database", database, "--code", code, "--name",
                      name, "--system-id", system, "--secret", SECRETS[system]], folder)
        port = free_port()
        service = ecabinet(["axis", "serve", "--port", str(port), "--database", database,
                            "--max-bytes", str(size * 2)], folder, background=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_listening(port, min(deadline, time.monotonic() + 60))
        url = f"http://127.0.0.1:{port}"
        log(f"axis serve on {url}, database {database.split('://')[0]}")

        from ecabinet.database import unit_of_work
        from ecabinet.interchange.axis import services

        sender = installation(folder, "gov", url, "vpcp", size * 2, options.timeout)
        receiver = installation(folder, "ministry", url, "btc", size * 2, options.timeout)
        digests = set()
        with sender.app_context():
            for number in range(options.packages):
                body = package(number, size)
                digests.add(hashlib.sha256(body).hexdigest())
                with unit_of_work():
                    services.queue_package(body, MINISTRY)
        log(f"{options.packages} packages of {options.size_mb:g} MB queued")

        with sender.app_context():
            started = time.perf_counter()
            report = services.send_pending()
            send_seconds = time.perf_counter() - started
        assert len(report.sent) == options.packages, report
        with receiver.app_context():
            started = time.perf_counter()
            polled = services.poll_once()
            receive_seconds = time.perf_counter() - started
            from sqlalchemy import select

            from ecabinet.extensions import db
            from ecabinet.interchange.axis.models import AxisIncoming

            got = set(db.session.scalars(select(AxisIncoming.package_sha256)))
            left = services.configured_transport().received()
        assert len(polled.stored) == options.packages and got == digests and not left, \
            (len(polled.stored), len(got), len(left))

        total = send_seconds + receive_seconds
        print(f"axis serve, {options.packages} packages of {options.size_mb:g} MB, "
              f"service database {database.split(':')[0]}:")
        print(f"  send    {rate(options.packages, send_seconds, options.size_mb)}")
        print(f"  receive {rate(options.packages, receive_seconds, options.size_mb)}")
        print(f"  trip    {rate(options.packages, total, options.size_mb)}")
        print("  every package arrived once, byte for byte; nothing left at the service")
        return 0
    finally:
        if service is not None:
            service.send_signal(signal.SIGINT)
            try:
                service.wait(timeout=10)
            except subprocess.TimeoutExpired:
                service.kill()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
