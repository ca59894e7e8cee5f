"""The pool pings a connection only when it comes back from being idle a while
(``ecabinet.database.PING_AFTER_IDLE_SECONDS``), not at every checkout: a burst of ballots does
not pay a round trip each, and a connection that died while idle (PostgreSQL restarted, a
firewall dropped it) is still replaced before any event sees it."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from ecabinet import database
from ecabinet.extensions import db


@pytest.fixture
def postgresql(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite keeps nothing alive to lose")
        db.engine.dispose()  # a pool of its own for this test
        yield db.engine
        db.engine.dispose()


@pytest.fixture
def pings(monkeypatch):
    sent = []
    real = database._ping

    def counting(dbapi_connection):
        sent.append(dbapi_connection)
        real(dbapi_connection)

    monkeypatch.setattr(database, "_ping", counting)
    return sent


def _backend_pid(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT pg_backend_pid()")).scalar_one()


def _kill(engine, pid: int) -> None:
    """As an administrator would, from outside the pool (whose one connection is the victim)."""
    other = create_engine(engine.url, poolclass=NullPool)
    try:
        with other.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        other.dispose()


def test_a_connection_just_given_back_is_not_pinged(postgresql, pings, monkeypatch):
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 60.0)
    pid = _backend_pid(postgresql)
    assert [_backend_pid(postgresql) for _ in range(5)] == [pid] * 5  # the same connection
    assert pings == []


def test_a_connection_killed_while_idle_is_replaced_before_use(postgresql, pings, monkeypatch):
    pid = _backend_pid(postgresql)
    _kill(postgresql, pid)
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 0.0)  # everything is idle now
    # Without the ping this would fail: the server closed that connection.
    assert _backend_pid(postgresql) != pid
    assert pings  # found dead by the ping, replaced by the pool


def test_within_the_idle_time_nothing_is_checked(postgresql, pings, monkeypatch):
    """The other side of the trade: a connection that died within the idle time fails the
    one statement that meets it; the pool then replaces the connections it holds."""
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 3600.0)
    pid = _backend_pid(postgresql)
    _kill(postgresql, pid)
    with pytest.raises(Exception, match="(?i)terminat|closed|connection"):
        _backend_pid(postgresql)
    assert _backend_pid(postgresql) != pid
    assert pings == []
