"""Sending and polling every minute, through the job queue the documents' jobs use.

A web process with an exchange service configured starts one :class:`Ticker` thread (at its
first request, so that CLI commands — a migration — never poll). Every
``AXIS_POLL_INTERVAL_SECONDS`` it hands :func:`run_once` to the job queue:

- with ``REDIS_URL``, an RQ job (``ecabinet.worker.run_axis``) that ``ecabinet docs worker``
  runs; a Redis key taken with NX for the interval makes one tick per interval for the whole
  deployment, however many web workers tick;
- without it, a worker thread of its own (the documents' :class:`~ecabinet.docs.jobs.LocalWorker`
  class, another instance: a service timing out must not hold up document conversions); a tick
  while the previous run is still going is skipped.

Two runs at once would still be safe (the outbox's claims, the inbox's unique remote id), only
wasteful. ``ecabinet axis poll`` runs :func:`run_once` by hand or from cron.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask

from ecabinet.docs.jobs import LocalWorker, enqueue_job
from ecabinet.extensions import db
from ecabinet.interchange.axis.services import PollReport, SendReport, poll_once, send_pending
from ecabinet.interchange.axis.transport import AxisUnavailable, transport_for

log = logging.getLogger(__name__)

JOB = "ecabinet.worker.run_axis"
DEFAULT_INTERVAL = 60

_worker = LocalWorker()


def local_worker() -> LocalWorker:
    """The thread that runs this process's ticks when there is no Redis."""
    return _worker


def run_once(app: Flask) -> tuple[SendReport, PollReport | None] | None:
    """Send what is due, then fetch what waits; None when no service is configured. The
    service being down is logged (the outbox has counted the tries), not raised: the next
    tick tries again."""
    with app.app_context():
        try:
            transport = transport_for(app.config)
            if transport is None:
                return None
            sent = send_pending(transport)
            try:
                polled = poll_once(transport)
            except AxisUnavailable as exc:
                log.warning("axis: nothing fetched: %s", exc.message)
                polled = None
            return sent, polled
        finally:
            db.session.remove()


class Ticker:
    """The thread that enqueues :func:`run_once` every interval."""

    def __init__(self, app: Flask, interval: float):
        self.app, self.interval = app, interval
        self._stop = threading.Event()
        self._running = threading.Lock()  # held while this process's run is queued or going
        self._thread: threading.Thread | None = None

    def start(self) -> Ticker:
        self._thread = threading.Thread(target=self._loop, daemon=True, name="ecabinet-axis")
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.tick()
            except Exception:  # a tick that failed must not end the ticking
                log.exception("axis: tick failed")

    def tick(self) -> bool:
        """Enqueue one run unless one is already due; True when one was enqueued."""
        app = self.app
        redis_url = app.config.get("REDIS_URL")
        if redis_url:
            from redis import Redis

            key = f"{app.config.get('LIVE_CHANNEL', 'ecabinet')}:axis:tick"
            with Redis.from_url(redis_url) as connection:
                if not connection.set(key, "1", nx=True, ex=max(1, int(self.interval) - 1)):
                    return False
            with app.app_context():
                enqueue_job(JOB, description="axis: send and poll",
                            timeout=int(max(self.interval * 5, 300)))
            return True
        if not self._running.acquire(blocking=False):
            return False
        local_worker().submit_call(self._run_locally)
        return True

    def _run_locally(self) -> None:
        try:
            run_once(self.app)
        finally:
            self._running.release()


def start_ticker(app: Flask) -> Ticker | None:
    """This process's ticker, started once per app when an exchange service is configured."""
    interval = float(app.config.get("AXIS_POLL_INTERVAL_SECONDS", DEFAULT_INTERVAL) or 0)
    if not app.config.get("AXIS_URL") or interval <= 0:
        return None
    ticker = app.extensions.get("axis_ticker")
    if ticker is None:
        ticker = app.extensions["axis_ticker"] = Ticker(app, interval).start()
    return ticker
