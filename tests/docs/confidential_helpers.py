"""Uploading a PDF and attaching it to an agenda item of the cabinet meeting (tests/meetings),
for the tests of who gets a confidential document's PDF, and how."""

from tests.docs.conftest import upload
from tests.docs.corpus import pdf_bytes


def upload_pdf(client, cab, who="secretariat", classification="normal", title="Nhân sự"):
    status, document = upload(client, cab.headers(who), pdf_bytes(), filename="to-trinh.pdf",
                              title=title, classification=classification)
    assert status == 201, document
    return document["id"]


def attach(api, cab, item_id, document_id, who="secretariat"):
    return api(cab, "POST", f"/api/v1/agenda-items/{item_id}/documents",
               {"document_id": document_id}, who=who)
