"""A copied session cookie is worth nothing once its sign-in has ended (issue 8, point 3).

Flask's session is a signed cookie: ending a sign-in on the server changes nothing for a copy
of it unless every request checks a server-side record. Each test signs in, lets a thief copy
the cookie, ends the sign-in one way or another, and replays the copy on a page, the API, a
form post and a live connection.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text, update

from ecabinet.database import unit_of_work
from ecabinet.extensions import db, socketio
from ecabinet.identity import services
from ecabinet.identity.models import SignIn
from ecabinet.live.namespace import NAMESPACE
from tests.conftest import AuthActions, bearer, csrf_from

COOKIE = "ecabinet_session"


def copy_of(app, client):
    """Another browser holding a copy of ``client``'s session cookie."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, client.get_cookie(COOKIE).value)
    return thief


def assert_worthless(app, thief, csrf_token):
    home = thief.get("/")
    assert home.status_code == 302 and "/login" in home.headers["Location"]
    me = thief.get("/api/v1/me")
    assert me.status_code == 401
    assert me.json["error"]["code"] == "unauthorized"
    posted = thief.post("/account", data={"locale": "en", "csrf_token": csrf_token})
    assert posted.status_code == 302 and "/login" in posted.headers["Location"]
    live = socketio.test_client(app, namespace=NAMESPACE, flask_test_client=thief)
    assert not live.is_connected(NAMESPACE)


def _end_by_logout(app, auth, member, admin, token_for, client):
    assert auth.logout().status_code == 302


def _end_by_password_change(app, auth, member, admin, token_for, client):
    with app.app_context(), unit_of_work():
        services.update_user(services.get_user(member.id), actor=services.get_user(admin.id),
                             password="a brand new passphrase")


def _end_by_deactivation(app, auth, member, admin, token_for, client):
    with app.app_context(), unit_of_work():
        services.update_user(services.get_user(member.id), actor=services.get_user(admin.id),
                             active=False)


def _end_by_admin_page(app, auth, member, admin, token_for, client):
    admin_browser = app.test_client()
    assert AuthActions(app, admin_browser).login(admin).status_code == 302
    page = admin_browser.get(f"/admin/users/{member.id}")
    assert page.status_code == 200
    ended = admin_browser.post(f"/admin/users/{member.id}/sessions/end",
                               data={"csrf_token": csrf_from(page.text)})
    assert ended.status_code == 302


def _end_by_admin_api(app, auth, member, admin, token_for, client):
    response = app.test_client().delete(
        f"/api/v1/users/{member.id}/sessions", headers=bearer(token_for(admin)))
    assert response.status_code == 204


@pytest.mark.parametrize("end", [_end_by_logout, _end_by_password_change, _end_by_deactivation,
                                 _end_by_admin_page, _end_by_admin_api],
                         ids=["logout", "password", "deactivation", "admin-page", "admin-api"])
def test_a_copied_cookie_dies_with_its_sign_in(app, client, auth, make_user, token_for, end):
    member, admin = make_user("member"), make_user("admin")
    assert auth.login(member).status_code == 302
    csrf_token = auth.csrf()
    thief = copy_of(app, client)
    assert thief.get("/api/v1/me").status_code == 200  # the copy works while the sign-in lives

    end(app, auth, member, admin, token_for, client)

    assert_worthless(app, thief, csrf_token)
    with app.app_context():
        assert services.get_user(member.id).locale == "vi"  # the replayed form changed nothing


def test_ending_all_sessions_is_audited_and_leaves_other_users_signed_in(
        app, client, make_user, token_for):
    member, other, admin = make_user("member"), make_user("member"), make_user("admin")
    member_browser, other_browser = app.test_client(), app.test_client()
    AuthActions(app, member_browser).login(member)
    AuthActions(app, other_browser).login(other)
    response = client.delete(f"/api/v1/users/{member.id}/sessions",
                             headers=bearer(token_for(admin)))
    assert response.status_code == 204
    assert member_browser.get("/").status_code == 302
    assert other_browser.get("/").status_code == 200
    with app.app_context():
        from ecabinet.audit.services import search

        entries = search(action="user.sessions_ended")
        assert [(e.object_type, e.object_id) for e in entries] == [("users", str(member.id))]


