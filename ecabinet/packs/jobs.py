"""Building a meeting pack in the job queue (:func:`ecabinet.docs.jobs.enqueue_job`): RQ workers
when Redis is configured, this process's worker thread otherwise.

The job takes the plan (plain values) and builds with no transaction open; it writes its
progress in short transactions, at most twice a second, so that the waiting reader's page can
show it, and keeps the pack in one last transaction.
"""

from __future__ import annotations

import logging
import time

from flask import Flask, current_app

from ecabinet import storage
from ecabinet.database import unit_of_work
from ecabinet.extensions import db
from ecabinet.packs import build as builder
from ecabinet.packs import services
from ecabinet.packs.models import PackBuild
from ecabinet.packs.plan import PackPlan

log = logging.getLogger(__name__)

#: Seconds between two progress writes.
PROGRESS_EVERY = 0.5


def run_build(plan: PackPlan, app: Flask | None = None) -> str | None:
    """The job: the state it left ("ready", "failed"), None when there was nothing to do. In
    ``app`` or the current one (a plain ``rq worker`` runs :func:`ecabinet.worker.run_build`,
    which makes one)."""
    if app is None:
        app = current_app._get_current_object()
    with app.app_context():
        try:
            return build_now(plan)
        finally:
            db.session.remove()


def build_now(plan: PackPlan) -> str | None:
    key = plan.key()
    with unit_of_work():
        row = db.session.scalar(db.select(PackBuild).where(PackBuild.cache_key == key))
        if row is None or row.state != services.BUILDING:
            return None  # built already, or given up
    last = 0.0

    def progress(done: int, total: int) -> None:
        nonlocal last
        now = time.monotonic()
        if done < total and now - last < PROGRESS_EVERY:
            return
        last = now
        with unit_of_work():
            services.build_progress(key, done, total)

    try:
        built = builder.build(plan, storage.get, font_dir=current_app.config.get("PACK_FONT_DIR"),
                              progress=progress)
    except Exception as exc:  # never leave a reader waiting for ever
        log.exception("meeting pack %s of meeting %s failed", key[:12], plan.meeting_id)
        with unit_of_work():
            services.build_failed(key, repr(exc))
        return services.FAILED
    with unit_of_work():
        services.keep_built(plan, built)
    return services.READY_STATE
