"""Who sees and does what in a meeting: the rules, written once for pages, API and sockets.

A meeting (or item) the user may not see answers 404, not 403: its existence is not disclosed.

Each rule that filters lists is written twice, side by side: the Python predicate for one
object (:func:`sees_meeting`, :func:`sees_item`) and its SQL twin for a query
(:func:`meeting_seen_by`, :func:`item_seen_by`); ``tests/meetings/test_access_twins.py`` checks
that the two agree.

The predicates read only a few fields of what they are given, so a live event on a meeting
gives them the caller's :class:`Seat` (one plain statement, :func:`seat_for`) and the agenda's
:class:`ItemOutline` (kept per meeting state) instead of ORM objects: the same rule, applied
to lighter rows — not a second rule beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, and_, bindparam, exists, or_, select
from sqlalchemy.orm import aliased

from ecabinet.errors import Forbidden, NotFound
from ecabinet.extensions import db
from ecabinet.identity.callers import Caller
from ecabinet.identity.models import Role, User, UserRole
from ecabinet.meetings.models import (
    VOTING_ROLES,
    AgendaItem,
    ItemInvitee,
    Meeting,
    MeetingStatus,
    Participant,
    ParticipantRole,
    Position,
    Vote,
)


def is_organiser(user: User, meeting: Meeting | None = None) -> bool:
    """The secretariat, or the meeting's own secretary, prepares and runs the paperwork."""
    if user.has_role(Role.SECRETARIAT):
        return True
    if meeting is not None:
        participant = meeting.participant(user.id)
        return participant is not None and participant.role == ParticipantRole.SECRETARY
    return False


def chairs(participant: Participant | None) -> bool:
    """Whether this seat in a meeting is its chair's."""
    return participant is not None and participant.role == ParticipantRole.CHAIR


def is_chair(user: User, meeting: Meeting) -> bool:
    return chairs(meeting.participant(user.id))


def is_voting_member(user: User, meeting: Meeting) -> bool:
    participant = meeting.participant(user.id)
    return participant is not None and participant.role in VOTING_ROLES


def sees_meeting(meeting: Meeting | Seat, participant: Participant | SeatRow | None,
                 secretariat: bool) -> bool:
    """THE rule for a meeting: the secretariat sees every one, the meeting's secretary (who
    prepares it) its draft too, any other participant once it is published. Its SQL twin is
    :func:`meeting_seen_by`. Reads ``meeting.status`` and ``participant.role`` only."""
    if secretariat:
        return True
    if participant is None:
        return False
    return participant.role == ParticipantRole.SECRETARY or meeting.status != MeetingStatus.DRAFT


def meeting_seen_by(participant) -> ColumnElement[bool]:
    """:func:`sees_meeting` as SQL, for someone not of the secretariat: a condition on
    :class:`Meeting` and ``participant`` (a :class:`Participant`, or an alias of it, joined as
    the user's row in that meeting)."""
    return or_(participant.role == ParticipantRole.SECRETARY.value,
               Meeting.status != MeetingStatus.DRAFT.value)


def can_see_meeting(user: User, meeting: Meeting) -> bool:
    if user.has_role(Role.SECRETARIAT):  # no need to look the participant up
        return True
    return sees_meeting(meeting, meeting.participant(user.id), False)


def visible_meetings(user: User):
    """A select of the meetings ``user`` may see: :func:`can_see_meeting` as SQL."""
    query = select(Meeting)
    if user.has_role(Role.SECRETARIAT):
        return query
    participant = aliased(Participant)
    return query.where(exists().where(participant.meeting_id == Meeting.id,
                                      participant.user_id == user.id,
                                      meeting_seen_by(participant)))


def meetings_seen_by(user: User) -> Select:
    """:func:`can_see_meeting` as SQL: the ids of the meetings ``user`` sees."""
    if user.has_role(Role.SECRETARIAT):
        return select(Meeting.id)
    return (select(Participant.meeting_id)
            .join(Meeting, Meeting.id == Participant.meeting_id)
            .where(Participant.user_id == user.id, _meeting_seen_sql()))


