"""Conversion jobs: the web request never waits for LibreOffice.

A version to convert is enqueued once its upload has committed (:func:`on_version_added`, a
receiver of :data:`ecabinet.docs.signals.version_added`, and :func:`ecabinet.database.on_commit`):

- with ``REDIS_URL`` set, into an RQ queue on Redis; ``ecabinet docs worker`` runs the jobs, one
  at a time, each process with its own LibreOffice (start one worker per core);
- without it, into this process's worker thread, one conversion at a time (``make run``, tests).

A job converts in two short transactions with no transaction open in between: read the bytes,
convert (seconds, maybe a timeout), record the PDF or the reason it failed. SQLite allows one
writer at a time, so holding a transaction through a conversion would stall every other write.
"""

from __future__ import annotations

import logging
import queue
import threading
import time

from flask import Flask, current_app
from werkzeug.utils import import_string

from ecabinet.database import on_commit, unit_of_work
from ecabinet.docs import converter, services
from ecabinet.docs.models import DocumentVersion, VersionState

log = logging.getLogger(__name__)

QUEUE_NAME = "ecabinet-docs"
DEFAULT_TIMEOUT = 60


def timeout_of(config) -> float:
    return float(config.get("CONVERT_TIMEOUT_SECONDS", DEFAULT_TIMEOUT))


# --- enqueueing ----------------------------------------------------------------------------------

def on_version_added(version: DocumentVersion, **_kwargs) -> None:
    """Receiver of :data:`ecabinet.docs.signals.version_added`: a version that needs converting
    (a .docx) is enqueued once its upload commits."""
    if version.state == VersionState.CONVERTING:
        version_id = version.id
        on_commit(lambda: enqueue_conversion(version_id))


def enqueue_conversion(version_id: int) -> None:
    """Hand a version to the queue (called after the upload committed)."""
    app = current_app._get_current_object()
    redis_url = app.config.get("REDIS_URL")
    if redis_url:
        _enqueue_rq(redis_url, app.config, [version_id])
    else:
        local_worker().submit(app, version_id)


def enqueue_job(function: str, *args, description: str, timeout: int) -> None:
    """Hand another kind of job (a meeting pack's build) to the same queue: the workers that
    convert documents run it; without Redis, this process's worker thread does. ``function``
    is a dotted path taking ``*args`` and an optional ``app`` (an entry point of
    :mod:`ecabinet.worker`, for a plain ``rq worker``)."""
    app = current_app._get_current_object()
    redis_url = app.config.get("REDIS_URL")
    if redis_url:
        from redis import Redis
        from rq import Queue

        with Redis.from_url(redis_url) as connection:
            Queue(app.config.get("DOCUMENT_QUEUE", QUEUE_NAME), connection=connection) \
                .enqueue_call(function, args=args, timeout=timeout, result_ttl=0,
                              failure_ttl=7 * 24 * 3600, description=description)
    else:
        job = import_string(function)
        local_worker().submit_call(lambda: job(*args, app=app))


def _enqueue_rq(redis_url: str, config, version_ids: list[int]) -> None:
    from redis import Redis
    from rq import Queue

    job_timeout = int(timeout_of(config) + converter.START_TIMEOUT + 60)
    with Redis.from_url(redis_url) as connection:
        jobs = Queue(config.get("DOCUMENT_QUEUE", QUEUE_NAME), connection=connection)
        for version_id in version_ids:
            jobs.enqueue_call("ecabinet.worker.run_conversion", args=(version_id,),
                              timeout=job_timeout, result_ttl=0, failure_ttl=7 * 24 * 3600,
                              description=f"convert document version {version_id}")


def requeue_pending(app: Flask) -> int:
    """Enqueue again every version still converting (a worker stopped mid-way); a version
    finished in the meantime is skipped by the job itself."""
    with app.app_context():
        version_ids = services.pending_version_ids()
        if not version_ids:
            return 0
        if app.config.get("REDIS_URL"):
            _enqueue_rq(app.config["REDIS_URL"], app.config, version_ids)
        else:
            for version_id in version_ids:
                local_worker().submit(app, version_id)
    return len(version_ids)


