"""Decisions leaving through the axis, and what their recipients answer.

- :func:`check_sealable` before an issue, :func:`send_decision` inside it: a package per
  recipient organisation reached through the axis, sealed with the installation's seal and
  put in the outbox in the issue's own transaction (stored before sent; the poller sends it).
- :func:`receive_status`: the "status" receiver of the axis inbox. A status is applied only
  when it is signed by a certificate the installation trusts, names a document we sent, and
  comes from the recipient of that document (the exchange service's authenticated sender and
  the signed ``From`` both); anything else is kept refused, audited, never applied.
- :func:`recall`: status 13 to every axis recipient of an issued decision.

Services flush and raise domain errors; the caller commits.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import gettext as _
from sqlalchemy import select

from ecabinet.audit import services as audit
from ecabinet.decisions import access
from ecabinet.decisions.models import Decision, DecisionState
from ecabinet.errors import Conflict, DomainError
from ecabinet.extensions import db
from ecabinet.interchange import edxml, installation
from ecabinet.interchange.axis import services as axis
from ecabinet.interchange.axis.models import AxisIncoming
from ecabinet.interchange.outgoing import package as mapping
from ecabinet.interchange.outgoing.models import (
    DecisionRecall,
    ExchangeOutgoing,
    ExchangeStatus,
    ExchangeStatusRefused,
)

#: What a recipient may answer: the handling statuses, and 15/16 only to a recall we asked.
HANDLING = {"01", "02", "03", "04", "05", "06"}
RECALL_ANSWERS = {"15", "16"}


class SealFailed(Exception):
    """Sealing failed after the issue was written: not a DomainError on purpose, so that the
    request's transaction rolls back (an :func:`~ecabinet.database.audited_attempt` commits a
    refusal, which would leave a decision issued without its packages)."""


def axis_recipients(decision: Decision) -> list:
    return [r for r in decision.addressees
            if r.organisation_id is not None and installation.reached_through_axis(r.organisation)]


def check_sealable(decision: Decision) -> None:
    """Before anything is numbered or sealed: when a recipient needs the axis, the installation
    must be able to seal its package (its organisation in the directory, the seal's PIN set and
    opening the seal). Refusing the issue is the safe choice: an issue that went ahead without
    the packages would tell the recipients' people but never their document systems."""
    if not axis_recipients(decision):
        return
    from ecabinet.signing.failures import WrongPin

    try:
        with installation.package_signer():
            pass
    except WrongPin:
        raise Conflict(_("The installation's seal for the interchange axis does not open with "
                         "ECABINET_AXIS_SEAL_PIN: nothing was issued."),
                       code="axis_seal_refused") from None
    except DomainError as refusal:
        raise Conflict(_("This document goes to organisations through the interchange axis, "
                         "and its package cannot be sealed: %(reason)s Nothing was issued.",
                         reason=refusal.message), code="axis_seal_refused") from None


def send_decision(actor, decision: Decision, now: datetime) -> list[ExchangeOutgoing]:
    """Inside the issue's transaction: one sealed package per axis recipient, queued."""
    recipients = axis_recipients(decision)
    if not recipients:
        return []
    try:
        sender = installation.own_organisation()
        built = []
        with installation.package_signer() as signer:
            for recipient in recipients:
                value = mapping.decision_package(decision, sender, recipient.organisation, now)
                built.append((recipient, str(value.document_id),
                              edxml.build(value, signer=signer)))
    except Exception as exc:  # noqa: BLE001 - see SealFailed
        raise SealFailed(f"decision {decision.id}: the package could not be sealed: "
                         f"{getattr(exc, 'message', None) or exc!r}") from exc
    rows = []
    for recipient, document, data in built:
        outbox = axis.queue_package(data, [recipient.organisation.identifier], "edoc",
                                    actor=actor)
        row = ExchangeOutgoing(decision_id=decision.id, recipient_id=recipient.id,
                               organisation_id=recipient.organisation_id,
                               organ_id=recipient.organisation.identifier, document_id=document,
                               axis_outgoing_id=outbox.id, created_at=now)
        db.session.add(row)
        rows.append(row)
    db.session.flush()
    audit.record("interchange.decision_sent", actor=actor, target=decision, details={
        "symbol": decision.symbol, "packages": [
            {"exchange_id": r.id, "to": r.organ_id, "document_id": r.document_id,
             "axis_outgoing_id": r.axis_outgoing_id} for r in rows]})
    return rows


# --- statuses coming back ------------------------------------------------------------------------

def _refuse(message: AxisIncoming, reason: str, text: str, document: str = "") -> None:
    db.session.add(ExchangeStatusRefused(axis_incoming_id=message.id, sender=message.sender,
                                         reason=reason, message=text[:2000],
                                         document_id=document[:120]))
    db.session.flush()
    audit.record("interchange.status_refused", target=message, details={
        "remote_id": message.remote_id, "sender": message.sender, "reason": reason,
        "message": text[:500], "document_id": document})


