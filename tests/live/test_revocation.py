"""A revoked token or an ended account is disconnected at once, and hears no more broadcasts."""

from __future__ import annotations

import json
import logging
import secrets
import time

import pytest
import redis
from sqlalchemy import func, select

from ecabinet.audit.models import AuditEntry
from ecabinet.database import unit_of_work
from ecabinet.extensions import db, socketio
from ecabinet.identity import services as identity
from ecabinet.identity.models import ApiToken
from ecabinet.live import connections
from ecabinet.live.namespace import NAMESPACE
from ecabinet.meetings import broadcast_throttle
from tests.conftest import AuthActions, bearer
from tests.live.test_production_server import REDIS_URL, _redis_available
from tests.meetings.conftest import api, cabinet, connect_tablets, session_open  # noqa: F401

WAIT = 10  # seconds: the bound of every wait on Redis


def connect(app, **kwargs):
    return socketio.test_client(app, namespace=NAMESPACE, **kwargs)


def call(client, event, data=None):
    return client.emit(event, data or {}, namespace=NAMESPACE, callback=True)


def token_id(app, secret: str) -> int:
    with app.app_context():
        return identity.user_for_token(secret)[1].id


@pytest.fixture
def no_errors_logged(caplog):
    """Whatever went wrong after the commit is only logged (the commit stands): fail on it."""
    caplog.set_level(logging.ERROR, logger="ecabinet")
    yield
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


# --- a token --------------------------------------------------------------------------------

@pytest.fixture
def tablets(app, session_open, token_for):  # noqa: F811 - the imported fixture
    """The chair, two members, and m1 a second time with another token (a phone)."""
    tokens = {who: session_open.tokens[who] for who in ("chair", "m1", "m2")}
    tokens["m1_phone"] = token_for(session_open.users["m1"])
    yield from connect_tablets(app, tokens)


def test_a_revoked_token_is_disconnected_and_hears_nothing_more(app, client, session_open,  # noqa: F811
                                                                 tablets, no_errors_logged):
    cab = session_open
    for tablet in tablets.values():
        assert call(tablet, "meeting.join", {"meeting_id": cab.meeting_id})["ok"]
    # The check-ins' coalesced attendance broadcast is sent now, not during the revocation
    # below (it would reach m1 while still connected, which is right, but not this test's point).
    assert broadcast_throttle.wait_idle(app)
    for tablet in tablets.values():
        tablet.get_received(NAMESPACE)

    response = client.delete("/api/v1/auth/token", headers=bearer(cab.tokens["m1"]))
    assert response.status_code == 204
    assert not tablets["m1"].is_connected(NAMESPACE)
    # Only that token: the same person's other device, and everyone else, stay.
    assert all(tablets[who].is_connected(NAMESPACE) for who in ("chair", "m2", "m1_phone"))
    assert call(tablets["m1_phone"], "me")["ok"] is True

    moved = call(tablets["chair"], "agenda.set_current",
                 {"meeting_id": cab.meeting_id, "agenda_item_id": cab.items[1]})
    assert moved["ok"], moved
    for who in ("m1_phone", "m2"):
        states = [m["args"][0] for m in tablets[who].get_received(NAMESPACE)
                  if m["name"] == "meeting.state"]
        assert states and states[-1]["current_item_id"] == cab.items[1], who
    # The test client keeps whatever the server sends to it, connected or not: nothing came.
    assert tablets["m1"].queue == []


def test_revoking_a_token_again_is_harmless(app, client, make_user, token_for, no_errors_logged):
    member = make_user("member")
    secret = token_for(member)
    revoked = token_id(app, secret)
    live = connect(app, auth={"token": secret})
    assert client.delete("/api/v1/auth/token", headers=bearer(secret)).status_code == 204
    assert not live.is_connected(NAMESPACE)
    with app.app_context():
        with unit_of_work():
            identity.revoke_token(db.session.get(ApiToken, revoked),
                                  actor=identity.get_user(member.id))
        # The revocation is audited once, by the service, as before.
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "auth.token_revoked")) == 1


# --- an account -------------------------------------------------------------------------------

@pytest.fixture
def member_everywhere(app, make_user, token_for):
    """A member on a tablet, on a phone (two tokens) and in a browser (session cookie), and a
    colleague on a tablet; returns (member, colleague, {device: live client})."""
    member, colleague = make_user("member"), make_user("member")
    browser = app.test_client()
    assert AuthActions(app, browser).login(member).status_code == 302
    clients = {
        "tablet": connect(app, auth={"token": token_for(member)}),
        "phone": connect(app, auth={"token": token_for(member)}),
        "browser": connect(app, flask_test_client=browser),
        "colleague": connect(app, auth={"token": token_for(colleague)}),
    }
    assert all(c.is_connected(NAMESPACE) for c in clients.values())
    yield member, colleague, clients
    for live in clients.values():
        if live.is_connected(NAMESPACE):
            live.disconnect(namespace=NAMESPACE)


