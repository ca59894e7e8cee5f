"""Concurrent writers: the chain never forks, and SQLite does not fail with "database is locked"."""

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from ecabinet.audit import services as audit
from ecabinet.audit.models import AuditEntry
from ecabinet.database import unit_of_work
from ecabinet.extensions import db
from ecabinet.identity import services as identity

WRITERS = 8
EACH = 5


def _write(app, writer: int) -> None:
    for n in range(EACH):
        with app.app_context():
            with unit_of_work():
                # Read, then write: what fails at once on SQLite without BEGIN IMMEDIATE.
                identity.organisation_named(f"Cơ quan {writer}-{n}", create=True)
            db.session.remove()


def test_parallel_writers_keep_one_unbroken_chain(app):
    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        for future in [pool.submit(_write, app, w) for w in range(WRITERS)]:
            future.result()
    with app.app_context():
        seqs = db.session.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)).all()
        assert seqs == list(range(1, WRITERS * EACH + 1))
        assert db.session.scalar(select(func.count(func.distinct(AuditEntry.prev_hash)))) == \
            WRITERS * EACH
        assert audit.verify_chain().ok
