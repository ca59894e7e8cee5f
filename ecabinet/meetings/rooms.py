"""The Socket.IO rooms of a meeting and what is broadcast to them.

Everyone who follows a meeting is in its room (:func:`room`), which hears only what concerns
the meeting as a whole: ``agenda.current`` and ``attendance.changed`` (ids and counts). All the
rest concerns an item — a vote on it, its speakers, its tally of positions — or carries such
parts (``meeting.state``: the current item's speakers, the open vote), and goes to **audience
rooms**: each connection is in exactly one per meeting, the room of those who see the same
items under :func:`ecabinet.meetings.access.sees_item` and may hear about votes and tallies
(:class:`ecabinet.meetings.access.Audience`). A broadcast about an item goes to the audiences
that see it, each ``meeting.state`` is cut for its audience; so a confidential item's votes,
speakers and tally never reach a connection of someone not invited to it.

A room's name says which items its members saw when they joined, and only what concerns those
items is ever sent to it. When the agenda or the invitations change the audiences may change:
the meeting's audience rooms are emptied once the change commits and its followers are asked
to join again (``meeting.rejoin``), which puts each in the room they belong to now (or refuses
them). Broadcasts carry ids and counts, never item titles, and never who voted or stated what.
"""

from __future__ import annotations

import hashlib

from ecabinet.database import on_commit
from ecabinet.live.namespace import NAMESPACE, emit_after_commit
from ecabinet.meetings import snapshots, state
from ecabinet.meetings.access import Audience, audience_of, audiences
from ecabinet.meetings.models import Meeting
from ecabinet.meetings.queries import position_tally, uncontested_items
from ecabinet.meetings.state import cut_for, whole_state


def room(meeting_id: int) -> str:
    return f"meeting:{meeting_id}"


def followers_room(meeting_id: int, user_id: int | None = None) -> str:
    """Everyone following the presenter of a meeting (``presenter.follow``, ecabinet/docs/events),
    or one user's tablets among them. Named here so that whoever loses sight of the meeting
    leaves it with the meeting's other rooms (:func:`rooms_of`)."""
    base = f"{room(meeting_id)}:follow"
    return base if user_id is None else f"{base}:{user_id}"


def audience_room(meeting_id: int, audience: Audience) -> str:
    flags = ("v" if audience.voters else "-") + ("t" if audience.tallies else "-")
    if audience.everything:
        return f"meeting:{meeting_id}:audience:{flags}:all"
    items = ",".join(str(i) for i in sorted(audience.items))
    digest = hashlib.sha256(items.encode()).hexdigest()[:20]
    return f"meeting:{meeting_id}:audience:{flags}:{digest}"


#: Key in the connection's own session: meeting id → the audience room it joined last.
_JOINED = "live_audience_rooms"


def join(meeting_id: int, audience: Audience) -> None:
    """Put this connection (the current Socket.IO event's) in the meeting's room and in its
    audience room, out of the audience room of the meeting it joined before.

    Which one that was is kept in the connection's session: asking the server for the
    connection's rooms walks every room of the namespace — one per connection — which made 500
    joins at once quadratic. A room emptied since (``audiences_changing``) is left for nothing."""
    from flask import session
    from flask_socketio import join_room, leave_room

    mine = audience_room(meeting_id, audience)
    joined = session.get(_JOINED) or {}
    before = joined.get(meeting_id)
    if before is not None and before != mine:
        leave_room(before)
    join_room(room(meeting_id))
    join_room(mine)
    if before != mine:
        session[_JOINED] = {**joined, meeting_id: mine}


def audiences_of(meeting: Meeting) -> set[Audience]:
    """Every audience of the meeting (:func:`access.audiences`), kept per meeting state like a
    join's shared part: a ballot burst's progress broadcasts, a few a second, each asked it of
    500 participants loaded as ORM objects with their users and roles."""
    view = snapshots.view(meeting.id, meeting.created_at)
    return view.get("audiences", lambda: audiences(meeting.id, state.outline(view)))


