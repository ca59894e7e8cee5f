"""The one way a document version's PDF leaves the server to a reader.

Every route that hands a reader the PDF of a document version -- the documents feature, a
consultation round, a decision's attachment -- goes through :func:`send_reader_pdf`: the read
is recorded, and a confidential (mật) document is watermarked with the reader's name and its
download audited (:func:`ecabinet.packs.services.reader_document`). A route that sent the
stored bytes itself would hand out the original with no watermark."""

from __future__ import annotations

import io

from flask import send_file

from ecabinet.database import unit_of_work
from ecabinet.docs import services as docs
from ecabinet.docs.models import DocumentVersion
from ecabinet.identity.models import User
from ecabinet.packs import services as packs

PDF_MIME = "application/pdf"


def send_reader_pdf(user: User, version: DocumentVersion, *, data: bytes | None = None,
                    download_name: str | None = None, etag: str | bool | None = None):
    """The response carrying ``user``'s copy of ``version``'s PDF. ``data`` is the PDF to
    send when it is not the version's own (a decision's frozen or signed copy of it), with its
    ``etag``. The caller has checked that ``user`` may read it."""
    if data is None:
        data, etag = docs.pdf_of(version), version.pdf_sha256
    with unit_of_work():
        copy = packs.reader_document(user, version, data)
    if download_name is None:
        download_name = f"{version.filename.rsplit('.', 1)[0]}.pdf"
    # a watermarked copy is the reader's own: never cached as the shared one
    response = send_file(io.BytesIO(copy), mimetype=PDF_MIME, as_attachment=False,
                         download_name=download_name,
                         etag=(etag or False) if copy is data else False)
    response.headers["Cache-Control"] = "private, no-store"
    return response
