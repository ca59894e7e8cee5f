"""Meetings, their participants and agenda, positions, the speaker queue, votes and ballots."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
    func,
    inspect,
    select,
)
from sqlalchemy.orm import Mapped, column_property, lazyload, mapped_column, relationship

from ecabinet.extensions import db
from ecabinet.identity.models import User, utcnow


class MeetingStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    IN_SESSION = "in_session"
    ADJOURNED = "adjourned"
    CLOSED = "closed"


#: The lifecycle: where each status may go next. Adjourned sessions may resume.
TRANSITIONS = {
    MeetingStatus.DRAFT: {MeetingStatus.PUBLISHED},
    MeetingStatus.PUBLISHED: {MeetingStatus.IN_SESSION, MeetingStatus.DRAFT},
    MeetingStatus.IN_SESSION: {MeetingStatus.ADJOURNED, MeetingStatus.CLOSED},
    MeetingStatus.ADJOURNED: {MeetingStatus.IN_SESSION, MeetingStatus.CLOSED},
    MeetingStatus.CLOSED: set(),
}


class MeetingKind(enum.StrEnum):
    REGULAR = "regular"  # phiên họp thường kỳ
    THEMATIC = "thematic"  # phiên họp chuyên đề


class ParticipantRole(enum.StrEnum):
    CHAIR = "chair"
    MEMBER = "member"
    GUEST = "guest"
    SECRETARY = "secretary"


#: Roles that count for quorum and vote.
VOTING_ROLES = frozenset({ParticipantRole.CHAIR, ParticipantRole.MEMBER})


class QuorumRule(enum.StrEnum):
    #: The Government's working rules: a session needs two thirds of its members present.
    TWO_THIRDS = "two_thirds"
    MAJORITY = "majority"


class Stance(enum.StrEnum):
    AGREE = "agree"  # tán thành
    OBJECT = "object"  # không tán thành
    SPEAK = "speak"  # đăng ký phát biểu


class VoteRule(enum.StrEnum):
    MAJORITY_OF_ALL = "majority_of_all"
    MAJORITY_OF_PRESENT = "majority_of_present"
    TWO_THIRDS_OF_ALL = "two_thirds_of_all"
    TWO_THIRDS_OF_PRESENT = "two_thirds_of_present"


class Choice(enum.StrEnum):
    YES = "yes"  # tán thành
    NO = "no"  # không tán thành
    ABSTAIN = "abstain"  # không biểu quyết


class SpeakerStatus(enum.StrEnum):
    WAITING = "waiting"
    SPEAKING = "speaking"
    DONE = "done"
    WITHDRAWN = "withdrawn"


class Meeting(db.Model):
    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20), default=MeetingKind.REGULAR.value)
    starts_at: Mapped[datetime]
    location: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default=MeetingStatus.DRAFT.value, index=True)
    quorum_rule: Mapped[str] = mapped_column(String(20), default=QuorumRule.TWO_THIRDS.value)
    #: The item every tablet shows as current during the session.
    current_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_items.id", use_alter=True, ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    #: When the reminder before the meeting went out (once).
    reminder_sent_at: Mapped[datetime | None]
    #: Bumped by every change its read shows (:mod:`ecabinet.meetings.versions`): the read's
    #: ETag, so that a tablet asking again is answered 304 without the meeting being loaded.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    #: Loaded only when a page needs the whole list: a live event must not build 500
    #: participants (and their users and roles) to check one person's access.
    participants: Mapped[list[Participant]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", lazy="select",
        order_by="Participant.id")
    items: Mapped[list[AgendaItem]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", lazy="selectin",
        order_by="AgendaItem.position", foreign_keys="AgendaItem.meeting_id")

    def _participants_loaded(self) -> bool:
        return "participants" not in inspect(self).unloaded

    def participant(self, user_id: int) -> Participant | None:
        """The user's place in the meeting. Access rules ask for it many times a request, so
        the answer is remembered by this instance (it lives as long as the request's session;
        a participant is changed in place, and removed only through the loaded
        ``participants``, which is read instead once loaded — see :meth:`forget_participants`).
        "Not invited" is remembered too (the secretariat is a participant of few meetings and
        asks of every one): attaching a participant to the meeting forgets it (the listener
        below), so an invitation in the same request is seen."""
        if self._participants_loaded():
            return next((p for p in self.participants if p.user_id == user_id), None)
        found = self.__dict__.setdefault("_participant_of", {})
        if user_id not in found:
            # The user is the one asking, loaded already: not joined again (with their roles).
            found[user_id] = db.session.scalar(select(Participant).where(
                Participant.meeting_id == self.id, Participant.user_id == user_id)
                .options(lazyload(Participant.user)))
        return found[user_id]

    @staticmethod
    def remember_seats(meetings: list[Meeting], user_id: int) -> None:
        """Look the user's place up in all these meetings in one statement (a list of meetings
        checks each one's access), remembered as :meth:`participant` would."""
        pending = [m for m in meetings if not m._participants_loaded()
                   and user_id not in m.__dict__.get("_participant_of", {})]
        if not pending:
            return
        seats = {p.meeting_id: p for p in db.session.scalars(select(Participant).where(
            Participant.user_id == user_id,
            Participant.meeting_id.in_([m.id for m in pending]))
            .options(lazyload(Participant.user)))}
        for meeting in pending:
            meeting.__dict__.setdefault("_participant_of", {})[user_id] = seats.get(meeting.id)

    @classmethod
    def load_with_seat(cls, meeting_id: int, user_id: int, *, options=()) -> Meeting | None:
        """The meeting with the user's place in it (remembered as :meth:`participant`
        would), in one statement — none when both are loaded already."""
        meeting = db.session.identity_map.get(inspect(cls).identity_key_from_primary_key(
            (meeting_id,)))
        if meeting is not None and not inspect(meeting).expired and (
                meeting._participants_loaded()
                or user_id in meeting.__dict__.get("_participant_of", {})):
            return meeting
        row = db.session.execute(
            select(cls, Participant).outerjoin(Participant, (Participant.meeting_id == cls.id)
                                               & (Participant.user_id == user_id))
            .where(cls.id == meeting_id).options(*options, lazyload(Participant.user))).first()
        if row is None:
            return None
        meeting, seat = row
        if not meeting._participants_loaded():
            meeting.__dict__.setdefault("_participant_of", {})[user_id] = seat
        return meeting

    def forget_participants(self) -> None:
        """Read the participants from the database again at the next look."""
        self.__dict__.pop("_participant_of", None)
        db.session.expire(self, ["participants"])

    @property
    def voting_participants(self) -> list[Participant]:
        return [p for p in self.participants if p.role in VOTING_ROLES]

    @property
    def chair(self) -> Participant | None:
        if self._participants_loaded():
            return next((p for p in self.participants if p.role == ParticipantRole.CHAIR), None)
        return db.session.scalar(select(Participant).where(
            Participant.meeting_id == self.id, Participant.role == ParticipantRole.CHAIR))


