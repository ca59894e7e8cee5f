"""/api/v1: tokens, the caller, and user administration."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, g, request
from flask_babel import gettext as _
from flask_login import current_user

from ecabinet.api import ApiBlueprint as Blueprint
from ecabinet.api import paged
from ecabinet.database import audited_attempt, unit_of_work
from ecabinet.errors import Invalid, Unauthorized
from ecabinet.extensions import limiter
from ecabinet.identity import services, signin
from ecabinet.identity.access import login_required, roles_required
from ecabinet.identity.models import Role
from ecabinet.identity.schemas import (
    TokenRequestSchema,
    TokenSchema,
    UserCreateSchema,
    UserSchema,
    UserUpdateSchema,
)

blp = Blueprint("identity_api", __name__, url_prefix="/api/v1",
                description="Sign-in tokens, the caller, users")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@blp.route("/auth/token", methods=["POST"])
@limiter.limit(_login_limit, deduct_when=signin.refused)
@blp.arguments(TokenRequestSchema)
@blp.response(201, TokenSchema)
def create_token(body):
    """Exchange e-mail, password (and TOTP code) for a bearer token."""
    ttl = timedelta(hours=current_app.config["TOKEN_TTL_HOURS"])
    with audited_attempt():
        secret, token = services.issue_token(email=body["email"], password=body["password"],
                                             otp=body["otp"], ttl=ttl, ip=request.remote_addr)
    return {"access_token": secret, "token_type": "Bearer", "expires_at": token.expires_at}


@blp.route("/auth/token", methods=["DELETE"])
@login_required
@blp.response(204)
def revoke_token():
    """Revoke the bearer token this request carries."""
    token = g.get("api_token")
    if token is None:
        raise Unauthorized(_("This request carries no bearer token."))
    with unit_of_work():
        services.revoke_token(token, actor=current_user)


@blp.route("/me")
@login_required
@blp.response(200, UserSchema)
def me():
    """The caller, with roles."""
    return current_user


@blp.route("/users")
@roles_required(Role.ADMIN, Role.SECRETARIAT)
@blp.page_response(UserSchema(many=True))
def list_users(pagination_parameters):
    """Every user (admins manage them; the secretariat picks invitees), by name."""
    return paged(services.users_query(), pagination_parameters)


@blp.route("/users", methods=["POST"])
@roles_required(Role.ADMIN)
@blp.arguments(UserCreateSchema)
@blp.response(201, UserSchema)
def create_user(body):
    """Create a user (administrators)."""
    roles = body.get("roles") or ([body["role"]] if body.get("role") else [])
    if not roles:
        raise Invalid(_("A user needs at least one role."), details={"role": ["missing"]})
    with unit_of_work():
        return services.create_user(
            email=body["email"], name=body["name"], roles=roles, password=body["password"],
            organisation=body["organisation"], title=body["title"], locale=body["locale"],
            actor=current_user)


@blp.route("/users/<int:user_id>")
@roles_required(Role.ADMIN, Role.SECRETARIAT)
@blp.response(200, UserSchema)
def get_user(user_id: int):
    return services.get_user(user_id)


@blp.route("/users/<int:user_id>/sessions", methods=["DELETE"])
@roles_required(Role.ADMIN)
@blp.response(204)
def end_user_sessions(user_id: int):
    """End every sign-in and token of a user at once (administrators)."""
    user = services.get_user(user_id)
    with unit_of_work():
        services.end_sessions(user, actor=current_user)


@blp.route("/users/<int:user_id>", methods=["PATCH"])
@roles_required(Role.ADMIN)
@blp.arguments(UserUpdateSchema)
@blp.response(200, UserSchema)
def update_user(body, user_id: int):
    """Change a user's name, roles, organisation, language, status or password (administrators)."""
    user = services.get_user(user_id)
    with unit_of_work():
        return services.update_user(user, actor=current_user, **body)
