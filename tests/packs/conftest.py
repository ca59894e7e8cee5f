"""A cabinet meeting with a dossier: PDFs with text on the agenda's items, one confidential.

The meeting (tests/meetings/conftest.py): item 1 with the guest invited, item 2, item 3
confidential with m1 invited. The documents fixtures of tests/docs are imported for the fake
converter (a document whose conversion fails)."""

from __future__ import annotations

import io
import subprocess
from dataclasses import dataclass

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject, StreamObject

from ecabinet.docs.jobs import local_worker
from tests.browser.conftest import (  # noqa: F401 - fixtures of test_pages_browser.py
    browser,
    context,
    live_server,
    page,
    screenshot,
)
from tests.docs.conftest import (  # noqa: F401 - fixtures used in this folder
    _converters_stop_at_the_end,
    _jobs_finish_within_the_test,
    fake_converter,
    upload,
)
from tests.meetings.conftest import api, cabinet  # noqa: F401 - fixtures used in this folder


def text_pdf(pages: int, label: str) -> bytes:
    """A PDF whose every page says "<label> trang <n>" (ASCII text in a standard font)."""
    writer = PdfWriter()
    font = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica")}))
    for number in range(1, pages + 1):
        blank = writer.add_blank_page(595, 842)
        stream = StreamObject()
        stream.set_data(f"BT /F1 14 Tf 72 760 Td ({label} page {number}) Tj ET".encode())
        blank[NameObject("/Contents")] = writer._add_object(stream)
        blank[NameObject("/Resources")] = DictionaryObject({
            NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def page_texts(data: bytes) -> list[str]:
    """The text of each page, as pdftotext (poppler) extracts it."""
    count = len(PdfReader(io.BytesIO(data)).pages)
    texts = []
    for number in range(1, count + 1):
        result = subprocess.run(["pdftotext", "-f", str(number), "-l", str(number), "-", "-"],  # noqa: S607
                                input=data, capture_output=True, check=True)
        texts.append(result.stdout.decode())
    return texts


@dataclass
class Dossier:
    law: int  # item 1, normal, 3 pages
    report: int  # item 2, normal, 2 pages
    staffing: int  # item 3 (confidential item), a confidential document, 2 pages


def add_document(client, cab, call, item_id: int, data: bytes, *, title: str,
                 classification: str = "normal", filename: str = "tai-lieu.pdf") -> int:
    """Upload as the secretariat and attach to the item; ``call`` is the ``api`` fixture."""
    status, document = upload(client, cab.headers("secretariat"), data, filename=filename,
                              title=title, classification=classification)
    assert status == 201, document
    status, body = call(cab, "POST", f"/api/v1/agenda-items/{item_id}/documents",
                        {"document_id": document["id"]}, who="secretariat")
    assert status == 201, body
    return document["id"]


@pytest.fixture
def dossier(app, client, cabinet, api, scenario) -> Dossier:  # noqa: F811 - the imported fixtures
    """Uploaded through the API the first time in a test process, restored from its snapshot
    after that (tests/fixtures/snapshots.py)."""
    return scenario("packs.dossier", app, lambda: _build_dossier(client, cabinet, api))


def _build_dossier(client, cab, call) -> Dossier:
    items = cab.items
    return Dossier(
        law=add_document(client, cab, call, items[0], text_pdf(3, "LAW"),
                         title="Tờ trình dự án Luật Tổ chức chính quyền địa phương"),
        report=add_document(client, cab, call, items[1], text_pdf(2, "REPORT"),
                            title="Báo cáo tình hình kinh tế - xã hội tháng 11"),
        staffing=add_document(client, cab, call, items[2], text_pdf(2, "STAFFING"),
                              title="Phương án nhân sự", classification="confidential"),
    )


def fetch_pack(client, url: str, **kwargs):
    """GET a pack the way a client does: a pack not built yet answers 202 with its progress and
    is built in the job queue (the local worker thread here); ask again once the job is done."""
    response = client.get(url, **kwargs)
    if response.status_code == 202:
        assert response.get_json(silent=True) is None or \
            response.get_json()["state"] in ("building", "failed")
        assert local_worker().wait_idle(timeout=120), "the pack build did not finish"
        response = client.get(url, **kwargs)
    return response


def pack_of(client, cab, who: str):
    """GET the pack as ``who`` of the cabinet (once built)."""
    return fetch_pack(client, f"/api/v1/meetings/{cab.meeting_id}/pack",
                      headers=cab.headers(who))
