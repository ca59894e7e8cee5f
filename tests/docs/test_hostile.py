"""The hostile corpus, made in code: every file is refused with a clear reason, nothing is stored
(no bytes on disk, no row), and the server goes on serving."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ecabinet.docs.models import Document, DocumentVersion
from ecabinet.extensions import db
from tests.conftest import bearer
from tests.docs import corpus
from tests.docs.conftest import new_version, upload

MB = 2**20

#: name → (the file, its name as uploaded, status, error code)
CASES = {
    "empty file": (lambda: b"", "empty.pdf", 422, "empty_file"),
    "a program renamed .pdf": (corpus.exe_renamed, "hoa-don.pdf", 415, "unsupported_media_type"),
    "plain text": (lambda: b"Just some text.", "note.docx", 415, "unsupported_media_type"),
    "an old .doc": (corpus.old_word_document, "cu.doc", 415, "unsupported_media_type"),
    "a zip without word/document.xml": (corpus.zip_without_document, "a.docx", 415,
                                        "unsupported_media_type"),
    "a macro project": (corpus.docx_with_macros, "macro.docx", 415, "unsupported_media_type"),
    "zip bomb (declared sizes)": (lambda: corpus.docx_zip_bomb(8 * MB), "bomb.docx", 422,
                                  "unpacked_too_large"),
    "zip bomb (headers lie)": (lambda: corpus.docx_lying_zip_bomb(8 * MB), "bomb.docx", 422,
                               "damaged_docx"),
    "XXE": (corpus.docx_xxe, "xxe.docx", 422, "xml_dtd"),
    "billion laughs": (corpus.docx_billion_laughs, "lol.docx", 422, "xml_dtd"),
    "remote template": (corpus.docx_remote_template, "template.docx", 422, "external_links"),
    "truncated PDF": (corpus.pdf_truncated, "cut.pdf", 422, "damaged_pdf"),
    "malformed PDF": (corpus.pdf_malformed, "bad.pdf", 422, "damaged_pdf"),
    "PDF with /OpenAction JavaScript": (corpus.pdf_open_action_javascript, "js.pdf", 422,
                                        "active_content"),
    "PDF with document JavaScript": (corpus.pdf_javascript_name_tree, "js.pdf", 422,
                                     "active_content"),
    "PDF with JavaScript spelt with #xx": (corpus.pdf_obfuscated_javascript, "js.pdf", 422,
                                           "active_content"),
    "PDF with /Launch": (corpus.pdf_launch, "launch.pdf", 422, "active_content"),
    "PDF with an embedded file": (corpus.pdf_embedded_file, "attach.pdf", 422,
                                  "active_content"),
    "encrypted PDF": (corpus.pdf_encrypted, "locked.pdf", 422, "encrypted_pdf"),
    "PDF with an owner password only": (lambda: corpus.pdf_encrypted(""), "locked.pdf", 422,
                                        "encrypted_pdf"),
    "PDF over the page limit": (lambda: corpus.pdf_bytes(6), "long.pdf", 422, "too_many_pages"),
    "file over the size limit": (lambda: corpus.pdf_bytes(1) + b"%" * 300_000, "big.pdf", 413,
                                 "payload_too_large"),
}


@pytest.fixture
def guarded(make_app, make_user, token_for):
    """An app with small limits, so the corpus stays small and fast."""
    app = make_app(DOCUMENT_MAX_BYTES=200_000, DOCUMENT_MAX_PAGES=5,
                   DOCUMENT_MAX_UNPACKED_BYTES=4 * MB)
    user = make_user("secretariat")
    return app, app.test_client(), bearer(token_for(user))


def _stored(app) -> set:
    from pathlib import Path

    root = Path(app.config["STORAGE_DIR"])
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def _rows(app) -> tuple[int, int]:
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(Document)),
                db.session.scalar(select(func.count()).select_from(DocumentVersion)))


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_files_are_refused_and_nothing_is_stored(guarded, case):
    app, client, headers = guarded
    make, filename, status, code = CASES[case]
    before = _stored(app)
    got, body = upload(client, headers, make(), filename=filename)
    assert (got, body["error"]["code"]) == (status, code), body
    assert body["error"]["message"]
    assert _stored(app) == before
    assert _rows(app) == (0, 0)
    # The server goes on serving, and a good file still goes in.
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert upload(client, headers, corpus.pdf_bytes())[0] == 201


def test_the_messages_say_why(guarded, make_user, token_for):
    _app, client, _headers = guarded
    headers = bearer(token_for(make_user("secretariat", locale="en")))
    expected = {
        corpus.pdf_encrypted: "Encrypted PDFs cannot be circulated; remove the password.",
        corpus.pdf_launch: "start programs",
        corpus.pdf_open_action_javascript: "JavaScript",
        corpus.exe_renamed: "program",
        corpus.docx_xxe: "DTD",
    }
    for make, words in expected.items():
        message = upload(client, headers, make())[1]["error"]["message"]
        assert words in message, (make.__name__, message)


def test_a_new_version_is_checked_the_same_way(guarded):
    app, client, headers = guarded
    document = upload(client, headers, corpus.pdf_bytes())[1]
    before = _stored(app)
    status, body = new_version(client, headers, document["id"], corpus.pdf_launch())
    assert status == 422 and body["error"]["code"] == "active_content"
    assert _stored(app) == before and _rows(app) == (1, 1)


def test_a_body_far_over_the_limit_is_refused_before_it_is_read(guarded):
    _app, client, headers = guarded
    status, body = upload(client, headers, b"%PDF-" + bytes(3 * MB))
    assert status == 413 and body["error"]["code"] == "payload_too_large"