def test_a_member_may_not_end_someone_else_s_sessions(client, make_user, token_for):
    member, other = make_user("member"), make_user("member")
    response = client.delete(f"/api/v1/users/{other.id}/sessions",
                             headers=bearer(token_for(member)))
    assert response.status_code == 403


def test_signing_out_ends_this_browser_only(app, make_user):
    member = make_user("member")
    first, second = app.test_client(), app.test_client()
    AuthActions(app, first).login(member)
    AuthActions(app, second).login(member)
    AuthActions(app, first).logout()
    assert first.get("/").status_code == 302
    assert second.get("/").status_code == 200


def test_a_live_connection_s_events_stop_when_its_sign_in_ends_elsewhere(app, client, auth,
                                                                        make_user):
    """Another process (a second worker without Redis, an administrator's SQL) ends the sign-in:
    the next event the open connection sends is refused."""
    member = make_user("member")
    auth.login(member)
    live = socketio.test_client(app, namespace=NAMESPACE, flask_test_client=client)
    assert live.emit("me", {}, namespace=NAMESPACE, callback=True)["ok"] is True
    with app.app_context():
        db.session.execute(update(SignIn).where(SignIn.user_id == member.id)
                           .values(ended_at=db.func.current_timestamp()))
        db.session.commit()
    answer = live.emit("me", {}, namespace=NAMESPACE, callback=True)
    assert answer["ok"] is False and answer["error"]["code"] == "unauthorized"
    live.disconnect(namespace=NAMESPACE)


def test_a_cookie_from_before_sign_in_records_is_refused(app, client, auth, make_user):
    """A session without a sign-in id (made before the records existed) must sign in again."""
    member = make_user("member")
    auth.login(member)
    with client.session_transaction() as session:
        session.pop("login_id")
    assert client.get("/").status_code == 302


def test_a_sign_in_record_runs_out_on_the_server_too(app, client, auth, make_user):
    member = make_user("member")
    auth.login(member)
    with app.app_context():
        sign_in = db.session.scalar(select(SignIn).where(SignIn.user_id == member.id))
        assert sign_in.ended_at is None
        db.session.execute(text("UPDATE sign_ins SET expires_at = :past WHERE id = :id"),
                           {"past": "2000-01-01 00:00:00", "id": sign_in.id})
        db.session.commit()
    assert client.get("/").status_code == 302


def test_a_live_connection_whose_sign_in_ran_out_is_cut_at_the_next_check(app, client, auth,
                                                                          make_user, token_for):
    """Nobody announces a sign-in reaching its end: the connection watch finds it."""
    from ecabinet.live import connections

    member = make_user("member")
    auth.login(member)
    browser = socketio.test_client(app, namespace=NAMESPACE, flask_test_client=client)
    tablet = socketio.test_client(app, namespace=NAMESPACE, auth={"token": token_for(member)})
    assert browser.is_connected(NAMESPACE) and tablet.is_connected(NAMESPACE)
    assert connections.check_once(app) == []
    with app.app_context():
        db.session.execute(text("UPDATE sign_ins SET expires_at = :past"),
                           {"past": "2000-01-01 00:00:00"})
        db.session.commit()
    assert len(connections.check_once(app)) == 1
    assert not browser.is_connected(NAMESPACE)
    assert tablet.is_connected(NAMESPACE)
    tablet.disconnect(namespace=NAMESPACE)


def test_a_replayed_cookie_leaves_one_audit_line(app, client, auth, make_user):
    member = make_user("member")
    auth.login(member)
    thief = copy_of(app, client)
    auth.logout()
    for _ in range(3):
        assert thief.get("/", environ_base={"REMOTE_ADDR": "203.0.113.66"}).status_code == 302
    with app.app_context():
        from ecabinet.audit.services import search

        entries = search(action="auth.session_refused")
        assert [(e.object_id, e.ip, json.loads(e.details)["reason"]) for e in entries] == \
            [(str(member.id), "203.0.113.66", "ended")]