def _meeting_seen_sql():
    """:func:`can_see_meeting` for the user of a joined :class:`Participant` row (not of the
    secretariat): the meeting's secretary, or a participant once the meeting is published."""
    return or_(Participant.role == ParticipantRole.SECRETARY.value,
               Meeting.status != MeetingStatus.DRAFT.value)


def sees_item(item: AgendaItem | ItemOutline, participant: Participant | SeatRow | None,
              secretariat: bool) -> bool:
    """THE rule for an item, and for all that derives from it (its votes and their tallies,
    positions, speakers, decisions drafted from its votes, audit details, broadcasts): the
    secretariat, the meeting's secretary and its chair see every item; a confidential item
    (mật) otherwise only its invitees, and a guest only the items they are invited to.

    Takes the participant row and whether the user is of the secretariat, so that
    :func:`audiences` can apply it to a whole meeting without a query per person."""
    if secretariat:
        return True
    if participant is None:
        return False
    if participant.role in (ParticipantRole.SECRETARY, ParticipantRole.CHAIR):
        return True
    if item.confidential or participant.role == ParticipantRole.GUEST:
        return participant.user_id in item.invitee_ids
    return True


def item_seen_by(participant, user_id: int) -> ColumnElement[bool]:
    """:func:`sees_item` as SQL, for someone not of the secretariat: a condition on
    :class:`AgendaItem` and ``participant`` (joined as the user's row in the item's meeting)."""
    return or_(participant.role.in_([ParticipantRole.SECRETARY.value,
                                     ParticipantRole.CHAIR.value]),
               and_(AgendaItem.confidential.is_(False),
                    participant.role != ParticipantRole.GUEST.value),
               invited(user_id))


def invited(user_id: int) -> ColumnElement[bool]:
    """Whether the user is among the invitees of :class:`AgendaItem` (``item.invitee_ids``)."""
    return exists().where(ItemInvitee.item_id == AgendaItem.id, ItemInvitee.user_id == user_id)


def can_see_item(user: User, item: AgendaItem) -> bool:
    return sees_item(item, item.meeting.participant(user.id), user.has_role(Role.SECRETARIAT))


def can_see_vote(user: User, vote: Vote) -> bool:
    """A vote, its question and tally are its item's: who may see the item (in a meeting they
    may see)."""
    return can_see_meeting(user, vote.item.meeting) and can_see_item(user, vote.item)


def items_seen_by(user: User) -> Select:
    """:func:`can_see_item` in a meeting the user sees (as :func:`item_for`), as SQL: the ids
    of those items. :func:`sees_item` for a participant not of the secretariat."""
    if user.has_role(Role.SECRETARIAT):
        return select(AgendaItem.id)
    invited = exists().where(ItemInvitee.item_id == AgendaItem.id,
                             ItemInvitee.user_id == user.id)
    return (select(AgendaItem.id)
            .join(Meeting, Meeting.id == AgendaItem.meeting_id)
            .join(Participant, and_(Participant.meeting_id == AgendaItem.meeting_id,
                                    Participant.user_id == user.id))
            .where(_meeting_seen_sql(), or_(
                Participant.role.in_([ParticipantRole.SECRETARY.value,
                                      ParticipantRole.CHAIR.value]),
                and_(AgendaItem.confidential.is_(False),
                     Participant.role != ParticipantRole.GUEST.value),
                invited)))


def votes_seen_by(user: User) -> Select:
    """:func:`can_see_vote` as SQL: the ids of the votes ``user`` sees (those of the items)."""
    return select(Vote.id).where(Vote.item_id.in_(items_seen_by(user)))


def visible_items(user: User, meeting: Meeting) -> list[AgendaItem]:
    return [item for item in meeting.items if can_see_item(user, item)]