def receive_status(message: AxisIncoming, data: bytes) -> ExchangeStatus | None:
    """The "status" receiver (:func:`installation.register_receiver`). Applied, or refused and
    kept (never raises for a bad message: raising would keep it for the next run forever)."""
    try:
        status = edxml.parse_status(data, trust=installation.trust())
    except edxml.PackageRefused as refusal:
        _refuse(message, refusal.reason, str(refusal))
        return None
    if status.status_code == edxml.StatusCode.RECALL:
        return _recall_asked(message, status)
    document = status.response_for.document_id
    sender = status.from_.organ_id
    sent = db.session.scalars(select(ExchangeOutgoing)
                              .where(ExchangeOutgoing.document_id == document)).all()
    exchange = next((row for row in sent if row.organ_id == sender), None)
    if not sent:
        return _refuse(message, "unknown_document",
                       "no document of ours has this DocumentId", document)
    if exchange is None:
        return _refuse(message, "not_a_recipient",
                       f"{sender} is not a recipient of this document", document)
    if message.sender != sender:
        # The service authenticated one system; the signed From names another.
        return _refuse(message, "sender_mismatch",
                       f"sent by {message.sender}, signed as from {sender}", document)
    code = status.status_code.value
    if code not in HANDLING | RECALL_ANSWERS or (
            code in RECALL_ANSWERS and exchange.recall_asked_at is None):
        return _refuse(message, "unexpected_status", f"status {code} was not expected",
                       document)
    staff = status.staff
    row = ExchangeStatus(
        exchange=exchange, code=code, description=status.description[:2000],
        stated_at=status.timestamp.astimezone(UTC), direction="in",
        staff=(" – ".join(p for p in (staff.department, staff.staff) if p)[:300]
               if staff is not None else ""),
        axis_incoming_id=message.id)
    db.session.add(row)
    exchange.status, exchange.status_at = code, row.stated_at
    db.session.flush()
    audit.record("interchange.status_received", target=exchange.decision, details={
        "exchange_id": exchange.id, "from": sender, "status": code,
        "description": row.description[:500], "document_id": document,
        "signer": status.signature.subject if status.signature else None,
        "signer_matched": bool(status.signature and status.signature.organisation_matched)})
    return row


def _recall_asked(message: AxisIncoming, status: edxml.Status) -> None:
    """A 13 is the other direction: an organisation asks back a document it sent *us*. The one
    "status" receiver checks who asks (the service's sender, the signed From and the document's
    issuer must be the same organisation) and hands it to the incoming register, which answers
    15 or 16 (:func:`ecabinet.interchange.incoming.workflow.recall_requested`)."""
    sender, document = status.from_.organ_id, status.response_for.document_id
    if message.sender != sender:
        return _refuse(message, "sender_mismatch",
                       f"sent by {message.sender}, signed as from {sender}", document)
    if status.response_for.organ_id != sender:
        return _refuse(message, "not_the_issuer",
                       f"{sender} cannot recall a document issued by "
                       f"{status.response_for.organ_id}", document)
    try:
        from ecabinet.interchange.incoming.workflow import recall_requested
    except ImportError:  # an installation without the incoming register
        return _refuse(message, "no_incoming_register",
                       "this installation keeps no incoming register", document)
    audit.record("interchange.recall_received", target=message, details={
        "from": sender, "document_id": document, "remote_id": message.remote_id})
    recall_requested(status, message)
    return None


# --- recall --------------------------------------------------------------------------------------

def exchanges_of(decision: Decision) -> list[ExchangeOutgoing]:
    return list(db.session.scalars(select(ExchangeOutgoing)
                                   .where(ExchangeOutgoing.decision_id == decision.id)
                                   .order_by(ExchangeOutgoing.id)))


def recall_of(decision: Decision) -> DecisionRecall | None:
    return db.session.scalar(select(DecisionRecall)
                             .where(DecisionRecall.decision_id == decision.id))


def recall(actor, decision: Decision, reason: str) -> DecisionRecall:
    """Ask every axis recipient to take the issued decision back (status 13, Decree 30 Art. 18
    and Annex VI): the decision is frozen from now on (recalled once; its record and metadata
    kept), each recipient answers 15 (cancelled on their side) or 16 (refused)."""
    access.require_distribution_follower(actor)
    # Under its row lock (of the decision only: its joined issuer and signer are outer joins,
    # which PostgreSQL does not lock): a second recall at the same moment waits, then finds it.
    decision = db.session.execute(select(Decision).where(Decision.id == decision.id)
                                  .with_for_update(of=Decision)
                                  .execution_options(populate_existing=True)).scalar_one()
    if decision.state != DecisionState.ISSUED:
        raise Conflict(_("Only an issued document can be recalled."), code="not_issued")
    if recall_of(decision) is not None:
        raise Conflict(_("This document was recalled already."), code="already_recalled")
    exchanges = exchanges_of(decision)
    if not exchanges:
        raise Conflict(_("This document was not sent through the interchange axis."),
                       code="not_sent_through_axis")
    reason = (reason or "").strip()[:1000] or "Thu hồi văn bản"
    now = datetime.now(UTC)
    try:
        sender = installation.own_organisation()
        with installation.package_signer() as signer:
            messages = [edxml.build_status(mapping.recall_status(
                decision, row.document_id, sender, reason, now, actor.name), signer=signer)
                for row in exchanges]
    except DomainError as refusal:
        raise Conflict(_("The recall cannot be sealed: %(reason)s", reason=refusal.message),
                       code="axis_seal_refused") from None
    except Exception as exc:  # noqa: BLE001 - a wrong PIN (WrongPin) is configuration
        raise Conflict(_("The recall cannot be sealed: %(reason)s", reason=str(exc) or
                         type(exc).__name__), code="axis_seal_refused") from None
    row = DecisionRecall(decision_id=decision.id, asked_at=now, asked_by_id=actor.id,
                         reason=reason)
    db.session.add(row)
    for exchange, data in zip(exchanges, messages, strict=True):
        outbox = axis.queue_package(data, [exchange.organ_id], "status", actor=actor)
        exchange.recall_asked_at, exchange.recall_axis_outgoing_id = now, outbox.id
        db.session.add(ExchangeStatus(exchange=exchange, code="13", description=reason,
                                      stated_at=now, recorded_at=now, direction="out",
                                      staff=actor.name[:300]))
    db.session.flush()
    audit.record("decision.recalled", actor=actor, target=decision, details={
        "symbol": decision.symbol, "reason": reason,
        "to": [exchange.organ_id for exchange in exchanges]})
    return row
