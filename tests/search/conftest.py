"""Fixtures for search: the cabinet meeting of tests/meetings, uploading PDFs with Vietnamese
text, and searching through the API."""

from __future__ import annotations

import pytest

from ecabinet.docs import converter, jobs
from tests.browser.conftest import (  # noqa: F401 - fixtures of test_page_browser.py
    browser,
    browser_auth,
    context,
    live_server,
    page,
    screenshot,
)
from tests.docs.conftest import new_version, upload
from tests.meetings.conftest import api, cabinet  # noqa: F401 - fixtures used in this folder
from tests.search.pdfs import pdf_with


@pytest.fixture(scope="session", autouse=True)
def _converters_stop_at_the_end():
    yield
    converter.close_all()


@pytest.fixture(autouse=True)
def _jobs_finish_within_the_test(make_app):
    """Deferred indexing and conversions run in the documents' worker thread: wait for them
    before the test's database goes."""
    yield
    assert jobs.local_worker().wait_idle(timeout=120), "a document job did not finish"


def upload_pdf(client, headers, *pages, title="Tài liệu", classification="normal") -> int:
    status, document = upload(client, headers, pdf_with(*pages), filename="tai-lieu.pdf",
                              title=title, classification=classification)
    assert status == 201, document
    return document["id"]


def upload_new_version(client, headers, document_id: int, *pages) -> int:
    status, version = new_version(client, headers, document_id, pdf_with(*pages))
    assert status == 201, version
    return version["number"]


def find(client, headers, q, **params) -> dict:
    """GET /api/v1/search; asserts 200 and returns the body."""
    response = client.get("/api/v1/search", query_string={"q": q, **params}, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def found_ids(client, headers, q, **params) -> list[int]:
    return [hit["document_id"] for hit in find(client, headers, q, **params)["results"]]
