"""What a meeting's live state is, read and never changed: attendance and quorum, the speaker
queue, positions and the items nobody contests, the open vote and its count.

Everything that broadcasts (:mod:`.rooms`, :mod:`.state`, :mod:`.broadcast_throttle`) and
everything that acts (:mod:`.sitting`, :mod:`.voting`) reads through here; this module imports
neither, so the broadcasts never have to import the services that call them.
"""

from __future__ import annotations

import math

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, lazyload, undefer
from sqlalchemy.orm.attributes import set_committed_value

from ecabinet.extensions import db
from ecabinet.identity.models import User
from ecabinet.meetings import access
from ecabinet.meetings.e2e_models import EncryptedBallot, VoteKey, VoteTrustee
from ecabinet.meetings.models import (
    VOTING_ROLES,
    AgendaItem,
    Ballot,
    Meeting,
    Participant,
    Position,
    QuorumRule,
    SpeakerRequest,
    SpeakerStatus,
    Stance,
    Vote,
    VoteEligibility,
)

#: A vote's status ("tallying": a verifiable vote's box is closed, its trustees decrypt).
OPEN, CLOSED, TALLYING = "open", "closed", "tallying"


# --- reading a meeting whole ---------------------------------------------------------------------

#: The meeting's row without its items (loaded with it by default), with the counts of those
#: present and of the invitees who opened it: what a conditional read needs to answer 304,
#: before :func:`load_whole` loads the rest.
MEETING_ALONE = (lazyload(Meeting.items), undefer(Meeting.present_count),
                 undefer(Meeting.opened_count))


def load_whole(meeting: Meeting) -> Meeting:
    """Load what a read of the whole meeting shows (its API read, its room page) into the
    meeting already loaded with its access checked: the items with their presenters and
    invitees in one statement, the participants with their users in one more. Nobody's roles
    but the reader's are loaded (the rules take the secretariat from the reader's own): each
    user would otherwise bring a query for their roles. The rules then answer from these rows
    (``meeting.participant`` reads the loaded list) instead of a query per item."""
    no_roles = lazyload(User.role_rows)
    items = db.session.scalars(
        select(AgendaItem).where(AgendaItem.meeting_id == meeting.id)
        .options(joinedload(AgendaItem.presenter).options(no_roles),
                 joinedload(AgendaItem.invitees))
        .order_by(AgendaItem.position)).unique().all()
    set_committed_value(meeting, "items", items)
    participants = db.session.scalars(
        select(Participant).where(Participant.meeting_id == meeting.id)
        .options(joinedload(Participant.user).options(no_roles))
        .order_by(Participant.id)).all()
    set_committed_value(meeting, "participants", participants)
    return meeting


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


def attendance_of(meeting: Meeting) -> dict:
    rows = _attendance_rows(meeting)
    return {"meeting_id": meeting.id,
            "present": [row.user_id for row in rows if row.checked_in_at is not None],
            "quorum": _quorum(meeting, rows)}


# --- positions and the items nobody contests -----------------------------------------------------

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


#: The rule the chair is shown beside "adopt uncontested items together".
UNCONTESTED_RULE = ("every member who votes on the item agreed beforehand; nobody objects or "
                    "asks to speak, before or in the session; no vote was held on it")


def voted_item_ids(meeting: Meeting) -> set[int]:
    """The items a vote was opened on (open or closed, whatever the result)."""
    return set(db.session.scalars(select(Vote.item_id).where(Vote.meeting_id == meeting.id)))


def settled_reason(item: AgendaItem) -> str | None:
    """Why an item takes no more positions: "adopted" (without discussion) or "voted" (a vote
    was opened on it), None while it is still open to them (issue 9: an item once voted, or
    adopted, is never offered again)."""
    # Read from the database, not the loaded object: the caller holds the item's row lock,
    # and a chair adopting it concurrently committed before that lock was granted.
    if db.session.scalar(select(AgendaItem.adopted_without_discussion_at)
                         .where(AgendaItem.id == item.id)) is not None:
        return "adopted"
    if db.session.scalar(select(Vote.id).where(Vote.item_id == item.id).limit(1)) is not None:
        return "voted"
    return None


def discussed_item_ids(meeting: Meeting) -> set[int]:
    """The items someone asked the floor on in the session (waiting, speaking or done; a
    request withdrawn before the floor asked nothing in the end)."""
    return set(db.session.scalars(
        select(SpeakerRequest.item_id).join(AgendaItem)
        .where(AgendaItem.meeting_id == meeting.id,
               SpeakerRequest.status != SpeakerStatus.WITHDRAWN.value)))


