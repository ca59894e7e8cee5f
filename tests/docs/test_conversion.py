"""Converting .docx to PDF: failures recorded with their reason, a hung converter killed and
replaced, the job queue on Redis, and the real LibreOffice surviving a crash."""

from __future__ import annotations

import os
import signal
import time
import uuid

import pytest

from ecabinet.docs import converter
from tests.conftest import bearer
from tests.docs.conftest import upload, wait_for_state
from tests.docs.corpus import docx_bytes


@pytest.fixture
def faked(make_app, make_user, fake_converter):
    """An app whose converter is the fake one, with a one-second timeout."""
    app = make_app(CONVERTER_COMMAND=fake_converter, CONVERT_TIMEOUT_SECONDS=1,
                   DOCUMENT_MAX_PAGES=3)
    return app, app.test_client()


@pytest.fixture
def headers(faked, make_user, token_for):
    return bearer(token_for(make_user("secretariat", locale="en")))


def test_a_hung_converter_is_killed_and_the_next_document_converts(make_app, fake_converter,
                                                                     headers):
    # That the requests below are answered while the converter hangs is the point, not how
    # fast: the time-out is long enough for a loaded machine to answer them well within it.
    app = make_app(CONVERTER_COMMAND=fake_converter, CONVERT_TIMEOUT_SECONDS=5,
                   DOCUMENT_MAX_PAGES=3)
    client = app.test_client()
    status, document = upload(client, headers, docx_bytes("HANG"))
    assert status == 201, document
    assert document["versions"][0]["state"] == "converting"  # the request did not wait
    shared = converter.for_config(app.config)
    deadline = time.monotonic() + 10
    while shared.pid is None and time.monotonic() < deadline:
        time.sleep(0.01)
    hung = shared.pid
    # While it hangs, the server answers.
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert client.get(f"/api/v1/documents/{document['id']}/versions/1/pdf",
                      headers=headers).status_code == 409
    assert converter._group_alive(hung), "answered only once the converter was killed"
    version = wait_for_state(client, headers, document["id"], timeout=20)
    assert version["state"] == "failed"
    assert version["error_code"] == "timeout"
    assert version["error"] == "The conversion to PDF took too long and was stopped."
    assert not converter._group_alive(hung), "the hung converter's process group is still there"
    response = client.get(version["pdf_url"], headers=headers)
    assert response.status_code == 422
    assert response.get_json()["error"] == {
        "code": "conversion_failed", "details": {"reason": ["timeout"]},
        "message": "The conversion to PDF took too long and was stopped."}
    # The next document gets a new converter and converts.
    status, second = upload(client, headers, docx_bytes("Quyết định"))
    assert wait_for_state(client, headers, second["id"])["state"] == "ready"
    assert shared.starts == 2 and shared.pid != hung


def test_the_pdf_is_409_while_converting(faked, headers):
    _app, client = faked
    document = upload(client, headers, docx_bytes("SLOW"))[1]
    response = client.get(document["versions"][0]["pdf_url"], headers=headers)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "converting"
    assert wait_for_state(client, headers, document["id"])["state"] == "ready"
    assert client.get(document["versions"][0]["pdf_url"], headers=headers).status_code == 200


@pytest.mark.parametrize("marker,code", [
    ("CRASH", "converter_crashed"),  # dies twice: the document is what kills it
    ("REFUSE", "unreadable"),
    ("FIVE", "too_many_pages"),  # the rendered PDF is over DOCUMENT_MAX_PAGES
])
def test_failures_are_recorded_with_their_reason(app, faked, headers, marker, code):
    from ecabinet.audit.services import search

    faked_app, client = faked
    document = upload(client, headers, docx_bytes(marker))[1]
    version = wait_for_state(client, headers, document["id"])
    assert (version["state"], version["error_code"]) == ("failed", code)
    assert version["error"]
    assert "pages" in version and version["pages"] is None
    with faked_app.app_context():
        [entry] = search(action="document.convert")
        assert f'"error": "{code}"' in entry.details and entry.actor_id is None
    # A good document still converts afterwards.
    second = upload(client, headers, docx_bytes("fine"))[1]
    assert wait_for_state(client, headers, second["id"])["state"] == "ready"


def test_a_version_left_converting_is_taken_up_again(faked, headers):
    from ecabinet.docs.models import DocumentVersion
    from ecabinet.extensions import db

    app, client = faked
    document = upload(client, headers, docx_bytes("fine"))[1]
    assert wait_for_state(client, headers, document["id"])["state"] == "ready"
    with app.app_context():  # as if the worker had died mid-way
        version = db.session.scalars(db.select(DocumentVersion).filter_by(
            document_id=document["id"])).one()
        version.state, version.pdf_sha256 = "converting", None
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["docs", "requeue"])
    assert result.exit_code == 0 and "Requeued 1 version(s)." in result.output
    assert wait_for_state(client, headers, document["id"])["state"] == "ready"


