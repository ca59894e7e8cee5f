"""What a session recorded, as plain data: the minutes' and the notice's one source.

Times are in Vietnam's time zone; the words (a vote's rule, its outcome) are the minutes'.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from ecabinet.extensions import db
from ecabinet.i18n import VIETNAM, in_vietnam
from ecabinet.identity.models import User
from ecabinet.meetings import queries
from ecabinet.meetings.models import (
    VOTING_ROLES,
    Meeting,
    MeetingKind,
    ParticipantRole,
    QuorumRule,
    SpeakerRequest,
    SpeakerStatus,
    Stance,
    Vote,
    VoteRule,
)

#: The rule a vote passes by, as the minutes write it.
RULE_WORDS = {
    VoteRule.MAJORITY_OF_ALL: "quá nửa tổng số thành viên Chính phủ",
    VoteRule.MAJORITY_OF_PRESENT: "quá nửa số thành viên có mặt",
    VoteRule.TWO_THIRDS_OF_ALL: "hai phần ba tổng số thành viên",
    VoteRule.TWO_THIRDS_OF_PRESENT: "hai phần ba số thành viên có mặt",
}
QUORUM_WORDS = {
    QuorumRule.TWO_THIRDS: "hai phần ba tổng số thành viên Chính phủ",
    QuorumRule.MAJORITY: "quá nửa tổng số thành viên Chính phủ",
}
OUTCOME_WORDS = {"adopted": "thông qua", "rejected": "không thông qua"}
KIND_WORDS = {MeetingKind.REGULAR: "thường kỳ", MeetingKind.THEMATIC: "chuyên đề"}
PLACE = "Hà Nội"


@dataclass(frozen=True)
class Person:
    name: str
    title: str | None = None

    @property
    def label(self) -> str:
        return f"{self.name}, {self.title}" if self.title else self.name


@dataclass(frozen=True)
class Quorum:
    present: int
    total: int
    needed: int
    reached: bool
    rule: str
    rule_words: str


@dataclass(frozen=True)
class Attendance:
    present: tuple[Person, ...]
    absent: tuple[Person, ...]
    guests_present: tuple[Person, ...]
    guests_absent: tuple[Person, ...]
    quorum: Quorum


@dataclass(frozen=True)
class PositionTally:
    """Positions stated before the session (tán thành / không tán thành / đăng ký phát biểu)."""

    agree: int
    against: int
    speak: int
    none: int


@dataclass(frozen=True)
class Speaker:
    person: Person
    #: "done", or "speaking" when the floor had not been taken back at the end.
    status: str
    started_at: datetime | None


@dataclass(frozen=True)
class VoteRecord:
    question: str
    secret: bool
    rule: str
    rule_words: str
    #: "closed", or "open" when the session stopped with the vote still open.
    status: str
    members_total: int
    present_total: int
    yes: int | None
    no: int | None
    abstain: int | None
    absent: int | None
    #: "adopted" / "rejected" (None while open), and the same in the minutes' words.
    outcome: str | None
    outcome_words: str | None
    #: A tie decided by the side the chair voted with.
    decided_by_chair: bool


@dataclass(frozen=True)
class ItemRecord:
    position: int
    title: str
    presenting_agency: str | None
    presenter: Person | None
    confidential: bool
    positions: PositionTally
    speakers: tuple[Speaker, ...]
    votes: tuple[VoteRecord, ...]
    adopted_without_discussion: bool


@dataclass(frozen=True)
class MeetingRecord:
    meeting_id: int
    title: str
    kind: str
    #: The trích yếu: "Phiên họp Chính phủ thường kỳ tháng 11 năm 2026".
    summary: str
    #: Times in Vietnam's time zone.
    starts_at: datetime
    started_at: datetime | None
    closed_at: datetime | None
    location: str | None
    status: str
    chair: Person | None
    secretary: Person | None
    attendance: Attendance
    items: tuple[ItemRecord, ...]
    #: The day the record was drawn up (the draft notice's date).
    drawn_up_on: date
    place: str = PLACE

    @property
    def began(self) -> datetime:
        """When the session actually opened (the scheduled time if it never did)."""
        return self.started_at or self.starts_at


def _person(user: User | None) -> Person | None:
    return Person(user.name, user.title) if user is not None else None


def _local(value: datetime | None) -> datetime | None:
    return in_vietnam(value) if value is not None else None


def meeting_summary(meeting: Meeting) -> str:
    """The trích yếu of the minutes. A regular meeting is named by its month, as the Government
    names them; a thematic one by its title."""
    starts = _local(meeting.starts_at)
    if meeting.kind == MeetingKind.REGULAR:
        return f"Phiên họp Chính phủ thường kỳ tháng {starts.month} năm {starts.year}"
    return meeting.title


def build_record(meeting: Meeting, *, secretary: User | None = None) -> MeetingRecord:
    """What the session recorded, as plain data. ``secretary`` is who takes the minutes when the
    meeting has no participant invited as secretary."""
    participants = sorted(meeting.participants,
                          key=lambda p: (p.role != ParticipantRole.CHAIR, p.id))
    voting = [p for p in participants if p.role in VOTING_ROLES]
    guests = [p for p in participants if p.role == ParticipantRole.GUEST]
    counted = queries.quorum(meeting)
    rule = QuorumRule(meeting.quorum_rule)
    attendance = Attendance(
        present=tuple(_person(p.user) for p in voting if p.checked_in_at is not None),
        absent=tuple(_person(p.user) for p in voting if p.checked_in_at is None),
        guests_present=tuple(_person(p.user) for p in guests if p.checked_in_at is not None),
        guests_absent=tuple(_person(p.user) for p in guests if p.checked_in_at is None),
        quorum=Quorum(counted["present"], counted["total"], counted["needed"],
                      counted["reached"], rule.value, QUORUM_WORDS[rule]))
    invited_secretary = next((p.user for p in participants
                              if p.role == ParticipantRole.SECRETARY), None)
    chair = meeting.chair
    return MeetingRecord(
        meeting_id=meeting.id, title=meeting.title, kind=meeting.kind,
        summary=meeting_summary(meeting), starts_at=_local(meeting.starts_at),
        started_at=_local(meeting.started_at), closed_at=_local(meeting.closed_at),
        location=meeting.location, status=meeting.status,
        chair=_person(chair.user) if chair else None,
        secretary=_person(invited_secretary or secretary),
        attendance=attendance,
        items=tuple(_item_record(item) for item in sorted(meeting.items,
                                                          key=lambda i: i.position)),
        drawn_up_on=datetime.now(VIETNAM).date())


def _item_record(item) -> ItemRecord:
    tally = queries.position_tally(item)
    speakers = db.session.scalars(
        select(SpeakerRequest)
        .where(SpeakerRequest.item_id == item.id,
               SpeakerRequest.status.in_([SpeakerStatus.DONE, SpeakerStatus.SPEAKING]))
        .order_by(SpeakerRequest.started_at, SpeakerRequest.id))
    votes = tuple(db.session.scalars(select(Vote).where(Vote.item_id == item.id)
                                     .order_by(Vote.opened_at, Vote.id)))
    return ItemRecord(
        position=item.position, title=item.title, presenting_agency=item.presenting_agency,
        presenter=_person(item.presenter), confidential=item.confidential,
        positions=PositionTally(tally[Stance.AGREE], tally[Stance.OBJECT], tally[Stance.SPEAK],
                                tally["none"]),
        speakers=tuple(Speaker(_person(r.user), r.status, _local(r.started_at))
                       for r in speakers),
        votes=tuple(_vote_record(vote) for vote in votes),
        # One outcome per item: a vote's result wins over an adoption without discussion (which
        # the rule no longer allows beside a vote, but an older record may hold both).
        adopted_without_discussion=item.adopted_without_discussion_at is not None and not votes)


def _vote_record(vote: Vote) -> VoteRecord:
    closed = vote.status == "closed"
    return VoteRecord(
        question=vote.question, secret=vote.secret, rule=vote.rule,
        rule_words=RULE_WORDS[VoteRule(vote.rule)], status=vote.status,
        members_total=vote.members_total, present_total=vote.present_total,
        yes=vote.tally_yes if closed else None, no=vote.tally_no if closed else None,
        abstain=vote.tally_abstain if closed else None,
        absent=vote.tally_absent if closed else None,
        outcome=vote.outcome if closed else None,
        outcome_words=OUTCOME_WORDS.get(vote.outcome) if closed else None,
        decided_by_chair=vote.decided_by_chair)
