"""/api/v1 for documents: upload, versions, the rendered PDF, attaching to agenda items.
Thin: load → check → act."""

from __future__ import annotations

import io

from flask import current_app, request, send_file
from flask_login import current_user

from ecabinet.api import MultipartBlueprint
from ecabinet.database import unit_of_work
from ecabinet.docs import access, services
from ecabinet.docs.schemas import (
    AttachmentSchema,
    AttachSchema,
    DocumentSchema,
    DocumentUploadSchema,
    FileSchema,
    VersionSchema,
)
from ecabinet.docs.validation import DOCX_MIME, PDF_MIME
from ecabinet.identity.access import login_required
from ecabinet.meetings import access as meeting_access

blp = MultipartBlueprint("documents_api", __name__, url_prefix="/api/v1",
                         description="Documents: .docx and PDF uploads, versions, rendered PDFs")

#: Room for the multipart envelope around a file of the largest accepted size.
_ENVELOPE = 1024 * 1024


def _user():
    return current_user._get_current_object()


@blp.before_request
def _size_limit():
    """Uploads may be as large as ``DOCUMENT_MAX_BYTES``, whatever the app-wide limit."""
    limit = services.limits(current_app.config)["max_bytes"]
    request.max_content_length = limit + _ENVELOPE


def _read(upload) -> bytes:
    """The uploaded bytes; one more than the limit is enough to refuse with 413."""
    return upload.stream.read(services.limits(current_app.config)["max_bytes"] + 1)


def _send(data: bytes, *, mimetype: str, filename: str, etag: str, as_attachment: bool):
    response = send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=as_attachment,
                         download_name=filename, etag=etag)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@blp.route("/documents", methods=["POST"])
@login_required
@blp.arguments(DocumentUploadSchema, location="multipart")
@blp.response(201, DocumentSchema)
@blp.alt_response(413, description="larger than DOCUMENT_MAX_BYTES")
@blp.alt_response(415, description="neither a .docx nor a PDF")
@blp.alt_response(422, description="damaged, encrypted, active content, too many pages")
def upload(body):
    """Upload a .docx or a PDF (multipart: `file`, `title`, `classification`). A PDF is ready
    at once; a .docx is `converting` until its PDF is made."""
    access.require_uploader(_user())
    sent = body["file"]
    data = _read(sent)
    with unit_of_work():
        return services.upload(_user(), data=data, filename=sent.filename, title=body["title"],
                               classification=body["classification"],
                               limits=services.limits(current_app.config))


@blp.route("/documents/<int:document_id>")
@login_required
@blp.response(200, DocumentSchema)
def get_document(document_id: int):
    """A document with its versions and the state of each one's PDF."""
    return access.document_for(_user(), document_id)


@blp.route("/documents/<int:document_id>/versions", methods=["POST"])
@login_required
@blp.arguments(FileSchema, location="multipart")
@blp.response(201, VersionSchema)
def add_version(body, document_id: int):
    """Upload a new version (the uploader or the secretariat)."""
    document = access.document_for(_user(), document_id)
    sent = body["file"]
    data = _read(sent)
    with unit_of_work():
        return services.add_version(_user(), document, data=data, filename=sent.filename,
                                    limits=services.limits(current_app.config))


@blp.route("/documents/<int:document_id>/versions/<int:number>/pdf")
@login_required
@blp.alt_response(200, schema={"type": "string", "format": "binary"}, content_type=PDF_MIME,
                  description="the rendered PDF", success=True)
@blp.alt_response(409, description="still converting")
@blp.alt_response(422, description="the conversion failed (the reason is in the message)")
def version_pdf(document_id: int, number: int):
    from ecabinet.packs import send_reader_pdf  # read receipts, watermark (MẬT)

    return send_reader_pdf(_user(), access.version_for(_user(), document_id, number))


@blp.route("/documents/<int:document_id>/versions/<int:number>/original")
@login_required
@blp.alt_response(200, schema={"type": "string", "format": "binary"}, content_type=DOCX_MIME,
                  description="the file as uploaded", success=True)
@blp.alt_response(403, description="a confidential document's original, to a reader who is "
                                   "neither its uploader nor the secretariat")
def version_original(document_id: int, number: int):
    """The file as uploaded (no per-reader watermark)."""
    version = access.original_for(_user(), document_id, number)
    mimetype = PDF_MIME if version.kind == "pdf" else DOCX_MIME
    return _send(services.original_of(version), mimetype=mimetype, filename=version.filename,
                 etag=version.sha256, as_attachment=True)


@blp.route("/agenda-items/<int:item_id>/documents", methods=["POST"])
@login_required
@blp.arguments(AttachSchema)
@blp.response(201, AttachmentSchema)
def attach(body, item_id: int):
    """Attach a document to an agenda item (the secretariat; before the session)."""
    item = meeting_access.item_for(_user(), item_id)
    with unit_of_work():
        return services.attach(_user(), item, body["document_id"])