class Participant(db.Model):
    __tablename__ = "meeting_participants"
    __table_args__ = (UniqueConstraint("meeting_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"),
                                            index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    invited_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Điểm danh: when the member checked in to the session (None: not present).
    checked_in_at: Mapped[datetime | None]
    #: When the invitee first opened the meeting (its page, its API read, the .ics) after it
    #: was published; one earlier than ``Meeting.published_at`` (published again) counts as not
    #: opened. The secretariat sees it; other invitees never do (:mod:`.notices`).
    opened_at: Mapped[datetime | None]
    #: The in-app notice "the agenda changed": when the first change the invitee has not seen
    #: yet was made after publication; cleared when they open the meeting (None: nothing new).
    changes_unseen_since: Mapped[datetime | None]

    meeting: Mapped[Meeting] = relationship(back_populates="participants")
    user: Mapped[User] = relationship(lazy="joined")


#: How many participants have checked in: with the version, what tells one state of the
#: meeting's read from another (:func:`ecabinet.meetings.versions.etag`). A check-in does not
#: move the version — 500 check-ins at once would queue on the meeting's row lock through each
#: one's commit — it moves this count, which only ever grows while the version stays.
#: Deferred: loaded where an ETag is made (:data:`ecabinet.meetings.queries.MEETING_ALONE`).
Meeting.present_count = column_property(
    select(func.count(Participant.id))
    .where(Participant.meeting_id == Meeting.id, Participant.checked_in_at.is_not(None))
    .correlate_except(Participant).scalar_subquery(), deferred=True)

#: How many invitees have opened the meeting since it was last published: with the version,
#: what tells one state of the organisers' read (who opened it) from another
#: (:func:`ecabinet.meetings.versions.etag`). A first look does not move the version — at
#: publication each tablet's first look made every other tablet's ETag stale — it moves this
#: count, which only ever grows while the version stays (publishing again moves the version).
#: Deferred: loaded where an ETag is made, with :attr:`present_count`.
Meeting.opened_count = column_property(
    select(func.count(Participant.id))
    .where(Participant.meeting_id == Meeting.id, Participant.opened_at >= Meeting.published_at)
    .correlate_except(Participant).scalar_subquery(), deferred=True)


@event.listens_for(Participant.meeting, "set")
def _seat_added(participant: Participant, meeting: Meeting | None, _old, _initiator) -> None:
    """A participant attached to a meeting (an invitation): the meeting's remembered "not
    invited" answers are forgotten (its user may not be set yet, so all of them)."""
    remembered = meeting.__dict__.get("_participant_of") if meeting is not None else None
    if remembered:
        for user_id in [u for u, seat in remembered.items() if seat is None]:
            del remembered[user_id]


class AgendaItem(db.Model):
    __tablename__ = "agenda_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"),
                                            index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(500))
    #: Cơ quan trình: the agency presenting the item.
    presenting_agency: Mapped[str | None] = mapped_column(String(200))
    presenter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    duration_min: Mapped[int | None]
    #: Mật: only the item's invitees (and the chair and secretaries) see it.
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Adopted together with other uncontested items, without discussion.
    adopted_without_discussion_at: Mapped[datetime | None]

    meeting: Mapped[Meeting] = relationship(back_populates="items", foreign_keys=[meeting_id])
    presenter: Mapped[User | None] = relationship(lazy="joined")
    invitees: Mapped[list[ItemInvitee]] = relationship(
        cascade="all, delete-orphan", lazy="selectin")

    @property
    def invitee_ids(self) -> set[int]:
        return {invitee.user_id for invitee in self.invitees}