def test_a_missing_original_fails_the_version(faked, headers):
    from ecabinet import storage
    from ecabinet.docs import jobs
    from ecabinet.docs.models import DocumentVersion
    from ecabinet.extensions import db

    app, client = faked
    document = upload(client, headers, docx_bytes("fine"))[1]
    assert wait_for_state(client, headers, document["id"])["state"] == "ready"
    with app.app_context():
        version = db.session.scalars(db.select(DocumentVersion).filter_by(
            document_id=document["id"])).one()
        version.state = "converting"
        version_id, digest = version.id, version.sha256
        db.session.commit()
        storage.path_for(digest).unlink()
    assert jobs.run_conversion(version_id, app) == "failed"
    version = wait_for_state(client, headers, document["id"])
    assert (version["state"], version["error_code"]) == ("failed", "internal")


def _redis_url():
    import redis

    from tests.conftest import REDIS_URL

    url = REDIS_URL or "redis://127.0.0.1:6379/15"
    server = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        server.ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {url}")
    finally:
        server.close()
    return url


def test_with_redis_the_worker_command_converts(make_app, make_user, token_for, fake_converter):
    from redis import Redis
    from rq import Queue

    url, name = _redis_url(), f"ecabinet-docs-test-{uuid.uuid4().hex[:8]}"
    app = make_app(REDIS_URL=url, RATELIMIT_STORAGE_URI="memory://", DOCUMENT_QUEUE=name,
                   CONVERTER_COMMAND=fake_converter)
    client = app.test_client()
    headers = bearer(token_for(make_user("secretariat")))
    document = upload(client, headers, docx_bytes("Quyết định"))[1]
    with Redis.from_url(url) as connection:
        queue = Queue(name, connection=connection)
        assert queue.count == 1  # in Redis, not in this process's thread
        time.sleep(0.2)
        assert client.get(f"/api/v1/documents/{document['id']}",
                          headers=headers).get_json()["versions"][0]["state"] == "converting"
        result = app.test_cli_runner().invoke(args=["docs", "worker", "--burst"])
        assert result.exit_code == 0, result.output
        assert queue.count == 0
        queue.delete()
    assert wait_for_state(client, headers, document["id"], timeout=5)["state"] == "ready"


def test_the_worker_command_needs_redis(runner):
    result = runner.invoke(args=["docs", "worker", "--burst"])
    assert result.exit_code != 0 and "ECABINET_REDIS_URL" in result.output


def _office_pid(pgid: int) -> int:
    """The soffice.bin of a converter's process group."""
    from pathlib import Path

    for stat in Path("/proc").glob("[0-9]*/stat"):
        text = stat.read_text()
        name, fields = text[text.index("(") + 1:text.rindex(")")], text.rpartition(")")[2].split()
        if name == "soffice.bin" and fields[2] == str(pgid):
            return int(stat.parent.name)
    raise AssertionError("no soffice.bin in the converter's group")


@pytest.mark.slow
def test_the_real_converter_survives_a_crash_and_stops_cleanly():
    """LibreOffice itself: killed from outside, it is restarted for the next document; closed,
    nothing of it is left."""
    own = converter.Converter()
    # Texts no other test converts: the suite reuses LibreOffice's output by content
    # (tests/fixtures/converter.py), and this test is about the process that makes it.
    unique = uuid.uuid4().hex
    try:
        first = own.convert(docx_bytes(f"Một {unique}"), timeout=60)
        assert first.startswith(b"%PDF-") and own.mode == "uno"
        os.kill(_office_pid(own.pid), signal.SIGKILL)  # LibreOffice dies, the bridge lives
        second = own.convert(docx_bytes(f"Hai {unique}"), timeout=60)
        assert second.startswith(b"%PDF-") and own.starts == 2
        with pytest.raises(converter.ConversionError) as refused:
            own.convert(b"not a document at all", timeout=60)
        assert refused.value.code == "unreadable"
        pgid = own.pid
    finally:
        own.close()
    assert not converter._group_alive(pgid)
    assert not own.workdir.exists()


def test_a_job_after_the_first_request_runs_once_and_its_hook_goes():
    """``jobs.after_first_request`` (the requeue of conversions, the search's missing index,
    without Redis): the job is given to the worker thread after the first answer, once, and
    the hook leaves the app's list so that later requests do not call it."""
    from flask import Flask

    from ecabinet.docs import jobs

    app = Flask(__name__)
    app.route("/")(lambda: "ok")
    ran = []
    jobs.after_first_request(app, lambda: ran.append(1))
    assert len(app.after_request_funcs[None]) == 1
    client = app.test_client()
    for _ in range(3):
        assert client.get("/").text == "ok"
    assert jobs.local_worker().wait_idle(10)
    assert ran == [1]
    assert app.after_request_funcs[None] == []
