"""An incoming submission put on a meeting's agenda in one step: its signed PDF becomes a
meeting document (:mod:`ecabinet.docs`) attached to the agenda item, with the rules of both
(the secretariat uploads and attaches, before the session)."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from ecabinet import storage
from ecabinet.audit import services as audit
from ecabinet.docs import services as docs
from ecabinet.errors import Conflict, NotFound
from ecabinet.extensions import db
from ecabinet.identity.models import User
from ecabinet.interchange.incoming import access
from ecabinet.interchange.incoming.models import IncomingDocument, IncomingState
from ecabinet.meetings import access as meeting_access
from ecabinet.meetings.models import AgendaItem


def attach_to_item(document: IncomingDocument, actor: User, *, agenda_item_id: int
                   ) -> IncomingDocument:
    access.require(access.is_clerk(actor))
    if document.state in (IncomingState.REFUSED, IncomingState.RECALLED):
        raise Conflict(_("A returned or recalled document cannot be put on an agenda."),
                       code="incoming_wrong_state")
    item = db.session.get(AgendaItem, agenda_item_id)
    if item is None or not meeting_access.can_see_item(actor, item):
        raise NotFound(_("No such agenda item."))
    if document.meeting_document_id is None:
        pdf = next((a for a in document.attachments
                    if a.sha256 and a.content_type == "application/pdf"), None)
        if pdf is None:
            raise Conflict(_("This document has no PDF to attach."), code="no_pdf")
        meeting_document = docs.upload(
            actor, data=storage.get(pdf.sha256), filename=pdf.name,
            title=f"{document.symbol} — {document.subject}"[:500], classification=None,
            limits=docs.limits(current_app.config))
        document.meeting_document_id = meeting_document.id
    docs.attach(actor, item, document.meeting_document_id)
    audit.record("incoming.attached", actor=actor, target=document, details={
        "agenda_item_id": item.id, "meeting_id": item.meeting_id,
        "document": document.meeting_document_id})
    db.session.flush()
    return document
