"""Entries are chained when their transaction commits: in commit order, only if it commits, and
with the chain's head locked for the commit alone (not while the transaction does its work)."""

import pytest
from sqlalchemy import select, text

from ecabinet.audit import services as audit
from ecabinet.audit.models import AuditEntry
from ecabinet.database import audited_attempt, unit_of_work
from ecabinet.errors import Conflict
from ecabinet.extensions import db
from ecabinet.identity.models import Organisation


def _trail(app) -> list[tuple[int, str]]:
    with app.app_context():
        try:
            return [(e.seq, e.action) for e in db.session.scalars(
                select(AuditEntry).order_by(AuditEntry.seq))]
        finally:
            db.session.remove()


def _verified(app) -> bool:
    with app.app_context():
        try:
            return audit.verify_chain().ok
        finally:
            db.session.remove()


def test_entries_of_one_transaction_are_chained_together_at_commit(app):
    with app.app_context():
        with unit_of_work():
            first = audit.record("test.first", details={"n": 1})
            second = audit.record("test.second", details={"n": 2})
            # Not in the chain yet: numbered and hashed by the commit.
            assert first.seq is None and second.hash is None
        assert (first.seq, second.seq) == (1, 2)
        assert second.prev_hash == first.hash and first.at == second.at
        db.session.remove()
    assert _trail(app) == [(1, "test.first"), (2, "test.second")]
    assert _verified(app)


def test_a_rolled_back_or_abandoned_transaction_leaves_nothing(app):
    with app.app_context():
        with pytest.raises(Conflict), unit_of_work():
            audit.record("test.refused")
            raise Conflict("no")
        audit.record("test.abandoned")  # never committed: the session ends without a commit
        db.session.remove()
    with app.app_context():
        with unit_of_work():
            audit.record("test.kept")
        db.session.remove()
    assert _trail(app) == [(1, "test.kept")]
    assert _verified(app)


def test_a_refusal_committed_by_audited_attempt_is_chained(app):
    with app.app_context():
        with pytest.raises(Conflict), audited_attempt():
            audit.record("auth.login_failed", details={"email": "x@example.gov.vn"})
            raise Conflict("wrong password")
        db.session.remove()
    assert _trail(app) == [(1, "auth.login_failed")]


def test_a_savepoint_rolled_back_takes_its_entries_along(app):
    with app.app_context():
        with unit_of_work():
            audit.record("test.outer.before")
            with pytest.raises(Conflict), db.session.begin_nested():
                audit.record("test.inner.dropped")
                raise Conflict("undo the savepoint")
            with db.session.begin_nested():
                audit.record("test.inner.kept")
            audit.record("test.outer.after")
        db.session.remove()
    assert _trail(app) == [(1, "test.outer.before"), (2, "test.inner.kept"),
                           (3, "test.outer.after")]
    assert _verified(app)


def test_an_entry_recorded_before_any_statement_belongs_to_the_transaction(app):
    with app.app_context():
        db.session.remove()
        audit.record("test.first_thing")  # nothing has begun the session's transaction yet
        db.session.rollback()
        audit.record("test.then_committed")
        db.session.commit()
        db.session.remove()
    assert _trail(app) == [(1, "test.then_committed")]


def test_the_head_is_not_locked_while_a_transaction_works(app, database):
    """A transaction that has changed rows and recorded entries does not hold the chain's head:
    another writer commits meanwhile (and is chained first). With the head locked from the first
    entry to the commit, the second writer would wait here for the first — in this one thread,
    forever; ``lock_timeout`` turns that into an error instead."""
    if database["kind"] != "postgresql":
        pytest.skip("SQLite has one writer at a time whatever the chain does")
    with app.app_context():  # the slow transaction
        db.session.add(Organisation(name="Bộ Tư pháp"))
        audit.record("test.slow")
        db.session.flush()
        with app.app_context():  # another session, on another connection
            with unit_of_work() as session:
                session.execute(text("SET LOCAL lock_timeout = '5s'"))
                audit.record("test.quick")
            db.session.remove()
        db.session.commit()
        db.session.remove()
    assert _trail(app) == [(1, "test.quick"), (2, "test.slow")]
    assert _verified(app)


def test_recording_still_flushes_the_callers_changes(app):
    """Callers may read the id of what they just added once it is recorded, as before."""
    with app.app_context():
        with unit_of_work():
            organisation = Organisation(name="Bộ Ngoại giao")
            db.session.add(organisation)
            audit.record("organisation.create", details={"name": organisation.name})
            assert organisation.id is not None
        db.session.remove()
    assert _trail(app) == [(1, "organisation.create")]