def meeting_for(user: User, meeting_id: int, *, options=()) -> Meeting:
    """Load a meeting the user may see, or 404. ``options``: loader options of the endpoint
    (the meeting's read loads its row alone first: :data:`queries.MEETING_ALONE`)."""
    if user.has_role(Role.SECRETARIAT):
        meeting = db.session.get(Meeting, meeting_id, options=options)
    else:  # the rule needs the reader's seat: loaded with the meeting, in one statement
        meeting = Meeting.load_with_seat(meeting_id, user.id, options=options)
    if meeting is None or not can_see_meeting(user, meeting):
        raise NotFound(_("No such meeting."))
    return meeting


def item_for(user: User, item_id: int) -> AgendaItem:
    item = db.session.get(AgendaItem, item_id)
    if item is None or not can_see_meeting(user, item.meeting) or not can_see_item(user, item):
        raise NotFound(_("No such agenda item."))
    return item


def vote_for(user: User, vote_id: int) -> Vote:
    """Load a vote the user may see, or 404 (as for its item)."""
    vote = db.session.get(Vote, vote_id)
    if vote is None or not can_see_vote(user, vote):
        raise NotFound(_("No such vote."))
    return vote


def require_organiser(user: User, meeting: Meeting | None = None) -> None:
    if not is_organiser(user, meeting):
        raise Forbidden(_("Only the secretariat can do this."))


def can_see_tally(user: User, meeting: Meeting) -> bool:
    """The chair, the secretariat and the meeting's secretary see the tally of positions (and
    hear ``positions.changed``)."""
    return is_organiser(user, meeting) or is_chair(user, meeting)


def require_chair(user: User, meeting: Meeting) -> None:
    if not is_chair(user, meeting):
        raise Forbidden(_("Only the chair can do this."))


def require_voting_member(user: User, meeting: Meeting) -> None:
    if not is_voting_member(user, meeting):
        raise Forbidden(_("Only members of the Government in this meeting can do this."))


# --- audiences: who hears which broadcast ---------------------------------------------------------

@dataclass(frozen=True)
class Audience:
    """The followers of a meeting who hear the same broadcasts: those who see the same items
    (by :func:`sees_item`) and may hear about votes (``voters``) and tallies (``tallies``)."""

    items: frozenset[int]
    voters: bool
    tallies: bool
    #: Sees every item whatever the agenda (the secretariat, the secretary, the chair).
    everything: bool = False

    def sees(self, item_id: int | None) -> bool:
        return item_id is not None and (self.everything or item_id in self.items)


def _audience(meeting: Meeting | None, participant: Participant | SeatRow | None,
              secretariat: bool, items=None) -> Audience:
    """``items``: the agenda (:class:`AgendaItem` or :class:`ItemOutline`), else the meeting's."""
    role = participant.role if participant is not None else None
    everything = secretariat or role in (ParticipantRole.SECRETARY, ParticipantRole.CHAIR)
    if everything:  # the same room whatever the agenda becomes
        return Audience(frozenset(), voters=True, tallies=True, everything=True)
    return Audience(frozenset(item.id for item in (meeting.items if items is None else items)
                              if sees_item(item, participant, secretariat)),
                    voters=role in VOTING_ROLES, tallies=False)


def audience_of(user: User, meeting: Meeting) -> Audience:
    return _audience(meeting, meeting.participant(user.id), user.has_role(Role.SECRETARIAT))


@dataclass(frozen=True)
class ItemOutline:
    """An agenda item as :func:`sees_item` reads it: its id, confidentiality and invitees."""

    id: int
    confidential: bool
    invitee_ids: frozenset[int]