class ItemInvitee(db.Model):
    """Who is invited to one item: guests see only such items; a confidential item only these."""

    __tablename__ = "agenda_item_invitees"
    __table_args__ = (UniqueConstraint("item_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id", ondelete="CASCADE"),
                                         index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class Position(db.Model):
    """A member's position on an item before the session (as in Estonia's e-cabinet)."""

    __tablename__ = "item_positions"
    __table_args__ = (UniqueConstraint("item_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id", ondelete="CASCADE"),
                                         index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    stance: Mapped[str] = mapped_column(String(10))
    note: Mapped[str | None] = mapped_column(Text)
    #: When this stance was taken: a note changed under the same stance leaves it, so those
    #: who asked to speak are queued in the order they asked (not of their last edit).
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")


class SpeakerRequest(db.Model):
    __tablename__ = "speaker_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id", ondelete="CASCADE"),
                                         index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(10), default=SpeakerStatus.WAITING.value)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="joined")


class Vote(db.Model):
    __tablename__ = "votes"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"),
                                            index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id", ondelete="CASCADE"),
                                         index=True)
    question: Mapped[str] = mapped_column(String(1000))
    secret: Mapped[bool] = mapped_column(Boolean, default=False)
    rule: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    #: Voting members of the meeting when the vote opened (the base of "… of all").
    members_total: Mapped[int] = mapped_column(Integer, default=0)
    #: Voting members present when the vote opened (the eligible; the base of "… of present").
    present_total: Mapped[int] = mapped_column(Integer, default=0)
    #: The result, fixed at close.
    tally_yes: Mapped[int | None]
    tally_no: Mapped[int | None]
    tally_abstain: Mapped[int | None]
    tally_absent: Mapped[int | None]
    outcome: Mapped[str | None] = mapped_column(String(10))
    #: Set when a tie was decided by the side the chair voted with.
    decided_by_chair: Mapped[bool] = mapped_column(Boolean, default=False)
    #: An end-to-end verifiable secret vote (issue 10): ballots are encrypted on the tablet
    #: under ``public_key`` (hex) and only their sums are decrypted, by the trustees
    #: (:mod:`ecabinet.meetings.verifiable`, its rows in :mod:`ecabinet.meetings.e2e_models`).
    #: Every secret vote opened since migration e2e0001 is (a secret vote closed before it is
    #: not, and has no record); the column stays for the API.
    verifiable: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    public_key: Mapped[str | None] = mapped_column(String(64))

    item: Mapped[AgendaItem] = relationship()


class VoteEligibility(db.Model):
    """Who may vote: the present voting members when the vote opened; and whether they have."""

    __tablename__ = "vote_eligibility"
    __table_args__ = (UniqueConstraint("vote_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("votes.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: For a secret vote: how many times the member's ballot was cast or changed. It records
    #: that the member voted, never what (the choice exists only encrypted, in e2e_ballots).
    ballot_version: Mapped[int] = mapped_column(Integer, default=0)


class Ballot(db.Model):
    """An open vote's ballot. One per member by the database; a new choice replaces the old."""

    __tablename__ = "ballots"
    __table_args__ = (UniqueConstraint("vote_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("votes.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    choice: Mapped[str] = mapped_column(String(10))
    cast_at: Mapped[datetime] = mapped_column(default=utcnow)


class MinutesKind(enum.StrEnum):
    MINUTES = "minutes"  # biên bản
    CONCLUSIONS = "conclusions"  # thông báo kết luận


class MinutesSource(enum.StrEnum):
    GENERATED = "generated"
    UPLOADED = "uploaded"


class MinutesVersion(db.Model):
    """One version of a meeting's minutes or conclusions notice (.docx). Versions are never
    changed or deleted; locking one makes it the final text and closes the series."""

    __tablename__ = "minutes_versions"
    __table_args__ = (UniqueConstraint("meeting_id", "kind", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"),
                                            index=True)
    kind: Mapped[str] = mapped_column(String(20))
    #: 1, 2, … per meeting and kind, in the order the versions were made.
    number: Mapped[int] = mapped_column(Integer)
    #: SHA-256 of the .docx: its name in :mod:`ecabinet.storage`.
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(255))
    #: "generated" from the session's record, or "uploaded" after the secretariat edited it.
    source: Mapped[str] = mapped_column(String(20))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Set on the final version: no version of this kind can be added after it.
    locked_at: Mapped[datetime | None]
    locked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id], lazy="joined")
    locked_by: Mapped[User | None] = relationship(foreign_keys=[locked_by_id], lazy="joined")
