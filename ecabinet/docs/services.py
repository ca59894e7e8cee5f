"""Documents: uploading, versions, attaching to agenda items, conversion results.

Services flush and raise domain errors; the caller commits (:func:`ecabinet.database.unit_of_work`).
Who reads, uploads and edits what is :mod:`ecabinet.docs.access`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import PurePosixPath

from flask_babel import gettext as _
from sqlalchemy import func, select

from ecabinet import storage
from ecabinet.audit import services as audit
from ecabinet.docs import access, signals, validation
from ecabinet.docs.models import (
    Classification,
    Document,
    DocumentKind,
    DocumentVersion,
    ItemDocument,
    VersionState,
)
from ecabinet.errors import Conflict, Invalid
from ecabinet.extensions import db
from ecabinet.identity.models import User
from ecabinet.meetings import access as meeting_access
from ecabinet.meetings.models import AgendaItem
from ecabinet.meetings.services import EDITABLE

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
DEFAULT_MAX_PAGES = 2000
DEFAULT_MAX_UNPACKED_BYTES = 250 * 1024 * 1024


def limits(config) -> dict:
    """The upload limits of an app (``DOCUMENT_MAX_BYTES``, ``DOCUMENT_MAX_PAGES``,
    ``DOCUMENT_MAX_UNPACKED_BYTES``)."""
    return {"max_bytes": int(config.get("DOCUMENT_MAX_BYTES", DEFAULT_MAX_BYTES)),
            "max_pages": int(config.get("DOCUMENT_MAX_PAGES", DEFAULT_MAX_PAGES)),
            "max_unpacked": int(config.get("DOCUMENT_MAX_UNPACKED_BYTES",
                                           DEFAULT_MAX_UNPACKED_BYTES))}


# --- other features' follow-ups -------------------------------------------------------------------

#: What other features ask the uploader after a new version (a consultation round still open
#: on the earlier one): ``followup(user, document) -> url | None``.
_version_followups: list[Callable[[User, Document], str | None]] = []


def register_version_followup(followup: Callable[[User, Document], str | None]) -> None:
    """Called by a feature's init_app; registering the same function twice is harmless."""
    if followup not in _version_followups:
        _version_followups.append(followup)


def version_followup(user: User, document: Document) -> str | None:
    """The first page another feature wants the uploader of a new version to see, if any."""
    return next((url for url in (followup(user, document) for followup in _version_followups)
                 if url), None)


# --- uploading -----------------------------------------------------------------------------------

