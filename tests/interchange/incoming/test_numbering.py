"""Numbers of the incoming register under concurrency: two receivers registering at the same
moment get distinct, consecutive numbers (PostgreSQL: the counter row's lock; SQLite: one
writer at a time)."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select, text

from ecabinet.database import unit_of_work
from ecabinet.extensions import db
from ecabinet.interchange.incoming import register
from ecabinet.interchange.incoming.models import IncomingDocument
from tests.interchange.incoming.conftest import deliver, hand_over, numbered


def _waiting_on_a_lock(app) -> int:
    with app.app_context():
        try:
            return db.session.scalar(text(
                "select count(*) from pg_stat_activity where wait_event_type = 'Lock' "
                "and datname = current_database()"))
        finally:
            db.session.remove()


def test_a_second_taker_waits_for_the_first_and_gets_the_next_number(ministry, database):
    if database["kind"] != "postgresql":
        pytest.skip("the row lock is PostgreSQL's; SQLite has one writer at a time")
    first_took, results = threading.Event(), {}
    release = threading.Event()

    def first():
        with ministry.app_context():
            with unit_of_work():
                results["first"] = register.take_number(2026)
                first_took.set()
                release.wait(30)
            db.session.remove()

    def second():
        first_took.wait(30)
        with ministry.app_context():
            with unit_of_work():
                results["second"] = register.take_number(2026)
            db.session.remove()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    first_took.wait(30)
    deadline = time.monotonic() + 30
    while _waiting_on_a_lock(ministry) < 1:  # the second is held by the first's lock
        assert time.monotonic() < deadline, "the second taker never waited"
        time.sleep(0.01)
    assert "second" not in results
    release.set()
    for thread in threads:
        thread.join(30)
    assert (results["first"], results["second"]) == (1, 2)


def test_two_pollers_at_once_register_distinct_consecutive_numbers(ministry, test_pki, pdfs):
    for number in range(1, 5):
        deliver(ministry, numbered(test_pki, pdfs.signed, number))
    start = threading.Barrier(2)
    errors = []

    def poller():
        try:
            start.wait(30)
            hand_over(ministry)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=poller) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    with ministry.app_context():
        numbers = sorted(db.session.scalars(select(IncomingDocument.number)))
    assert numbers == [1, 2, 3, 4]
