"""Uploading .docx and PDF, versions, the rendered PDF, the original."""

from __future__ import annotations

import io
import subprocess

import pytest
from pypdf import PdfReader

from tests.conftest import bearer
from tests.docs.conftest import new_version, upload, wait_for_state
from tests.docs.corpus import VIETNAMESE, docx_bytes, pdf_bytes


@pytest.fixture
def secretariat(make_user, token_for):
    return bearer(token_for(make_user("secretariat", name="Vũ Thị Lan")))


def test_a_pdf_is_ready_at_once(client, secretariat):
    data = pdf_bytes(3)
    status, document = upload(client, secretariat, data, filename="Tờ trình.pdf",
                              title="Tờ trình số 12/TTr-BNV")
    assert status == 201, document
    assert document["title"] == "Tờ trình số 12/TTr-BNV"
    assert document["classification"] == "normal"
    [version] = document["versions"]
    assert version["number"] == 1 and version["state"] == "ready" and version["kind"] == "pdf"
    assert version["pages"] == 3 and version["size"] == len(data)
    assert version["filename"] == "Tờ trình.pdf" and "error" not in version
    pdf = client.get(version["pdf_url"], headers=secretariat)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data == data
    assert pdf.headers["Cache-Control"] == "private, no-store"
    original = client.get(version["original_url"], headers=secretariat)
    assert original.data == data and "attachment" in original.headers["Content-Disposition"]
    again = client.get(f"/api/v1/documents/{document['id']}", headers=secretariat).get_json()
    assert again["versions"] == document["versions"]


def test_the_kind_comes_from_the_content_not_the_name(client, secretariat):
    status, document = upload(client, secretariat, pdf_bytes(), filename="bao-cao.docx",
                              title=None)
    assert status == 201, document
    version = document["versions"][0]
    assert version["kind"] == "pdf" and version["filename"] == "bao-cao.pdf"
    assert document["title"] == "bao-cao"  # the file's name when no title is given


def test_versions_are_numbered(client, secretariat):
    document = upload(client, secretariat, pdf_bytes(1))[1]
    status, second = new_version(client, secretariat, document["id"], pdf_bytes(2),
                                 filename="v2.pdf")
    assert status == 201, second
    assert second["number"] == 2 and second["pages"] == 2
    numbers = [v["number"] for v in client.get(
        f"/api/v1/documents/{document['id']}", headers=secretariat).get_json()["versions"]]
    assert numbers == [1, 2]
    assert client.get(f"/api/v1/documents/{document['id']}/versions/3/pdf",
                      headers=secretariat).status_code == 404


def test_form_mistakes_are_422(client, secretariat):
    response = client.post("/api/v1/documents", data={"title": "x"}, headers=secretariat,
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "validation_error"
    status, body = upload(client, secretariat, pdf_bytes(), classification="secret")
    assert status == 422 and "classification" in body["error"]["details"]["multipart"]


def test_the_upload_is_audited(app, client, secretariat):
    from ecabinet.audit.services import search

    document = upload(client, secretariat, pdf_bytes())[1]
    with app.app_context():
        [entry] = search(action="document.upload")
        assert entry.object_id == str(document["id"])
        assert document["versions"][0]["sha256"] in entry.details


@pytest.mark.slow
def test_a_docx_is_converted_and_its_vietnamese_extracts_exactly(client, secretariat, tmp_path):
    data = docx_bytes(VIETNAMESE, "Điều 1. Ban hành kèm theo Quyết định này Quy chế làm việc.")
    status, document = upload(client, secretariat, data, filename="quyet-dinh.docx",
                              title="Dự thảo Quyết định")
    assert status == 201, document
    assert document["versions"][0]["state"] == "converting"
    assert document["versions"][0]["kind"] == "docx"
    # The request did not wait for LibreOffice; the PDF is not there yet.
    pending = client.get(document["versions"][0]["pdf_url"], headers=secretariat)
    if pending.status_code == 409:
        assert pending.get_json()["error"]["code"] == "converting"
    version = wait_for_state(client, secretariat, document["id"])
    assert version["state"] == "ready", version
    assert version["pages"] == 1
    pdf = client.get(version["pdf_url"], headers=secretariat)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
    assert len(PdfReader(io.BytesIO(pdf.data)).pages) == 1
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf.data)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"],  # noqa: S607
                          capture_output=True, check=True, text=True).stdout
    assert "Quyết định" in text
    assert VIETNAMESE in " ".join(text.split())
    # One font for all of it: Liberation Serif (Times New Roman's metrics, Vietnamese glyphs).
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True,  # noqa: S607
                           check=True, text=True).stdout.splitlines()[2:]
    assert fonts and all("LiberationSerif" in line for line in fonts), fonts
    original = client.get(version["original_url"], headers=secretariat)
    assert original.data == data
    assert original.mimetype.endswith("wordprocessingml.document")


def test_a_vietnamese_file_name_keeps_its_letters_in_the_download(client, make_user, token_for):
    """RFC 6266: browsers take filename* (UTF-8); the ASCII fallback for the others reads
    "De-an-QD-TTg.pdf", not "De-an-Q-TTg.pdf" (Đ has no decomposition; issue 9, point 19)."""
    from tests.conftest import bearer
    from tests.docs.conftest import upload
    from tests.docs.corpus import pdf_bytes

    headers = bearer(token_for(make_user("secretariat")))
    status, document = upload(client, headers, pdf_bytes(), filename="Đề-án-QĐ-TTg.pdf")
    assert status == 201, document
    response = client.get(f"/api/v1/documents/{document['id']}/versions/1/original",
                          headers=headers)
    disposition = response.headers["Content-Disposition"]
    assert 'filename="De-an-QD-TTg.pdf"' in disposition, disposition
    assert "filename*=UTF-8''%C4%90%E1%BB%81-%C3%A1n-Q%C4%90-TTg.pdf" in disposition