# --- the job -------------------------------------------------------------------------------------

def run_conversion(version_id: int, app: Flask | None = None) -> str | None:
    """The job: convert one version, in a fresh app context (its own database session) of
    ``app`` or the current one (a plain ``rq worker`` runs :func:`ecabinet.worker.run_conversion`,
    which makes one). Returns the state recorded, None when there was nothing to do."""
    if app is None:
        app = current_app._get_current_object()
    with app.app_context():
        return convert_version(version_id)


def convert_version(version_id: int) -> str | None:
    config = current_app.config
    pdf, error_code, error_detail = None, None, None
    try:
        with unit_of_work():
            data = services.pending_conversion(version_id)
    except OSError as exc:  # the stored original is missing or damaged
        log.error("version %s cannot be read for conversion: %s", version_id, exc)
        data, error_code, error_detail = b"", "internal", f"original unreadable: {exc}"
    if data is None:
        return None
    try:
        if error_code is None:
            pdf = converter.for_config(config).convert(data, timeout=timeout_of(config))
    except converter.ConversionError as exc:
        error_code, error_detail = exc.code, exc.detail
        log.warning("conversion of version %s failed: %s", version_id, exc)
    except Exception as exc:  # never leave a version converting for ever
        log.exception("conversion of version %s failed", version_id)
        error_code, error_detail = "internal", repr(exc)
    with unit_of_work():
        version = services.record_conversion(
            version_id, pdf=pdf, error_code=error_code, error_detail=error_detail,
            max_pages=services.limits(config)["max_pages"])
        return version.state if version is not None else None


# --- the in-process worker (no Redis) ------------------------------------------------------------

class LocalWorker:
    """One thread running one job at a time, for every app of this process."""

    def __init__(self):
        self._queue: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, app: Flask, version_id: int) -> None:
        self.submit_call(lambda: run_conversion(version_id, app))

    def submit_call(self, job) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="ecabinet-docs-worker",
                                                daemon=True)
                self._thread.start()
        self._queue.put(job)

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            try:
                job()
            except Exception:
                log.exception("document job failed")
            finally:
                self._queue.task_done()

    @property
    def pending(self) -> int:
        return self._queue.unfinished_tasks

    def wait_idle(self, timeout: float = 60) -> bool:
        """True once every submitted job is done (tests; a graceful stop)."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True


_local = LocalWorker()


def after_first_request(app: Flask, job) -> None:
    """Give ``job`` to this process's worker thread once the app has answered its first
    request; then the hook takes itself off the app's list, where every later request would
    call it for nothing (a tablet's cached read of its meeting is ~400 µs: hooks count)."""
    state = {"done": False}

    def hook(response):
        if not state["done"]:
            state["done"] = True
            # A new list, not this one changed in place: Flask is going through it right now.
            app.after_request_funcs[None] = [each for each in app.after_request_funcs[None]
                                             if each is not hook]
            _local.submit_call(job)
        return response

    app.after_request(hook)


def local_worker() -> LocalWorker:
    return _local


def worker_for(queues, connection):
    """An RQ worker that runs the jobs in this process (no fork per job, so LibreOffice stays
    warm) and stops promptly: RQ's own listens to its command channel in a thread that wakes once
    a minute, which a stopping worker (``--burst`` with the queue empty, a signal) waits for."""
    from rq import SimpleWorker

    class PromptWorker(SimpleWorker):
        def subscribe(self):
            self.pubsub = self.connection.pubsub()
            self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
            self.pubsub_thread = self.pubsub.run_in_thread(
                sleep_time=1, daemon=True, exception_handler=self._pubsub_exception_handler)

    return PromptWorker(queues, connection=connection)
