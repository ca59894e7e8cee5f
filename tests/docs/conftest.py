"""Fixtures for documents: uploading, waiting for a conversion, a fake converter, and the
cabinet meeting of tests/meetings (its fixtures are imported here to be used in this folder)."""

from __future__ import annotations

import time

import pytest

from ecabinet.docs import converter, jobs
from tests.docs.corpus import docx_bytes
from tests.meetings.conftest import api, cabinet  # noqa: F401 - fixtures used in this folder


@pytest.fixture(scope="session", autouse=True)
def _converters_stop_at_the_end():
    """One LibreOffice for the whole session (apps with the same settings share it), stopped
    at the end so that no process outlives the tests."""
    yield
    converter.close_all()


@pytest.fixture(autouse=True)
def _jobs_finish_within_the_test(make_app):
    """A conversion still queued when a test ends would run against a database that is gone:
    wait for it before the test's apps are torn down (this fixture depends on ``make_app``, so
    it ends first)."""
    yield
    assert jobs.local_worker().wait_idle(timeout=120), "a conversion job did not finish"


def upload(client, headers, data: bytes, *, filename="tai-lieu.docx", title="Tài liệu",
           classification="normal", url="/api/v1/documents"):
    """POST a file as multipart; returns (status, json)."""
    import io

    form = {"file": (io.BytesIO(data), filename)}
    if title is not None:
        form["title"] = title
    if classification is not None:
        form["classification"] = classification
    response = client.post(url, data=form, headers=headers, content_type="multipart/form-data")
    # The test client keeps a large body in a temporary file and, without redirects to
    # follow, leaves it open.
    response.request.input_stream.close()
    response.close()
    return response.status_code, response.get_json(silent=True)


def new_version(client, headers, document_id: int, data: bytes, *, filename="v.pdf"):
    """POST a new version of a document; returns (status, json)."""
    return upload(client, headers, data, filename=filename, title=None, classification=None,
                  url=f"/api/v1/documents/{document_id}/versions")


def wait_for_state(client, headers, document_id: int, number: int = 1, *, timeout: float = 90):
    """Poll the document until the version leaves "converting" (bounded)."""
    deadline = time.monotonic() + timeout
    while True:
        response = client.get(f"/api/v1/documents/{document_id}", headers=headers)
        assert response.status_code == 200, response.get_json()
        version = next(v for v in response.get_json()["versions"] if v["number"] == number)
        if version["state"] != "converting":
            return version
        assert time.monotonic() < deadline, f"still converting after {timeout} s"
        time.sleep(0.05)


@pytest.fixture
def fake_converter(_fake_converter_command):
    """The CONVERTER_COMMAND of the fake converter (tests/conftest.py)."""
    yield _fake_converter_command
    jobs.local_worker().wait_idle(timeout=60)


@pytest.fixture
def docx():
    return docx_bytes()
