"""Engine tuning and the one commit point of a request or socket event."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ecabinet.extensions import db

_configured = False


def configure_engine_events() -> None:
    """Make SQLite fit for a live meeting's concurrent writes (PostgreSQL needs nothing).

    WAL lets readers go on while one connection writes; the busy timeout makes a second writer
    wait instead of failing with "database is locked". A deferred transaction that reads and
    then writes gets SQLITE_BUSY at once, whatever the timeout, so every transaction starts with
    ``BEGIN IMMEDIATE`` and queues for the write lock up front. SQLite is the embedded,
    single-process default; production runs PostgreSQL.
    """
    global _configured
    if _configured:
        return
    _configured = True
    event.listen(Engine, "connect", _on_connect)
    event.listen(Engine, "begin", _on_begin)
    event.listen(Session, "after_flush", _note_write)
    event.listen(Session, "do_orm_execute", _note_write_statement)
    event.listen(Session, "after_transaction_end", _forget_writes)


def _is_sqlite(dbapi_connection) -> bool:
    return type(dbapi_connection).__module__.startswith("sqlite3")


def _on_connect(dbapi_connection, _record) -> None:
    if not _is_sqlite(dbapi_connection):
        return
    # Let SQLAlchemy's "begin" event issue BEGIN itself instead of pysqlite's implicit one.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    _make_files_private(cursor)
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


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


def _on_begin(connection) -> None:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def unit_of_work():
    """Commit once when the block succeeds, roll back when it raises.

    Request handlers and socket handlers use this; services only flush.
    """
    try:
        yield db.session
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


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


@contextmanager
def audited_attempt():
    """Like :func:`unit_of_work`, but a refusal (a DomainError) is committed too.

    Sign-in uses it so that the audit entry of a failed attempt survives the refusal;
    a refused attempt changes nothing else.
    """
    from ecabinet.errors import DomainError

    try:
        yield db.session
        db.session.commit()
    except DomainError:
        db.session.commit()
        raise
    except BaseException:
        db.session.rollback()
        raise
