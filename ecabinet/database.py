"""Engine tuning and the one commit point of a request or socket event."""

from __future__ import annotations

import logging
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine

from ecabinet.extensions import db

log = logging.getLogger(__name__)
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


def _is_sqlite(dbapi_connection) -> bool:
    return type(dbapi_connection).__module__.startswith("sqlite3")


def _on_connect(dbapi_connection, _record) -> None:
    if not _is_sqlite(dbapi_connection):
        return
    # Let SQLAlchemy's "begin" event issue BEGIN itself instead of pysqlite's implicit one.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _on_begin(connection) -> None:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def unit_of_work():
    """Commit once when the block succeeds, roll back when it raises.

    Request handlers and socket handlers use this; services only flush.
    """
    from ecabinet.errors import DomainError

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
    from ecabinet.errors import DomainError

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
