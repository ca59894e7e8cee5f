"""A tablet's conditional read of a meeting answered 304 before anything is loaded.

A hall of tablets refreshing the agenda sends the ETag each holds; most of the time nothing
changed. The whole read pays for the bearer token's user as ORM objects, the meeting and the
reader's seat, flask-smorest's wrapper — for an empty answer. Here one plain statement reads
what decides that answer: the token's state, its user's account and roles, the meeting's
version and status, and the reader's seat. The rules are the ones the whole read applies, the
same functions given these columns instead of ORM objects: the token's
(:func:`ecabinet.identity.services.token_usable`), the meeting's
(:func:`ecabinet.meetings.access.sees_meeting`), the first look to record
(:func:`ecabinet.meetings.notices.needs_recording`) and the ETag
(:func:`ecabinet.meetings.versions.etag`).

It only ever says "unchanged": anything else — no such token or meeting, a refusal, a first
look to record, another ETag — goes on to the whole read, which answers it as before (401,
404, 200). So this path cannot answer what the whole read would not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, bindparam, select

from ecabinet.extensions import db
from ecabinet.identity.models import ApiToken, Role, User, UserRole
from ecabinet.identity.services import token_digest, token_usable
from ecabinet.meetings import access, notices, versions
from ecabinet.meetings.models import Meeting, Participant, ParticipantRole


@dataclass(frozen=True)
class _Reader:
    id: int
    roles: frozenset[Role]


@dataclass(frozen=True)
class _Seat:
    user_id: int
    role: ParticipantRole
    opened_at: datetime | None
    changes_unseen_since: datetime | None


@dataclass(frozen=True)
class _Meeting:
    """The columns of a meeting the rules above read, with :meth:`participant` as on the
    model (the reader's seat only: the one the rules ask for)."""

    id: int
    version: int
    status: str
    published_at: datetime | None
    present_count: int
    seat: _Seat | None = field(default=None)

    def participant(self, user_id: int) -> _Seat | None:
        return self.seat if self.seat is not None and self.seat.user_id == user_id else None


# Built once (building it was a third of the early answer's CPU); a row per role.
_STATEMENT = (
    select(ApiToken.revoked_at, ApiToken.expires_at, User.id, User.active, UserRole.role,
           Meeting.version, Meeting.status, Meeting.published_at, Meeting.present_count,
           Participant.role, Participant.opened_at, Participant.changes_unseen_since)
    .select_from(ApiToken)
    .join(User, User.id == ApiToken.user_id)
    .join(Meeting, Meeting.id == bindparam("meeting_id"))
    .outerjoin(UserRole, UserRole.user_id == User.id)
    .outerjoin(Participant, and_(Participant.meeting_id == Meeting.id,
                                 Participant.user_id == User.id))
    .where(ApiToken.token_hash == bindparam("token_hash")))


def unchanged_etag(secret: str, meeting_id: int, shape: str) -> str | None:
    """The reader's ETag of the meeting when the token and the meeting's rule let them read it
    and opening it records nothing; None otherwise (the whole read decides)."""
    rows = db.session.execute(_STATEMENT, {"meeting_id": meeting_id,
                                           "token_hash": token_digest(secret)}).all()
    if not rows:
        return None
    (revoked_at, expires_at, user_id, active, _role, version, status, published_at, present,
     seat_role, opened_at, unseen) = rows[0]
    if not token_usable(revoked_at, expires_at, active):
        return None
    reader = _Reader(user_id, frozenset(Role(row[4]) for row in rows if row[4] is not None))
    seat = None if seat_role is None else _Seat(user_id, ParticipantRole(seat_role), opened_at,
                                                unseen)
    meeting = _Meeting(meeting_id, version, status, published_at, present, seat)
    if not access.sees_meeting(meeting, seat, Role.SECRETARIAT in reader.roles):
        return None
    if notices.needs_recording(reader, meeting):
        return None
    return versions.etag(reader, meeting, shape)
