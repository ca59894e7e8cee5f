"""Appending to the audit trail and verifying it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask import has_request_context, request
from sqlalchemy import bindparam, event, insert, select, text, update
from sqlalchemy.orm import Session, SessionTransaction

from ecabinet.audit.models import AuditEntry, AuditHead
from ecabinet.extensions import db

GENESIS_HASH = "0" * 64
HEAD_ID = 1


def entry_hash(prev_hash: str, entry: AuditEntry) -> str:
    """SHA-256 over the previous hash and every field of the entry, in a canonical form: the
    JSON array ``[seq, at, actor_id, actor_label, action, object_type, object_id, ip, details]``.
    (PostgreSQL computes the same in :data:`_APPEND_POSTGRESQL`.)"""
    payload = f"[{entry.seq},{_fields_after_seq(entry)}]"
    return hashlib.sha256(f"{prev_hash}\n{payload}".encode()).hexdigest()


def _fields_after_seq(entry: AuditEntry) -> str:
    """The canonical JSON of the hashed fields after ``seq``, without the array's brackets."""
    return json.dumps(
        [
            entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
            entry.actor_id,
            entry.actor_label,
            entry.action,
            entry.object_type,
            entry.object_id,
            entry.ip,
            entry.details,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )[1:-1]


def _client_address() -> str | None:
    return request.remote_addr if has_request_context() else None


def record(
    action: str,
    *,
    actor=None,
    target=None,
    details: dict | None = None,
    object_type: str | None = None,
    object_id: object | None = None,
    ip: str | None = None,
    linked_after_commit: bool = False,
) -> AuditEntry:
    """Add one entry to the caller's transaction: it commits or rolls back with the change.

    The entry waits in the session and is chained when the transaction commits (see
    :func:`_chain_pending`), so the chain's head row is locked only for the last moment of
    the transaction instead of from the first recorded change to the commit. Its ``seq``,
    ``at``, ``prev_hash`` and ``hash`` are filled in then; it is in the chain after commit.

    ``linked_after_commit`` (a ballot's entry, on PostgreSQL): the entry is written with the
    change but linked right after the commit, with every other entry committed meanwhile, by
    :func:`link_pending` — so a burst of such transactions does not queue on the head row's lock
    through each one's commit. It is as durable as the change (the same commit); only its
    place in the chain comes a moment later. A transaction with any other entry chains all of
    its entries at commit.
    """
    if target is not None:
        object_type = object_type or getattr(target, "__tablename__", type(target).__name__)
        object_id = object_id if object_id is not None else getattr(target, "id", None)
    entry = _new_entry(action, actor, details, object_type, object_id, ip)
    session = db.session()
    # Begin the transaction now if none is (no connection is taken yet), so that the entry
    # belongs to one: it is chained when that one commits, dropped when it does not.
    transaction = _innermost_transaction(session) or session.begin()
    session.info.setdefault(_PENDING, []).append((entry, transaction, linked_after_commit))
    # As before, the caller's pending changes are flushed here (code may rely on the ids).
    session.flush()
    return entry


def _new_entry(action, actor, details, object_type, object_id, ip) -> AuditEntry:
    return AuditEntry(**_entry_values(action, actor, details, object_type, object_id, ip))


def _entry_values(action, actor, details, object_type, object_id, ip) -> dict:
    """An entry's columns before it is chained (one definition for the ORM entry and for an
    entry written by a change's own statement, which needs no ORM object: 500 ballots)."""
    return {
        "actor_id": getattr(actor, "id", None),
        "actor_label": f"{actor.name} <{actor.email}>" if actor is not None else None,
        "action": action,
        "object_type": object_type,
        "object_id": None if object_id is None else str(object_id),
        "ip": ip or _client_address(),
        "details": json.dumps(details or {}, ensure_ascii=False, sort_keys=True, default=str),
    }


# --- an entry written by the change's own statement -----------------------------------------------

_UNLINKED = ("at", "actor_id", "actor_label", "action", "object_type", "object_id", "ip",
             "details")


def unlinked_insert(source, values=None):
    """The INSERT of an unlinked entry (as :func:`record` writes one ``linked_after_commit``)
    for each row of ``source`` — the rows a change's own statement wrote (a CTE): a named
    ballot's vote, ballot and entry are one statement on PostgreSQL. Its values are the
    parameters :func:`unlinked_params` gives, or ``values(name)``, the column of ``source``
    holding them (a statement writing many entries: one row of parameters each); after it,
    :func:`wrote_unlinked`."""
    table = AuditEntry.__table__
    columns = [values(f"audit_{name}") if values is not None
               else bindparam(f"audit_{name}", type_=table.c[name].type) for name in _UNLINKED]
    return insert(table).from_select(list(_UNLINKED), select(*columns).select_from(source))


def unlinked_types() -> dict:
    """The type of each of :func:`unlinked_params`' parameters (to pass many of them at once)."""
    table = AuditEntry.__table__
    return {f"audit_{name}": table.c[name].type for name in _UNLINKED}


def unlinked_params(action: str, *, actor, object_type: str, object_id, details: dict,
                    at: datetime) -> dict:
    values = {**_entry_values(action, actor, details, object_type, object_id, None), "at": at}
    return {f"audit_{name}": values[name] for name in _UNLINKED}


def wrote_unlinked() -> None:
    """The caller's statement wrote unlinked entries: the linker is woken once it commits."""
    for hook in after_unlinked_commit:
        hook()


def links_after_commit() -> bool:
    """Whether entries may be written unlinked here (PostgreSQL, unless configured off)."""
    return db.session.get_bind().dialect.name == "postgresql" and _linking_after_commit()


# --- chaining at commit ---------------------------------------------------------------------------

#: Key in ``Session.info``: the entries recorded in the open transaction, not chained yet, each
#: with the (innermost) transaction it was recorded in.
_PENDING = "ecabinet.audit_pending"
#: Key in ``Session.info``: the :class:`Chained` span of the transaction being committed.
CHAINED = "ecabinet.audit_chained"


@dataclass(frozen=True)
class Chained:
    """The entries one commit added: ``first``…``last`` (seq), and their actions."""

    first: int
    last: int
    actions: frozenset[str]


def _innermost_transaction(session: Session) -> SessionTransaction | None:
    return session.get_nested_transaction() or session.get_transaction()


def _chain_pending(session: Session) -> None:
    """``before_commit``: link this transaction's entries to the chain and write them.

    The transaction's own changes are flushed first, outside the lock. Then the head row is
    locked — a concurrent writer waits there, and reads the head again once we commit — the
    entries get the next numbers and hashes, and the head moves. So the lock is held for the
    append and the commit, not for the whole request or socket event. A savepoint's release is
    not the commit: its entries are chained with the outer transaction.
    """
    if session.get_nested_transaction() is not None or not session.info.get(_PENDING):
        return
    session.flush()
    pending = session.info.pop(_PENDING)
    entries = [entry for entry, _, _ in pending]
    at = datetime.now(UTC)
    for entry in entries:
        entry.at = at
    if session.get_bind().dialect.name != "postgresql":
        _append(session, entries)  # SQLite: BEGIN IMMEDIATE serialises the writers anyway
    elif all(later for _, _, later in pending) and _linking_after_commit():
        _write_unlinked(session, entries)
        return
    else:
        _append_postgresql(session, entries)
    # What this commit adds to the chain, for the checkpoints made after it (checkpoints.py).
    linked = session.info.pop(CHAINED, None)  # entries of earlier commits linked first
    session.info[CHAINED] = Chained(
        linked.first if linked else entries[0].seq, entries[-1].seq,
        frozenset(entry.action for entry in entries) | (linked.actions if linked else set()))


#: One round trip on PostgreSQL: lock the head, link the entry (the SHA-256 of
#: :func:`entry_hash`, computed by ``sha256()``), insert it and move the head. A transaction
#: under gevent gets the CPU back only when its greenlet's turn comes; with the lock held
#: across three round trips instead of one, the ballots of a burst spent 90 % of their time
#: queueing for it (bench/README.md).
_APPEND_POSTGRESQL = text("""
WITH head AS (
    SELECT last_seq + 1 AS seq, last_hash AS prev_hash
    FROM audit_head WHERE id = :head_id FOR UPDATE
), linked AS (
    SELECT seq, prev_hash,
           encode(sha256(convert_to(prev_hash || chr(10) || '[' || seq::text || ',' || :fields
                                    || ']', 'UTF8')), 'hex') AS hash
    FROM head
), moved AS (
    UPDATE audit_head SET last_seq = linked.seq, last_hash = linked.hash
    FROM linked WHERE audit_head.id = :head_id
)
INSERT INTO audit_entries (seq, at, actor_id, actor_label, action, object_type, object_id, ip,
                           details, prev_hash, hash)
SELECT seq, :at, :actor_id, :actor_label, :action, :object_type, :object_id, :ip, :details,
       prev_hash, hash
FROM linked
RETURNING id, seq, prev_hash, hash
""").bindparams(bindparam("at", type_=AuditEntry.__table__.c.at.type))


def _append_postgresql(session: Session, entries: list[AuditEntry]) -> None:
    for entry in entries:
        row = session.execute(_APPEND_POSTGRESQL, {
            "head_id": HEAD_ID, "fields": _fields_after_seq(entry), **_columns(entry),
        }).one_or_none()
        if row is None:
            raise RuntimeError("the audit chain has no head row (run the migrations)")
        entry.id, entry.seq, entry.prev_hash, entry.hash = row


def _append(session: Session, entries: list[AuditEntry]) -> None:
    """Elsewhere (SQLite: one writer at a time, BEGIN IMMEDIATE): read the head, link, write."""
    head = session.execute(
        select(AuditHead.last_seq, AuditHead.last_hash).where(AuditHead.id == HEAD_ID)
        .with_for_update()).one_or_none()
    if head is None:  # a database made without the migration's genesis row
        session.add(AuditHead(id=HEAD_ID, last_seq=0, last_hash=GENESIS_HASH))
        session.flush()
        head = (0, GENESIS_HASH)
    seq, prev_hash = head
    for entry in entries:
        seq += 1
        entry.seq, entry.prev_hash = seq, prev_hash
        entry.hash = prev_hash = entry_hash(prev_hash, entry)
    ids = session.execute(
        insert(AuditEntry.__table__).returning(AuditEntry.id, sort_by_parameter_order=True),
        [{"seq": e.seq, "prev_hash": e.prev_hash, "hash": e.hash, **_columns(e)}
         for e in entries]).scalars().all()
    for entry, entry_id in zip(entries, ids, strict=True):
        entry.id = entry_id
    session.execute(update(AuditHead).where(AuditHead.id == HEAD_ID)
                    .values(last_seq=seq, last_hash=prev_hash)
                    .execution_options(synchronize_session=False))


# --- entries linked after their commit ------------------------------------------------------------

#: Called (no arguments) when a transaction about to commit wrote unlinked entries: the
#: process's linker (:mod:`ecabinet.audit.linker`) asks to be woken once it has committed.
after_unlinked_commit: list = []
#: Entries linked per transaction by :func:`link_pending`.
LINK_BATCH = 1000

_ANY_UNLINKED = select(AuditEntry.id).where(AuditEntry.seq.is_(None)).limit(1)


def _linking_after_commit() -> bool:
    from flask import current_app, has_app_context

    return not has_app_context() or current_app.config.get("AUDIT_LINK_AFTER_COMMIT", True)


#: One entry (a ballot's, a check-in's): a plain INSERT, not the many-rows path with its
#: ordering of the returned ids.
_INSERT_ONE = insert(AuditEntry.__table__).returning(AuditEntry.__table__.c.id)


def _write_unlinked(session: Session, entries: list[AuditEntry]) -> None:
    """Insert the entries without seq and hashes, no lock taken; wake the linker at commit."""
    if len(entries) == 1:
        entries[0].id = session.execute(_INSERT_ONE, _columns(entries[0])).scalar_one()
    else:
        ids = session.execute(
            insert(AuditEntry.__table__).returning(AuditEntry.id, sort_by_parameter_order=True),
            [_columns(entry) for entry in entries]).scalars().all()
        for entry, entry_id in zip(entries, ids, strict=True):
            entry.id = entry_id
    for hook in after_unlinked_commit:
        hook()


def _link_unlinked(session: Session) -> int:
    """In the caller's transaction: lock the head, link up to :data:`LINK_BATCH` committed
    entries that have no place in the chain yet (oldest first), move the head. Returns how many.
    """
    table = AuditEntry.__table__
    head = session.execute(
        select(AuditHead.last_seq, AuditHead.last_hash).where(AuditHead.id == HEAD_ID)
        .with_for_update()).one_or_none()
    if head is None:
        raise RuntimeError("the audit chain has no head row (run the migrations)")
    # Read after the lock: another linker's work, committed while we waited, is seen.
    rows = session.execute(select(table).where(table.c.seq.is_(None))
                           .order_by(table.c.id).limit(LINK_BATCH)).all()
    if not rows:
        return 0
    seq, prev_hash = head
    first, links = seq + 1, []
    for row in rows:
        seq += 1
        entry = AuditEntry(**{**row._mapping, "seq": seq})
        digest = entry_hash(prev_hash, entry)
        links.append({"b_id": row.id, "b_seq": seq, "b_prev": prev_hash, "b_hash": digest})
        prev_hash = digest
    session.execute(update(table).where(table.c.id == bindparam("b_id")).values(
        seq=bindparam("b_seq"), prev_hash=bindparam("b_prev"), hash=bindparam("b_hash")), links)
    session.execute(update(AuditHead).where(AuditHead.id == HEAD_ID)
                    .values(last_seq=seq, last_hash=prev_hash)
                    .execution_options(synchronize_session=False))
    session.info[CHAINED] = Chained(first, seq, frozenset(row.action for row in rows))
    return len(rows)


def link_committed_first() -> None:
    """Link, in the caller's transaction, the entries committed before it that wait for their
    place, so that its own come after them in the chain: a vote's close after its ballots (the
    close holds the vote's row, so every ballot counted has committed). One statement when there
    are none."""
    session = db.session()
    if session.get_bind().dialect.name == "postgresql" and \
            session.execute(_ANY_UNLINKED).first() is not None:
        while _link_unlinked(session) == LINK_BATCH:
            pass


def link_pending() -> int:
    """Link every committed entry not in the chain yet, in transactions of their own (up to
    :data:`LINK_BATCH` each); returns how many. Run by each process's linker after such commits,
    and before the chain is verified: after a crash, entries committed but not linked are linked
    by the next of these (or by the next transaction that chains at commit)."""
    linked = 0
    with Session(db.engine) as session:  # without the lock: nothing to do, nothing locked
        if session.execute(_ANY_UNLINKED).first() is None:
            return 0
    while True:
        with Session(db.engine) as session, session.begin():
            count = _link_unlinked(session)
        linked += count
        if count < LINK_BATCH:
            return linked


def _columns(entry: AuditEntry) -> dict:
    return {"at": entry.at, "actor_id": entry.actor_id, "actor_label": entry.actor_label,
            "action": entry.action, "object_type": entry.object_type,
            "object_id": entry.object_id, "ip": entry.ip, "details": entry.details}


def _within(transaction: SessionTransaction | None, ancestor: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False


def _forget_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    """``after_soft_rollback``: a savepoint rolled back takes the entries recorded in it along."""
    pending = session.info.get(_PENDING)
    if pending:
        pending[:] = [(entry, transaction, later) for entry, transaction, later in pending
                      if not _within(transaction, previous_transaction)]


def _forget_at_end(session: Session, transaction: SessionTransaction) -> None:
    """``after_transaction_end``: whatever is left when the outermost transaction ends (rolled
    back or closed without a commit) did not happen."""
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


def install() -> None:
    """Chain every session's pending entries when it commits (once per process)."""
    for name, listener in (("before_commit", _chain_pending),
                           ("after_soft_rollback", _forget_rolled_back),
                           ("after_transaction_end", _forget_at_end)):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_seq: int | None = None
    broken_id: int | None = None
    reason: str | None = None
    #: The stored hash of each entry asked for (``verify_chain(at=…)``) found before any break.
    hashes: dict[int, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.reason is None


def _entries(after: int = 0) -> Iterator[AuditEntry]:
    """In batches (a server-side cursor on PostgreSQL), closed even when the walk stops early."""
    stmt = (select(AuditEntry).where(AuditEntry.seq > after).order_by(AuditEntry.seq)
            .execution_options(yield_per=1000))
    result = db.session.scalars(stmt)
    try:
        yield from result
    finally:
        result.close()


def verify_chain(at: Collection[int] = (), *,
                 after: tuple[int, str] | None = None) -> ChainReport:
    """Walk the chain from the start; stop at the first entry that was changed, removed or moved.

    ``at``: seqs whose stored hash to report (the checkpoints' entries). ``after``: start after
    entry ``seq`` whose hash is taken as given (a signed checkpoint's), checking the rest only.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        link_pending()  # committed entries waiting for their place (after a crash, say)
    start, prev_hash = after or (0, GENESIS_HASH)
    expected_seq, checked, wanted, hashes = start + 1, 0, set(at), {}
    with closing(_entries(start)) as entries:
        for entry in entries:
            problem = _problem_with(entry, expected_seq, prev_hash)
            if problem:
                return ChainReport(checked, entry.seq, entry.id, problem, hashes)
            if entry.seq in wanted:
                hashes[entry.seq] = entry.hash
            prev_hash, expected_seq, checked = entry.hash, expected_seq + 1, checked + 1
    head = db.session.get(AuditHead, HEAD_ID)
    last_seq = head.last_seq if head else 0
    end = expected_seq - 1
    if last_seq != end or (head and head.last_hash != prev_hash):
        return ChainReport(checked, end + 1, None,
                           f"the chain ends at entry {end} but {last_seq} were written", hashes)
    return ChainReport(checked, hashes=hashes)


def _problem_with(entry: AuditEntry, expected_seq: int, prev_hash: str) -> str | None:
    if entry.seq != expected_seq:
        return f"entry {expected_seq} is missing (the next one found is {entry.seq})"
    if entry.prev_hash != prev_hash:
        return "does not follow the entry before it (removed or reordered entries)"
    if entry_hash(prev_hash, entry) != entry.hash:
        return "its content was changed after it was written"
    return None


def search(*, action: str | None = None, actor_id: int | None = None,
           object_type: str | None = None, since: datetime | None = None,
           until: datetime | None = None, limit: int = 100, before_seq: int | None = None):
    """Newest first, filtered, for the admin page."""
    stmt = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit)
    if action:
        stmt = stmt.where(AuditEntry.action.startswith(action))
    if actor_id:
        stmt = stmt.where(AuditEntry.actor_id == actor_id)
    if object_type:
        stmt = stmt.where(AuditEntry.object_type == object_type)
    if since:
        stmt = stmt.where(AuditEntry.at >= since)
    if until:
        stmt = stmt.where(AuditEntry.at < until)
    if before_seq:
        stmt = stmt.where(AuditEntry.seq < before_seq)
    return list(db.session.scalars(stmt))
