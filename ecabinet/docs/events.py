"""/live events of the viewer: following the presenter in a live meeting.

Who presents: the meeting's chair, or its organisers (the secretariat and the meeting's own
secretary), who work the screen for the presenting agency. They are the people who already
move the whole room through the agenda; a member reading on their own tablet never moves
anybody else's.

- ``presenter.follow {meeting_id}`` — a tablet in the meeting (a participant, or the
  secretariat) asks to hear where the presenter is; the ack carries the current position (when
  this user may read that document) and whether this user may present.
- ``presenter.page {meeting_id, document_id, version, page}`` — the presenter turned a page.
  The document must be attached to one of the meeting's agenda items and the meeting in session.
- ``presenter.stop {meeting_id}`` — the presenter stops presenting.

Server → clients: ``presenter.page {meeting_id, document_id, version, page}`` and
``presenter.stopped {meeting_id}``. A confidential document, or one attached only to items some
participants do not see, must not even be announced to them: such a page turn goes to each
allowed reader's own room; a document everyone in the meeting reads goes to the meeting's
followers at once (one broadcast). Ids only, never a title.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import gettext as _
from flask_socketio import join_room
from sqlalchemy import select

from ecabinet.docs import services
from ecabinet.docs.models import Document, ItemDocument, Presentation
from ecabinet.errors import Conflict, Forbidden, Invalid, NotFound
from ecabinet.extensions import db
from ecabinet.identity.models import Role, User, UserRole
from ecabinet.inputs import event_id
from ecabinet.live.handlers import live_event
from ecabinet.live.namespace import emit_after_commit
from ecabinet.meetings import access, rooms
from ecabinet.meetings.models import AgendaItem, Meeting, MeetingStatus

#: The presenter's followers rooms are named by the meeting's rooms, so that an uninvited
#: participant's tablets leave them with the meeting's other rooms (meetings/rooms.rooms_of).
followers_room = rooms.followers_room


def can_present(user: User, meeting: Meeting) -> bool:
    return access.is_chair(user, meeting) or access.is_organiser(user, meeting)




def _items_in_meeting(document: Document, meeting: Meeting) -> list[AgendaItem]:
    return list(db.session.scalars(
        select(AgendaItem).join(ItemDocument, ItemDocument.item_id == AgendaItem.id)
        .where(ItemDocument.document_id == document.id, AgendaItem.meeting_id == meeting.id)))


def _readers(document: Document, meeting: Meeting) -> tuple[bool, set[int]]:
    """Who in the meeting may read the document: (all of them?, the participants who may),
    by the documents' one rule (:func:`services.can_read`). The secretariat reads every
    document, so only the participants need checking."""
    readers, everyone = set(), True
    for participant in meeting.participants:
        if services.can_read(participant.user, document):
            readers.add(participant.user_id)
        else:
            everyone = False
    return everyone, readers


def _payload(presentation: Presentation) -> dict:
    return {"meeting_id": presentation.meeting_id, "document_id": presentation.document_id,
            "version": presentation.version, "page": presentation.page}


def _broadcast(name: str, payload: dict, meeting: Meeting, document: Document) -> None:
    everyone, readers = _readers(document, meeting)
    if everyone:
        emit_after_commit(name, payload, room=followers_room(meeting.id))
        return
    for user_id in sorted(readers):
        emit_after_commit(name, payload, room=followers_room(meeting.id, user_id))
    # The secretariat reads everything; its members follow from their own rooms too.
    secretariat = db.session.scalars(select(User.id).where(
        User.role_rows.any(UserRole.role == Role.SECRETARIAT.value)))
    for user_id in secretariat:
        if user_id not in readers:
            emit_after_commit(name, payload, room=followers_room(meeting.id, user_id))


@live_event("presenter.follow")
def follow(user, data):
    """Hear the presenter of a meeting one may see (404 otherwise)."""
    meeting = access.meeting_for(user, event_id(data, "meeting_id"))
    join_room(followers_room(meeting.id))
    join_room(followers_room(meeting.id, user.id))
    presentation = db.session.get(Presentation, meeting.id)
    current = None
    if presentation is not None and meeting.status == MeetingStatus.IN_SESSION:
        document = db.session.get(Document, presentation.document_id)
        if document is not None and services.can_read(user, document):
            current = _payload(presentation)
    return {"presentation": current, "can_present": can_present(user, meeting)}


@live_event("presenter.page")
def page(user, data):
    meeting = access.meeting_for(user, event_id(data, "meeting_id"))
    if not can_present(user, meeting):
        raise Forbidden(_("Only the chair and the secretariat can present documents."))
    if meeting.status != MeetingStatus.IN_SESSION:
        raise Conflict(_("Documents are presented during the session."), code="not_in_session")
    version = services.version_for(user, event_id(data, "document_id"), event_id(data, "version"))
    document = version.document
    if not _items_in_meeting(document, meeting):
        raise NotFound(_("This document is not on this meeting's agenda."))
    number = event_id(data, "page")
    if version.pages is None or number > version.pages:
        raise Invalid(_("There is no such page in this document."), details={"page": [number]})
    presentation = db.session.get(Presentation, meeting.id)
    if presentation is None:
        presentation = Presentation(meeting_id=meeting.id)
        db.session.add(presentation)
    presentation.document_id, presentation.version = document.id, version.number
    presentation.page, presentation.presenter_id = number, user.id
    presentation.updated_at = datetime.now(UTC)
    db.session.flush()
    _broadcast("presenter.page", _payload(presentation), meeting, document)
    return {"presentation": _payload(presentation)}


@live_event("presenter.stop")
def stop(user, data):
    meeting = access.meeting_for(user, event_id(data, "meeting_id"))
    if not can_present(user, meeting):
        raise Forbidden(_("Only the chair and the secretariat can present documents."))
    presentation = db.session.get(Presentation, meeting.id)
    if presentation is not None:
        db.session.delete(presentation)
        db.session.flush()
        emit_after_commit("presenter.stopped", {"meeting_id": meeting.id},
                    room=followers_room(meeting.id))
    return {}
