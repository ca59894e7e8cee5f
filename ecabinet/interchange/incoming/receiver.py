"""The "edoc" receiver: a package the axis inbox kept is checked, then registered or
quarantined, in the transaction that marks the message received (axis.services.on_received).

Checks, in order (Decree 30 Art. 21: authenticity and integrity; returned when invalid or
misaddressed):

1. :func:`edxml.parse` with the installation's trust: size, well-formedness, no DTD (XXE,
   billion laughs), the XSD, the XML seal chaining to the trust roots, the attachments against
   the manifest, the identifiers;
2. the sender: the one the exchange service authenticated is the one the package names, and
   it is in the organisations directory; this installation is among the recipients;
3. the PDFs: at least one, each with PAdES signatures that are all valid and trusted
   (:func:`ecabinet.signing.validation.validate_pdf`, against the same roots);
4. duplicates (Annex VI): the same DocumentId, or the same number + symbol from the same
   issuer in the same year, already registered: flagged in the quarantine, not registered
   again, nothing sent (the first copy was acknowledged).

A refusal is a quarantine row with its reason and status 02 sent back with it; the message is
still marked received (the poller goes on). Anything unexpected raises: the message stays
stored, with its error, and is tried again at the next poll.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from flask_babel import gettext as _
from sqlalchemy import extract, or_, select

from ecabinet import storage
from ecabinet.audit import services as audit
from ecabinet.errors import DomainError
from ecabinet.extensions import db
from ecabinet.interchange import edxml, installation
from ecabinet.interchange.incoming import register, statuses
from ecabinet.interchange.incoming.models import (
    IncomingAttachment,
    IncomingDocument,
    IncomingEvent,
    IncomingQuarantine,
    IncomingState,
)

log = logging.getLogger(__name__)

PDF = "application/pdf"


class Refused(Exception):
    """A package we do not register, for a reason of ours (edXML's are PackageRefused)."""

    def __init__(self, reason: str, message: str, detail: str = ""):
        super().__init__(message)
        self.reason, self.message, self.detail = reason, message, detail[:500]


def receive(message, data: bytes) -> IncomingDocument | IncomingQuarantine:
    """Register the package ``data`` that came as ``message`` (an AxisIncoming), or quarantine
    it. Flushes; the caller (the inbox) commits."""
    try:
        package = edxml.parse(data, trust=installation.trust())
        sender = _check_parties(package, message)
        checked = [_check_pdf(a) for a in package.attachments]
        if not any(report is not None for report in checked):
            raise Refused("no_document", _("The package carries no PDF document."))
    except edxml.PackageRefused as refusal:
        return _quarantine(message, data, refusal.reason, refusal.message, refusal.detail)
    except Refused as refusal:
        return _quarantine(message, data, refusal.reason, refusal.message, refusal.detail)
    original = duplicate_of(package)
    if original is not None:
        return _duplicate(message, data, package, original)
    return _register(message, data, package, sender, checked)


def _check_parties(package: edxml.Package, message):
    from ecabinet.organisations import services as organisations

    claimed = package.from_.organ_id
    if message.sender and message.sender != claimed:
        raise Refused("sender_mismatch", _("The package names another sender than the one "
                                           "that sent it."),
                      f"sent by {message.sender}, From {claimed}")
    sender = organisations.by_identifier(claimed)
    if sender is None:
        raise Refused("unknown_sender", _("The sender is not in the organisations directory."),
                      claimed)
    own = installation.own_identifier()
    if own not in {recipient.organ_id for recipient in package.to}:
        raise Refused("misaddressed", _("The package is not addressed to this organisation."),
                      f"To {[r.organ_id for r in package.to]}")
    return sender


def _check_pdf(attachment: edxml.Attachment) -> dict | None:
    """The PAdES summary of a PDF attachment (None for another kind of file); refuses an
    unsigned, altered or untrusted one."""
    if attachment.content_type != PDF and not attachment.name.lower().endswith(".pdf"):
        return None
    from ecabinet.signing.validation import validate_pdf

    try:
        report = validate_pdf(attachment.data)
    except DomainError as exc:
        raise Refused("pdf_unreadable", _("An attached PDF cannot be read."),
                      f"{attachment.content_id}: {exc.code}") from exc
    if not report["signed"]:
        raise Refused("pdf_unsigned", _("An attached PDF is not digitally signed."),
                      attachment.content_id)
    if not report["valid"]:
        reasons = sorted({r for s in report["signatures"] for r in s["reasons"]})
        raise Refused("pdf_signature", _("A signature of an attached PDF is not valid "
                                         "(altered, or not trusted)."),
                      f"{attachment.content_id}: {', '.join(reasons)}")
    return {"valid": True, "signers": [
        (s.get("signer") or {}).get("common_name", "") for s in report["signatures"]
        if s["type"] == "signature"]}


def duplicate_of(package: edxml.Package) -> IncomingDocument | None:
    """A registered document with the same DocumentId, or the same number and symbol from the
    same issuer in the same year (Decree 30 Art. 15: unique per issuer and year)."""
    same_code = (
        (IncomingDocument.sender_identifier == package.from_.organ_id)
        & (IncomingDocument.code_number == package.code.number)
        & (IncomingDocument.code_notation == package.code.notation)
        & (extract("year", IncomingDocument.promulgation_date)
           == package.promulgation.date.year))
    return db.session.scalar(select(IncomingDocument).where(or_(
        IncomingDocument.document_id == str(package.document_id), same_code))
        .order_by(IncomingDocument.id).limit(1))


def _claims(data: bytes) -> edxml.Package | None:
    """What a refused package says it is, read without trusting its signature (hardened all
    the same), to tell the sender which document was refused."""
    try:
        return edxml.parse(data, trust=None)
    except edxml.PackageRefused:
        return None


def _quarantine(message, data: bytes, reason: str, text: str, detail: str
                ) -> IncomingQuarantine:
    claimed = _claims(data) if reason not in ("not_well_formed", "dtd_forbidden",
                                              "too_large", "schema_invalid") else None
    row = IncomingQuarantine(
        axis_incoming_id=message.id, sender_identifier=message.sender or "", reason=reason,
        message=str(text), detail=detail,
        claimed_document_id=str(claimed.document_id)[:200] if claimed else "",
        claimed_subject=claimed.subject[:2000] if claimed else "",
        package_sha256=message.package_sha256 or "")
    db.session.add(row)
    db.session.flush()
    if statuses.answerable(message.sender):
        row.outgoing_id = statuses.send(
            message.sender, statuses.claimed_response_for(message.sender, claimed),
            edxml.StatusCode.REFUSED, str(text)).id
    audit.record("incoming.quarantined", target=row, details={
        "remote_id": message.remote_id, "sender": message.sender, "reason": reason,
        "detail": detail, "status_sent": row.outgoing_id is not None})
    log.warning("incoming: message %s quarantined: %s %s", message.remote_id, reason, detail)
    return row


def _duplicate(message, data, package, original: IncomingDocument) -> IncomingQuarantine:
    row = IncomingQuarantine(
        axis_incoming_id=message.id, sender_identifier=message.sender or "",
        reason="duplicate", message=_("Already registered as number %(number)s of %(year)s.",
                                      number=original.number, year=original.year),
        detail=f"same as incoming {original.id}",
        claimed_document_id=str(package.document_id)[:200],
        claimed_subject=package.subject[:2000], package_sha256=message.package_sha256 or "",
        duplicate_of_id=original.id)
    db.session.add(row)
    db.session.flush()
    audit.record("incoming.duplicate", target=row, details={
        "remote_id": message.remote_id, "document_id": str(package.document_id),
        "duplicate_of": original.id})
    return row


def _register(message, data: bytes, package: edxml.Package, sender, checked
              ) -> IncomingDocument:
    arrived = datetime.now(UTC)
    year = register.register_year(arrived)
    document = IncomingDocument(
        year=year, number=register.take_number(year), document_id=str(package.document_id),
        sender_identifier=package.from_.organ_id, sender_name=package.from_.organ_name[:500],
        sender_id=sender.id, code_number=package.code.number[:50],
        code_notation=package.code.notation[:100],
        type_name=package.document_type.type_name[:200], subject=package.subject,
        content=package.content, promulgation_place=package.promulgation.place[:200],
        promulgation_date=package.promulgation.date,
        signer_name=package.signer.full_name[:300],
        signer_position=" ".join(filter(None, (package.signer.competence,
                                               package.signer.position)))[:300],
        due_date=package.due_date,
        priority=package.other_info.priority if package.other_info else 0,
        trace=json.dumps([[t.organ_id, t.timestamp.isoformat()] for t in package.trace]),
        package_sha256=message.package_sha256, axis_incoming_id=message.id,
        signer_matched=bool(package.signature and package.signature.organisation_matched),
        received_at=arrived, state=IncomingState.RECEIVED)
    for position, (attachment, report) in enumerate(zip(package.attachments, checked,
                                                        strict=True), start=1):
        document.attachments.append(IncomingAttachment(
            position=position, name=attachment.name[:300],
            content_type=attachment.content_type[:100], size=len(attachment.data),
            sha256=storage.put(attachment.data), signatures=json.dumps(report or {})))
    db.session.add(document)
    db.session.flush()
    outgoing = statuses.send(document.sender_identifier, statuses.response_for(document),
                             edxml.StatusCode.RECEIVED, _("Received."))
    db.session.add(IncomingEvent(document_id=document.id, state=IncomingState.RECEIVED,
                                 status_code="01", outgoing_id=outgoing.id, at=arrived))
    audit.record("incoming.registered", target=document, details={
        "remote_id": message.remote_id, "document_id": document.document_id,
        "year": year, "number": document.number, "sender": document.sender_identifier})
    return document
