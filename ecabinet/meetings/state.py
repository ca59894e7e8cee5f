"""The state of a meeting as tablets see it.

:func:`public_state` is what ``meeting.state`` broadcasts to one audience (see
:mod:`ecabinet.meetings.rooms`): status, current item, attendance and quorum, the speaker queue,
the open vote; ids and counts, no item titles, nothing of an item the audience cannot see.
:func:`snapshot_of` is what ``meeting.join`` answers: the same, plus what this user may see
(the agenda items visible to them, their own ballot and positions), so a tablet that reconnects
is right again at once without anything it missed.
"""

from __future__ import annotations

from sqlalchemy import bindparam, select

from ecabinet.extensions import db
from ecabinet.identity.callers import Caller
from ecabinet.identity.models import User
from ecabinet.meetings import access, queries, snapshots
from ecabinet.meetings.models import AgendaItem, Meeting, Position, SpeakerRequest, Vote

#: Speaking time shown on every tablet's timer (the chair ends a turn; this only warns).
SPEAKER_LIMIT_SECONDS = 300


def speakers_payload(meeting_id: int, item_id: int | None) -> dict:
    return {"meeting_id": meeting_id, "agenda_item_id": item_id,
            "limit_seconds": SPEAKER_LIMIT_SECONDS,
            "queue": [_speaker(r) for r in queries.speakers_of(item_id)]}


def _speaker(request: SpeakerRequest) -> dict:
    return {"request_id": request.id, "user_id": request.user_id, "name": request.user.name,
            "status": request.status,
            "started_at": request.started_at.isoformat() if request.started_at else None}


def whole_state(meeting: Meeting, *, for_chair: bool = True, counted: bool = True) -> dict:
    """The state with every item's part: never sent as it is, but cut for each audience by
    :func:`cut_for` (read once for all the audiences of a broadcast). ``for_chair=False``
    leaves out what only the chair's and the secretariat's audience hears (a member's join);
    ``counted=False`` the open vote's count (a join adds it)."""
    vote = queries.open_vote_of(meeting)
    open_vote = None
    if vote is not None:  # counts only: the question goes to voters alone
        open_vote = {"vote_id": vote.id, "agenda_item_id": vote.item_id,
                     "cast": queries.cast_count(vote) if counted else None,
                     "eligible": vote.present_total}
    return {
        "meeting_id": meeting.id,
        "status": meeting.status,
        "current_item_id": meeting.current_item_id,
        "attendance": queries.attendance_of(meeting),
        "speakers": speakers_payload(meeting.id, meeting.current_item_id),
        "open_vote": open_vote,
        "adopted_item_ids": [i.id for i in meeting.items if i.adopted_without_discussion_at],
        **({
            # The chair's offer (and the secretariat's view): computed here, once, by the rule
            # in queries.uncontested_items — never restated by the tablet.
            "uncontested_item_ids": [item.id for item in queries.uncontested_items(meeting)],
            "uncontested_rule": queries.UNCONTESTED_RULE,
        } if for_chair else {}),
    }


def cut_for(whole: dict, audience: access.Audience) -> dict:
    """What one audience hears: of an item it cannot see (the current one, the open vote's,
    one adopted), neither the speakers nor the vote nor that it was adopted."""
    open_vote = whole["open_vote"]
    speakers = whole["speakers"]
    if not audience.tallies:  # what members stated is the chair's and the secretariat's
        whole = {key: value for key, value in whole.items()
                 if key not in ("uncontested_item_ids", "uncontested_rule")}
    return {
        **whole,
        "speakers": speakers if audience.sees(speakers["agenda_item_id"])
        else {**speakers, "queue": []},
        "open_vote": open_vote if open_vote and audience.sees(open_vote["agenda_item_id"])
        else None,
        "adopted_item_ids": [i for i in whole["adopted_item_ids"] if audience.sees(i)],
    }


def public_state(meeting: Meeting, audience: access.Audience) -> dict:
    return cut_for(whole_state(meeting, for_chair=audience.tallies), audience)


def item_payload(item: AgendaItem) -> dict:
    return {"id": item.id, "position": item.position, "title": item.title,
            "presenting_agency": item.presenting_agency,
            "presenter": {"id": item.presenter.id, "name": item.presenter.name}
            if item.presenter else None,
            "duration_min": item.duration_min, "confidential": item.confidential,
            "adopted_without_discussion": item.adopted_without_discussion_at is not None}


def snapshot_for(user: User, meeting: Meeting) -> dict:
    """What ``meeting.join`` answers (:func:`snapshot_of`), for a meeting loaded already with its
    access checked (the room's page)."""
    return snapshot_of(user, access.seat_in(user, meeting))[1]


