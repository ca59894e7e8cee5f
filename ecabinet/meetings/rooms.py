"""The Socket.IO rooms of a meeting and what is broadcast to them.

Three rooms per meeting: everyone who follows it (guests included) hears the session's progress;
only voting members, the chair and the secretariat hear about votes; only those who may see the
tally of positions (the chair, the secretariat, the meeting's secretary) hear it change.
Broadcasts carry ids and counts, never item titles (a guest may not know a confidential item)
and never who voted or stated what.
"""

from __future__ import annotations

from ecabinet.live import outbox
from ecabinet.meetings.models import Meeting


def room(meeting_id: int) -> str:
    return f"meeting:{meeting_id}"


def voters_room(meeting_id: int) -> str:
    return f"meeting:{meeting_id}:voters"


def tallies_room(meeting_id: int) -> str:
    return f"meeting:{meeting_id}:tallies"


def all_rooms(meeting_id: int) -> list[str]:
    return [room(meeting_id), voters_room(meeting_id), tallies_room(meeting_id)]


def leave(meeting_id: int, user_id: int) -> None:
    """Once the change commits, take the user's open connections out of the meeting's rooms
    (uninvited: they hear nothing more of it)."""
    from ecabinet.live import connections

    connections.leave_rooms(user_id, all_rooms(meeting_id))


def broadcast_state(meeting: Meeting) -> None:
    from ecabinet.meetings.state import public_state

    outbox.emit("meeting.state", public_state(meeting), room=room(meeting.id))


def broadcast(meeting: Meeting, name: str, payload: dict, *, voters_only: bool = False) -> None:
    outbox.emit(name, payload, room=voters_room(meeting.id) if voters_only else room(meeting.id))


def broadcast_tally(meeting: Meeting, item_id: int, tally: dict) -> None:
    """``positions.changed``: the counts of one item (as ``GET …/positions`` gives them), to the
    tallies room only; members and guests never hear of it."""
    outbox.emit("positions.changed",
                {"meeting_id": meeting.id, "agenda_item_id": item_id, "tally": tally},
                room=tallies_room(meeting.id))
