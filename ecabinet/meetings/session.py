"""The live session: check-in and quorum, the current item, positions, the speaker queue."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from flask_babel import gettext as _
from sqlalchemy import select

from ecabinet.audit import services as audit
from ecabinet.errors import Conflict, Invalid, NotFound
from ecabinet.extensions import db
from ecabinet.identity.models import User
from ecabinet.meetings import access, progress, rooms
from ecabinet.meetings.models import (
    VOTING_ROLES,
    AgendaItem,
    Meeting,
    MeetingStatus,
    Participant,
    Position,
    QuorumRule,
    SpeakerRequest,
    SpeakerStatus,
    Stance,
    Vote,
)

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


# --- attendance and quorum -----------------------------------------------------------------------

def _attendance_rows(meeting: Meeting):
    """Three columns per participant, not ORM objects: this runs on every broadcast."""
    return db.session.execute(
        select(Participant.user_id, Participant.role, Participant.checked_in_at)
        .where(Participant.meeting_id == meeting.id).order_by(Participant.id)).all()


def _quorum(meeting: Meeting, rows) -> dict:
    voting = [row for row in rows if row.role in VOTING_ROLES]
    total = len(voting)
    present = sum(1 for row in voting if row.checked_in_at is not None)
    if meeting.quorum_rule == QuorumRule.MAJORITY:
        needed = total // 2 + 1
    else:
        needed = math.ceil(2 * total / 3)
    return {"present": present, "total": total, "needed": needed,
            "reached": total > 0 and present >= needed}


def quorum(meeting: Meeting) -> dict:
    return _quorum(meeting, _attendance_rows(meeting))


def check_in(user: User, meeting: Meeting) -> bool:
    """Điểm danh. Returns False when the user had checked in already (nothing changes)."""
    participant = meeting.participant(user.id)
    if participant is None:
        raise NotFound(_("No such meeting."))
    require_status(meeting, CHECK_IN_OPEN)
    if participant.checked_in_at is not None:
        return False
    participant.checked_in_at = _now()
    db.session.flush()
    audit.record("attendance.checkin", actor=user, target=meeting)
    progress.mark_attendance(meeting.id)  # coalesced: 500 check-ins must not be 250,000 messages
    return True


def attendance_of(meeting: Meeting) -> dict:
    rows = _attendance_rows(meeting)
    return {"meeting_id": meeting.id,
            "present": [row.user_id for row in rows if row.checked_in_at is not None],
            "quorum": _quorum(meeting, rows)}


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
    position = db.session.scalar(select(Position).where(Position.item_id == item.id,
                                                        Position.user_id == user.id))
    if position is None:
        position = Position(item_id=item.id, user_id=user.id, stance=stance_value.value)
        db.session.add(position)
    position.stance, position.note, position.updated_at = stance_value.value, note, _now()
    db.session.flush()
    audit.record("position.set", actor=user, target=item,
                 details={"stance": stance_value.value})
    rooms.broadcast_tally(meeting, item.id, position_tally(item),  # sent after the commit
                          [found.id for found in uncontested_items(meeting)])
    return position


def positions_of(item: AgendaItem) -> list[Position]:
    return list(db.session.scalars(select(Position).where(Position.item_id == item.id)
                                   .order_by(Position.updated_at)))


def position_tally(item: AgendaItem) -> dict:
    tally = {stance.value: 0 for stance in Stance}
    for position in positions_of(item):
        tally[position.stance] += 1
    members = len(item.meeting.voting_participants)
    tally["none"] = members - sum(tally.values())
    return tally


def broadcast_tallies(meeting: Meeting) -> None:
    """Every item's tally again (the number of members changed, so the "none" counts did),
    while positions are being stated."""
    if meeting.status in POSITIONS_OPEN:
        for item in meeting.items:
            rooms.broadcast_tally(meeting, item.id, position_tally(item))


#: The rule the chair is shown beside "adopt uncontested items together".
UNCONTESTED_RULE = ("every member who votes on the item agreed beforehand; nobody objects or "
                    "asks to speak; no vote was held on it")


def uncontested_items(meeting: Meeting) -> list[AgendaItem]:
    """Items that may be adopted without discussion (:data:`UNCONTESTED_RULE`): silence is not
    agreement, and an item once voted on (whatever the result) or adopted is never offered
    again, so the record cannot say "adopted without discussion" beside a vote."""
    voted = set(db.session.scalars(select(Vote.item_id).where(Vote.meeting_id == meeting.id)))
    stances: dict[int, dict[int, str]] = {}
    for position in db.session.scalars(select(Position).join(AgendaItem).where(
            AgendaItem.meeting_id == meeting.id)):
        stances.setdefault(position.item_id, {})[position.user_id] = position.stance
    members = meeting.voting_participants
    found = []
    for item in meeting.items:
        if item.adopted_without_discussion_at is not None or item.id in voted:
            continue
        voters = {p.user_id for p in members if access.sees_item(item, p, False)}  # voters_of
        stated = stances.get(item.id, {})
        if voters and all(stated.get(user_id) == Stance.AGREE for user_id in voters) and \
                not any(stance in (Stance.OBJECT, Stance.SPEAK) for stance in stated.values()):
            found.append(item)
    return found


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

def speakers_of(item_id: int | None) -> list[SpeakerRequest]:
    if item_id is None:
        return []
    stmt = (select(SpeakerRequest)
            .where(SpeakerRequest.item_id == item_id,
                   SpeakerRequest.status.in_([SpeakerStatus.WAITING, SpeakerStatus.SPEAKING]))
            .order_by(SpeakerRequest.requested_at, SpeakerRequest.id))
    return list(db.session.scalars(stmt))


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


def _active_request(item_id: int, user_id: int) -> SpeakerRequest | None:
    return next((r for r in speakers_of(item_id) if r.user_id == user_id), None)


def _speakers_changed(meeting: Meeting, item_id: int) -> None:
    from ecabinet.meetings.state import speakers_payload

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