_items, _invitees = AgendaItem.__table__, ItemInvitee.__table__
#: Table columns, not ORM entities: a plain statement, built once (every join may run it).
_OUTLINE = (
    select(_items.c.id, _items.c.confidential, _invitees.c.user_id)
    .select_from(_items.outerjoin(_invitees, _invitees.c.item_id == _items.c.id))
    .where(_items.c.meeting_id == bindparam("meeting_id"))
    .order_by(_items.c.position, _items.c.id))


def agenda_outline(meeting_id: int) -> list[ItemOutline]:
    """The meeting's agenda as the rule reads it for anyone, in one plain statement: what a join
    asks of the agenda to find the reader's audience, instead of the items with their presenters
    and invitees as ORM objects. The same for every reader, so it is kept per meeting state
    (:func:`ecabinet.meetings.snapshots.View.get`) and shared by a hall of tablets joining."""
    found: dict[int, tuple[bool, set[int]]] = {}
    for item_id, confidential, user_id in db.session.execute(
            _OUTLINE, {"meeting_id": meeting_id}):
        invitees = found.setdefault(item_id, (bool(confidential), set()))[1]
        if user_id is not None:
            invitees.add(user_id)
    return [ItemOutline(item_id, confidential, frozenset(invitees))
            for item_id, (confidential, invitees) in found.items()]


# --- the caller's seat: what every live event on a meeting asks first -----------------------------

@dataclass(frozen=True, slots=True)
class SeatRow:
    """The caller's participant row as the rules read it (what :class:`Participant` gives them)."""

    id: int
    user_id: int
    role: str
    checked_in_at: datetime | None


@dataclass(frozen=True, slots=True)
class Seat:
    """The caller's place in a meeting — the meeting's side of :func:`sees_meeting` (its status),
    their participant row and whether they are of the secretariat — given to the same rules as a
    :class:`Meeting` and a :class:`Participant` would be. What a live event on a meeting needs
    to decide access, without loading the meeting (:func:`seat_for`)."""

    meeting_id: int
    status: str
    #: With the id, tells a meeting from another that got the same id (the join's cache key).
    created_at: datetime
    current_item_id: int | None
    user_id: int
    participant: SeatRow | Participant | None
    secretariat: bool
    #: The caller's own positions on the meeting's items, as (item id, stance, note), when read
    #: with the seat (``seat_for(…, with_positions=True)``: a join); None when not read.
    positions: tuple[tuple[int, str, str | None], ...] | None = None


_meetings, _participants = Meeting.__table__, Participant.__table__
_SEAT = (
    select(_meetings.c.status, _meetings.c.created_at, _meetings.c.current_item_id,
           _participants.c.id, _participants.c.role, _participants.c.checked_in_at,
           exists().where(UserRole.__table__.c.user_id == bindparam("user_id"),
                          UserRole.__table__.c.role == Role.SECRETARIAT.value))
    .select_from(_meetings.outerjoin(_participants, and_(
        _participants.c.meeting_id == _meetings.c.id,
        _participants.c.user_id == bindparam("user_id"))))
    .where(_meetings.c.id == bindparam("meeting_id")))


_positions, _agenda = Position.__table__, AgendaItem.__table__
#: :data:`_SEAT` with the caller's positions on the meeting's items: a row per position (the
#: seat's columns repeated), one at least. What a join asks, in one round trip instead of two;
#: which of them the reader is shown is still decided by the items they see (``state``).
_SEAT_WITH_POSITIONS = _SEAT.add_columns(
    _positions.c.item_id, _positions.c.stance, _positions.c.note).outerjoin(
    # The agenda's items, then each one's position of the caller (the (item, user) key).
    _agenda.join(_positions, and_(_positions.c.item_id == _agenda.c.id,
                                  _positions.c.user_id == bindparam("user_id"))),
    _agenda.c.meeting_id == _meetings.c.id)


