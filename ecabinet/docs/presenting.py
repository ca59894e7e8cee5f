"""Presenting a document in a live meeting: the presenter's position, and who hears of it.

A confidential document, or one attached only to items some participants do not see, must not
even be announced to them: such a page turn goes to each allowed reader's own room; a document
everyone in the meeting reads goes to the meeting's followers at once (one broadcast). Ids only,
never a title. Services flush; the socket handler's wrapper commits, and the broadcasts leave
after the commit (:func:`ecabinet.live.namespace.emit_after_commit`).
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import gettext as _
from sqlalchemy import select

from ecabinet.docs import access
from ecabinet.docs.models import Document, ItemDocument, Presentation
from ecabinet.errors import Conflict, Invalid, NotFound
from ecabinet.extensions import db
from ecabinet.identity.models import Role, User, UserRole
from ecabinet.live.namespace import emit_after_commit
from ecabinet.meetings import rooms
from ecabinet.meetings.models import AgendaItem, Meeting, MeetingStatus

#: The presenter's followers rooms are named by the meeting's rooms, so that an uninvited
#: participant's tablets leave them with the meeting's other rooms (meetings/rooms.rooms_of).
followers_room = rooms.followers_room


def _items_in_meeting(document: Document, meeting: Meeting) -> list[AgendaItem]:
    return list(db.session.scalars(
        select(AgendaItem).join(ItemDocument, ItemDocument.item_id == AgendaItem.id)
        .where(ItemDocument.document_id == document.id, AgendaItem.meeting_id == meeting.id)))


def _readers(document: Document, meeting: Meeting) -> tuple[bool, set[int]]:
    """Who in the meeting may read the document: (all of them?, the participants who may),
    by the documents' one rule (:func:`access.can_read`). The secretariat reads every
    document, so only the participants need checking."""
    readers, everyone = set(), True
    for participant in meeting.participants:
        if access.can_read(participant.user, document):
            readers.add(participant.user_id)
        else:
            everyone = False
    return everyone, readers


def payload(presentation: Presentation) -> dict:
    return {"meeting_id": presentation.meeting_id, "document_id": presentation.document_id,
            "version": presentation.version, "page": presentation.page}


def _broadcast(name: str, data: dict, meeting: Meeting, document: Document) -> None:
    everyone, readers = _readers(document, meeting)
    if everyone:
        emit_after_commit(name, data, room=followers_room(meeting.id))
        return
    for user_id in sorted(readers):
        emit_after_commit(name, data, room=followers_room(meeting.id, user_id))
    # The secretariat reads everything; its members follow from their own rooms too.
    secretariat = db.session.scalars(select(User.id).where(
        User.role_rows.any(UserRole.role == Role.SECRETARIAT.value)))
    for user_id in secretariat:
        if user_id not in readers:
            emit_after_commit(name, data, room=followers_room(meeting.id, user_id))


def current_for(user: User, meeting: Meeting) -> dict | None:
    """Where the presenter is, if the meeting is in session and ``user`` may read that
    document; otherwise nothing."""
    presentation = db.session.get(Presentation, meeting.id)
    if presentation is None or meeting.status != MeetingStatus.IN_SESSION:
        return None
    document = db.session.get(Document, presentation.document_id)
    if document is None or not access.can_read(user, document):
        return None
    return payload(presentation)


def turn_page(presenter: User, meeting: Meeting, document_id: int, number: int,
              page: int) -> Presentation:
    """The presenter (checked by the caller: :func:`access.require_presenter`) shows a page of
    a version of a document on the meeting's agenda, during the session."""
    if meeting.status != MeetingStatus.IN_SESSION:
        raise Conflict(_("Documents are presented during the session."), code="not_in_session")
    version = access.version_for(presenter, document_id, number)
    document = version.document
    if not _items_in_meeting(document, meeting):
        raise NotFound(_("This document is not on this meeting's agenda."))
    if version.pages is None or page > version.pages:
        raise Invalid(_("There is no such page in this document."), details={"page": [page]})
    presentation = db.session.get(Presentation, meeting.id)
    if presentation is None:
        presentation = Presentation(meeting_id=meeting.id)
        db.session.add(presentation)
    presentation.document_id, presentation.version = document.id, version.number
    presentation.page, presentation.presenter_id = page, presenter.id
    presentation.updated_at = datetime.now(UTC)
    db.session.flush()
    _broadcast("presenter.page", payload(presentation), meeting, document)
    return presentation


def stop(meeting: Meeting) -> None:
    """The presenter (checked by the caller) stops presenting; the followers hear it."""
    presentation = db.session.get(Presentation, meeting.id)
    if presentation is not None:
        db.session.delete(presentation)
        db.session.flush()
        emit_after_commit("presenter.stopped", {"meeting_id": meeting.id},
                    room=followers_room(meeting.id))
