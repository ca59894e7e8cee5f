"""The live sitting of a meeting: check-in, the current item, positions, the speaker queue.

What it reads without changing (attendance and quorum, tallies, the queue) is in
:mod:`.queries`; the broadcasts that follow each change go through :mod:`.rooms`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import gettext as _
from sqlalchemy import Integer, bindparam, select, update

from ecabinet.audit import services as audit
from ecabinet.errors import Conflict, Invalid, NotFound
from ecabinet.extensions import UTCDateTime, db
from ecabinet.group_commit import GroupCommit, given_params, given_rows
from ecabinet.identity.models import User
from ecabinet.meetings import access, broadcast_throttle, queries, rooms, snapshots
from ecabinet.meetings.models import (
    AgendaItem,
    Meeting,
    MeetingStatus,
    Participant,
    Position,
    SpeakerRequest,
    SpeakerStatus,
    Stance,
)
from ecabinet.meetings.queries import position_tally, speakers_of, uncontested_items
from ecabinet.meetings.state import speakers_payload

LIVE = {MeetingStatus.IN_SESSION}
#: Check-in opens with publication, so members arriving early are counted when the chair opens.
CHECK_IN_OPEN = {MeetingStatus.PUBLISHED, MeetingStatus.IN_SESSION, MeetingStatus.ADJOURNED}
#: Positions are stated before the session and until it ends.
POSITIONS_OPEN = {MeetingStatus.PUBLISHED, MeetingStatus.IN_SESSION}


def _now() -> datetime:
    return datetime.now(UTC)


def require_status(meeting: Meeting, allowed: set[MeetingStatus]) -> None:
    if MeetingStatus(meeting.status) not in allowed:
        raise Conflict(_("Not possible while the meeting is %(status)s.", status=meeting.status),
                       code="wrong_status")


# --- check-in ------------------------------------------------------------------------------------

def check_in(user: User, meeting: Meeting | access.Seat, *, grouped: bool = False) -> bool:
    """Điểm danh. Returns False when the user had checked in already (nothing changes).

    ``meeting``: the caller's seat (:func:`access.seat_for`, what a hall of tablets checking in
    at once reads), or a meeting loaded already. One ``UPDATE`` of the caller's row, only from
    "not checked in" — two check-ins at once change it once. Written past the ORM, so it does
    not move the meeting's version (the read's ETag counts those present instead:
    ``versions._only_checked_in``); the join's kept state is told (:func:`snapshots.changed`).
    ``grouped`` (a live event, no transaction of its own): on PostgreSQL the check-in is written
    and committed with the others of the moment (:data:`CHECK_INS`) before this returns.
    """
    seat = meeting if isinstance(meeting, access.Seat) else access.seat_in(user, meeting)
    if seat.participant is None:
        raise NotFound(_("No such meeting."))
    require_status(seat, CHECK_IN_OPEN)
    if seat.participant.checked_in_at is not None:
        return False
    # Its audit entry is linked into the chain just after the commit, like a ballot's: a hall
    # checking in at once does not queue on the chain's head row through each commit
    # (ecabinet/audit/linker.py). On PostgreSQL it is written by the UPDATE's own statement.
    params, now = {"participant_id": seat.participant.id}, _now()
    entry = {"actor": user, "object_type": Meeting.__tablename__, "object_id": seat.meeting_id}
    logged = audit.links_after_commit()
    if logged:  # PostgreSQL: the check-in and its entry are one statement
        params.update(audit.unlinked_params("attendance.checkin", **entry, details={}, at=now))
        if grouped:
            db.session.close()  # no pooled connection held while the group is written
            changed = CHECK_INS.submit(db.engine, {**params, "now": now})
        else:
            changed = _check_in_rows(db.session, [{**params, "now": now}])[0]
    else:
        changed = db.session.execute(_CHECK_IN, {**params, "now": now}).rowcount
    if not changed:  # another event of the same member was first
        return False
    _forget_checked_in(seat.participant.id)
    snapshots.changed(seat.meeting_id)
    if logged:
        audit.wrote_unlinked()
    else:
        audit.record("attendance.checkin", **entry, linked_after_commit=True)
    # coalesced: 500 check-ins must not be 250,000 messages
    broadcast_throttle.mark_attendance(seat.meeting_id)
    return True


_participants = Participant.__table__
_CHECK_IN = (update(_participants)
             .where(_participants.c.id == bindparam("participant_id"),
                    _participants.c.checked_in_at.is_(None))
             .values(checked_in_at=bindparam("now")))
_CHECK_IN_INPUT = {"participant_id": Integer(), "now": UTCDateTime(), **audit.unlinked_types()}


def _check_in_many():
    """PostgreSQL: for every input row, the participant's check-in (only from "not checked
    in") and its audit entry (unlinked) if it changed the row; ``changed`` for each row in. No
    two input rows may be one participant's (the group's key)."""
    given = given_rows(_CHECK_IN_INPUT)
    checked_in = (update(_participants)
                  .where(_participants.c.id == given.c.participant_id,
                         _participants.c.checked_in_at.is_(None))
                  .values(checked_in_at=given.c.now)
                  .returning(_participants.c.id)).cte("checked_in")
    logged = audit.unlinked_insert(
        checked_in.join(given, given.c.participant_id == checked_in.c.id),
        values=lambda name: given.c[name]).cte("logged")
    return (select(given.c.idx, checked_in.c.id.is_not(None).label("changed"))
            .select_from(given.outerjoin(checked_in, checked_in.c.id == given.c.participant_id))
            .add_cte(logged))


_CHECK_IN_MANY = _check_in_many()


def _check_in_rows(connection, rows: list[dict]) -> list[bool]:
    changed = dict(connection.execute(_CHECK_IN_MANY, given_params(_CHECK_IN_INPUT, rows)).all())
    return [changed[index] for index in range(len(rows))]


#: Check-ins from tablets on PostgreSQL: those arriving while one group is written are the
#: next group, one statement and one commit (a hall checking in at once).
CHECK_INS = GroupCommit(_check_in_rows, key=lambda row: row["participant_id"])


def _forget_checked_in(participant_id: int) -> None:
    """A participant loaded in this session (a page's, a test's) reads the new time again."""
    loaded = db.session.identity_map.get(db.session.identity_key(Participant, participant_id))
    if loaded is not None:
        db.session.expire(loaded, ["checked_in_at"])


# --- the current item ----------------------------------------------------------------------------

def item_of(meeting: Meeting, item_id: int) -> AgendaItem:
    item = next((i for i in meeting.items if i.id == item_id), None)
    if item is None:
        raise NotFound(_("No such agenda item."))
    return item


def set_current_item(actor: User, meeting: Meeting, item_id: int) -> AgendaItem:
    """The chair moves the session to an item; every tablet follows."""
    access.require_chair(actor, meeting)
    require_status(meeting, LIVE)
    item = item_of(meeting, item_id)
    meeting.current_item_id = item.id
    db.session.flush()
    audit.record("agenda.current", actor=actor, target=meeting, details={"item_id": item.id})
    _queue_registered_speakers(meeting, item)
    rooms.broadcast(meeting, "agenda.current", {"meeting_id": meeting.id,
                                                "agenda_item_id": item.id})
    rooms.broadcast_state(meeting)
    return item


# --- positions before the session ----------------------------------------------------------------

def set_position(user: User, item: AgendaItem, stance: str, note: str | None = None) -> Position:
    """State or change the caller's position; the chair and the secretariat hear the new tally.

    One ``positions.changed`` per committed change, not coalesced like ``vote.progress``: it goes
    only to the few who may see tallies, so a hundred members stating positions make a hundred
    small messages to three or four connections (linear, not the N² of a whole-room broadcast),
    with no background task to run. The item's row is locked first so that changes on one item
    follow one another and each message counts every change committed before it; under
    PostgreSQL's read committed two simultaneous changes would otherwise each miss the other and
    leave a wrong count on screen (SQLite's ``BEGIN IMMEDIATE`` serialises them anyway).
    """
    meeting = item.meeting
    access.require_voting_member(user, meeting)
    require_status(meeting, POSITIONS_OPEN)
    try:
        stance_value = Stance(stance)
    except ValueError:
        raise Invalid(_("A position is agree, object or speak."),
                      details={"stance": [stance]}) from None
    # FOR NO KEY UPDATE: rows referring to the item (speakers, votes) are not held up.
    db.session.execute(select(AgendaItem.id).where(AgendaItem.id == item.id)
                       .with_for_update(key_share=True))
    _require_unsettled(user, item)  # under the lock: an adoption in between is seen
    position = db.session.scalar(select(Position).where(Position.item_id == item.id,
                                                        Position.user_id == user.id))
    taken = position is None or position.stance != stance_value.value
    if position is None:
        position = Position(item_id=item.id, user_id=user.id, stance=stance_value.value,
                            updated_at=_now())
        db.session.add(position)
    elif taken:
        # A new stance is taken now; the same one sent again with another note keeps its
        # time, which orders those who asked to speak (their place in the queue).
        position.stance, position.updated_at = stance_value.value, _now()
    position.note = note
    db.session.flush()
    audit.record("position.set", actor=user, target=item,
                 details={"stance": stance_value.value})
    if taken and stance_value == Stance.SPEAK:
        _queue_now_if_discussed(user, meeting, item)
    rooms.broadcast_tally(meeting, item.id, position_tally(item),  # sent after the commit
                          [found.id for found in uncontested_items(meeting)])
    return position


def _require_unsettled(user: User, item: AgendaItem) -> None:
    """A position is stated before the item is decided: once a vote was opened on it or it was
    adopted, changing one would rewrite what the member said beforehand next to the outcome.
    The attempt is kept (``DomainError.audit``): the tablet no longer offers it."""
    reason = queries.settled_reason(item)
    if reason is None:
        return
    refusal = Conflict(_("This item was voted on or adopted: positions on it are closed."),
                       code="item_settled")
    refusal.audit = {"action": "position.refused", "actor": user,
                     "object_type": AgendaItem.__tablename__, "object_id": item.id,
                     "details": {"reason": reason}}
    raise refusal


def broadcast_tallies(meeting: Meeting) -> None:
    """Every item's tally again (the number of members changed, so the "none" counts did),
    while positions are being stated."""
    if meeting.status in POSITIONS_OPEN:
        for item in meeting.items:
            rooms.broadcast_tally(meeting, item.id, position_tally(item))


def adopt_uncontested(actor: User, meeting: Meeting, item_ids: list[int]) -> list[AgendaItem]:
    """The chair adopts uncontested items together, in one recorded act."""
    access.require_chair(actor, meeting)
    require_status(meeting, LIVE)
    allowed = {item.id: item for item in uncontested_items(meeting)}
    refused = [item_id for item_id in item_ids if item_id not in allowed]
    if refused or not item_ids:
        raise Conflict(_("Only items nobody objects to or asks to speak on can be adopted "
                         "together."), code="contested", details={"item_ids": refused})
    now = _now()
    adopted = [allowed[item_id] for item_id in item_ids]
    for item in adopted:
        item.adopted_without_discussion_at = now
    db.session.flush()
    audit.record("agenda.adopt_uncontested", actor=actor, target=meeting,
                 details={"item_ids": item_ids})
    rooms.broadcast_state(meeting)
    return adopted


# --- the speaker queue ---------------------------------------------------------------------------

def _queue_registered_speakers(meeting: Meeting, item: AgendaItem) -> None:
    """"Đăng ký phát biểu" before the session means a place in the queue: when the item comes
    up, those members are queued in the order they registered — once (not again after they
    spoke, withdrew, or the chair came back to the item)."""
    asked = set(db.session.scalars(select(SpeakerRequest.user_id)
                                   .where(SpeakerRequest.item_id == item.id)))
    voters = {participant.user_id for participant in access.voters_of(item)}
    registered = db.session.scalars(select(Position).where(
        Position.item_id == item.id, Position.stance == Stance.SPEAK.value)
        .order_by(Position.updated_at, Position.id))
    queued = []
    for position in registered:
        if position.user_id in asked or position.user_id not in voters:
            continue
        db.session.add(SpeakerRequest(item_id=item.id, user_id=position.user_id))
        queued.append(position.user_id)
    if queued:
        db.session.flush()
        audit.record("speaker.queue_registered", target=item, details={"user_ids": queued})


def _queue_now_if_discussed(user: User, meeting: Meeting, item: AgendaItem) -> None:
    """"Đăng ký phát biểu" chosen on the item under discussion is a place in the queue at once
    (before the session, or on another item, it waits for the item to come up:
    :func:`_queue_registered_speakers`)."""
    if meeting.status != MeetingStatus.IN_SESSION or meeting.current_item_id != item.id or \
            _active_request(item.id, user.id) is not None:
        return
    db.session.add(SpeakerRequest(item_id=item.id, user_id=user.id))
    db.session.flush()
    audit.record("speaker.request", actor=user, target=item, details={"from": "position"})
    _speakers_changed(meeting, item.id)


def _active_request(item_id: int, user_id: int) -> SpeakerRequest | None:
    return next((r for r in speakers_of(item_id) if r.user_id == user_id), None)


def _speakers_changed(meeting: Meeting, item_id: int) -> None:
    rooms.broadcast_about(meeting, item_id, "speakers.changed",
                          speakers_payload(meeting.id, item_id))


def request_floor(user: User, item: AgendaItem) -> SpeakerRequest:
    meeting = item.meeting
    if meeting.participant(user.id) is None:
        raise NotFound(_("No such meeting."))
    require_status(meeting, LIVE)
    if _active_request(item.id, user.id) is not None:
        raise Conflict(_("You are on the list of speakers already."), code="already_requested")
    request = SpeakerRequest(item_id=item.id, user_id=user.id)
    db.session.add(request)
    db.session.flush()
    audit.record("speaker.request", actor=user, target=item)
    _speakers_changed(meeting, item.id)
    rooms.broadcast_offer(meeting, item)  # asking the floor contests the item
    return request


def withdraw(user: User, item: AgendaItem) -> None:
    meeting = item.meeting
    require_status(meeting, LIVE)
    request = _active_request(item.id, user.id)
    if request is None or request.status != SpeakerStatus.WAITING:
        raise Conflict(_("You have no request to speak to withdraw."), code="no_request")
    request.status, request.finished_at = SpeakerStatus.WITHDRAWN.value, _now()
    db.session.flush()
    audit.record("speaker.withdraw", actor=user, target=item)
    _speakers_changed(meeting, item.id)
    rooms.broadcast_offer(meeting, item)


def give_floor(actor: User, item: AgendaItem, request_id: int | None = None) -> SpeakerRequest:
    """The chair gives the floor to a request (the next waiting one by default)."""
    meeting = item.meeting
    access.require_chair(actor, meeting)
    require_status(meeting, LIVE)
    queue = speakers_of(item.id)
    waiting = [r for r in queue if r.status == SpeakerStatus.WAITING]
    chosen = next((r for r in waiting if r.id == request_id), None) if request_id else \
        (waiting[0] if waiting else None)
    if chosen is None:
        raise Conflict(_("Nobody is waiting to speak."), code="queue_empty")
    now = _now()
    for speaking in (r for r in queue if r.status == SpeakerStatus.SPEAKING):
        speaking.status, speaking.finished_at = SpeakerStatus.DONE.value, now
    chosen.status, chosen.started_at = SpeakerStatus.SPEAKING.value, now
    db.session.flush()
    audit.record("speaker.floor", actor=actor, target=item, details={"user_id": chosen.user_id})
    _speakers_changed(meeting, item.id)
    return chosen


def finish_speaker(actor: User, item: AgendaItem) -> None:
    meeting = item.meeting
    access.require_chair(actor, meeting)
    require_status(meeting, LIVE)
    speaking = [r for r in speakers_of(item.id) if r.status == SpeakerStatus.SPEAKING]
    if not speaking:
        raise Conflict(_("Nobody has the floor."), code="nobody_speaking")
    for request in speaking:
        request.status, request.finished_at = SpeakerStatus.DONE.value, _now()
    db.session.flush()
    audit.record("speaker.finish", actor=actor, target=item)
    _speakers_changed(meeting, item.id)


