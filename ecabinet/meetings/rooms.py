"""The Socket.IO rooms of a meeting and what is broadcast to them.

Two rooms per meeting: everyone who follows it (guests included) hears the session's progress;
only voting members, the chair and the secretariat hear about votes. Broadcasts carry ids and
counts, never item titles (a guest may not know a confidential item) and never who voted what.
"""

from __future__ import annotations

from ecabinet.live import outbox
from ecabinet.meetings.models import Meeting


def room(meeting_id: int) -> str:
    return f"meeting:{meeting_id}"


def voters_room(meeting_id: int) -> str:
    return f"meeting:{meeting_id}:voters"


def broadcast_state(meeting: Meeting) -> None:
    from ecabinet.meetings.state import public_state

    outbox.emit("meeting.state", public_state(meeting), room=room(meeting.id))


def broadcast(meeting: Meeting, name: str, payload: dict, *, voters_only: bool = False) -> None:
    outbox.emit(name, payload, room=voters_room(meeting.id) if voters_only else room(meeting.id))