def seat_query(meeting_id: int, *, with_positions: bool = False) -> tuple[Select, dict]:
    """:func:`seat_for`'s statement and parameters (``user_id`` is the caller's, given with
    theirs): a live event on a meeting reads them along with its caller, in one round trip
    (``live_event(alongside=…)``), and hands the rows to :func:`seat_for`."""
    return (_SEAT_WITH_POSITIONS if with_positions else _SEAT), {"meeting_id": meeting_id}


def seat_for(user: User | Caller, meeting_id: int, *, with_positions: bool = False,
             rows=None) -> Seat:
    """The user's seat in a meeting they may see (:func:`sees_meeting`), or 404: one plain
    statement for the meeting's status, the participant row and the secretariat role (and
    ``with_positions``, the user's positions on its items: :attr:`Seat.positions`).
    ``rows``: that statement's rows, read already (:func:`seat_query`)."""
    if rows is None:
        statement, params = seat_query(meeting_id, with_positions=with_positions)
        rows = db.session.execute(statement, {**params, "user_id": user.id}).all()
    # Read along with the caller's (an outer join), no meeting is a row of nulls: the status
    # is never null otherwise.
    rows = [row for row in rows if row[0] is not None]
    seat = None
    if rows:
        status, created_at, current_item_id, seat_id, role, checked_in_at, secretariat = \
            rows[0][:7]
        participant = None if seat_id is None else SeatRow(seat_id, user.id, role,
                                                           checked_in_at)
        positions = tuple(tuple(row[7:]) for row in rows if row[7] is not None) \
            if with_positions else None
        seat = Seat(meeting_id, status, created_at, current_item_id, user.id, participant,
                    bool(secretariat), positions)
    if seat is None or not sees_meeting(seat, seat.participant, seat.secretariat):
        raise NotFound(_("No such meeting."))
    return seat


def seat_in(user: User, meeting: Meeting) -> Seat:
    """The seat of a user in a meeting loaded already (with its access checked)."""
    return Seat(meeting.id, meeting.status, meeting.created_at, meeting.current_item_id, user.id,
                meeting.participant(user.id), user.has_role(Role.SECRETARIAT))


def audience_at(seat: Seat, items: list[ItemOutline]) -> Audience:
    """The seat's audience, ``items`` the agenda's outline (:func:`agenda_outline`)."""
    return _audience(None, seat.participant, seat.secretariat, items)


def secretariat_among(user_ids: list[int]) -> set[int]:
    """Which of these users are of the secretariat, in one query (for :func:`sees_item`)."""
    if not user_ids:
        return set()
    return set(db.session.scalars(select(UserRole.user_id).where(
        UserRole.role == Role.SECRETARIAT.value, UserRole.user_id.in_(user_ids))))


_SEATS = select(_participants.c.user_id, _participants.c.role).where(
    _participants.c.meeting_id == bindparam("meeting_id"))


def audiences(meeting_id: int, items: list[ItemOutline]) -> set[Audience]:
    """Every audience a follower of the meeting may be in, ``items`` the agenda's outline: the
    participants as two columns and one query for the roles — what every broadcast about an
    item asks (kept per meeting state by :func:`ecabinet.meetings.rooms.audiences_of`)."""
    seats = db.session.execute(_SEATS, {"meeting_id": meeting_id}).all()
    secretariat = secretariat_among([seat.user_id for seat in seats])
    found = {Audience(frozenset(), voters=True, tallies=True, everything=True)}
    found.update(_audience(None, seat, seat.user_id in secretariat, items) for seat in seats)
    return found


def voters_of(item: AgendaItem) -> list[Participant]:
    """The members who vote on the item: the meeting's voting members who may see it — of a
    confidential item, its invitees (and the chair, who sees every item). Those of them
    present when a vote opens are its eligible voters; all of them are the base of "… of all".
    """
    # A vote is cast from a seat in the meeting, not from an office: a member who also holds
    # the secretariat role (the Government Office's minister) sees a confidential item to run
    # the paperwork, but votes on it only when invited to it.
    return [p for p in item.meeting.voting_participants if sees_item(item, p, False)]
