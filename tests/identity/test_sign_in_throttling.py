"""Sign-in throttling keeps guessers out and lets a cabinet hall in (issue 8, point 4).

Members share one address (the hall's NAT, the reverse proxy); a guesser moves between
addresses. So the real limit is per account (failures, with a back-off), the per-address cap
is generous, the address is the one the trusted proxies saw, and a rate-limit store that is
down costs the counters, not the sign-ins.
"""

from __future__ import annotations

import logging

from sqlalchemy import update

from ecabinet import config
from ecabinet.extensions import db, socketio
from ecabinet.identity.models import User
from ecabinet.live.namespace import NAMESPACE
from tests.conftest import PASSWORD, AuthActions, csrf_from


def sign_in(client, email, password=PASSWORD, **kwargs):
    page = client.get("/login", **kwargs)
    return client.post("/login", data={"email": email, "password": password,
                                       "csrf_token": csrf_from(page.text)}, **kwargs)


def from_address(address: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": address}}


def test_a_cabinet_hall_behind_one_address_signs_in(make_app, tmp_path):
    """27 members behind one NAT, a few typing their password wrong first: all get in under the
    shipped per-address cap."""
    shipped = config.from_environment(tmp_path, {})["LOGIN_RATE_LIMIT"]
    app = make_app(LOGIN_RATE_LIMIT=shipped)
    from ecabinet.database import unit_of_work
    from ecabinet.identity import services

    emails = [f"member{n}@example.gov.vn" for n in range(27)]
    with app.app_context(), unit_of_work():
        for email in emails:
            services.create_user(email=email, name=email, roles=["member"], password=PASSWORD)
    hall = from_address("203.0.113.7")
    statuses = []
    for n, email in enumerate(emails):
        client = app.test_client()
        if n % 3 == 0:
            assert sign_in(client, email, "a typo in it", **hall).status_code == 401
        statuses.append(sign_in(client, email, **hall).status_code)
    assert statuses == [302] * 27


def test_an_account_backs_off_whatever_the_address(app, make_user):
    """Five wrong passwords from five addresses lock the account for a while: the sixth try is
    refused even with the right password, and the lock is audited."""
    member = make_user("member")
    statuses = [sign_in(app.test_client(), member.email, "wrong guess!",
                        **from_address(f"198.51.100.{n}")).status_code for n in range(5)]
    assert statuses == [401] * 5
    locked = sign_in(app.test_client(), member.email, **from_address("198.51.100.99"))
    assert locked.status_code == 429
    assert "Đăng nhập" in locked.text  # the sign-in page again, with the reason
    api = app.test_client().post("/api/v1/auth/token", json={
        "email": member.email, "password": PASSWORD})
    assert api.status_code == 429
    assert api.json["error"]["code"] == "too_many_attempts"
    with app.app_context():
        from ecabinet.audit.services import search

        assert len(search(action="auth.login_failed")) == 5
        assert len(search(action="auth.login_locked")) >= 1
        # The lock runs out: move it into the past.
        db.session.execute(update(User).where(User.id == member.id).values(
            locked_until=db.func.current_timestamp()))
        db.session.commit()
    assert sign_in(app.test_client(), member.email).status_code == 302
    with app.app_context():
        assert db.session.get(User, member.id).failed_logins == 0  # a sign-in starts afresh


def test_the_back_off_grows_with_each_failure(app, make_user):
    from datetime import UTC, datetime

    member = make_user("member")
    windows = []
    for _ in range(3):
        for _n in range(6):
            sign_in(app.test_client(), member.email, "wrong guess!")
        with app.app_context():
            user = db.session.get(User, member.id)
            windows.append((user.locked_until - datetime.now(UTC)).total_seconds())
            user.locked_until = None  # let the next round be tried
            db.session.commit()
    assert windows[0] > 0 and windows[1] > windows[0] and windows[2] > windows[1]


def test_second_factor_guesses_count_against_the_account(app, make_user):
    signer = make_user("signer")
    client = app.test_client()
    assert sign_in(client, signer.email).headers["Location"].endswith("/login/otp")
    page = client.get("/login/otp")
    statuses = [client.post("/login/otp", data={"code": "000000",
                                                "csrf_token": csrf_from(page.text)}).status_code
                for _ in range(6)]
    assert statuses[:5] == [401] * 5 and statuses[5] == 429


def test_the_address_is_the_one_the_trusted_proxy_saw(make_app):
    """Behind one proxy (ECABINET_TRUSTED_PROXIES=1), each member is counted by their own
    address, and the proxy's address counts for nothing."""
    app = make_app(TRUSTED_PROXIES=1, LOGIN_RATE_LIMIT="2 per minute")
    proxy = {"environ_base": {"REMOTE_ADDR": "10.0.0.2"}}

    def attempt(forwarded_for):
        return app.test_client().post("/api/v1/auth/token", json={
            "email": "x@example.gov.vn", "password": "nope-nope"},
            headers={"X-Forwarded-For": forwarded_for}, **proxy).status_code

    assert [attempt("192.0.2.1") for _ in range(3)] == [401, 401, 429]
    assert attempt("192.0.2.2") == 401  # someone else behind the same proxy


def test_without_trusted_proxies_a_forged_header_changes_nothing(make_app):
    app = make_app(LOGIN_RATE_LIMIT="2 per minute")
    statuses = [app.test_client().post("/api/v1/auth/token", json={
        "email": "x@example.gov.vn", "password": "nope-nope"},
        headers={"X-Forwarded-For": f"192.0.2.{n}"}).status_code for n in range(3)]
    assert statuses == [401, 401, 429]


def test_sign_in_works_with_the_rate_limit_store_down(make_app, make_user, caplog):
    """Redis unreachable: the limiter counts in memory, says so in the log, and members still
    sign in on the page, through the API, and connect live."""
    app = make_app(RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")
    caplog.set_level(logging.WARNING)
    from ecabinet.database import unit_of_work
    from ecabinet.identity import services

    with app.app_context(), unit_of_work():
        services.create_user(email="m@example.gov.vn", name="M", roles=["member"],
                             password=PASSWORD)
    browser = app.test_client()

    class Member:
        email, totp_secret = "m@example.gov.vn", None

    assert AuthActions(app, browser).login(Member).status_code == 302
    assert browser.get("/").status_code == 200
    token = app.test_client().post("/api/v1/auth/token", json={
        "email": "m@example.gov.vn", "password": PASSWORD})
    assert token.status_code == 201
    live = socketio.test_client(app, namespace=NAMESPACE, flask_test_client=browser)
    assert live.is_connected(NAMESPACE)
    live.disconnect(namespace=NAMESPACE)
    assert any("falling back to in-memory" in r.getMessage() for r in caplog.records
               if r.levelno == logging.WARNING)


def test_members_signing_in_use_none_of_the_address_allowance(make_app):
    """Only refused attempts count against an address: a hall's successful sign-ins do not."""
    app = make_app(LOGIN_RATE_LIMIT="3 per minute")
    from ecabinet.database import unit_of_work
    from ecabinet.identity import services

    emails = [f"m{n}@example.gov.vn" for n in range(6)]
    with app.app_context(), unit_of_work():
        for email in emails:
            services.create_user(email=email, name=email, roles=["member"], password=PASSWORD)
    assert [sign_in(app.test_client(), email).status_code for email in emails] == [302] * 6
    guesses = [sign_in(app.test_client(), "x@example.gov.vn", "nope-nope").status_code
               for _ in range(4)]
    assert guesses == [401, 401, 401, 429]


def test_sign_in_and_out_work_with_redis_entirely_down(make_app):
    """ECABINET_REDIS_URL set and Redis gone (rate limits, the live registry, the message
    queue): members still sign in, on the page and through the API, and sign out."""
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0", RATELIMIT_STORAGE_URI=None)
    from ecabinet.database import unit_of_work
    from ecabinet.identity import services

    with app.app_context(), unit_of_work():
        services.create_user(email="m@example.gov.vn", name="M", roles=["member"],
                             password=PASSWORD)
    browser = app.test_client()

    class Member:
        email, totp_secret = "m@example.gov.vn", None

    assert AuthActions(app, browser).login(Member).status_code == 302
    assert browser.get("/").status_code == 200
    assert app.test_client().post("/api/v1/auth/token", json={
        "email": "m@example.gov.vn", "password": PASSWORD}).status_code == 201
    assert AuthActions(app, browser).logout().status_code == 302
    assert browser.get("/").status_code == 302


def test_an_unknown_e_mail_backs_off_like_an_account(app, make_user):
    """Were only real accounts to answer 429, a guesser would learn who has one."""
    member = make_user("member")

    def answers(email):
        return [sign_in(app.test_client(), email, "wrong guess!",
                        **from_address(f"198.51.100.{n}")).status_code for n in range(6)]

    assert answers(member.email) == answers("nobody@example.gov.vn") == [401] * 5 + [429]
