"""The handling of an incoming document (Decree 30 Art. 23), each step a status message back
to its sender: the clerk accepts it into the register and presents it to a leader (03) — or
returns it (02) —, the leader assigns a handling unit and a deadline with a direction (04), the
unit handles it (05) and reports it done (06). A recall asked by the sender (13) is answered
15 (the files destroyed, the metadata kept: Annex VI) or 16.

Services check access (:mod:`.access`), flush, and leave the commit to the caller.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from ecabinet.audit import services as audit
from ecabinet.errors import Conflict, Invalid
from ecabinet.extensions import db
from ecabinet.identity.models import Organisation, User
from ecabinet.interchange import edxml
from ecabinet.interchange.incoming import access, statuses
from ecabinet.interchange.incoming.models import (
    STATUS_OF_STATE,
    IncomingDocument,
    IncomingEvent,
    IncomingState,
)

S = IncomingState
#: From which states each step may be taken.
FROM = {
    S.ACCEPTED: {S.RECEIVED},
    S.REFUSED: {S.RECEIVED, S.ACCEPTED},
    S.ASSIGNED: {S.ACCEPTED, S.ASSIGNED},  # a leader may reassign before handling starts
    S.IN_HANDLING: {S.ASSIGNED},
    S.DONE: {S.ASSIGNED, S.IN_HANDLING},
}


def _step(document: IncomingDocument, to: IncomingState, actor: User | None, note: str,
          **details) -> IncomingDocument:
    """Move, send the status back (sealed, queued), record the event and the audit entry."""
    if document.state not in FROM[to]:
        raise Conflict(_("This document is %(state)s: it cannot be moved so.",
                         state=document.state), code="incoming_wrong_state")
    previous, document.state = document.state, to
    code = edxml.StatusCode(STATUS_OF_STATE[to])
    outgoing = statuses.send(document.sender_identifier, statuses.response_for(document), code,
                             note, actor=actor)
    db.session.add(IncomingEvent(document_id=document.id, state=to, status_code=code.value,
                                 actor_id=getattr(actor, "id", None), note=note,
                                 outgoing_id=outgoing.id))
    audit.record(f"incoming.{to}", actor=actor, target=document, details={
        "from": previous, "number": document.number, "year": document.year,
        "status": code.value, "note": note, **details})
    db.session.flush()
    return document


def accept(document: IncomingDocument, actor: User, *, leader_id: int | None = None,
           note: str = "") -> IncomingDocument:
    access.require(access.is_clerk(actor))
    if leader_id is not None:
        leader = db.session.get(User, leader_id)
        if leader is None or not access.is_leader(leader):
            raise Invalid(_("The document can only be presented to a leader of this "
                            "organisation."), code="not_a_leader")
    document.leader_id = leader_id
    return _step(document, S.ACCEPTED, actor, note or _("Registered."), leader_id=leader_id)


def refuse(document: IncomingDocument, actor: User, *, reason: str) -> IncomingDocument:
    access.require(access.is_clerk(actor))
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("Say why the document is returned."), code="reason_required")
    document.reason = reason
    return _step(document, S.REFUSED, actor, reason)


def assign(document: IncomingDocument, actor: User, *, deadline: date | None,
           direction: str = "", organisation_id: int | None = None,
           user_id: int | None = None) -> IncomingDocument:
    access.require(access.can_assign(actor, document))
    if (organisation_id is None) == (user_id is None):
        raise Invalid(_("Choose one handling unit: an organisation or a person."),
                      code="handling_unit_required")
    if organisation_id is not None and db.session.get(Organisation, organisation_id) is None:
        raise Invalid(_("No such organisation."), code="no_such_organisation")
    if user_id is not None and db.session.get(User, user_id) is None:
        raise Invalid(_("No such user."), code="no_such_user")
    document.handling_organisation_id, document.handling_user_id = organisation_id, user_id
    document.deadline, document.direction = deadline, (direction or "").strip()
    document.leader_id = actor.id
    unit = (db.session.get(Organisation, organisation_id).name if organisation_id
            else db.session.get(User, user_id).name)
    note = _("Assigned to %(unit)s", unit=unit) + (
        _(", due %(day)s", day=f"{deadline:%d/%m/%Y}") if deadline else "")
    return _step(document, S.ASSIGNED, actor, note, organisation_id=organisation_id,
                 user_id=user_id, deadline=deadline and deadline.isoformat(),
                 direction=document.direction)


def handle(document: IncomingDocument, actor: User, *, note: str = "") -> IncomingDocument:
    access.require(access.can_report(actor, document))
    return _step(document, S.IN_HANDLING, actor, note or _("Being handled."))


def done(document: IncomingDocument, actor: User, *, note: str = "") -> IncomingDocument:
    access.require(access.can_report(actor, document))
    return _step(document, S.DONE, actor, note or _("Done."))


def to_assign(user: User) -> list[IncomingDocument]:
    """What waits for this leader: accepted and presented to them, or to no one."""
    if not access.is_leader(user):
        return []
    return list(db.session.scalars(select(IncomingDocument).where(
        IncomingDocument.state == S.ACCEPTED,
        (IncomingDocument.leader_id == user.id) | IncomingDocument.leader_id.is_(None))
        .order_by(IncomingDocument.received_at)))


def recall_requested(status: edxml.Status, message=None) -> IncomingDocument | None:
    """The sender asks to take a document back (status 13, received by the outgoing side's
    "status" receiver, which calls this). Answered 15 — the document is recalled: its files
    are destroyed, its register line and history kept (Decree 30 Art. 18, Annex VI) — or 16
    when no document of that sender has that DocumentId (or it was already recalled or
    returned). Flushes, in the receiver's transaction."""
    regarding = status.response_for
    sender = status.from_.organ_id
    document = db.session.scalar(select(IncomingDocument).where(
        IncomingDocument.document_id == regarding.document_id,
        IncomingDocument.sender_identifier == sender).with_for_update())
    if document is None or document.state in (S.RECALLED, S.REFUSED):
        if statuses.answerable(sender):
            statuses.send(sender, regarding, edxml.StatusCode.RECALL_REFUSED,
                          _("No such document to recall here.") if document is None
                          else _("This document was already recalled or returned."))
        audit.record("incoming.recall_refused", object_type="incoming_documents",
                      object_id=getattr(document, "id", None), details={
                          "document_id": regarding.document_id, "sender": sender,
                          "remote_id": getattr(message, "remote_id", None)})
        return document
    previous, document.state = document.state, S.RECALLED
    document.reason = status.description or _("Recalled by the sender.")
    for attachment in document.attachments:
        attachment.sha256 = None  # the bytes go with the next storage sweep
    outgoing = statuses.send(sender, statuses.response_for(document),
                             edxml.StatusCode.RECALL_ACCEPTED, _("Recall accepted."))
    db.session.add(IncomingEvent(document_id=document.id, state=S.RECALLED, status_code="15",
                                 note=document.reason, outgoing_id=outgoing.id))
    audit.record("incoming.recalled", target=document, details={
        "from": previous, "number": document.number, "year": document.year,
        "remote_id": getattr(message, "remote_id", None), "reason": document.reason})
    db.session.flush()
    return document
