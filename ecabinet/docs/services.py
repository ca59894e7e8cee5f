"""Documents: who reads what, uploading, versions, attaching to agenda items, conversion results.

Services flush and raise domain errors; the caller commits (:func:`ecabinet.database.unit_of_work`).
A document someone may not read answers 404, as if it did not exist.

Who reads a document:

- its uploader and the secretariat, always;
- a normal document: everyone who sees an agenda item it is attached to (the meeting's
  participants, a guest only on the items they are invited to, a confidential item only its
  invitees — :func:`ecabinet.meetings.access.can_see_item`);
- a confidential document (mật): only the invitees of the items it is attached to, and the
  meeting's own secretary; of these, only the uploader and the secretariat download the
  original file, the others read the PDF watermarked with their name
  (:func:`can_read_original`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import PurePosixPath

from flask_babel import gettext as _
from sqlalchemy import Select, func, select

from ecabinet import storage
from ecabinet.audit import services as audit
from ecabinet.docs import signals, validation
from ecabinet.docs.models import (
    Classification,
    Document,
    DocumentKind,
    DocumentVersion,
    ItemDocument,
    VersionState,
)
from ecabinet.errors import Conflict, Forbidden, Invalid, NotFound
from ecabinet.extensions import db
from ecabinet.identity.models import Role, User
from ecabinet.meetings import access as meeting_access
from ecabinet.meetings.models import AgendaItem
from ecabinet.meetings.services import EDITABLE

#: Who may upload: the secretariat circulates, members (their ministries) submit drafts.
UPLOADERS = (Role.SECRETARIAT, Role.MEMBER)

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


# --- who reads what ------------------------------------------------------------------------------

def _is_secretariat(user: User) -> bool:
    return user.has_role(Role.SECRETARIAT)


def items_of(document: Document) -> list[AgendaItem]:
    """The agenda items the document is attached to."""
    return list(db.session.scalars(
        select(AgendaItem).join(ItemDocument, ItemDocument.item_id == AgendaItem.id)
        .where(ItemDocument.document_id == document.id).order_by(AgendaItem.id)))


def _reads_through_item(user: User, document: Document, item: AgendaItem) -> bool:
    meeting = item.meeting
    if not meeting_access.can_see_meeting(user, meeting) or \
            not meeting_access.can_see_item(user, item):
        return False
    if document.confidential:
        return meeting_access.is_organiser(user, meeting) or user.id in item.invitee_ids
    return True


#: Rules of other features that let someone read a document (a written poll's recipients its
#: dossier, a consultation round's reviewers the draft): ``rule(user, document) -> bool``.
_reading_grants: list[Callable[[User, Document], bool]] = []
#: The same rules as SQL, for those that have one: ``sql(user)`` selects the ids of exactly
#: the documents ``rule`` lets the user read. Lists and searches use it instead of asking
#: ``rule`` document by document.
_reading_grants_sql: dict[Callable[[User, Document], bool], Callable[[User], Select]] = {}


def grant_reading(rule: Callable[[User, Document], bool], *,
                  sql: Callable[[User], Select] | None = None) -> None:
    """Called by a feature's init_app; registering the same rule twice is harmless."""
    if rule not in _reading_grants:
        _reading_grants.append(rule)
    if sql is not None:
        _reading_grants_sql[rule] = sql


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


def granted_ids(user: User) -> list[Select]:
    """Selects of the ids of the documents other features let ``user`` read (their SQL
    forms; see :func:`rules_without_sql` for the rest)."""
    return [sql(user) for sql in _reading_grants_sql.values()]


def rules_without_sql() -> list[Callable[[User, Document], bool]]:
    return [rule for rule in _reading_grants if rule not in _reading_grants_sql]


def can_read(user: User, document: Document) -> bool:
    if document.created_by_id == user.id or _is_secretariat(user):
        return True
    if any(_reads_through_item(user, document, item) for item in items_of(document)):
        return True
    return any(rule(user, document) for rule in _reading_grants)


def document_for(user: User, document_id: int) -> Document:
    """Load a document the user may read, or 404."""
    document = db.session.get(Document, document_id)
    if document is None or not can_read(user, document):
        raise NotFound(_("No such document."))
    return document


def can_read_original(user: User, document: Document) -> bool:
    """The file as uploaded carries no reader's watermark: of a confidential document only its
    uploader and the secretariat get it, every other reader the watermarked PDF. The caller has
    checked :func:`can_read`."""
    if not document.confidential:
        return True
    return document.created_by_id == user.id or _is_secretariat(user)


def original_for(user: User, document_id: int, number: int) -> DocumentVersion:
    """A version whose original file the user may download: 404 for a document they may not
    read, 403 for a confidential one's reader who is neither its uploader nor the
    secretariat."""
    version = version_for(user, document_id, number)
    if not can_read_original(user, version.document):
        raise Forbidden(_("The original file of a confidential document stays with the "
                          "secretariat; read the PDF, marked with your name."),
                        code="original_withheld")
    return version


def version_for(user: User, document_id: int, number: int) -> DocumentVersion:
    document = document_for(user, document_id)
    version = next((v for v in document.versions if v.number == number), None)
    if version is None:
        raise NotFound(_("No such version."))
    return version


def readers_through_item(document: Document, item: AgendaItem) -> list[User]:
    """The meeting's participants who read ``document`` through ``item``, besides the
    secretariat and the document's uploader (who always do) and the meeting's secretary: for a
    confidential document, the item's invitees. An empty list is worth a warning: nobody at the
    meeting, the chair included, would ever see it."""
    meeting = item.meeting
    return sorted((participant.user for participant in meeting.participants
                   if participant.user_id != document.created_by_id
                   and not meeting_access.is_organiser(participant.user, meeting)
                   and _reads_through_item(participant.user, document, item)),
                  key=lambda user: user.name)


def documents_of_item(user: User, item: AgendaItem) -> list[dict]:
    """The documents of an agenda item the user may read (for the meeting's payload), with the
    state of their latest version. The caller has checked that the user sees the item."""
    links = db.session.scalars(select(ItemDocument).where(ItemDocument.item_id == item.id)
                               .order_by(ItemDocument.id))
    found = []
    for link in links:
        document = link.document
        readable = (document.created_by_id == user.id or _is_secretariat(user)
                    or _reads_through_item(user, document, item))
        if not readable:
            continue
        latest = document.latest
        found.append({"id": document.id, "title": document.title,
                      "classification": document.classification,
                      "version": latest.number if latest else None,
                      "state": latest.state if latest else None,
                      "pages": latest.pages if latest else None})
    return found


# --- uploading -----------------------------------------------------------------------------------

def require_uploader(user: User) -> None:
    if not user.has_role(*UPLOADERS):
        raise Forbidden(_("Only the secretariat and members of the Government can upload "
                          "documents."))


def _require_editor(user: User, document: Document) -> None:
    if document.created_by_id != user.id and not _is_secretariat(user):
        raise Forbidden(_("Only the uploader and the secretariat can add a version."))


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
    require_uploader(actor)
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
    _require_editor(actor, document)
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
    document = document_for(actor, document_id)
    existing = db.session.scalar(select(ItemDocument).where(
        ItemDocument.item_id == item.id, ItemDocument.document_id == document.id))
    if existing is not None:
        raise Conflict(_("This document is attached to the item already."),
                       code="already_attached")
    link = ItemDocument(item_id=item.id, document_id=document.id, attached_by_id=actor.id)
    db.session.add(link)
    db.session.flush()
    link.readers = readers_through_item(document, item)  # for the answer, not stored
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