def _member_devices(clients):
    return {name: live.is_connected(NAMESPACE) for name, live in clients.items()}


def test_deactivating_a_user_through_the_admin_api_disconnects_all_their_connections(
        client, make_user, token_for, member_everywhere, no_errors_logged):
    member, _, clients = member_everywhere
    admin = make_user("admin")
    response = client.patch(f"/api/v1/users/{member.id}", json={"active": False},
                            headers=bearer(token_for(admin)))
    assert response.status_code == 200, response.get_json()
    assert _member_devices(clients) == {"tablet": False, "phone": False, "browser": False,
                                        "colleague": True}


def test_a_member_may_not_deactivate_anyone(client, token_for, member_everywhere):
    member, colleague, clients = member_everywhere
    response = client.patch(f"/api/v1/users/{member.id}", json={"active": False},
                            headers=bearer(token_for(colleague)))
    assert response.status_code == 403
    assert all(_member_devices(clients).values())


@pytest.mark.parametrize("change", [
    {"roles": ["member", "secretariat"]},
    {"active": False},
    {"password": "an entirely new passphrase"},
])
def test_changes_that_end_sessions_disconnect(app, make_user, member_everywhere, change,
                                              no_errors_logged):
    member, _, clients = member_everywhere
    admin = make_user("admin")
    with app.app_context(), unit_of_work():
        identity.update_user(identity.get_user(member.id), actor=identity.get_user(admin.id),
                             **change)
    assert _member_devices(clients) == {"tablet": False, "phone": False, "browser": False,
                                        "colleague": True}


def test_other_changes_keep_the_connections(app, make_user, member_everywhere):
    member, _, clients = member_everywhere
    admin = make_user("admin")
    with app.app_context(), unit_of_work():
        identity.update_user(identity.get_user(member.id), actor=identity.get_user(admin.id),
                             name="Tên mới", title="Thứ trưởng", locale="en")
    assert all(_member_devices(clients).values())
    assert call(clients["tablet"], "me")["user"]["name"] == "Tên mới"


# --- rollback, dropped connections, refusals ------------------------------------------------------

class Abort(Exception):
    pass


def _revoke_token(app, secret, member, admin):
    found = identity.user_for_token(secret)
    identity.revoke_token(found[1], actor=found[0])


def _deactivate(app, secret, member, admin):
    identity.update_user(identity.get_user(member.id), actor=identity.get_user(admin.id),
                         active=False)


@pytest.mark.parametrize("revoke", [_revoke_token, _deactivate])
def test_a_revocation_that_rolls_back_cuts_nobody(app, make_user, token_for, revoke,
                                                  no_errors_logged):
    member, admin = make_user("member"), make_user("admin")
    secret = token_for(member)
    live = connect(app, auth={"token": secret})
    with app.app_context(), pytest.raises(Abort), unit_of_work():
        revoke(app, secret, member, admin)
        raise Abort
    assert live.is_connected(NAMESPACE)
    assert call(live, "me")["ok"] is True  # nothing was revoked
    # The rolled-back revocation left nothing waiting: the next commit cuts nobody either.
    with app.app_context(), unit_of_work():
        identity.update_user(identity.get_user(member.id), actor=identity.get_user(admin.id),
                             name="Người dùng khác")
    assert live.is_connected(NAMESPACE)
    live.disconnect(namespace=NAMESPACE)


def test_a_connection_that_already_dropped_is_no_error(app, client, make_user, token_for,
                                                        no_errors_logged):
    member = make_user("member")
    secret = token_for(member)
    live = connect(app, auth={"token": secret})
    live.disconnect(namespace=NAMESPACE)
    with app.app_context():
        assert connections.registry().sids(user_id=member.id) == []
        # A sid the registry still lists though nobody holds it (a worker died with it).
        connections.registry().add("gone-with-its-worker", member.id, token_id(app, secret))
    assert client.delete("/api/v1/auth/token", headers=bearer(secret)).status_code == 204


def test_the_registry_follows_connect_and_disconnect(app, client, auth, make_user, token_for):
    member = make_user("member")
    secret = token_for(member)
    tablet = connect(app, auth={"token": secret})
    auth.login(member)
    browser = connect(app, flask_test_client=client)
    with app.app_context():
        found = connections.registry()
        assert len(found.sids(user_id=member.id)) == 2
        assert len(found.sids(token_id=token_id(app, secret))) == 1
        tablet.disconnect(namespace=NAMESPACE)
        assert len(found.sids(user_id=member.id)) == 1
        assert found.sids(token_id=token_id(app, secret)) == []
        browser.disconnect(namespace=NAMESPACE)
        assert found.sids(user_id=member.id) == []