def clean_filename(name: str | None, extension: str, fallback: str = "tai-lieu") -> str:
    """A display name for Content-Disposition: the last path part, printable, with the
    extension of what the file really is."""
    name = PurePosixPath((name or "").replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"<>:|?*').strip(" .")
    stem = re.sub(r"\.(docx|pdf)$", "", name, flags=re.IGNORECASE)[:150].strip(" .")
    return f"{stem or fallback}{extension}"


def _classification(value: str | None) -> str:
    try:
        return Classification(value or Classification.NORMAL).value
    except ValueError:
        raise Invalid(_("A classification is normal or confidential."),
                      details={"classification": [value]}) from None


def upload(actor: User, *, data: bytes, filename: str | None, title: str | None,
           classification: str | None, limits: dict) -> Document:
    """A new document with its first version. Nothing is stored unless the file passes every
    check."""
    access.require_uploader(actor)
    level = _classification(classification)
    checked = validation.check_upload(data, **limits)
    title = (title or "").strip() or clean_filename(filename, "", fallback="")
    if not title:
        raise Invalid(_("A document needs a title."), details={"title": ["missing"]})
    document = Document(title=title[:500], classification=level, created_by_id=actor.id)
    db.session.add(document)
    db.session.flush()
    version = _add_version(actor, document, data, filename, checked)
    audit.record("document.upload", actor=actor, target=document,
                 details={"title": document.title, "classification": level,
                          "version": version.number, "kind": version.kind,
                          "sha256": version.sha256, "size": version.size})
    return document


def add_version(actor: User, document: Document, *, data: bytes, filename: str | None,
                limits: dict) -> DocumentVersion:
    """The next version of a document (its uploader or the secretariat)."""
    access.require_editor(actor, document)
    checked = validation.check_upload(data, **limits)
    # One writer at a time per document, so numbers have no gaps and no duplicates (FOR NO KEY
    # UPDATE: rows that only refer to the document are not held up).
    db.session.execute(select(Document.id).where(Document.id == document.id)
                       .with_for_update(key_share=True))
    version = _add_version(actor, document, data, filename, checked)
    audit.record("document.version", actor=actor, target=document,
                 details={"version": version.number, "kind": version.kind,
                          "sha256": version.sha256, "size": version.size})
    return version


def _add_version(actor: User, document: Document, data: bytes, filename: str | None,
                 checked: validation.Checked) -> DocumentVersion:
    number = (db.session.scalar(select(func.max(DocumentVersion.number))
                                .where(DocumentVersion.document_id == document.id)) or 0) + 1
    digest = storage.put(data)
    ready = checked.kind == DocumentKind.PDF
    version = DocumentVersion(
        document=document, number=number, kind=checked.kind, sha256=digest, size=len(data),
        filename=clean_filename(filename, checked.extension),
        state=VersionState.READY.value if ready else VersionState.CONVERTING.value,
        pdf_sha256=digest if ready else None, pages=checked.pages, created_by_id=actor.id,
        converted_at=datetime.now(UTC) if ready else None)
    db.session.add(version)
    db.session.flush()
    signals.version_added.send(version, actor=actor)  # a .docx is enqueued for conversion
    if ready:
        signals.version_ready.send(version)
    return version


# --- agenda items --------------------------------------------------------------------------------

def attach(actor: User, item: AgendaItem, document_id: int) -> ItemDocument:
    """Put a document in an agenda item's dossier (the secretariat, before the session)."""
    meeting = item.meeting
    meeting_access.require_organiser(actor, meeting)
    if meeting.status not in EDITABLE:
        raise Conflict(_("The session has started: documents can no longer be attached to its "
                         "agenda."), code="meeting_locked")
    document = access.document_for(actor, document_id)
    existing = db.session.scalar(select(ItemDocument).where(
        ItemDocument.item_id == item.id, ItemDocument.document_id == document.id))
    if existing is not None:
        raise Conflict(_("This document is attached to the item already."),
                       code="already_attached")
    link = ItemDocument(item_id=item.id, document_id=document.id, attached_by_id=actor.id)
    db.session.add(link)
    db.session.flush()
    access.forget_documents(item)
    link.readers = access.readers_through_item(document, item)  # for the answer, not stored
    audit.record("document.attach", actor=actor, target=document,
                 details={"agenda_item_id": item.id, "meeting_id": meeting.id})
    return link


# --- the rendered PDF ----------------------------------------------------------------------------

def error_message(code: str | None) -> str | None:
    """Why a conversion failed, in the reader's language."""
    if code is None:
        return None
    messages = {
        "timeout": _("The conversion to PDF took too long and was stopped."),
        "converter_crashed": _("The converter stopped while reading this document."),
        "converter_unavailable": _("The converter is not available. Upload the document "
                                   "again later, or upload it as PDF."),
        "unreadable": _("LibreOffice could not read this document."),
        "no_output": _("The converter produced no usable PDF."),
        "too_many_pages": _("The rendered PDF has more pages than allowed."),
    }
    return messages.get(code, _("The document could not be converted to PDF."))


def pdf_of(version: DocumentVersion) -> bytes:
    """The PDF of a version; 409 while it is being made, 422 with the reason if it failed."""
    if version.state == VersionState.CONVERTING:
        raise Conflict(_("The PDF is being prepared. Try again in a moment."), code="converting")
    if version.state == VersionState.FAILED:
        raise Invalid(error_message(version.error_code), code="conversion_failed",
                      details={"reason": [version.error_code]})
    return storage.get(version.pdf_sha256)


def original_of(version: DocumentVersion) -> bytes:
    return storage.get(version.sha256)


def pending_conversion(version_id: int) -> bytes | None:
    """The bytes to convert, or None when the version is gone or done already."""
    version = db.session.get(DocumentVersion, version_id)
    if version is None or version.state != VersionState.CONVERTING:
        return None
    return storage.get(version.sha256)


def pending_version_ids() -> list[int]:
    """Versions still waiting for their PDF (after a worker stopped mid-way)."""
    return list(db.session.scalars(select(DocumentVersion.id).where(
        DocumentVersion.state == VersionState.CONVERTING.value).order_by(DocumentVersion.id)))


def record_conversion(version_id: int, *, pdf: bytes | None, error_code: str | None = None,
                      error_detail: str | None = None, max_pages: int) -> DocumentVersion | None:
    """Store the converter's PDF (checked) or why it failed. A version already finished by
    another worker is left as it is."""
    # FOR NO KEY UPDATE (key_share): one worker at a time finishes a version, but rows that
    # merely refer to it (a consultation round opened meanwhile) are not held up — with FOR
    # UPDATE the two deadlocked on PostgreSQL (this lock, then the search entry's reference to
    # the document, against the round's lock on the document, then its reference here).
    version = db.session.execute(select(DocumentVersion).where(
        DocumentVersion.id == version_id).with_for_update(key_share=True)).scalar_one_or_none()
    if version is None or version.state != VersionState.CONVERTING:
        return None
    pages = None
    if pdf is not None:
        try:
            pages = validation.page_count(pdf)
        except Exception as exc:  # pypdf raises many kinds
            pdf, error_code, error_detail = None, "no_output", f"unreadable PDF: {exc}"
    if pdf is not None and pages > max_pages:
        pdf, error_code, error_detail = None, "too_many_pages", f"{pages} > {max_pages}"
    if pdf is not None:
        version.pdf_sha256, version.pages = storage.put(pdf), pages
        version.state = VersionState.READY.value
        db.session.flush()
        signals.version_ready.send(version)
    else:
        version.state = VersionState.FAILED.value
        version.error_code = error_code or "internal"
        version.error_detail = (error_detail or "")[:2000] or None
    version.converted_at = datetime.now(UTC)
    db.session.flush()
    audit.record("document.convert", target=version,
                 details={"document_id": version.document_id, "version": version.number,
                          "state": version.state, "error": version.error_code,
                          "pdf_sha256": version.pdf_sha256, "pages": version.pages})
    return version
