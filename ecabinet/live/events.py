"""Connection and the events every feature shares."""

from __future__ import annotations

from flask_login import current_user
from flask_socketio import ConnectionRefusedError

from ecabinet.extensions import db
from ecabinet.identity.services import user_for_token
from ecabinet.live.handlers import HANDLERS, live_event, remember_connection


def connect(auth=None):
    """Accept a bearer token (``auth={"token": …}``) or the browser's session cookie."""
    try:
        token_secret = auth.get("token") if isinstance(auth, dict) else None
        if token_secret:
            found = user_for_token(str(token_secret))
            if found is None:
                raise ConnectionRefusedError({"code": "unauthorized",
                                              "message": "invalid or expired token"})
            remember_connection(*found)
        elif current_user.is_authenticated:
            remember_connection(current_user._get_current_object(), None)
        else:
            raise ConnectionRefusedError({"code": "unauthorized", "message": "sign in first"})
    finally:
        db.session.remove()


HANDLERS.append(("connect", connect))


@live_event("me")
def me(user, data):
    """Who this connection is: lets a tablet check its credentials."""
    return {"user": {"id": user.id, "name": user.name,
                     "roles": sorted(role.value for role in user.roles)}}
