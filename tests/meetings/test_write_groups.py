"""A live event's named ballots and check-ins, committed in groups on PostgreSQL
(voting.GROUP, sitting.CHECK_INS, ecabinet/group_commit.py): those waiting while one group is
written are the next statement; nobody waits for the group holding a pooled connection; each
change still has its audit entry and the chain verifies. A burst with a close in the middle:
test_voting_burst.py; a kill -9: tests/live/test_kill_during_burst.py."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from ecabinet.audit import services as audit
from ecabinet.audit.models import AuditEntry
from ecabinet.database import unit_of_work
from ecabinet.extensions import db
from ecabinet.identity.services import get_user
from ecabinet.meetings import access, sitting, voting
from ecabinet.meetings.models import Ballot
from tests.fixtures.groups import HoldFirstGroup
from tests.fixtures.secret_votes import open_vote

VOTERS = ("chair", "m1", "m2", "m3")
#: Fewer pooled connections than ballots at once: each ballot reads its caller on one, and a
#: group needs one to write.
POOL = {"pool_size": 2, "max_overflow": 0, "pool_timeout": 5, "pool_pre_ping": False}


@pytest.fixture
def app(make_app, db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("ballots are committed in groups on PostgreSQL (SQLite has one writer)")
    return make_app(SQLALCHEMY_ENGINE_OPTIONS=POOL)


def _cast_as_the_event_does(app, user_id, vote_id, choice):
    """The caller read on the event's own connection, then the ballot cast ``grouped``."""
    with app.app_context():
        try:
            with unit_of_work():
                return voting.cast_ballot(get_user(user_id), vote_id, choice, grouped=True)
        finally:
            db.session.remove()


def test_ballots_arriving_during_a_write_are_one_statement_and_hold_no_connection(
        app, api, session_open):
    cab = session_open
    vote_id = open_vote(api, cab)["id"]
    users = [cab.users[who].id for who in VOTERS]
    with app.app_context():
        held = HoldFirstGroup(db.engine, voting.GROUP, ("INTO ballots",), len(users) - 1)
    try:
        with ThreadPoolExecutor(max_workers=len(users)) as pool:
            first = pool.submit(_cast_as_the_event_does, app, users[0], vote_id, "yes")
            held.wait_until_held()  # the first group is being written
            # Three more ballots while it is: with two pooled connections, had each held its
            # own while waiting, the group could not have got one (pool_timeout: refused).
            rest = [pool.submit(_cast_as_the_event_does, app, user, vote_id, choice)
                    for user, choice in zip(users[1:], ("no", "abstain", "yes"), strict=True)]
            answers = [first.result(timeout=30)] + [f.result(timeout=30) for f in rest]
    finally:
        held.close()
    assert held.sizes == [1, 3]  # the three that waited are one statement
    assert [a["choice"] for a in answers] == ["yes", "no", "abstain", "yes"]
    assert all(a["receipt"] for a in answers)
    with app.app_context():
        rows = dict(db.session.execute(select(Ballot.user_id, Ballot.choice)
                                       .where(Ballot.vote_id == vote_id)).all())
        assert rows == dict(zip(users, ("yes", "no", "abstain", "yes"), strict=True))
        entries = db.session.scalars(select(AuditEntry.actor_id).where(
            AuditEntry.action == "ballot.cast")).all()
        assert sorted(entries) == sorted(users)  # one entry per ballot, its member's
        assert audit.verify_chain().ok
        db.session.remove()


def test_one_members_ballots_in_a_burst_end_with_the_last_one(app, api, session_open):
    cab = session_open
    vote_id = open_vote(api, cab)["id"]
    member = cab.users["m1"].id
    others = [cab.users[who].id for who in ("chair", "m2", "m3")]
    order = ("yes", "no", "abstain", "no", "yes", "abstain")
    done = threading.Event()

    def the_others():  # keep groups forming around m1's ballots
        while not done.is_set():
            for user in others:
                _cast_as_the_event_does(app, user, vote_id, "yes")

    with ThreadPoolExecutor(max_workers=2) as pool:
        background = pool.submit(the_others)
        try:
            for choice in order:  # one tablet: each ballot after the previous one's ack
                assert _cast_as_the_event_does(app, member, vote_id, choice)["choice"] == choice
        finally:
            done.set()
        background.result(timeout=30)
    with app.app_context():
        assert db.session.scalar(select(Ballot.choice).where(
            Ballot.vote_id == vote_id, Ballot.user_id == member)) == order[-1]
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "ballot.cast", AuditEntry.actor_id == member)) == len(order)
        db.session.remove()


def _check_in_as_the_event_does(app, user_id, meeting_id):
    with app.app_context():
        try:
            with unit_of_work():
                user = get_user(user_id)
                return sitting.check_in(user, access.seat_for(user, meeting_id), grouped=True)
        finally:
            db.session.remove()


def test_check_ins_arriving_during_a_write_are_one_statement_each_once(app, cabinet):
    mid = cabinet.meeting_id
    m1, m2, m3 = (cabinet.users[who].id for who in ("m1", "m2", "m3"))
    with app.app_context():
        held = HoldFirstGroup(db.engine, sitting.CHECK_INS, ("UPDATE meeting_participants",), 3)
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            first = pool.submit(_check_in_as_the_event_does, app, m1, mid)
            held.wait_until_held()
            # m1's tablet again (a double tap) while the first is being written, and two more
            rest = [pool.submit(_check_in_as_the_event_does, app, user, mid)
                    for user in (m2, m1, m3)]
            answers = [first.result(timeout=30)] + [f.result(timeout=30) for f in rest]
    finally:
        held.close()
    # m1's second is the next statement's, after the first committed: it changes nothing.
    assert answers == [True, True, False, True]
    assert held.sizes == [1, 3]
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry.actor_id).where(
            AuditEntry.action == "attendance.checkin")).all()
        assert sorted(entries) == sorted([m1, m2, m3])  # one entry per change
        assert audit.verify_chain().ok
        db.session.remove()