def test_a_connection_the_registry_cannot_note_is_refused(app, make_user, token_for,
                                                          monkeypatch, caplog):
    def unavailable(sid, user_id, token_id, login_id=None):
        raise connections.RegistryUnavailable("Redis is down")

    monkeypatch.setattr(connections, "register", unavailable)
    with caplog.at_level(logging.ERROR, logger="ecabinet"):
        live = connect(app, auth={"token": token_for(make_user("member"))})
    assert not live.is_connected(NAMESPACE)
    assert "could not register a live connection" in caplog.text


@pytest.mark.parametrize("kwargs", [{}, {"user_id": 1, "token_id": 2}])
def test_end_connections_wants_a_user_or_a_token(app, kwargs):
    with app.app_context(), pytest.raises(ValueError):
        connections.end_connections(**kwargs)


# --- Redis ----------------------------------------------------------------------------------------

needs_redis = pytest.mark.skipif(not _redis_available(), reason=f"no Redis at {REDIS_URL}")


class Clock:
    def __init__(self):
        self.now = 1_000_000.0

    def __call__(self):
        return self.now


@pytest.fixture
def redis_prefix():
    """Keys of this test only (the suite may run elsewhere on the same Redis), removed after."""
    prefix = f"ecabinet-test-{secrets.token_hex(6)}:live-connections"
    yield prefix
    with redis.Redis.from_url(REDIS_URL) as client:
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)


@needs_redis
def test_the_redis_registry(redis_prefix):
    clock = Clock()
    worker_a = connections.RedisRegistry(REDIS_URL, prefix=redis_prefix, clock=clock)
    worker_b = connections.RedisRegistry(REDIS_URL, prefix=redis_prefix, clock=clock)
    try:
        worker_a.add("a-tablet", 7, 70)
        worker_a.add("a-browser", 7, None)
        worker_b.add("b-phone", 7, 71)
        worker_b.add("b-other", 8, 80)
        # Every worker finds every worker's connections.
        assert sorted(worker_a.sids(user_id=7)) == ["a-browser", "a-tablet", "b-phone"]
        assert worker_a.sids(token_id=71) == ["b-phone"]
        assert worker_b.sids(token_id=70) == ["a-tablet"]
        with redis.Redis.from_url(REDIS_URL) as client:
            for key in (worker_a.user_key(7), worker_a.token_key(70)):
                assert 0 < client.ttl(key) <= connections.EXPIRY_SECONDS

        worker_a.remove("a-tablet")
        assert worker_b.sids(token_id=70) == []
        assert sorted(worker_b.sids(user_id=7)) == ["a-browser", "b-phone"]
        worker_a.remove("never-added")  # nothing to do

        # Worker A goes on refreshing; worker B has crashed: its entries lapse, A's do not.
        clock.now += connections.EXPIRY_SECONDS - 10
        worker_a.refresh()
        clock.now += 20
        assert worker_a.sids(user_id=7) == ["a-browser"]
        assert worker_a.sids(token_id=71) == []
        assert worker_a.sids(user_id=8) == []
        worker_a.refresh()  # and lapsed members are swept from the sets it writes
        with redis.Redis.from_url(REDIS_URL) as client:
            assert client.zcard(worker_a.user_key(7)) == 1
    finally:
        worker_a.close()
        worker_b.close()


@needs_redis
def test_an_unreachable_redis_is_reported(redis_prefix):
    broken = connections.RedisRegistry("redis://127.0.0.1:1/0", prefix=redis_prefix)
    try:
        with pytest.raises(connections.RegistryUnavailable):
            broken.add("sid", 1, None)
        with pytest.raises(connections.RegistryUnavailable):
            broken.sids(user_id=1)
    finally:
        broken.close()


@needs_redis
def test_a_revocation_reaches_other_workers_through_the_message_queue(
        make_app, make_user, token_for, redis_prefix, no_errors_logged):
    """The disconnect of a sid another worker holds is published on the deployment's channel,
    where that worker's PubSubManager picks it up (python-socketio 5.x)."""
    member, colleague, admin = make_user("member"), make_user("member"), make_user("admin")
    kept, revoked = token_for(member), token_for(member)
    channel = redis_prefix.split(":")[0]
    app = make_app(REDIS_URL=REDIS_URL, LIVE_CHANNEL=channel)
    listener = redis.Redis.from_url(REDIS_URL)
    pubsub = listener.pubsub()
    try:
        pubsub.subscribe(channel)
        assert pubsub.get_message(timeout=WAIT)["type"] == "subscribe"
        with app.app_context():
            found = connections.registry()
            assert isinstance(found, connections.RedisRegistry)
            # As if worker B had registered them.
            found.add("on-b-kept", member.id, token_id(app, kept))
            found.add("on-b-revoked", member.id, token_id(app, revoked))
            found.add("on-b-colleague", colleague.id, None)
            with pytest.raises(Abort), unit_of_work():
                identity.revoke_token(identity.user_for_token(revoked)[1],
                                      actor=identity.get_user(member.id))
                raise Abort
            with unit_of_work():
                identity.revoke_token(identity.user_for_token(revoked)[1],
                                      actor=identity.get_user(member.id))
            with unit_of_work():
                identity.update_user(identity.get_user(colleague.id), active=False,
                                     actor=identity.get_user(admin.id))
        # In the order published: the committed revocation's one sid, then the colleague's.
        assert _next_disconnect(pubsub) == "on-b-revoked"
        assert _next_disconnect(pubsub) == "on-b-colleague"
    finally:
        pubsub.close()
        listener.close()
        manager_redis = getattr(socketio.server.manager, "redis", None)
        if manager_redis is not None:
            manager_redis.close()
        with app.app_context():
            connections.registry().close()


