"""What live events read of a meeting that is the same for many readers, kept per meeting state
instead of read again by each: the part of ``meeting.join``'s answer one audience shares, the
agenda's outline (what the access rule reads of it), and the meeting's audiences (who hears
which broadcast).

500 tablets joining at once each read the whole attendance (500 rows), the speaker queue, the
open vote, the agenda and — for the chair's audience — every position: the same answer 500
times (bench/README.md: 7.7 ms of CPU a join). Here it is built once per (meeting, state
version, :class:`~ecabinet.meetings.access.Audience`) and shared; what is the reader's own —
their role, check-in, positions, ballot — and the open vote's running count (it moves with
every ballot, which must not invalidate anything) are added per join by
:func:`ecabinet.meetings.state.snapshot_at`. The outline and the audiences are kept the same
way (:meth:`View.get`), so a join reads no agenda and a broadcast no participants.

The key is the audience itself (the items its members see and whether they hear about votes
and tallies), so a confidential item's invitee and someone not invited never share an entry.

**The version.** Any change to a meeting's rows the state is made of — the meeting, its
participants, items, invitees, speakers, positions, votes; or a user (names are shown; roles:
the secretariat sees everything) — found by the session's ``after_flush`` hook, or told by
:func:`changed` (a check-in's Core ``UPDATE``), moves the meeting's version once the
transaction commits, first of what runs then: before the change's broadcasts are sent and
before its audience rooms are emptied. (Another Core ``UPDATE`` of those tables is not seen by
the hook: none changes what is kept here today — the ballots' upsert and counters feed only the
count, read per join — and one that would must call :func:`changed`.) A reader takes the
versions *before* it reads the state, so an entry is never older than its version, and a join
that read the old version was in the room before the change's broadcast left. A transaction
that changed the meeting reads its own state, not a version's (:func:`view`). With
``REDIS_URL`` (several workers) the versions are counters in Redis, so a change committed by
any worker is seen by every worker's cache; without it, there is one process and they live in
it. If Redis cannot be reached, nothing is shared: every reader builds its own.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from ecabinet.database import on_commit
from ecabinet.extensions import db
from ecabinet.identity.models import User, UserRole
from ecabinet.meetings.models import (
    AgendaItem,
    ItemInvitee,
    Meeting,
    Participant,
    Position,
    SpeakerRequest,
    Vote,
)

log = logging.getLogger(__name__)

#: Key in ``Session.info``: meetings whose version moves when the transaction commits (None:
#: all of them — a change that names no single meeting, such as a user's name).
_CHANGED = "ecabinet.meeting_state_changed"
ALL = 0  # the version every meeting's key includes: moved by changes of no single meeting


@dataclass
class Entry:
    version: tuple
    shared: dict
    #: The open vote as the entry saw it: (id, secret), for the per-join count.
    vote: tuple[int, bool] | None
    #: The verifiable vote whose trustees decrypt, as the entry saw it: (id, item id).
    tallying: tuple[int, int] | None = None


@dataclass
class _Part:
    """Anything else kept per meeting state (the agenda's outline): ``value`` at ``version``."""

    version: tuple
    value: object


class _Building:
    __slots__ = ("versions", "done", "value", "built")

    def __init__(self, versions: tuple):
        self.versions, self.done, self.value, self.built = versions, threading.Event(), None, False


class _Store:
    """Per app and process: the entries, and the versions when there is no Redis."""

    def __init__(self, redis_url: str | None, prefix: str):
        self.entries: dict[tuple, Entry] = {}
        self.local: dict[int, int] = {}
        self.lock = threading.Lock()
        self.prefix = prefix
        self.redis = None
        if redis_url:
            from ecabinet.redis_pools import shared_client

            # 500 joins at once each read the versions: a blocking pool, or past the default
            # pool's 100 connections a join would find no version and build its part afresh.
            self.redis = shared_client(redis_url, socket_connect_timeout=2)
        #: How many shared parts this process built (the tests count them).
        self.builds = 0
        #: The parts being built now, by key: who misses one meanwhile waits for it.
        self.building: dict[tuple, _Building] = {}

    def once(self, key: tuple, versions: tuple, build):
        """``build()`` for ``key`` at ``versions``, once however many readers miss it at the
        same moment: the first builds, the others wait for its result. 500 tablets joining
        together (their callers read in one statement, so all at once) each built the same
        part before (bench/README.md): the CPU of 500 builds for one. If the first fails, each
        of the others builds its own."""
        with self.lock:
            building = self.building.get(key)
            leads = building is None or building.versions != versions
            if leads:
                building = self.building[key] = _Building(versions)
        if not leads:
            building.done.wait()
            return building.value if building.built else build()
        try:
            building.value, building.built = build(), True
            return building.value
        finally:
            with self.lock:
                if self.building.get(key) is building:
                    del self.building[key]
            building.done.set()

    def versions(self, meeting_id: int) -> tuple | None:
        keys = (ALL, meeting_id)
        if self.redis is None:
            with self.lock:
                return tuple(self.local.get(key, 0) for key in keys)
        try:
            return tuple(int(v or 0) for v in self.redis.mget(
                [f"{self.prefix}:{key}" for key in keys]))
        except Exception:  # noqa: BLE001 - no shared version, no sharing: build afresh
            log.warning("meeting state versions unavailable in Redis", exc_info=True)
            return None

    def bump(self, meeting_ids: set[int]) -> None:
        if self.redis is None:
            with self.lock:
                for key in meeting_ids:
                    self.local[key] = self.local.get(key, 0) + 1
            return
        try:
            with self.redis.pipeline(transaction=False) as pipe:
                for key in meeting_ids:
                    pipe.incr(f"{self.prefix}:{key}")
                pipe.execute()
        except Exception:  # noqa: BLE001 - the change is committed; forget what we hold
            log.exception("could not move the meeting state versions in Redis")
            with self.lock:
                self.entries.clear()


def store(app=None) -> _Store:
    app = app or current_app._get_current_object()
    found = app.extensions.get("ecabinet_join_snapshots")
    if found is None:
        prefix = f"{app.config.get('LIVE_CHANNEL', 'ecabinet')}:meeting-state"
        found = app.extensions.setdefault("ecabinet_join_snapshots",
                                          _Store(app.config.get("REDIS_URL"), prefix))
    return found


@dataclass
class View:
    """One reader's look at a meeting's kept state: the versions are read once, first — before
    anything the entries hold is read from the database (see the module's doc) — and every
    part the reader asks for is answered at those versions."""

    cache: _Store
    #: The meeting's id and creation time: together they tell a meeting from another that got
    #: the same id (the tests' databases start again from 1; versions and entries outlive them).
    meeting: tuple[int, object]
    versions: tuple | None

    def get(self, part, build):
        """The ``part`` kept at these versions (the agenda's outline, …); ``build()`` makes it
        when there is none."""
        key = (*self.meeting, part)
        if self.versions is not None:
            found = self.cache.entries.get(key)
            if found is not None and found.version == self.versions:
                return found.value
        if self.versions is None:
            return build()

        def build_and_keep():
            value = build()
            self.cache.entries[key] = _Part(self.versions, value)
            return value
        return self.cache.once(key, self.versions, build_and_keep)

    def shared(self, audience, build) -> Entry:
        """The entry for this audience; ``build()`` → ``(shared, vote, tallying)`` makes it."""
        key = (*self.meeting, audience)
        if self.versions is not None:
            found = self.cache.entries.get(key)
            if found is not None and found.version == self.versions:
                return found
        def build_and_keep():
            made = Entry(self.versions, *build())
            self.cache.builds += 1
            if self.versions is not None:
                self.cache.entries[key] = made
            return made
        if self.versions is None:
            return build_and_keep()
        return self.cache.once(key, self.versions, build_and_keep)


def view_at(meeting_id: int, created_at, versions: tuple) -> View:
    """``meeting_id``'s kept parts at ``versions`` the caller read from the database itself,
    before the state, instead of the joins' counters: the meeting's API read
    (:mod:`.read_body`), whose row's version and counts every change it shows moves."""
    return View(store(), (meeting_id, created_at), versions)


def view(meeting_id: int, created_at) -> View:
    """``meeting_id``'s kept state at its current versions; none (everything read afresh) in a
    transaction that changed the meeting: it reads its own changes, not yet a version's."""
    cache = store()
    session = db.session()
    if session.new or session.dirty or session.deleted:  # noted by the flush's hook
        session.flush()
    changed = session.info.get(_CHANGED) or ()
    if meeting_id in changed or ALL in changed:
        return View(cache, (meeting_id, created_at), None)
    return View(cache, (meeting_id, created_at), cache.versions(meeting_id))


# --- what moves a version ------------------------------------------------------------------------

def _meeting_of(session: Session, instance) -> int | None:
    """The meeting a changed row belongs to; None when it names no single one (ALL)."""
    if isinstance(instance, Meeting):
        return instance.id
    if isinstance(instance, Participant | AgendaItem | Vote):
        return instance.meeting_id
    if isinstance(instance, ItemInvitee | Position | SpeakerRequest):
        item = session.identity_map.get(session.identity_key(AgendaItem, instance.item_id)) \
            if instance.item_id is not None else None
        return item.meeting_id if item is not None else ALL
    if isinstance(instance, User):  # shown by name (speakers, presenters)
        return ALL if inspect(instance).attrs.name.history.has_changes() else -1
    if isinstance(instance, UserRole):  # the secretariat's audience (rare: every meeting's)
        return ALL
    return -1  # not part of any meeting's state


def _after_flush(session: Session, _context) -> None:
    found = set()
    for instance in (*session.new, *session.dirty, *session.deleted):
        meeting_id = _meeting_of(session, instance)
        if meeting_id is not None and meeting_id >= 0:
            found.add(meeting_id)
    if found:
        _note(session, found)


def changed(meeting_id: int) -> None:
    """A change to the meeting's state that the flush does not see (a Core ``UPDATE``: a
    check-in): its version moves when the current transaction commits, as for any other."""
    _note(db.session(), {meeting_id})


def _note(session: Session, found: set[int]) -> None:
    changed = session.info.get(_CHANGED)
    if changed is None:
        changed = session.info[_CHANGED] = set()
        if _has_app():
            app = current_app._get_current_object()
            if session is db.session():
                # First of what runs after the commit: before the change's broadcasts and
                # before its audience rooms are emptied (``rooms.audiences_changing``), so a
                # tablet told to join again never reads the version from before the change
                # (and with it the agenda's outline: the audience it would join).
                on_commit(lambda: store(app).bump(changed), first=True)
            else:  # a session of its own (none today): after its commit all the same
                event.listen(session, "after_commit", lambda _s: store(app).bump(changed),
                             once=True)
    changed.update(found)


def _forget(session: Session, _transaction) -> None:
    if _transaction.parent is None:
        session.info.pop(_CHANGED, None)


def _has_app() -> bool:
    from flask import has_app_context

    return has_app_context()


def install() -> None:
    """Once per process: every session reports the meeting rows it changes."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "after_transaction_end", _forget)
