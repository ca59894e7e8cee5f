"""A tablet's plain read of the meeting answered from the body kept under the reader's ETag
(``meetings/conditional.py``, ``meetings/early.py``): the same answer, byte for byte, from one
statement — and every check still made per request, on every worker, with nothing to
invalidate: a revoked or expired token, a deactivated account, a lost seat are refused at
once, though the body is still kept."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, update

from ecabinet.database import unit_of_work
from ecabinet.extensions import db
from ecabinet.identity.models import ApiToken, User
from ecabinet.identity.services import get_user, revoke_token, update_user
from ecabinet.meetings import conditional, services
from ecabinet.meetings.models import AgendaItem, Meeting, Participant
from tests.conftest import bearer
from tests.fixtures.statements import statements


def _get(client, hall, who, headers=None, query=""):
    return client.get(f"/api/v1/meetings/{hall.meeting_id}{query}",
                      headers=hall.headers(who) | (headers or {}))


def _as_secretariat(app, hall, action):
    with app.app_context():
        with unit_of_work():
            action(get_user(hall.users["secretariat"].id))
        db.session.remove()


@pytest.mark.parametrize("who", ["m1", "m3", "guest", "chair", "secretariat", "secretary"])
def test_a_reread_is_answered_from_the_kept_body_in_one_statement(app, client, build_hall,
                                                                  open_meeting, who):
    hall = build_hall(4)
    open_meeting(hall)
    with statements(app) as first_sent:
        first = _get(client, hall, who)
    with statements(app) as sent:
        again = _get(client, hall, who)
    assert first.status_code == again.status_code == 200
    assert len(first_sent) > 1
    assert len(sent) == 1, sent.text()
    assert again.data == first.data
    assert dict(again.headers) == dict(first.headers)


def test_each_reader_gets_their_own_body(app, client, build_hall, open_meeting):
    """m1 is invited to the confidential items, m3 is not: m3 never gets m1's body, though
    both read the same meeting at the same version."""
    hall = build_hall(3)
    open_meeting(hall)
    mine = _get(client, hall, "m1")
    assert any(item["confidential"] for item in mine.get_json()["agenda"])
    for _ in range(2):
        other = _get(client, hall, "m3")
        assert other.status_code == 200
        assert not any(item["confidential"] for item in other.get_json()["agenda"])
        assert other.headers["ETag"] != mine.headers["ETag"]


def test_a_change_is_read_at_once(app, client, build_hall, open_meeting):
    hall = build_hall(3)
    open_meeting(hall)
    first = _get(client, hall, "m3")
    _as_secretariat(app, hall, lambda actor: services.update_item(
        actor, db.session.get(AgendaItem, hall.items[0]), title="Nội dung đã sửa"))
    changed = _get(client, hall, "m3")
    assert changed.headers["ETag"] != first.headers["ETag"]
    assert changed.get_json()["agenda"][0]["title"] == "Nội dung đã sửa"
    assert _get(client, hall, "m3").data == changed.data


def test_a_check_in_is_read_at_once(app, client, build_hall, open_meeting):
    """A check-in does not move the version (``Meeting.present_count`` does): the kept body
    of the count before is not the answer any more."""
    hall = build_hall(2)
    open_meeting(hall)
    before = _get(client, hall, "m3")
    _as_secretariat(app, hall, lambda actor: services.transition(
        actor, db.session.get(Meeting, hall.meeting_id), "in_session"))
    assert client.post(f"/api/v1/meetings/{hall.meeting_id}/checkin",
                       headers=hall.headers("m2")).status_code == 200
    after = _get(client, hall, "m3")
    seats = {p["user_id"]: p["checked_in_at"] for p in after.get_json()["participants"]}
    assert seats[hall.users["m2"].id] is not None
    assert after.headers["ETag"] != before.headers["ETag"]


def _refused_everywhere(app, other, hall, who, change, status):
    """Both apps (two workers of one database) keep the reader's body; ``change`` made
    through the first; then both refuse the reader."""
    clients = [app.test_client(), other.test_client()]
    for each in clients:
        for _ in range(2):
            assert _get(each, hall, who).status_code == 200
    with app.app_context():
        key_bodies = len(conditional.bodies(app)), len(conditional.bodies(other))
    assert all(key_bodies)
    _as_secretariat(app, hall, change)
    for each in clients:
        assert _get(each, hall, who).status_code == status


@pytest.fixture
def other_app(make_app):
    """A second app on the same database: another worker, with its own kept bodies."""
    return make_app(fresh_app=True)


def test_a_revoked_token_is_refused_on_every_worker(app, other_app, build_hall, open_meeting):
    hall = build_hall(3)
    open_meeting(hall)

    def revoke(actor):
        for token in db.session.scalars(db.select(ApiToken).where(
                ApiToken.user_id == hall.users["m2"].id)):
            revoke_token(token, actor=actor)

    _refused_everywhere(app, other_app, hall, "m2", revoke, 401)


def test_a_role_change_ends_the_tokens_on_every_worker(app, other_app, build_hall,
                                                       open_meeting, token_for):
    hall = build_hall(3)
    open_meeting(hall)
    _refused_everywhere(app, other_app, hall, "m2", lambda actor: update_user(
        db.session.get(User, hall.users["m2"].id), actor=actor, roles=["member", "liaison"]),
        401)
    fresh = bearer(token_for(hall.users["m2"]))  # the new roles: another ETag, another body
    answer = app.test_client().get(f"/api/v1/meetings/{hall.meeting_id}", headers=fresh)
    assert answer.status_code == 200


def test_an_expired_token_is_refused_on_every_worker(app, other_app, build_hall, open_meeting):
    hall = build_hall(3)
    open_meeting(hall)
    _refused_everywhere(app, other_app, hall, "m2", lambda _actor: db.session.execute(
        update(ApiToken).where(ApiToken.user_id == hall.users["m2"].id)
        .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))), 401)


def test_a_deactivated_account_is_refused_on_every_worker(app, other_app, build_hall,
                                                          open_meeting):
    hall = build_hall(3)
    open_meeting(hall)
    _refused_everywhere(app, other_app, hall, "m2", lambda _actor: db.session.execute(
        update(User).where(User.id == hall.users["m2"].id).values(active=False)), 401)


def test_a_seat_lost_without_the_version_moving_is_refused(app, other_app, build_hall,
                                                           open_meeting):
    """The version alone does not decide: were a seat deleted behind the ORM's back, the
    statement still applies the meeting's rule to the seat it reads."""
    hall = build_hall(3)
    open_meeting(hall)
    _refused_everywhere(app, other_app, hall, "m4", lambda _actor: db.session.execute(
        delete(Participant).where(Participant.meeting_id == hall.meeting_id,
                                  Participant.user_id == hall.users["m4"].id)), 404)


