"""The meeting's version, and the ETag of its read.

``Meeting.version`` is bumped after every flush that changed something the meeting's read
shows: the meeting's row, its participants (but a check-in: counted by
``Meeting.present_count`` instead, see :func:`_only_checked_in`), items and their invitees,
and what other features register with :func:`track` (the documents on its agenda and their
versions). It is done here, from what the flush wrote, so that no service has to remember it.
A bulk ``UPDATE`` bypasses the flush: one that touches what the read shows calls :func:`bump`
itself. An invitee's first look (:func:`ecabinet.meetings.notices.record_opened`, a bulk
update) shows only in the organisers' read, whose ETag counts it (``Meeting.opened_count``).

The ETag of a read is the version with the reader: their id and roles (what they see depends
on both: a confidential item only for its invitees, the invitations for the organisers), and
the shape of the answer. One reader's ETag never matches another's, so a body cannot leak from
one reader to another through a cache, nor a 304 confirm to one what another sees.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from itertools import chain

from sqlalchemy import Executable, Select, event, inspect, select, update
from sqlalchemy.orm import Session

from ecabinet.identity.models import User
from ecabinet.meetings.models import AgendaItem, ItemInvitee, Meeting, Participant

#: model -> ``meeting_ids(objects)``: a set of ids, or a select of them.
_tracked: dict[type, Callable[[list], set[int] | Select]] = {}


def track(model: type, meeting_ids: Callable[[list], set[int] | Select]) -> None:
    """Changes of ``model``'s rows bump the version of the meetings ``meeting_ids`` names
    (called with the changed objects of one flush). Idempotent."""
    _tracked[model] = meeting_ids


def _items_meetings(objects: list) -> Select:
    return select(AgendaItem.meeting_id).where(
        AgendaItem.id.in_({o.item_id for o in objects}))


def _users_meetings(users: list) -> Select | set[int]:
    """A user's name or title is shown beside their seat and the items they present."""
    ids = {user.id for user in users}
    if not ids:
        return set()
    return select(Participant.meeting_id).where(Participant.user_id.in_(ids)).union(
        select(AgendaItem.meeting_id).where(AgendaItem.presenter_id.in_(ids)))


track(Meeting, lambda meetings: {m.id for m in meetings})
track(Participant, lambda rows: {p.meeting_id for p in rows})
track(AgendaItem, lambda items: {i.meeting_id for i in items})
track(ItemInvitee, _items_meetings)


def _shown_user_changed(user: User) -> bool:
    state = inspect(user)
    return any(state.attrs[name].history.has_changes() for name in ("name", "title"))


def _changed(session: Session) -> Iterable:
    dirty = (o for o in session.dirty if session.is_modified(o, include_collections=False)
             and not _only_checked_in(o))
    return chain(session.new, session.deleted, dirty)


def _only_checked_in(obj) -> bool:
    """A participant checking in, and nothing else: that moves ``Meeting.present_count`` (part
    of the ETag), not the version — so that a hall checking in at once does not queue on the
    meeting's row. Only from "not checked in" (a known None): any other change of the time
    would leave the count as it was, and so moves the version."""
    if not isinstance(obj, Participant):
        return False
    state = inspect(obj)
    changed = [attr for attr in state.attrs if attr.history.has_changes()]
    if [attr.key for attr in changed] != ["checked_in_at"]:
        return False
    history = changed[0].history
    return list(history.deleted) == [None] and history.added[0] is not None


def _after_flush(session: Session, _context) -> None:
    by_model = defaultdict(list)
    for obj in _changed(session):
        model = type(obj)
        if model is User:
            if obj in session.dirty and not _shown_user_changed(obj):
                continue
            by_model[model].append(obj)
        elif model in _tracked:
            by_model[model].append(obj)
    if not by_model:
        return
    connection = session.connection()
    ids: set[int] = set()
    for model, objects in by_model.items():
        found = (_users_meetings if model is User else _tracked[model])(objects)
        ids.update(connection.scalars(found) if isinstance(found, Executable) else found)
    ids.discard(None)
    if ids:
        _bump(connection, ids)


def _bump(connection, ids: set[int]) -> None:
    table = Meeting.__table__
    connection.execute(update(table).where(table.c.id.in_(sorted(ids)))
                       .values(version=table.c.version + 1))


def bump(session: Session, meeting: Meeting) -> None:
    """For a bulk UPDATE the flush does not see."""
    _bump(session.connection(), {meeting.id})
    session.expire(meeting, ["version"])


def init_app() -> None:
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)


def etag(user: User, meeting: Meeting, shape: str = "") -> str:
    """The read's ETag for this reader (see the module's docstring); ``shape``: the answer's
    fields, so that an ETag from before a change of the schema never matches. The organisers'
    read also shows who opened the invitation: theirs moves with ``Meeting.opened_count``
    too (an invitee's first look), no one else's does."""
    from ecabinet.meetings.access import is_organiser

    seed = (f"{meeting.id}:{meeting.version}:{meeting.present_count}:{user.id}:"
            f"{sorted(user.roles)}:{shape}")
    if is_organiser(user, meeting):
        seed += f":opened {meeting.opened_count}"
    return hashlib.sha256(seed.encode()).hexdigest()[:32]
