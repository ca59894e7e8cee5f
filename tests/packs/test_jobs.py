"""A pack is built in the job queue, never inside the request (issue 8, point 11): a request for
a pack not built yet answers at once with the build's progress; the pack arrives when the job
ends; an agenda has a size limit with a clear error."""

from __future__ import annotations

import io
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select, update

from ecabinet.docs.jobs import local_worker, worker_for
from ecabinet.extensions import db
from ecabinet.meetings.models import AgendaItem
from ecabinet.packs import build as builder
from ecabinet.packs.models import MeetingPack, PackBuild

PAGES = 2 + 3 + 2 + 2  # what m1 sees: cover, agenda, the law, the report, the staffing plan


class BlockingBuild:
    """``builder.build`` that reports some progress, then waits until released."""

    def __init__(self, monkeypatch):
        self.started = threading.Event()
        self.release = threading.Event()
        self.calls = 0
        real = builder.build

        def build(plan, *args, progress=None, **kwargs):
            self.calls += 1
            if progress is not None:
                progress(3, 10)
            self.started.set()
            assert self.release.wait(timeout=60), "never released"
            return real(plan, *args, progress=progress, **kwargs)

        monkeypatch.setattr(builder, "build", build)


@pytest.fixture
def blocking(monkeypatch):
    build = BlockingBuild(monkeypatch)
    yield build
    build.release.set()  # whatever the test did, let the worker finish


def url(cabinet, suffix: str = "") -> str:
    return f"/api/v1/meetings/{cabinet.meeting_id}/pack{suffix}"


def test_the_request_returns_at_once_while_the_build_blocks(client, cabinet, dossier,
                                                            blocking):
    began = time.monotonic()
    response = client.get(url(cabinet), headers=cabinet.headers("m1"))
    assert response.status_code == 202
    assert time.monotonic() - began < 5
    body = response.get_json()
    assert body["state"] == "building" and 0 <= body["progress"] < 100
    assert response.headers["Retry-After"] == "1"
    # The build runs in the worker, and is still blocked: the request did not wait for it.
    assert blocking.started.wait(timeout=30)
    assert not blocking.release.is_set()

    blocking.release.set()
    assert local_worker().wait_idle(timeout=60)
    done = client.get(url(cabinet), headers=cabinet.headers("m1"))
    assert done.status_code == 200 and done.mimetype == "application/pdf"
    assert len(PdfReader(io.BytesIO(done.data)).pages) == PAGES


def test_the_progress_shows_while_building_and_one_build_serves_every_asker(
        app, client, cabinet, dossier, blocking):
    assert client.get(url(cabinet), headers=cabinet.headers("m1")).status_code == 202
    assert blocking.started.wait(timeout=30)
    status = client.get(url(cabinet, "/status"), headers=cabinet.headers("m1"))
    assert status.status_code == 200
    assert status.get_json() == {"state": "building", "progress": 30, "pages": None}
    # The same plan asked for again, by the API and the page: still one build.
    assert client.get(url(cabinet), headers=cabinet.headers("m1")).status_code == 202
    assert client.get(url(cabinet, "/status"), headers=cabinet.headers("m1")).status_code == 200
    blocking.release.set()
    assert local_worker().wait_idle(timeout=60)
    assert blocking.calls == 1
    status = client.get(url(cabinet, "/status"), headers=cabinet.headers("m1")).get_json()
    assert status == {"state": "ready", "progress": 100, "pages": PAGES}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PackBuild)) == 0
        assert db.session.scalar(select(func.count()).select_from(MeetingPack)) == 1


def test_asking_for_the_status_records_no_read_and_no_download(app, client, cabinet, dossier):
    from ecabinet.audit.models import AuditEntry
    from ecabinet.packs.models import ReadReceipt

    client.get(url(cabinet, "/status"), headers=cabinet.headers("m1"))
    assert local_worker().wait_idle(timeout=60)
    assert client.get(url(cabinet, "/status"), headers=cabinet.headers("m1")) \
        .get_json()["state"] == "ready"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReadReceipt)) == 0
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "meeting.pack_download")) == 0