def snapshot_of(user: User | Caller, seat: access.Seat) -> tuple[access.Audience, dict]:
    """The reader's audience and what ``meeting.join`` answers them (:func:`snapshot_at`), from
    their seat (:func:`access.seat_for`): the meeting is not loaded through the ORM."""
    view = snapshots.view(seat.meeting_id, seat.created_at)  # before any state is read
    audience = access.audience_at(seat, outline(view))
    return audience, snapshot_at(user, seat, view, audience)


def outline(view: snapshots.View) -> list[access.ItemOutline]:
    """The agenda as the access rule reads it, kept per meeting state: the same for every reader
    (each applies :func:`access.sees_item` to it with their own seat)."""
    meeting_id = view.meeting[0]
    return view.get("outline", lambda: access.agenda_outline(meeting_id))


def snapshot_at(user: User | Caller, seat: access.Seat, view: snapshots.View,
                audience: access.Audience) -> dict:
    """What ``meeting.join`` answers: the audience's part, shared by everyone of the audience
    until the meeting's state changes (:mod:`.snapshots`; built from the meeting's rows on a
    miss only), and the reader's own on top — their seat, check-in and positions, the open
    vote's count and their ballot."""
    def build():
        return _shared_part(db.session.get(Meeting, seat.meeting_id), audience)

    entry = view.shared(audience, build)
    state = dict(entry.shared)  # the shared dicts inside are never changed: only replaced
    participant = seat.participant
    state["me"] = {
        "user_id": user.id,
        "role": participant.role if participant else "secretariat",
        "checked_in": bool(participant and participant.checked_in_at),
        "positions": _my_positions(user, state["items"], seat.positions),
    }
    if state["open_vote"] is not None and entry.vote is not None:
        vote = db.session.get(Vote, entry.vote[0])
        state["open_vote"] = {**state["open_vote"], "cast": queries.cast_count(vote)}
        if audience.voters:
            state["open_vote"]["mine"] = queries.my_ballot(user, vote)
    # A verifiable vote whose trustees decrypt: who is awaited, and this reader's own receipt
    # (read per join: it moves with each trustee, and the receipt is the reader's own). Whether
    # there is one moves the version: that is kept with the shared part.
    state["tallying_vote"] = None
    if entry.tallying is not None and audience.sees(entry.tallying[1]):
        tallying = db.session.get(Vote, entry.tallying[0])
        state["tallying_vote"] = {**queries.tallying_status(tallying),
                                  "question": tallying.question if audience.voters else None,
                                  "my_tracking_code": queries.my_tracking_code(user, tallying)}
    return state


def _shared_part(meeting: Meeting, audience: access.Audience) -> tuple[dict, tuple | None,
                                                                       tuple | None]:
    """The audience's part of a join: :func:`public_state` without the open vote's count
    (moved by every ballot), the items it sees, the open vote's question if it votes; and the
    vote being tallied, if any."""
    whole = whole_state(meeting, for_chair=audience.tallies, counted=False)
    state = cut_for(whole, audience)
    state["items"] = [item_payload(item) for item in meeting.items if audience.sees(item.id)]
    # Items voted on take no more positions: the tablet shows their outcome instead.
    shown = {item["id"] for item in state["items"]}
    state["voted_item_ids"] = sorted(shown & queries.voted_item_ids(meeting))
    vote = queries.open_vote_of(meeting) if state["open_vote"] is not None else None
    if vote is not None and audience.voters:
        state["open_vote"] = {**state["open_vote"], **queries.opened_payload(vote)}
    tallying = queries.tallying_vote_of(meeting)
    return (state, None if vote is None else (vote.id, vote.secret),
            None if tallying is None else (tallying.id, tallying.item_id))


_positions = Position.__table__
#: Three columns, no user joined in; built once (every join runs it).
_MY_POSITIONS = select(_positions.c.item_id, _positions.c.stance, _positions.c.note).where(
    _positions.c.user_id == bindparam("user_id"),
    _positions.c.item_id.in_(bindparam("item_ids", expanding=True)))


def _my_positions(user: User | Caller, items: list[dict],
                  read: tuple[tuple[int, str, str | None], ...] | None = None) -> dict:
    """The reader's positions on the items they are shown. ``read``: their positions on all
    the meeting's items, read with their seat (a join: ``access.seat_for``); only those of
    the items shown are kept, as the query's ``IN`` keeps them otherwise."""
    ids = [item["id"] for item in items]
    if not ids:
        return {}
    if read is None:
        read = db.session.execute(_MY_POSITIONS, {"user_id": user.id, "item_ids": ids})
    else:
        shown = set(ids)
        read = [row for row in read if row[0] in shown]
    return {str(item_id): {"stance": stance, "note": note} for item_id, stance, note in read}
