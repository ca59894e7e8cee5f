"""Sign-ins at the start of a meeting come all at once (issue 8, point 5).

On the embedded SQLite every transaction holds the write lock (BEGIN IMMEDIATE): a slow step
inside one makes every other sign-in wait, and past the busy timeout they fail with
"database is locked". Argon2 is the slow step: it must run outside any transaction.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from ecabinet.extensions import db
from ecabinet.identity import passwords
from tests.conftest import PASSWORD, csrf_from


def _ship_hashing(monkeypatch) -> PasswordHasher:
    """Argon2 at the cost the server ships with (the suite uses the cheapest)."""
    hasher = PasswordHasher()
    monkeypatch.setattr(passwords, "_hasher", hasher)
    monkeypatch.setattr(passwords, "_DUMMY_HASH", hasher.hash("not-a-password-of-anyone"))
    return hasher


@pytest.fixture
def production_hashing(monkeypatch):
    return _ship_hashing(monkeypatch)


@pytest.fixture
def transactions_during_hashing(app, monkeypatch):
    """Whether a database transaction was open while Argon2 ran, call by call."""
    seen: list[bool] = []
    real = passwords._hasher

    class Watching:
        def __getattr__(self, name):
            return getattr(real, name)

        def verify(self, *args):
            seen.append(db.session().in_transaction())
            return real.verify(*args)

        def hash(self, *args):
            seen.append(db.session().in_transaction())
            return real.hash(*args)

    monkeypatch.setattr(passwords, "_hasher", Watching())
    return seen


def test_argon2_never_runs_inside_a_transaction(app, client, make_user, token_for,
                                                transactions_during_hashing):
    member = make_user("member")
    transactions_during_hashing.clear()  # creating the user hashed inside its transaction
    page = client.get("/login")
    assert client.post("/login", data={"email": member.email, "password": "wrong guess!",
                                       "csrf_token": csrf_from(page.text)}).status_code == 401
    assert client.post("/login", data={"email": member.email, "password": PASSWORD,
                                       "csrf_token": csrf_from(page.text)}).status_code == 302
    token_for(member)
    assert transactions_during_hashing and not any(transactions_during_hashing)


def test_a_needed_rehash_is_computed_outside_the_transaction(app, client, make_user,
                                                             production_hashing):
    """A hash made at an old cost is upgraded at sign-in; the new hash is also slow work."""
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    member = make_user("member")
    from ecabinet.identity.models import User

    with app.app_context():
        db.session.get(User, member.id).password_hash = cheap.hash(PASSWORD)
        db.session.commit()
    page = client.get("/login")
    assert client.post("/login", data={"email": member.email, "password": PASSWORD,
                                       "csrf_token": csrf_from(page.text)}).status_code == 302
    with app.app_context():
        stored = db.session.get(User, member.id).password_hash
    assert not production_hashing.check_needs_rehash(stored)
    assert production_hashing.verify(stored, PASSWORD)


class _SlowAsShipped:
    """The suite's cheapest Argon2, taking as long as the shipped cost (a quarter of a second
    here) without its arithmetic: what is under test is where the slow step runs — inside a
    transaction it holds SQLite's write lock, and fifty of them in a row outlast the busy
    timeout — not Argon2 itself. Fifty verifications at the shipped cost were the suite's
    largest use of CPU (20 s), which every other test waited for on two cores."""

    SECONDS = 0.25

    def __init__(self, real):
        self.real = real

    def __getattr__(self, name):
        return getattr(self.real, name)

    def verify(self, *args):
        time.sleep(self.SECONDS)  # releases the GIL, as argon2-cffi does while it hashes
        return self.real.verify(*args)


def test_fifty_concurrent_sign_ins_all_succeed(app, make_user, monkeypatch):
    from ecabinet.identity.models import User

    members = [make_user("member") for _ in range(50)]
    # Every sign-in's verification takes as long as at the shipped cost; the accounts share one
    # stored hash (made once) rather than paying fifty more for their creation.
    slow = _SlowAsShipped(passwords._hasher)
    monkeypatch.setattr(passwords, "_hasher", slow)
    stored = slow.hash(PASSWORD)
    with app.app_context():
        db.session.execute(sa.update(User).values(password_hash=stored))
        db.session.commit()
    browsers = [app.test_client() for _ in members]
    tokens = [csrf_from(browser.get("/login").text) for browser in browsers]
    start = threading.Barrier(len(members))

    def sign_in(n: int) -> tuple[int, int]:
        """Sign in and open the dashboard, as a member does."""
        start.wait()
        signed_in = browsers[n].post("/login", data={
            "email": members[n].email, "password": PASSWORD, "csrf_token": tokens[n]})
        return signed_in.status_code, browsers[n].get("/").status_code

    with ThreadPoolExecutor(len(members)) as pool:
        statuses = list(pool.map(sign_in, range(len(members))))
    assert statuses == [(302, 200)] * len(members)
    assert all(browser.get("/api/v1/me").status_code == 200 for browser in browsers)


def test_a_transaction_that_wrote_is_not_ended_for_the_hash(app):
    """Issuing a token in the transaction that created the user (a provisioning script) keeps
    the user: only a transaction that has merely read is ended around Argon2."""
    from datetime import timedelta

    from ecabinet.database import unit_of_work
    from ecabinet.identity import services

    with app.app_context():
        with unit_of_work():
            services.create_user(email="new@example.gov.vn", name="N", roles=["member"],
                                 password=PASSWORD)
            secret, token = services.issue_token(email="new@example.gov.vn", password=PASSWORD,
                                                 otp=None, ttl=timedelta(hours=1))
        assert services.user_for_token(secret)[0].email == "new@example.gov.vn"
