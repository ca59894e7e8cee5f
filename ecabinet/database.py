"""Engine tuning, the one commit point of a request or socket event, and what runs after it
commits (:func:`on_commit`)."""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import event, exc
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import Pool

from ecabinet.errors import DomainError
from ecabinet.extensions import db

log = logging.getLogger(__name__)
_configured = False


def configure_engine_events() -> None:
    """Make SQLite fit for a live meeting's concurrent writes (PostgreSQL needs nothing).

    WAL lets readers go on while one connection writes; the busy timeout makes a second writer
    wait instead of failing with "database is locked". A deferred transaction that reads and
    then writes gets SQLITE_BUSY at once, whatever the timeout, so a transaction that may write
    starts with ``BEGIN IMMEDIATE`` and queues for the one write lock up front: every
    :func:`unit_of_work` (and :func:`audited_attempt`), from its first statement.

    Reads outside a unit of work (the session loader, a page's queries, rendering) take no
    lock at all: each runs on its own in autocommit, as it would under PostgreSQL's READ
    COMMITTED. Were they to hold the write lock, every page rendered would make every sign-in
    and ballot wait behind it, and past the busy timeout fail. A write outside a unit (a
    script, a background task) still begins ``BEGIN IMMEDIATE`` before its first statement and
    keeps the lock to its commit. SQLite is the embedded, single-process default; production
    runs PostgreSQL.

    On any database: :func:`on_commit`'s callbacks run after the commit, or are dropped on a
    rollback.
    """
    global _configured
    if _configured:
        return
    _configured = True
    event.listen(Engine, "connect", _on_connect)
    event.listen(Pool, "checkin", _note_idle)
    event.listen(Pool, "checkout", _ping_if_idle)
    event.listen(Engine, "before_cursor_execute", _before_execute)
    event.listen(Session, "after_flush", _note_write)
    event.listen(Session, "do_orm_execute", _note_write_statement)
    event.listen(Session, "after_transaction_end", _forget_writes)
    event.listen(Session, "after_commit", _run_after_commit)
    event.listen(Session, "after_soft_rollback", _drop_after_rollback)


def _is_sqlite(dbapi_connection) -> bool:
    return type(dbapi_connection).__module__.startswith("sqlite3")


def _on_connect(dbapi_connection, _record) -> None:
    if not _is_sqlite(dbapi_connection):
        return
    # No implicit BEGIN from pysqlite: :func:`_before_execute` decides when and how to begin.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    _make_files_private(cursor)
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


#: A pooled connection idle for longer than this is pinged before it is used again.
#:
#: Why not SQLAlchemy's ``pool_pre_ping`` (a ping at every checkout): it is one more round trip
#: for every request and socket event — in a ballot burst, each of 500 ballots (~10 % of a
#: ballot's CPU under gevent, bench/README.md). A connection dies while it is idle (a
#: PostgreSQL restart, a failover, a firewall or proxy dropping an idle TCP connection), and one
#: given back seconds ago is alive; so only one idle for longer is pinged, and a dead one is
#: replaced before the event sees it. Were one to die within these seconds all the same, its
#: event fails and SQLAlchemy recycles every connection of the pool opened before that moment.
PING_AFTER_IDLE_SECONDS = 10.0
_IDLE_SINCE = "ecabinet_idle_since"


def _note_idle(_dbapi_connection, record) -> None:
    record.info[_IDLE_SINCE] = time.monotonic()


def _ping_if_idle(dbapi_connection, record, _proxy) -> None:
    idle_since = record.info.pop(_IDLE_SINCE, None)
    if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS \
            or _is_sqlite(dbapi_connection):  # a file: nothing to lose while idle
        return
    try:
        _ping(dbapi_connection)
    except Exception as error:  # the pool replaces the connection and checks out again
        raise exc.DisconnectionError(f"an idle connection was dead: {error}") from error


def _ping(dbapi_connection) -> None:
    """One round trip outside any transaction, as SQLAlchemy's psycopg pre-ping does."""
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("SELECT 1")
    finally:
        cursor.close()
        dbapi_connection.autocommit = autocommit


def _make_files_private(cursor) -> None:
    """The database file and its WAL and shared-memory files: this user's only (0600).

    SQLite creates a database with the umask's mode (0644, world-readable, as a rule) and gives
    its -wal and -shm files the database's mode, so closing the database file closes the
    others that come after; existing ones (an older install) are closed here too.
    """
    import os
    import stat

    for _seq, name, path in cursor.execute("PRAGMA database_list").fetchall():
        if name != "main" or not path:  # in memory
            continue
        for file in (path, f"{path}-wal", f"{path}-shm", f"{path}-journal"):
            try:
                if stat.S_IMODE(os.stat(file).st_mode) & 0o077:
                    os.chmod(file, 0o600)
            except FileNotFoundError:
                continue


#: Set inside a unit of work: its transaction may write, so it takes the write lock up front.
_writing: ContextVar[bool] = ContextVar("ecabinet_writing", default=False)

_WRITE_STATEMENTS = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER",
                     "SAVEPOINT")


