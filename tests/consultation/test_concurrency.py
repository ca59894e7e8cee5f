"""A round opened while the draft's conversion is finishing: neither waits for the other.

PostgreSQL only (SQLite has one writer at a time). The conversion job used to lock the version
FOR UPDATE, which blocks the foreign-key check of a round inserted meanwhile; the round held
the document FOR UPDATE, which blocks the job's search entry referring to the document: a
deadlock, seen once in CI under load. Both locks are FOR NO KEY UPDATE now.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor, TimeoutError

import pytest

from ecabinet.docs import jobs
from ecabinet.docs import services as documents
from tests.consultation.conftest import draft_docx, in_days
from tests.docs.conftest import upload


@pytest.fixture
def paused_conversion(database, monkeypatch):
    """The conversion job stops right after it has locked the version (when it announces the
    PDF), until released; ``reached`` is set when it got there."""
    if database["kind"] != "postgresql":
        pytest.skip("SQLite has one writer at a time: nothing to interleave")
    reached, release = threading.Event(), threading.Event()
    real = documents.signals.version_ready

    class Paused:
        def send(self, *args, **kwargs):
            reached.set()
            release.wait(timeout=60)
            return real.send(*args, **kwargs)

    monkeypatch.setattr(documents.signals, "version_ready", Paused())
    yield reached, release
    release.set()


def test_a_round_opens_while_the_conversion_holds_its_version(client, cast, call,
                                                              paused_conversion):
    reached, release = paused_conversion
    status, document = upload(client, cast.headers("drafter"), draft_docx(),
                              filename="du-thao.docx", title="Dự thảo Nghị định")
    assert status == 201, document
    assert reached.wait(timeout=120), "the conversion did not reach its announcement"

    with ThreadPoolExecutor(max_workers=1) as pool:
        opening = pool.submit(call, cast, "drafter", "POST", "/api/v1/consultation-rounds", {
            "document_id": document["id"], "version": 1, "deadline": in_days(7),
            "reviewer_ids": [cast.users["r1"].id], "title": "Lấy ý kiến"})
        try:
            status, round_ = opening.result(timeout=15)  # the job still holds its locks
        except TimeoutError:
            release.set()
            pytest.fail("opening the round waited for the conversion's lock")
        finally:
            release.set()
    assert status == 201, round_
    assert jobs.local_worker().wait_idle(timeout=120)
    shown = client.get(f"/api/v1/documents/{document['id']}", headers=cast.headers("drafter"))
    assert shown.get_json()["versions"][0]["state"] == "ready"