def test_a_failed_build_says_so_and_is_tried_again_later(app, client, cabinet, dossier,
                                                         monkeypatch):
    real = builder.build
    attempts = []

    def flaky(plan, *args, **kwargs):
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("disk full")
        return real(plan, *args, **kwargs)

    monkeypatch.setattr(builder, "build", flaky)
    assert client.get(url(cabinet), headers=cabinet.headers("m1")).status_code == 202
    assert local_worker().wait_idle(timeout=60)
    failed = client.get(url(cabinet), headers=cabinet.headers("m1"))
    assert failed.status_code == 202 and failed.get_json()["state"] == "failed"
    assert len(attempts) == 1  # not retried at every poll
    with app.app_context():  # a minute later
        db.session.execute(update(PackBuild).values(
            updated_at=datetime.now(UTC) - timedelta(seconds=61)))
        db.session.commit()
    assert client.get(url(cabinet), headers=cabinet.headers("m1")).status_code == 202
    assert local_worker().wait_idle(timeout=60)
    assert client.get(url(cabinet), headers=cabinet.headers("m1")).status_code == 200
    assert len(attempts) == 2


def test_a_build_whose_worker_stopped_is_taken_up_again(app, client, cabinet, dossier,
                                                        monkeypatch):
    from ecabinet.docs import jobs

    enqueued = []
    monkeypatch.setattr(jobs, "enqueue_job", lambda *args, **kwargs: enqueued.append(args))
    assert client.get(url(cabinet), headers=cabinet.headers("m1")).status_code == 202
    assert client.get(url(cabinet), headers=cabinet.headers("m1")).status_code == 202
    assert len(enqueued) == 1  # the job was lost with its worker: nothing happens …
    with app.app_context():  # … until nothing has been heard of it for five minutes
        db.session.execute(update(PackBuild).values(
            updated_at=datetime.now(UTC) - timedelta(seconds=301)))
        db.session.commit()
    assert client.get(url(cabinet), headers=cabinet.headers("m1")).status_code == 202
    assert len(enqueued) == 2


def test_the_page_shows_the_progress_then_downloads(client, cabinet, dossier, auth, blocking):
    auth.login(cabinet.users["m1"])
    page = client.get(f"/meetings/{cabinet.meeting_id}/pack.pdf")
    assert page.status_code == 202 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert 'id="pack-progress"' in text and 'id="pack-data"' in text
    assert f"/api/v1/meetings/{cabinet.meeting_id}/pack/status" in text
    assert "js/pack-progress.js" in text
    blocking.release.set()
    assert local_worker().wait_idle(timeout=60)
    ready = client.get(f"/meetings/{cabinet.meeting_id}/pack.pdf")
    assert ready.status_code == 200 and ready.mimetype == "application/pdf"


def test_the_agenda_has_a_size_limit_with_a_clear_error(app, client, cabinet):
    app.config["AGENDA_MAX_ITEMS"] = 4  # the cabinet has three items
    add = f"/api/v1/meetings/{cabinet.meeting_id}/agenda-items"
    headers = cabinet.headers("secretariat")
    assert client.post(add, json={"title": "Mục bốn"}, headers=headers).status_code == 201
    refused = client.post(add, json={"title": "Mục năm"}, headers=headers)
    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert error["code"] == "agenda_too_long"
    assert "4" in error["message"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AgendaItem).where(
            AgendaItem.meeting_id == cabinet.meeting_id)) == 4


def test_the_default_agenda_limit_is_300(app):
    assert app.config["AGENDA_MAX_ITEMS"] == 300


def test_with_redis_the_build_is_a_job_of_the_workers_queue(app, client, cabinet, dossier):
    """Production: the request enqueues an RQ job (the plan travels pickled), a worker process
    (``ecabinet docs worker``) builds it."""
    import uuid

    from redis import Redis
    from redis.exceptions import RedisError
    from rq import Queue

    from tests.conftest import REDIS_URL

    redis_url = REDIS_URL or "redis://127.0.0.1:6379/14"
    try:
        Redis.from_url(redis_url, socket_connect_timeout=1).ping()
    except RedisError:
        pytest.skip(f"no Redis at {redis_url}")
    name = f"ecabinet-test-{uuid.uuid4().hex}"
    app.config.update(REDIS_URL=redis_url, DOCUMENT_QUEUE=name)
    assert client.get(url(cabinet), headers=cabinet.headers("m1")).status_code == 202
    assert local_worker().pending == 0  # not this process's thread
    with Redis.from_url(redis_url) as connection:
        queue = Queue(name, connection=connection)
        try:
            assert queue.count == 1
            with app.app_context():  # what `ecabinet docs worker` runs in
                worker_for([queue], connection).work(burst=True)
        finally:
            queue.delete(delete_jobs=True)
    done = client.get(url(cabinet), headers=cabinet.headers("m1"))
    assert done.status_code == 200
    assert len(PdfReader(io.BytesIO(done.data)).pages) == PAGES