def _rooms_about(meeting: Meeting, item_id: int | None, *, voters: bool = False,
                 tallies: bool = False) -> list[tuple[Audience, str]]:
    """The audience rooms that may hear about ``item_id`` (every audience when None)."""
    return [(audience, audience_room(meeting.id, audience)) for audience in audiences_of(meeting)
            if (item_id is None or audience.sees(item_id))
            and (audience.voters or not voters) and (audience.tallies or not tallies)]


def broadcast_about(meeting: Meeting, item_id: int, name: str, payload: dict, *,
                    voters: bool = False, tallies: bool = False) -> None:
    """After the commit, ``name`` to those who see the item (voting members and organisers
    only with ``voters``; those who may see tallies only with ``tallies``)."""
    for _audience, name_of_room in _rooms_about(meeting, item_id, voters=voters, tallies=tallies):
        emit_after_commit(name, payload, room=name_of_room)


def send_about(meeting: Meeting, item_id: int, name: str, payload: dict) -> None:
    """Now (a background task's broadcast, not a transaction's): like :func:`broadcast_about`."""
    from ecabinet.extensions import socketio

    for _audience, name_of_room in _rooms_about(meeting, item_id):
        socketio.emit(name, payload, to=name_of_room, namespace=NAMESPACE)


def broadcast(meeting: Meeting, name: str, payload: dict) -> None:
    """Something about the meeting as a whole (ids and counts): everyone who follows it."""
    emit_after_commit(name, payload, room=room(meeting.id))


def broadcast_state(meeting: Meeting) -> None:
    """``meeting.state``, cut for each audience (what it shows of items it cannot see: nothing)."""
    whole = whole_state(meeting)
    for audience, name_of_room in _rooms_about(meeting, None):
        emit_after_commit("meeting.state", cut_for(whole, audience), room=name_of_room)


def broadcast_tally(meeting: Meeting, item_id: int, tally: dict,
                    uncontested_item_ids: list[int] | None = None) -> None:
    """``positions.changed``: the counts of one item (as ``GET …/positions`` gives them) and
    the items that may now be adopted without discussion, to those who may see tallies;
    members and guests never hear of it."""
    payload = {"meeting_id": meeting.id, "agenda_item_id": item_id, "tally": tally}
    if uncontested_item_ids is not None:
        payload["uncontested_item_ids"] = uncontested_item_ids
    broadcast_about(meeting, item_id, "positions.changed", payload, tallies=True)


def broadcast_offer(meeting: Meeting, item) -> None:
    """The items that may be adopted without discussion changed by something other than a
    position (a vote opened on one, a member asking the floor or withdrawing): the chair's
    and the secretariat's tablets hear the new list with the item's tally
    (``positions.changed``, to those few only), instead of offering a contested item until
    the next position is stated."""
    broadcast_tally(meeting, item.id, position_tally(item),
                    [found.id for found in uncontested_items(meeting)])


def audiences_changing(meeting: Meeting) -> None:
    """Call before changing the agenda or an item's invitees: once the change commits, the
    meeting's audience rooms (as they are now; not the one of those who see every item, which
    no agenda changes) are emptied and its followers asked to join again, so nobody keeps
    hearing with what they could see before."""
    from ecabinet.extensions import socketio

    names = [name for audience, name in _rooms_about(meeting, None) if not audience.everything]
    meeting_id = meeting.id

    def empty() -> None:
        for name in names:
            socketio.close_room(name, namespace=NAMESPACE)
        socketio.emit("meeting.rejoin", {"meeting_id": meeting_id}, to=room(meeting_id),
                      namespace=NAMESPACE)

    on_commit(empty)


def rooms_of(user, meeting: Meeting) -> list[str]:
    """The rooms the user's connections following the meeting are in (asked before the user
    loses sight of it: the audience room is theirs as things stand; an earlier one was emptied
    when the agenda changed), the presenter's followers rooms included."""
    return [room(meeting.id), audience_room(meeting.id, audience_of(user, meeting)),
            followers_room(meeting.id), followers_room(meeting.id, user.id)]


def leave(user_id: int, names: list[str]) -> None:
    """Once the change commits, take the user's open connections out of these rooms
    (uninvited: they hear nothing more of the meeting)."""
    from ecabinet.live import connections

    connections.leave_rooms(user_id, names)
