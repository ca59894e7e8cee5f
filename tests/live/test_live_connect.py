"""/live authenticates at connect (token or session cookie) and refuses everyone else."""

from datetime import UTC, datetime

from ecabinet.database import unit_of_work
from ecabinet.extensions import socketio
from ecabinet.identity import services as identity

NAMESPACE = "/live"


def connect(app, **kwargs):
    return socketio.test_client(app, namespace=NAMESPACE, **kwargs)


def test_connect_with_token(app, make_user, token_for):
    member = make_user("member", name="Đỗ Văn Khánh")
    client = connect(app, auth={"token": token_for(member)})
    assert client.is_connected(NAMESPACE)
    ack = client.emit("me", {}, namespace=NAMESPACE, callback=True)
    assert ack == {"ok": True, "user": {"id": member.id, "name": "Đỗ Văn Khánh",
                                        "roles": ["member"]}}
    client.disconnect(namespace=NAMESPACE)


def test_connect_with_session_cookie(app, client, auth, make_user):
    member = make_user("member")
    auth.login(member)
    live = connect(app, flask_test_client=client)
    assert live.is_connected(NAMESPACE)
    assert live.emit("me", {}, namespace=NAMESPACE, callback=True)["user"]["id"] == member.id
    live.disconnect(namespace=NAMESPACE)


def test_connection_without_credentials_is_refused(app):
    assert not connect(app).is_connected(NAMESPACE)


def test_connection_with_bad_token_is_refused(app):
    assert not connect(app, auth={"token": "forged"}).is_connected(NAMESPACE)


def test_expired_token_is_refused(app, make_user, token_for):
    from datetime import timedelta

    token = token_for(make_user("member"), ttl=timedelta(seconds=-5))
    assert not connect(app, auth={"token": token}).is_connected(NAMESPACE)


def test_revoked_token_stops_working_on_an_open_connection(app, make_user, token_for):
    """The second line of defence: every event checks the token again. (Revoking through the
    service also disconnects the connection: tests/live/test_revocation.py; here the token is
    revoked behind its back, as by another process without the registry.)"""
    member = make_user("member")
    token = token_for(member)
    live = connect(app, auth={"token": token})
    assert live.emit("me", {}, namespace=NAMESPACE, callback=True)["ok"] is True
    with app.app_context(), unit_of_work():
        identity.user_for_token(token)[1].revoked_at = datetime.now(UTC)
    ack = live.emit("me", {}, namespace=NAMESPACE, callback=True)
    assert ack["ok"] is False
    assert ack["error"]["code"] == "unauthorized"
    live.disconnect(namespace=NAMESPACE)


def test_deactivated_user_is_refused_on_the_next_event(app, make_user, token_for):
    """As above: the account switched off behind the registry's back is still refused."""
    member = make_user("member")
    live = connect(app, auth={"token": token_for(member)})
    with app.app_context(), unit_of_work():
        identity.get_user(member.id).active = False
    ack = live.emit("me", {}, namespace=NAMESPACE, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "unauthorized"
    live.disconnect(namespace=NAMESPACE)
