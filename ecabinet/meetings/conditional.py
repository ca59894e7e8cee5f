"""A tablet's read of a meeting decided before anything is loaded: whether the reader may read
it now, and their ETag of it — 304 when the one they send still holds; else 200 with the body
kept under that ETag.

A hall of tablets refreshing the agenda sends the ETag each holds; most of the time nothing
changed. The whole read pays for the bearer token's user as ORM objects, the meeting and the
reader's seat, flask-smorest's wrapper — for an empty answer. Here one plain statement reads
what decides that answer: the token's state, its user's account and roles, the meeting's
version, status and counts (present, opened), and the reader's seat. The rules are the ones
the whole read applies, the same functions given these columns instead of ORM objects: the
token's (:func:`ecabinet.identity.services.token_usable`), the meeting's
(:func:`ecabinet.meetings.access.sees_meeting`), the first look to record
(:func:`ecabinet.meetings.notices.needs_recording`) and the ETag
(:func:`ecabinet.meetings.versions.etag`).

It only ever says "you may read it, at this ETag": anything else — no such token or meeting,
a refusal, a first look to record — goes on to the whole read, which answers it as before
(401, 404, 200). So this path cannot answer what the whole read would not.

**The body of a plain read (no If-None-Match, or another ETag) is kept by ETag** (:class:`Bodies`,
made at the reader's first read of a version by :mod:`.read_body`, or by the whole read). The
ETag is by construction this reader's version of the body — the 304 above tells a tablet "what
you hold is still right" on the strength of it — so the body made under it is the answer for
as long as the ETag is the reader's. Every check is still made per request by the statement
above, so a revoked token, a deactivated account or a lost seat is refused at once on every
worker, with nothing to invalidate: the store holds bodies, never a decision. An entry nobody's
ETag names any more (the meeting moved on) is only memory, and the oldest go first. A body is
made after the statement that read its version, so it is never older than the ETag it is kept
under (at worst newer, which the next read's ETag corrects).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from weakref import WeakKeyDictionary

from flask import Flask, current_app
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

    def has_role(self, *roles: Role) -> bool:  # as User.has_role, for the rules
        return any(role in self.roles for role in roles)


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
    opened_count: int
    created_at: datetime
    seat: _Seat | None = field(default=None)

    def participant(self, user_id: int) -> _Seat | None:
        return self.seat if self.seat is not None and self.seat.user_id == user_id else None


# Built once (building it was a third of the early answer's CPU); a row per role.
_STATEMENT = (
    select(ApiToken.revoked_at, ApiToken.expires_at, User.id, User.active, UserRole.role,
           Meeting.version, Meeting.status, Meeting.published_at, Meeting.present_count,
           Meeting.opened_count, Meeting.created_at,
           Participant.role, Participant.opened_at, Participant.changes_unseen_since)
    .select_from(ApiToken)
    .join(User, User.id == ApiToken.user_id)
    .join(Meeting, Meeting.id == bindparam("meeting_id"))
    .outerjoin(UserRole, UserRole.user_id == User.id)
    .outerjoin(Participant, and_(Participant.meeting_id == Meeting.id,
                                 Participant.user_id == User.id))
    .where(ApiToken.token_hash == bindparam("token_hash")))


class _Compiled:
    """:data:`_STATEMENT` as one database's driver takes it: its SQL, where its parameters go,
    and the converters of its columns (text to datetime on SQLite, UTC made explicit), all
    from SQLAlchemy's own compiler and types, once per database."""

    def __init__(self, dialect):
        compiled = _STATEMENT.compile(dialect=dialect)
        self.sql = compiled.string
        self.positions = compiled.positiontup if compiled.positional else None
        self.converters = [column.type.dialect_impl(dialect).result_processor(dialect, None)
                           for column in _STATEMENT.selected_columns]

    def parameters(self, values: dict):
        if self.positions is None:
            return values
        return tuple(values[name] for name in self.positions)

    def convert(self, row) -> tuple:
        return tuple(value if convert is None or value is None else convert(value)
                     for convert, value in zip(self.converters, row, strict=True))


_compiled: WeakKeyDictionary = WeakKeyDictionary()


