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
``presenter.stopped {meeting_id}``, to those who may read the document
(:mod:`ecabinet.docs.presenting`).
"""

from __future__ import annotations

from flask_socketio import join_room

from ecabinet.docs import access, presenting
from ecabinet.docs.schemas import PresenterEventSchema, PresenterPageEventSchema
from ecabinet.inputs import load_event
from ecabinet.live.handlers import live_event
from ecabinet.meetings import access as meeting_access

PRESENTER, PAGE = PresenterEventSchema(), PresenterPageEventSchema()


@live_event("presenter.follow")
def follow(user, data):
    """Hear the presenter of a meeting one may see (404 otherwise)."""
    meeting = meeting_access.meeting_for(user, load_event(PRESENTER, data)["meeting_id"])
    join_room(presenting.followers_room(meeting.id))
    join_room(presenting.followers_room(meeting.id, user.id))
    return {"presentation": presenting.current_for(user, meeting),
            "can_present": access.can_present(user, meeting)}


@live_event("presenter.page")
def page(user, data):
    args = load_event(PAGE, data)
    meeting = meeting_access.meeting_for(user, args["meeting_id"])
    access.require_presenter(user, meeting)
    presentation = presenting.turn_page(user, meeting, args["document_id"], args["version"],
                                        args["page"])
    return {"presentation": presenting.payload(presentation)}


@live_event("presenter.stop")
def stop(user, data):
    meeting = meeting_access.meeting_for(user, load_event(PRESENTER, data)["meeting_id"])
    access.require_presenter(user, meeting)
    presenting.stop(meeting)
    return {}