def test_an_uninvited_reader_is_refused(app, client, build_hall, open_meeting):
    hall = build_hall(3)
    open_meeting(hall)
    assert _get(client, hall, "m4").status_code == 200
    assert _get(client, hall, "m4").status_code == 200
    _as_secretariat(app, hall, lambda actor: services.uninvite(
        actor, db.session.get(Meeting, hall.meeting_id), hall.users["m4"].id))
    assert _get(client, hall, "m4").status_code == 404


def test_a_read_with_a_query_string_or_another_method_takes_the_whole_way(app, client,
                                                                          build_hall,
                                                                          open_meeting):
    hall = build_hall(2)
    open_meeting(hall)
    kept = _get(client, hall, "m3")
    with statements(app) as sent:
        assert _get(client, hall, "m3", query="?x=1").data == kept.data
    assert len(sent) > 1
    options = client.options(f"/api/v1/meetings/{hall.meeting_id}", headers=hall.headers("m3"))
    assert not options.data


def test_a_browser_session_takes_the_whole_read(app, client, auth, build_hall, open_meeting):
    """Its sign-in is checked by the whole read (the cookie's server-side record)."""
    hall = build_hall(2)
    open_meeting(hall)
    assert _get(client, hall, "m3").status_code == 200  # a body kept for m3's ETag
    browser = app.test_client()
    auth_client = type(auth)(app, browser)
    user = hall.users["m3"]
    auth_client.login(user)
    for _ in range(2):
        with statements(app) as sent:
            answer = browser.get(f"/api/v1/meetings/{hall.meeting_id}")
        assert answer.status_code == 200
        assert len(sent) > 1


def test_a_rate_limit_on_the_read_is_not_passed_by(make_app, build_hall, open_meeting):
    """Were a default limit configured, the early answer (the first hook, before the rate
    limiter's) steps aside: the limiter counts every read."""
    from ecabinet.extensions import limiter

    manager = limiter.limit_manager
    # The rate limiter is one object for every app of the process: the default limit this
    # app's configuration sets there is taken off again, or it would limit the next tests.
    defaults = manager._default_limits
    try:
        app = make_app(RATELIMIT_DEFAULT="3 per minute")
        hall = build_hall(2)
        open_meeting(hall)
        client = app.test_client()
        codes = [_get(client, hall, "m3").status_code for _ in range(5)]
    finally:
        manager.set_default_limits(defaults)
    assert codes[:3] == [200, 200, 200]
    assert codes[3:] == [429, 429]


def test_the_store_keeps_the_newest_within_its_bound():
    store = conditional.Bodies(max_bytes=10)
    store.put(("a",), b"1234")
    store.put(("b",), b"5678")
    assert store.get(("a",)) == b"1234"  # now the newest
    store.put(("c",), b"90ab")  # 12 bytes: the least recently used goes
    assert store.get(("b",)) is None
    assert store.get(("a",)) == b"1234" and store.get(("c",)) == b"90ab"
    assert store.size == 8
    store.put(("d",), b"x" * 11)  # larger than the whole store: not kept
    assert store.get(("d",)) is None and len(store) == 2
