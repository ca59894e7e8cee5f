"""On the embedded SQLite, who holds the one write lock, and for how long (issue 8, point 5).

A unit of work takes it from its first statement (a read then a write never fails with
SQLITE_BUSY); nothing else does until it writes. A page being rendered, the session loader and
every other read outside a unit hold nothing, so sign-ins and ballots never queue behind them.
"""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import select

from ecabinet.database import outside_transaction, unit_of_work
from ecabinet.extensions import db
from ecabinet.identity.models import User


@pytest.fixture
def sqlite_path(app):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("sqlite:///"):
        pytest.skip("the write lock is SQLite's")
    return url.removeprefix("sqlite:///")


def another_writer_can_start(path: str) -> bool:
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as error:
        assert "locked" in str(error)
        return False
    finally:
        other.close()


def test_reads_outside_a_unit_of_work_hold_no_lock(app, make_user, sqlite_path):
    make_user("member")
    with app.app_context():
        assert db.session.scalars(select(User)).all()  # a page's read, say
        assert another_writer_can_start(sqlite_path)
        db.session.remove()


def test_a_unit_of_work_holds_the_lock_from_its_first_read(app, make_user, sqlite_path):
    member = make_user("member")
    with app.app_context():
        with unit_of_work():
            user = db.session.get(User, member.id)
            assert not another_writer_can_start(sqlite_path)
            user.name = "Tên mới"
        assert another_writer_can_start(sqlite_path)


def test_a_write_outside_a_unit_takes_the_lock_to_its_commit(app, make_user, sqlite_path):
    member = make_user("member")
    with app.app_context():
        db.session.get(User, member.id).name = "Tên mới"
        db.session.flush()
        assert not another_writer_can_start(sqlite_path)
        db.session.commit()
        assert another_writer_can_start(sqlite_path)
        assert db.session.get(User, member.id).name == "Tên mới"


def test_outside_transaction_lets_the_lock_go(app, make_user, sqlite_path):
    member = make_user("member")
    with app.app_context(), unit_of_work():
        db.session.get(User, member.id)
        with outside_transaction():
            assert another_writer_can_start(sqlite_path)
        assert db.session.get(User, member.id).email == member.email
