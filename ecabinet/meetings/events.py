"""/live events of a meeting. Each handler: arguments (the API's schemas) → load (404) → check
access → service → ack.

The wrapper (:func:`ecabinet.live.handlers.live_event`) commits once before acknowledging, so a
ballot is acknowledged only after it is committed, and broadcasts leave after the commit.
"""

from __future__ import annotations

from flask_babel import gettext as _

from ecabinet.errors import Invalid
from ecabinet.inputs import load_event
from ecabinet.live.handlers import Alongside, live_event
from ecabinet.meetings import access, rooms, sitting, state, verifiable, voting
from ecabinet.meetings.schemas import (
    BallotEventSchema,
    DecryptEventSchema,
    GiveFloorEventSchema,
    ItemEventSchema,
    MeetingEventSchema,
    VoteCloseEventSchema,
    VoteOpenEventSchema,
)

MEETING, ITEM, GIVE_FLOOR = MeetingEventSchema(), ItemEventSchema(), GiveFloorEventSchema()
VOTE_OPEN, BALLOT = VoteOpenEventSchema(), BallotEventSchema()
VOTE_CLOSE, DECRYPT = VoteCloseEventSchema(), DecryptEventSchema()


def _meeting(user, args):
    return access.meeting_for(user, args["meeting_id"])


def _item(user, args):
    meeting = _meeting(user, args)
    item = access.item_for(user, args["agenda_item_id"])
    if item.meeting_id != meeting.id:
        raise Invalid(_("The item is not on this meeting's agenda."))
    return item


def _seat_of(data, *, with_positions: bool = False):
    """The caller's seat in the event's meeting, read with the caller (one round trip)."""
    statement, params = access.seat_query(load_event(MEETING, data)["meeting_id"],
                                          with_positions=with_positions)
    return Alongside(statement, params)


def _seat(user, along, *, with_positions: bool = False):
    return access.seat_for(user, along.params["meeting_id"], with_positions=with_positions,
                           rows=along.rows)


@live_event("meeting.join", as_caller=True,
            alongside=lambda data: _seat_of(data, with_positions=True))
def join(user, data, along):
    """Follow a meeting; the answer is the whole current state (joining again is harmless).

    What 500 tablets joining at once each pay: the caller's seat (one plain statement: the
    meeting's status, their row, whether they are of the secretariat; read with the caller's
    own, in one round trip: ``alongside``), their audience from the
    agenda's outline and the shared part of the state (both kept per meeting state, read from
    the database on a miss only), their positions (read with the seat). The meeting is not
    loaded through the ORM, nor the caller (a :class:`~ecabinet.identity.callers.Caller`)."""
    seat = _seat(user, along, with_positions=True)
    audience, snapshot = state.snapshot_of(user, seat)
    rooms.join(seat.meeting_id, audience)  # the meeting's room and this user's audience room
    return {"state": snapshot}


@live_event("attendance.checkin", as_caller=True, alongside=_seat_of)
def check_in(user, data, along):
    seat = _seat(user, along)
    return {"checked_in": True, "changed": sitting.check_in(user, seat, grouped=True)}


@live_event("speaker.request")
def request_floor(user, data):
    request = sitting.request_floor(user, _item(user, load_event(ITEM, data)))
    return {"request_id": request.id}


@live_event("speaker.withdraw")
def withdraw(user, data):
    sitting.withdraw(user, _item(user, load_event(ITEM, data)))
    return {}


@live_event("ballot.cast", as_caller=True)
def cast(user, data):
    """The service loads the vote and checks access itself, in one read for an eligible member
    (404 for a vote of a meeting one cannot see, as everywhere).

    A named ballot on PostgreSQL is written with the others cast at that moment, in one
    statement that takes the vote's lock, writes the ballots and their audit entries, and is
    durable before any of them is acknowledged (``voting.GROUP``). A verifiable (secret) ballot
    reads, checks the proofs, then writes two rows and an entry in a transaction of its own."""
    args = load_event(BALLOT, data)
    if args["ballot"] is not None:  # a verifiable vote's ballot, encrypted on the tablet
        return verifiable.cast_ballot(user, args["vote_id"], args["ballot"])
    return voting.cast_ballot(user, args["vote_id"], str(args["choice"]), args["receipt"],
                              grouped=True)


# --- the chair's console -------------------------------------------------------------------------

@live_event("agenda.set_current")
def set_current(user, data):
    args = load_event(ITEM, data)
    item = sitting.set_current_item(user, _meeting(user, args), args["agenda_item_id"])
    return {"agenda_item_id": item.id}


@live_event("speaker.give_floor")
def give_floor(user, data):
    args = load_event(GIVE_FLOOR, data)
    request = sitting.give_floor(user, _item(user, args), args["request_id"])
    return {"request_id": request.id, "user_id": request.user_id}


@live_event("speaker.finish")
def finish(user, data):
    sitting.finish_speaker(user, _item(user, load_event(ITEM, data)))
    return {}


@live_event("vote.open")
def open_vote(user, data):
    args = load_event(VOTE_OPEN, data)
    if args["verifiable"] or args["secret"]:  # every secret vote is verifiable
        vote = verifiable.open_vote(user, _item(user, args), question=args["question"],
                                    rule=args["rule"], trustees_given=args["trustees"],
                                    threshold=args["threshold"])
    else:
        vote = voting.open_vote(user, _item(user, args), question=args["question"],
                                secret=args["secret"], rule=args["rule"])
    return {"vote_id": vote.id}


@live_event("vote.close")
def close_vote(user, data):
    """Like ``ballot.cast``, the service loads the vote and checks access (404, then 403)."""
    args = load_event(VOTE_CLOSE, data)
    vote_id = args["vote_id"]
    if verifiable.is_verifiable(vote_id):  # the trustees decrypt; the chair's PIN may come along
        return verifiable.close(user, vote_id, args["pin"])
    result = voting.close_vote(user, vote_id)
    return {"vote_id": vote_id, "tally": result.tally, "outcome": result.outcome}


@live_event("vote.decrypt")
def decrypt(user, data):
    """A trustee's PIN: their partial decryption of a verifiable vote's closed ballot box."""
    args = load_event(DECRYPT, data)
    return verifiable.decrypt(user, args["vote_id"], args["pin"])