def _next_disconnect(pubsub) -> str:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        message = pubsub.get_message(timeout=deadline - time.monotonic())
        if message and message["type"] == "message":
            data = json.loads(message["data"])
            assert data["method"] == "disconnect" and data["namespace"] == NAMESPACE, data
            return data["sid"]
    raise AssertionError(f"no disconnect published within {WAIT} s")


# --- what nobody announced: a token running out, a change behind the registry's back ------------

def _behind_the_back(app, change) -> None:
    """A change no revocation announces (as another process without the registry makes it)."""
    with app.app_context(), unit_of_work():
        change()


def test_a_token_that_runs_out_is_cut_at_the_next_check(app, session_open, tablets):  # noqa: F811
    from datetime import UTC, datetime, timedelta

    m1_token = token_id(app, session_open.tokens["m1"])
    _behind_the_back(app, lambda: setattr(db.session.get(ApiToken, m1_token), "expires_at",
                                          datetime.now(UTC) - timedelta(seconds=1)))
    assert len(connections.check_once(app)) == 1
    assert not tablets["m1"].is_connected(NAMESPACE)
    assert all(tablets[who].is_connected(NAMESPACE) for who in ("chair", "m2", "m1_phone"))
    assert connections.check_once(app) == []  # nothing more to cut


def test_an_account_switched_off_elsewhere_is_cut_at_the_next_check(
        app, session_open, tablets):  # noqa: F811
    member_id = session_open.users["m1"].id
    _behind_the_back(app, lambda: setattr(identity.get_user(member_id), "active", False))
    assert len(connections.check_once(app)) == 2  # the tablet and the phone
    assert not tablets["m1"].is_connected(NAMESPACE)
    assert not tablets["m1_phone"].is_connected(NAMESPACE)
    assert tablets["chair"].is_connected(NAMESPACE)


def test_the_watch_runs_while_there_are_connections_and_then_ends(app, make_user, token_for,
                                                                 monkeypatch):
    from datetime import UTC, datetime

    monkeypatch.setattr(connections, "WATCH_SECONDS", 0.05)
    member = make_user("member")
    secret = token_for(member)
    tablet = connect(app, auth={"token": secret})
    watch = connections._watch_of(app)
    assert watch.running
    _behind_the_back(app, lambda: setattr(db.session.get(ApiToken, token_id(app, secret)),
                                          "expires_at", datetime.now(UTC)))
    deadline = time.monotonic() + WAIT
    while tablet.is_connected(NAMESPACE):  # cut by the watch itself, within a few rounds
        assert time.monotonic() < deadline, "the watch did not cut the expired token"
        time.sleep(0.02)
    while watch.running:  # no connection left: the task ends
        assert time.monotonic() < deadline, "the watch outlived its connections"
        time.sleep(0.02)


# --- signing out of a browser --------------------------------------------------------------------

def test_signing_out_cuts_that_browser_s_connections_only(app, make_user, token_for):
    """A tablet left open on a shared device must not keep voting as whoever signed out: the
    browser's sign-in is what its connection is known by, and signing out ends it. The same
    person's other browser and their token tablet stay."""
    member = make_user("member")
    first, second = app.test_client(), app.test_client()
    first_auth, second_auth = AuthActions(app, first), AuthActions(app, second)
    assert first_auth.login(member).status_code == 302
    assert second_auth.login(member).status_code == 302
    here = connect(app, flask_test_client=first)
    other_browser = connect(app, flask_test_client=second)
    tablet = connect(app, auth={"token": token_for(member)})
    assert all(c.is_connected(NAMESPACE) for c in (here, other_browser, tablet))

    assert first_auth.logout().status_code == 302
    assert not here.is_connected(NAMESPACE)
    assert other_browser.is_connected(NAMESPACE) and tablet.is_connected(NAMESPACE)
    assert call(other_browser, "me")["ok"] is True
    for live in (other_browser, tablet):
        live.disconnect(namespace=NAMESPACE)
