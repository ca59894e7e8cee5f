"""Packages per minute through ``ecabinet axis serve``: one installation sends, another polls.

    .venv/bin/python bench/axis.py                      # 20 signed PDFs of 5 MB, SQLite everywhere
    .venv/bin/python bench/axis.py --opaque             # the transport alone
    .venv/bin/python bench/axis.py --packages 50 --size-mb 5 \\
        --service-database postgresql+psycopg://root@127.0.0.1:5432/bench_axis

What one run does:

1. ``ecabinet axis serve`` in a subprocess on a free port of 127.0.0.1, on a fresh SQLite file (or
   ``--service-database``), with two agencies registered by ``ecabinet axis add-agency``;
2. two installations in this process (two apps, each its own migrated SQLite file and storage
   folder): the Government Office sends, the Ministry of Finance polls. Unless ``--opaque``,
   each seals with its own key and trusts the bench's root, and the sender builds N real
   packages first (bench/axis_real.py: a distinct PDF of ``--size-mb`` signed with PAdES, in
   edXML built with ``edxml.build`` and sealed): **build+seal** is timed;
3. the baseline, the transport alone: N opaque packages of the same sizes (random bytes in an
   edXML-looking wrapper, so nothing compresses) queued, then **send** (the sender's
   ``send_pending()``: each package read from storage, posted, its row marked sent, audited)
   and **poll** (the receiver's ``poll_once()``: list, then per package fetch, store, commit,
   acknowledge, hand over) with no receiver registered, so nobody reads them;
4. the real packages, the same way, the poll now handing each to the incoming register
   (parse, XSD, XML seal, PAdES validation with pyHanko, duplicates, number, status 01 sealed
   and queued), whose own time is measured too;
5. before each, one package goes the same way unmeasured (the first HTTP connection, the
   first statements, the imports and the XSD loaded once by a long-running poller);
6. checks: every package arrived once, byte for byte, nothing left at the service; every real
   package registered once, numbered 1..N, nothing quarantined, N statuses 01 queued.

It prints packages per minute and MB/s (of package bytes) for each step, and the real figures
against the transport alone of the same run. Every wait is bounded (``--timeout`` per call,
``--deadline`` for the run); the service process is stopped and the temporary folder removed
whatever happens.
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
                 timeout: float, **settings):
    from flask_migrate import upgrade

    from ecabinet import create_app

    home = folder / name
    app = create_app({
        "TESTING": True, "INSTANCE_PATH": str(home / "instance"),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{home / 'ecabinet.db'}",
        "STORAGE_DIR": str(home / "files"), "SECRET_KEY": os.urandom(16).hex(),
        "AXIS_URL": url, "AXIS_SYSTEM_ID": system_id, "AXIS_SECRET": SECRETS[system_id],
        "AXIS_MAX_BYTES": max_bytes, "AXIS_TIMEOUT_SECONDS": timeout,
        "AXIS_POLL_INTERVAL_SECONDS": 0, **settings})
    with app.app_context():
        upgrade()
    return app


def opaque(number: int, size: int) -> bytes:
    head = f'<edXML n="{number}"><AttachmentEncoded>'.encode()
    tail = b"</AttachmentEncoded></edXML>"
    return head + os.urandom(max(0, size - len(head) - len(tail))) + tail


def rate(count: int, seconds: float, size: int) -> str:
    return (f"{count / seconds * 60:8.1f} packages/min  {size / 2**20 / seconds:6.1f} MB/s  "
            f"({count} in {seconds:.2f} s)")


def ratio(seconds: float, baseline: float) -> str:
    return f"  {baseline / seconds:.2f}× the transport alone's rate" if baseline else ""


def exchange(sender, receiver, packages: list[bytes], receiving) -> dict:
    """Queue ``packages`` at the sender, send them, poll them at the receiver (inside
    ``receiving``, a context manager); times each half and checks every package arrived once,
    byte for byte, with nothing left at the service."""
    from sqlalchemy import select

    from ecabinet.database import unit_of_work
    from ecabinet.extensions import db
    from ecabinet.interchange.axis import services
    from ecabinet.interchange.axis.models import AxisIncoming

    times = {}
    with sender.app_context():
        started = time.perf_counter()
        for body in packages:
            with unit_of_work():
                services.queue_package(body, MINISTRY)
        times["queue"] = time.perf_counter() - started
        started = time.perf_counter()
        report = services.send_pending()
        times["send"] = time.perf_counter() - started
    assert len(report.sent) == len(packages) and not report.failed, report
    with receiver.app_context(), receiving:
        started = time.perf_counter()
        polled = services.poll_once()
        times["poll"] = time.perf_counter() - started
        got = {digest for digest, in db.session.execute(select(AxisIncoming.package_sha256)
                                                        .where(AxisIncoming.remote_id.in_(
                                                            polled.stored)))}
        left = services.configured_transport().received()
    digests = {hashlib.sha256(body).hexdigest() for body in packages}
    assert len(polled.stored) == len(packages) and not polled.failed, polled
    assert got == digests and not left, (len(got), len(left))
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--packages", type=int, default=20)
    parser.add_argument("--size-mb", type=float, default=5.0,
                        help="the signed PDF's size (--opaque: the package's)")
    parser.add_argument("--opaque", action="store_true",
                        help="the transport alone: opaque packages, no incoming register")
    parser.add_argument("--service-database", default=None,
                        help="the service's database URL (default a fresh SQLite file)")
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--deadline", type=float, default=1200.0)
    options = parser.parse_args()
    count, real = options.packages, not options.opaque
    deadline = time.monotonic() + options.deadline
    size = int(options.size_mb * 1024 * 1024)
    load = os.getloadavg()[0]
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

        import axis_real

        pki = axis_real.make_pki() if real else None
        settings = ({"vpcp": axis_real.config(folder, pki, GOV),
                     "btc": axis_real.config(folder, pki, MINISTRY)} if real else {})
        apps = {system: installation(folder, name, url, system, size * 2, options.timeout,
                                     **settings.get(system, {}))
                for name, system in (("gov", "vpcp"), ("ministry", "btc"))}
        sender, receiver = apps["vpcp"], apps["btc"]
        if real:
            axis_real.set_up(sender, pki, pki.gov)
            axis_real.set_up(receiver, pki, pki.ministry)
            # One more: the first of each path is not measured (see below).
            built = axis_real.build_all(sender, pki, count + 1, size)
            sizes = [len(data) for data in built.data[1:]]
            log(f"{count + 1} packages built and sealed ({sum(sizes) / count / 2**20:.2f} MB each)")
        else:
            sizes = [size] * count
        total = sum(sizes)

        # Unmeasured: the first connection, the first statements, the imports of each path.
        exchange(sender, receiver, [opaque(0, 1024)], axis_real.receivers_off())
        baseline = exchange(sender, receiver, [opaque(n, s) for n, s in enumerate(sizes)],
                            axis_real.receivers_off())
        log("transport alone measured")
        print(f"axis serve, {count} packages of {total / count / 2**20:.2f} MB"
              + (f" (a signed PDF of {options.size_mb:g} MB in edXML)" if real else "")
              + f", service database {database.split(':')[0]}, load {load:.1f}:")
        print("transport alone (opaque packages, nobody reads them):")
        print(f"  send         {rate(count, baseline['send'], total)}")
        print(f"  poll         {rate(count, baseline['poll'], total)}")
        print("  every package arrived once, byte for byte; nothing left at the service")
        if not real:
            return 0

        exchange(sender, receiver, built.data[:1], axis_real.timed_receiver([]))
        receiver_times: list[float] = []
        times = exchange(sender, receiver, built.data[1:],
                         axis_real.timed_receiver(receiver_times))
        checked = axis_real.check_registered(receiver, pki, built.document_ids)
        handed, building = sum(receiver_times), sum(built.build_seconds[1:])
        trip = building + times["queue"] + times["send"] + times["poll"]
        print("real packages (edXML sealed, signed PDF; the incoming register receives them):")
        print(f"  (each PDF made and signed before packaging, not counted: "
              f"{sum(built.pdf_seconds[1:]) / count * 1000:.0f} ms a package)")
        print(f"  build+seal   {rate(count, building, total)}")
        print(f"  queue        {rate(count, times['queue'], total)}")
        print(f"  send         {rate(count, times['send'], total)}"
              f"{ratio(times['send'], baseline['send'])}")
        print(f"  poll         {rate(count, times['poll'], total)}"
              f"{ratio(times['poll'], baseline['poll'])}")
        print(f"    of which the receiver (parse, XML seal, PAdES, register, seal 01): "
              f"{handed / count * 1000:.0f} ms a package ({handed / times['poll']:.0%})")
        print(f"  whole trip   {rate(count, trip, total)}")
        print(f"  {checked} (the unmeasured first one included); "
              f"load now {os.getloadavg()[0]:.1f}")
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