def _rows(values: dict) -> list[tuple]:
    """The statement's rows, sent on a pooled connection's driver cursor.

    Why not ``connection.execute``: SQLAlchemy's execution (its events, the compiled cache,
    the transaction it begins and ends, the result objects) was a quarter of the whole early
    answer's CPU, and ten times the statement's own time. The pool, the connection's reset
    and the engine's ``before_cursor_execute`` listeners (the SQLite write lock's rule, the
    tests' statement counts) are kept: the statement is announced to them as any other."""
    with db.engine.connect() as connection:
        dialect = connection.dialect
        compiled = _compiled.get(dialect)
        if compiled is None:
            compiled = _compiled.setdefault(dialect, _Compiled(dialect))
        parameters = compiled.parameters(values)
        cursor = connection.connection.cursor()
        try:
            connection.dispatch.before_cursor_execute(connection, cursor, compiled.sql,
                                                      parameters, None, False)
            cursor.execute(compiled.sql, parameters)
            found = cursor.fetchall()
            cursor.close()
        except Exception:
            connection.invalidate()  # as SQLAlchemy does with a lost connection: not reused
            raise
    return [compiled.convert(row) for row in found]


@dataclass(frozen=True)
class Reading:
    """What the statement decided: the reader may read the meeting now, and this is their
    ETag of it. ``key``: where :class:`Bodies` keeps the body of that ETag; ``reader`` and
    ``meeting``: the columns the rules read (``read_body`` builds the body from them)."""

    etag: str
    key: tuple
    reader: _Reader
    meeting: _Meeting


def body_key(meeting_id: int, created_at: datetime, etag: str) -> tuple:
    """The key of a body: the ETag, with the meeting's creation time, which tells a meeting
    from another that got the same id (a test's fresh database starting again from 1, while
    the app and this process's bodies outlive it)."""
    return (meeting_id, created_at, etag)


def reading(secret: str, meeting_id: int, shape: str) -> Reading | None:
    """The reader's ETag of the meeting when the token and the meeting's rule let them read it
    and opening it records nothing; None otherwise (the whole read decides)."""
    rows = _rows({"meeting_id": meeting_id, "token_hash": token_digest(secret)})
    if not rows:
        return None
    (revoked_at, expires_at, user_id, active, _role, version, status, published_at, present,
     opened, created_at, seat_role, opened_at, unseen) = rows[0]
    if not token_usable(revoked_at, expires_at, active):
        return None
    reader = _Reader(user_id, frozenset(Role(row[4]) for row in rows if row[4] is not None))
    seat = None if seat_role is None else _Seat(user_id, ParticipantRole(seat_role), opened_at,
                                                unseen)
    meeting = _Meeting(meeting_id, version, status, published_at, present, opened, created_at,
                       seat)
    if not access.sees_meeting(meeting, seat, Role.SECRETARIAT in reader.roles):
        return None
    if notices.needs_recording(reader, meeting):
        return None
    etag = versions.etag(reader, meeting, shape)
    return Reading(etag, body_key(meeting_id, created_at, etag), reader, meeting)


# --- the bodies, by ETag -------------------------------------------------------------------------

#: Bytes of bodies one process keeps (the oldest go first): a body is a few kB for a cabinet
#: meeting (3 kB for the demo's, ~60 kB with 500 participants), one per reader and version.
BODIES_MAX_BYTES = 32 * 1024 * 1024


class Bodies:
    """The whole read's bodies, by :func:`body_key` (see the module's docstring): a bounded
    least-recently-used store, per app and process. Never a decision: only what the whole read
    answered under an ETag the statement above has just found to be the reader's."""

    def __init__(self, max_bytes: int = BODIES_MAX_BYTES):
        self.max_bytes = max_bytes
        self.size = 0
        self._found: OrderedDict[tuple, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> bytes | None:
        with self._lock:
            body = self._found.get(key)
            if body is not None:
                self._found.move_to_end(key)
            return body

    def put(self, key: tuple, body: bytes) -> None:
        if len(body) > self.max_bytes:
            return
        with self._lock:
            old = self._found.pop(key, None)
            self.size += len(body) - (len(old) if old is not None else 0)
            self._found[key] = body
            while self.size > self.max_bytes:
                _key, dropped = self._found.popitem(last=False)
                self.size -= len(dropped)

    def clear(self) -> None:
        with self._lock:
            self._found.clear()
            self.size = 0

    def __len__(self) -> int:
        return len(self._found)


def bodies(app: Flask | None = None) -> Bodies:
    app = app or current_app._get_current_object()
    found = app.extensions.get("ecabinet_meeting_bodies")
    if found is None:
        found = app.extensions.setdefault("ecabinet_meeting_bodies", Bodies())
    return found
