"""Who is calling, and what they may do: the access rules, written once.

HTTP views use :func:`roles_required`; socket handlers use :func:`ecabinet.live.handlers`,
which applies the same :func:`check_roles`.
"""

from __future__ import annotations

from functools import wraps

from flask import g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ecabinet.error_handlers import wants_json
from ecabinet.errors import Forbidden, Unauthorized
from ecabinet.extensions import login_manager
from ecabinet.identity.models import Role, User
from ecabinet.security import bearer_secret


@login_manager.user_loader
def _load_session_user(session_id: str) -> User | None:
    """The one check of a browser's session, for pages, the API called with the cookie and
    live connections alike: the sign-in it names must still be alive on the server (see
    :class:`ecabinet.identity.models.SignIn`), not merely the cookie well signed."""
    from ecabinet.database import unit_of_work
    from ecabinet.identity import signin

    user_id, _sep, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    login_id = session.get("login_id")
    login_id = login_id if isinstance(login_id, str) else None
    user = signin.signed_in_user(int(user_id), int(version), login_id)
    if user is None and signin.refused_sign_in_unnoted(login_id):
        with unit_of_work():  # the request has written nothing yet: its own commit
            signin.note_refused_sign_in(login_id)
    return user


@login_manager.request_loader
def _load_bearer_user(_req) -> User | None:
    from ecabinet.identity.services import user_for_token

    secret = bearer_secret()
    found = user_for_token(secret) if secret else None
    if found is None:
        return None
    g.api_token = found[1]
    return found[0]


@login_manager.unauthorized_handler
def _unauthorized():
    if wants_json():
        raise Unauthorized(_("Sign in first: send a valid bearer token or session cookie."))
    return redirect(url_for("identity.login", next=request.full_path.rstrip("?")))


def check_roles(user, roles: tuple[Role, ...]) -> None:
    if not user or not user.is_authenticated:
        raise Unauthorized(_("Sign in first."))
    if roles and not user.has_role(*roles):
        raise Forbidden(_("You do not have permission to do this."))


def roles_required(*roles: Role):
    """Signed in, and holding one of ``roles`` (any role when none is named)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            check_roles(current_user, roles)
            return view(*args, **kwargs)

        return wrapped

    return decorator


login_required = roles_required()