def _writes(statement: str) -> bool:
    head = statement.lstrip().split(None, 1)
    if not head:
        return False
    word = head[0].upper()
    if word == "WITH":  # a CTE: a write if it ends in one
        return any(w in statement.upper() for w in ("INSERT ", "UPDATE ", "DELETE "))
    return word in _WRITE_STATEMENTS


def _before_execute(connection, cursor, statement, parameters, context, executemany) -> None:
    """SQLite: open ``BEGIN IMMEDIATE`` before the first statement of a unit of work, or before
    the first write elsewhere (pysqlite's own implicit BEGIN is off, see :func:`_on_connect`)."""
    if connection.dialect.name != "sqlite":
        return
    driver = connection.connection.driver_connection
    if not driver.in_transaction and (_writing.get() or _writes(statement)):
        driver.execute("BEGIN IMMEDIATE")


@contextmanager
def unit_of_work():
    """Commit once when the block succeeds, roll back when it raises.

    Request handlers and socket handlers use this; services only flush.
    """
    writing = _writing.set(True)
    try:
        yield db.session
        db.session.commit()
    except DomainError as refusal:
        db.session.rollback()
        if refusal.audit is not None and not refusal.audited:
            _record_refusal(refusal.audit)
            refusal.audited = True
        raise
    except BaseException:
        db.session.rollback()
        raise
    finally:
        _writing.reset(writing)


_WROTE = "ecabinet_wrote"


def _note_write(session, _flush_context=None) -> None:
    session.info[_WROTE] = True


def _note_write_statement(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WROTE] = True


def _forget_writes(session, transaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended: committed or rolled back
        session.info.pop(_WROTE, None)


@contextmanager
def outside_transaction():
    """Run slow work (Argon2, say) with no transaction open.

    On SQLite every transaction holds the one write lock from its first statement (BEGIN
    IMMEDIATE, above): a slow step inside one makes every other request wait, and past the busy
    timeout fail with "database is locked". A transaction that has only read is ended here
    (rolled back: objects read are expired and reload in the next transaction, which the next
    statement opens). One that has written already (a provisioning script issuing a token in
    the transaction that created the user) is left open, since ending it would lose its work:
    the slow step then runs inside it, slower for others but right.
    """
    session = db.session()
    if not (session.new or session.dirty or session.deleted or session.info.get(_WROTE)):
        session.rollback()
    yield


def _record_refusal(entry: dict) -> None:
    """The audit line of a refused attempt, in a transaction of its own after the rollback:
    the attempt changed nothing, but it happened."""
    from ecabinet.audit import services as audit

    try:
        audit.record(**entry)
        db.session.commit()
    except Exception:  # the refusal is still the answer
        db.session.rollback()
        log.exception("could not record the refused attempt %s", entry.get("action"))


@contextmanager
def audited_attempt():
    """Like :func:`unit_of_work`, but a refusal (a DomainError) is committed too.

    Sign-in uses it so that the audit entry of a failed attempt survives the refusal;
    a refused attempt changes nothing else.
    """
    writing = _writing.set(True)
    try:
        yield db.session
        db.session.commit()
    except DomainError as refusal:
        db.session.commit()
        refusal.audited = True  # the attempt recorded its own lines, committed just now
        raise
    except BaseException:
        db.session.rollback()
        raise
    finally:
        _writing.reset(writing)


# --- after the commit ----------------------------------------------------------------------------

#: The callbacks waiting for the current transaction of a session to commit (and those to run
#: before them).
_AFTER_COMMIT, _FIRST_AFTER_COMMIT = "ecabinet.after_commit", "ecabinet.after_commit_first"


def on_commit(callback, *, first: bool = False) -> None:
    """Run ``callback`` once the current transaction commits; forget it if it rolls back.

    What must not happen unless the change does (a live broadcast, a job enqueued, a mail sent):
    a tablet never hears of a change that did not happen, a worker never looks for a row that
    is not there yet. Callbacks run in the order given; ``first``: before every callback not
    so marked, whenever given (what the others' audience must find done: a cache's version
    moved before the broadcasts that make tablets read it again)."""
    db.session.info.setdefault(_FIRST_AFTER_COMMIT if first else _AFTER_COMMIT, []).append(
        callback)


@contextmanager
def after_commit_discarded():
    """Forget whatever the block asks :func:`on_commit` to run; its changes still commit (the
    demo's uploads leave their conversion to the web server)."""
    pending = db.session.info.setdefault(_AFTER_COMMIT, [])
    before = len(pending)
    try:
        yield
    finally:
        del pending[before:]


def _run_after_commit(session: Session) -> None:
    for key in (_FIRST_AFTER_COMMIT, _AFTER_COMMIT):
        for callback in session.info.pop(key, []):
            try:
                callback()
            except Exception:  # a failed broadcast must not undo a committed change
                log.exception("a callback after the commit failed")


def _drop_after_rollback(session: Session, _previous_transaction) -> None:
    session.info.pop(_FIRST_AFTER_COMMIT, None)
    session.info.pop(_AFTER_COMMIT, None)
