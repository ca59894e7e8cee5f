"""Connection and the events every feature shares."""

from __future__ import annotations

import logging

from flask import request, session
from flask_babel import gettext as _
from flask_login import current_user
from flask_socketio import ConnectionRefusedError

from ecabinet.extensions import db
from ecabinet.identity.services import user_for_token
from ecabinet.live import connections
from ecabinet.live.handlers import HANDLERS, live_event, remember_connection

log = logging.getLogger(__name__)


def connect(auth=None):
    """Accept a bearer token (``auth={"token": …}``) or the browser's session cookie."""
    try:
        token_secret = auth.get("token") if isinstance(auth, dict) else None
        if token_secret:
            found = user_for_token(str(token_secret))
            if found is None:
                raise ConnectionRefusedError({"code": "unauthorized", "message": _(
                    "Your token has expired or was revoked.")})
            (user, token), login_id = found, None
        elif current_user.is_authenticated:
            # A browser: known by its sign-in, so that signing out cuts this browser only.
            user, token = current_user._get_current_object(), None
            login_id = session.get("login_id")
        else:
            raise ConnectionRefusedError({"code": "unauthorized",
                                          "message": _("Sign in first.")})
        remember_connection(user, token, login_id)
        user_id, token_id = user.id, token.id if token else None
    finally:
        db.session.remove()
    try:
        connections.register(request.sid, user_id, token_id, login_id)
    except connections.RegistryUnavailable:
        # A connection the registry does not know would keep hearing broadcasts after its
        # credentials are revoked: refuse it rather than let it in unaccounted.
        log.exception("could not register a live connection")
        raise ConnectionRefusedError({"code": "unavailable", "message": _(
            "Live updates are unavailable right now. Try again in a moment.")}) from None


def disconnect(reason=None):
    """Forget the connection. No database here: when a revocation cuts a connection of this
    worker, this runs inside the revoking request's ``after_commit``, on that request's
    session."""
    connections.forget(request.sid)


HANDLERS.append(("connect", connect))
HANDLERS.append(("disconnect", disconnect))


@live_event("me")
def me(user, data):
    """Who this connection is: lets a tablet check its credentials."""
    return {"user": {"id": user.id, "name": user.name,
                     "roles": sorted(role.value for role in user.roles)}}