def uncontested_items(meeting: Meeting) -> list[AgendaItem]:
    """Items that may be adopted without discussion (:data:`UNCONTESTED_RULE`): silence is not
    agreement, and an item once voted on (whatever the result) or adopted is never offered
    again, so the record cannot say "adopted without discussion" beside a vote. Asking to
    speak counts in the session as before it: a member in the queue, or one who spoke, is a
    discussion the record would otherwise deny."""
    voted = voted_item_ids(meeting) | discussed_item_ids(meeting)
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


# --- the speaker queue ---------------------------------------------------------------------------

def speakers_of(item_id: int | None) -> list[SpeakerRequest]:
    if item_id is None:
        return []
    stmt = (select(SpeakerRequest)
            .where(SpeakerRequest.item_id == item_id,
                   SpeakerRequest.status.in_([SpeakerStatus.WAITING, SpeakerStatus.SPEAKING]))
            .order_by(SpeakerRequest.requested_at, SpeakerRequest.id))
    return list(db.session.scalars(stmt))


# --- the open vote -------------------------------------------------------------------------------

def open_vote_of(meeting: Meeting) -> Vote | None:
    return db.session.scalar(select(Vote).where(Vote.meeting_id == meeting.id,
                                                Vote.status == OPEN))


def tallying_vote_of(meeting: Meeting) -> Vote | None:
    """The verifiable vote whose trustees are decrypting (at most one: none opens meanwhile)."""
    return db.session.scalar(select(Vote).where(Vote.meeting_id == meeting.id,
                                                Vote.status == TALLYING))


def tallying_status(vote: Vote) -> dict:
    """Who has given their share of a verifiable vote and who is awaited, by name: what the
    ``vote.tallying`` broadcast and a join's snapshot show every tablet."""
    threshold = db.session.scalar(select(VoteKey.threshold).where(VoteKey.vote_id == vote.id))
    rows = db.session.execute(
        select(VoteTrustee.user_id, VoteTrustee.number, VoteTrustee.decrypted_at, User.name)
        .join(User, User.id == VoteTrustee.user_id)
        .where(VoteTrustee.vote_id == vote.id).order_by(VoteTrustee.number)).all()
    return {"vote_id": vote.id, "agenda_item_id": vote.item_id, "status": vote.status,
            "threshold": threshold,
            "trustees": [{"user_id": r.user_id, "number": r.number, "name": r.name,
                          "decrypted": r.decrypted_at is not None} for r in rows],
            "waiting_for": [r.user_id for r in rows if r.decrypted_at is None]}


def my_tracking_code(user: User, vote: Vote) -> str | None:
    """The tracking code of the member's stored ballot in a verifiable vote (theirs alone)."""
    return db.session.scalar(select(EncryptedBallot.tracking_code).where(
        EncryptedBallot.vote_id == vote.id, EncryptedBallot.user_id == user.id))


def opened_payload(vote: Vote) -> dict:
    return {"vote_id": vote.id, "agenda_item_id": vote.item_id, "question": vote.question,
            "secret": vote.secret, "rule": vote.rule, "eligible": vote.present_total,
            "verifiable": vote.verifiable, "public_key": vote.public_key}


def cast_count(vote: Vote) -> int:
    if vote.secret:
        return db.session.scalar(select(func.count()).select_from(VoteEligibility).where(
            VoteEligibility.vote_id == vote.id, VoteEligibility.ballot_version > 0))
    return db.session.scalar(select(func.count()).select_from(Ballot)
                             .where(Ballot.vote_id == vote.id))


def my_ballot(user: User, vote: Vote) -> dict:
    """What a reconnecting tablet needs: whether it voted and, for an open vote, what."""
    if vote.secret:
        version = db.session.scalar(select(VoteEligibility.ballot_version).where(
            VoteEligibility.vote_id == vote.id, VoteEligibility.user_id == user.id))
        mine = {"eligible": version is not None, "voted": bool(version), "choice": None}
        if vote.verifiable:  # a tablet that reconnects shows its receipt again
            mine["tracking_code"] = my_tracking_code(user, vote) if version else None
        return mine
    eligible = db.session.scalar(select(func.count()).select_from(VoteEligibility).where(
        VoteEligibility.vote_id == vote.id, VoteEligibility.user_id == user.id)) > 0
    choice = db.session.scalar(select(Ballot.choice).where(Ballot.vote_id == vote.id,
                                                           Ballot.user_id == user.id))
    return {"eligible": eligible, "voted": choice is not None, "choice": choice}
