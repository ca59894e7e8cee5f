"""Accounts, sign-in, second factor and API tokens. Services flush; the caller commits."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ecabinet.audit import services as audit
from ecabinet.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from ecabinet.extensions import db
from ecabinet.identity import passwords, signals, signin, totp
from ecabinet.identity.models import ApiToken, Organisation, Role, User, UserRole

# The sign-in checks, under the names other features call them by.
from ecabinet.identity.signin import (  # noqa: F401
    SignInLocked,
    check_password,
    check_totp,
    record_login,
)

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


# --- organisations -------------------------------------------------------------------------------

def organisation_named(name_or_code: str, *, create: bool = False, actor=None) -> Organisation:
    """The organisation with this name, code or identifier (mã định danh); created when
    provisioning asks for it."""
    name_or_code = name_or_code.strip()
    found = db.session.scalar(
        select(Organisation).where(
            (Organisation.name == name_or_code) | (Organisation.code == name_or_code)
            | (Organisation.identifier == name_or_code.upper())
        ).order_by(Organisation.id).limit(1)
    )
    if found:
        return found
    if not create:
        raise NotFound(_("No organisation named %(name)s.", name=name_or_code))
    organisation = Organisation(name=name_or_code)
    db.session.add(organisation)
    db.session.flush()
    audit.record("organisation.create", actor=actor, target=organisation,
                 details={"name": organisation.name})
    return organisation


# --- users ---------------------------------------------------------------------------------------

def parse_roles(values: Iterable[str] | str) -> set[Role]:
    if isinstance(values, str):
        values = [v for v in re.split(r"[,\s]+", values) if v]
    roles = set()
    for value in values:
        try:
            roles.add(Role(value.strip().lower()))
        except ValueError:
            allowed = ", ".join(r.value for r in Role)
            raise Invalid(_("Unknown role %(role)s. Roles: %(allowed)s.", role=value,
                            allowed=allowed), details={"role": [value]}) from None
    if not roles:
        raise Invalid(_("A user needs at least one role."), details={"role": ["missing"]})
    return roles


def normalise_email(email: str) -> str:
    email = (email or "").strip().lower()
    if not EMAIL_PATTERN.match(email) or len(email) > 254:
        raise Invalid(_("%(email)s is not an e-mail address.", email=email or "''"),
                      details={"email": ["invalid"]})
    return email


def check_password_policy(password: str) -> None:
    if len(password) < passwords.MIN_LENGTH:
        raise Invalid(_("A password needs at least %(n)d characters.", n=passwords.MIN_LENGTH),
                      details={"password": ["too short"]})


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("No such user."))
    return user


def users_query():
    """Every user, by name (the API's list is a page of it)."""
    return select(User).order_by(func.lower(User.name), User.id)


def list_users() -> list[User]:
    return list(db.session.scalars(users_query()))


def _set_roles(user: User, roles: set[Role]) -> None:
    current = {row.role: row for row in user.role_rows}
    for role in roles - set(map(Role, current)):
        user.role_rows.append(UserRole(role=role.value))
    for name, row in current.items():
        if Role(name) not in roles:
            user.role_rows.remove(row)


def create_user(*, email: str, name: str, roles, password: str | None = None,
                organisation: str | None = None, title: str | None = None,
                totp_secret: str | None = None, locale: str = "vi", actor=None) -> User:
    email = normalise_email(email)
    name = (name or "").strip()
    if not name:
        raise Invalid(_("A user needs a name."), details={"name": ["missing"]})
    role_set = parse_roles(roles)
    if user_by_email(email):
        raise Conflict(_("A user with the e-mail %(email)s exists already.", email=email))
    if password is not None:
        check_password_policy(password)
    if totp_secret is not None and not totp.is_valid_secret(totp_secret):
        raise Invalid(_("The TOTP secret must be base32, at least 16 characters."),
                      details={"totp_secret": ["invalid"]})
    user = User(
        email=email, name=name, title=title, locale=locale,
        password_hash=passwords.hash_password(password) if password else None,
        totp_secret=totp_secret,
        organisation=organisation_named(organisation, create=True, actor=actor)
        if organisation else None,
    )
    _set_roles(user, role_set)
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", actor=actor, target=user, details={
        "email": email, "roles": sorted(r.value for r in role_set),
        "organisation": organisation, "totp": totp_secret is not None,
    })
    return user


def update_user(user: User, *, actor, name: str | None = None, roles=None,
                organisation: str | None = None, title: str | None = None,
                active: bool | None = None, locale: str | None = None,
                password: str | None = None) -> User:
    """Change an account; changes to roles, password or status end the user's sessions."""
    changes: dict = {}
    if name is not None and name.strip() and name.strip() != user.name:
        user.name = changes["name"] = name.strip()
    if title is not None and title != user.title:
        user.title = changes["title"] = title or None
    if locale is not None and locale != user.locale:
        if locale not in ("vi", "en"):
            raise Invalid(_("Unknown language."), details={"locale": [locale]})
        user.locale = changes["locale"] = locale
    if organisation is not None:
        org = organisation_named(organisation, create=True, actor=actor) if organisation else None
        if org is not user.organisation:
            user.organisation = org
            changes["organisation"] = org.name if org else None
    if roles is not None:
        role_set = parse_roles(roles)
        if role_set != user.roles:
            if actor is not None and actor.id == user.id and Role.ADMIN not in role_set:
                raise Forbidden(_("You cannot remove your own administrator role."))
            _set_roles(user, role_set)
            changes["roles"] = sorted(r.value for r in role_set)
    if active is not None and active != user.active:
        if actor is not None and actor.id == user.id and not active:
            raise Forbidden(_("You cannot deactivate your own account."))
        user.active = changes["active"] = active
    if password is not None:
        check_password_policy(password)
        user.password_hash = passwords.hash_password(password)
        changes["password"] = "changed"  # noqa: S105 - a marker in the audit trail, not a secret
    if {"roles", "active", "password"} & changes.keys():
        _end_sessions(user)
    if changes:
        db.session.flush()
        audit.record("user.update", actor=actor, target=user, details=changes)
    return user


def end_sessions(user: User, *, actor) -> None:
    """End every sign-in and token of the user at once (an administrator's "end sessions": a
    lost tablet, a suspicion); the account stays as it is."""
    _end_sessions(user)
    db.session.flush()
    audit.record("user.sessions_ended", actor=actor, target=user)


def _end_sessions(user: User) -> None:
    user.session_version += 1
    signin.end_all_sign_ins(user)
    now = datetime.now(UTC)
    for token in db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ):
        token.revoked_at = now
    signals.sessions_ended.send(user)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0


ROSTER_HEADER = ["email", "name", "role", "organisation", "password"]


def import_users(rows: Iterable[dict], *, actor=None) -> ImportResult:
    """Create or update users from roster rows; an existing e-mail is updated, not duplicated.

    Every row is checked before anything is written: one bad row fails the whole import
    with its line number, and nothing is half-imported.
    """
    result = ImportResult()
    for line, row in enumerate(rows, start=2):
        try:
            email = normalise_email(row.get("email", ""))
            existing = user_by_email(email)
            if existing is None:
                create_user(email=email, name=row.get("name", ""), roles=row.get("role", ""),
                            organisation=row.get("organisation") or None,
                            password=row.get("password") or None, actor=actor)
                result.created += 1
            else:
                update_user(existing, actor=actor, name=row.get("name") or None,
                            roles=row.get("role") or None,
                            organisation=row.get("organisation") or None,
                            password=row.get("password") or None)
                result.updated += 1
        except (Invalid, Conflict, NotFound, Forbidden) as exc:
            raise Invalid(_("Line %(line)d: %(message)s", line=line, message=exc.message),
                          details={"line": [line]}) from exc
    return result


# --- sign-in (see ecabinet.identity.signin) ------------------------------------------------------

def pending_totp_secret(user: User) -> str:
    """The secret to show as a QR code until the user confirms it; kept server-side."""
    if not user.totp_pending_secret:
        user.totp_pending_secret = totp.new_secret()
        db.session.flush()
    return user.totp_pending_secret


def confirm_totp(user: User, code: str) -> None:
    """Turn on the second factor once the user proves the authenticator shows the right code."""
    secret = user.totp_pending_secret
    if not secret:
        raise Invalid(_("The enrolment expired. Start again."), code="enrolment_expired")
    step = totp.matching_step(secret, code, after_step=None)
    if step is None:
        audit.record("auth.totp_failed", actor=user, target=user, details={"stage": "enrolment"})
        raise Invalid(_("The code is not right. Check the time on your device and try again."),
                      code="invalid_otp")
    user.totp_secret, user.totp_last_step, user.totp_pending_secret = secret, step, None
    audit.record("auth.totp_enrolled", actor=user, target=user)


# --- API tokens ----------------------------------------------------------------------------------

def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_token(*, email: str, password: str, otp: str | None, ttl: timedelta,
                ip: str | None = None) -> tuple[str, ApiToken]:
    """A new bearer token for these credentials (and code, where the user has a second factor)."""
    user = check_password(email, password)
    if user is None:
        raise Unauthorized(_("Wrong e-mail or password."), code="invalid_credentials")
    if user.totp_required and not user.totp_enabled:
        raise Forbidden(_("Your role requires a second factor. Sign in on the web to set it up."),
                        code="totp_enrolment_required")
    if user.totp_enabled:
        if not otp:
            raise Unauthorized(_("Enter the code from your authenticator app."),
                               code="otp_required")
        if not signin.check_sign_in_totp(user, otp):
            raise Unauthorized(_("The code is not right."), code="invalid_otp")
    signin.note_success(user)
    secret = secrets.token_urlsafe(32)
    token = ApiToken(user=user, token_hash=_digest(secret), created_from=ip,
                     expires_at=datetime.now(UTC) + ttl)
    db.session.add(token)
    db.session.flush()
    audit.record("auth.token_issued", actor=user, target=token,
                 details={"expires_at": token.expires_at.isoformat()})
    return secret, token


def user_for_token(secret: str) -> tuple[User, ApiToken] | None:
    """The active user behind a valid, unexpired, unrevoked token."""
    # One statement on every API call: the token, its user and the user's roles together.
    token = db.session.execute(
        select(ApiToken).where(ApiToken.token_hash == _digest(secret))
        .options(joinedload(ApiToken.user).joinedload(User.role_rows))).unique().scalar()
    if token is None or not token_usable(token.revoked_at, token.expires_at, token.user.active):
        return None
    return token.user, token


def token_usable(revoked_at: datetime | None, expires_at: datetime, active: bool) -> bool:
    """THE rule for a bearer token: not revoked, not expired, its user's account active. Also
    applied to the columns of a lighter query (a meeting's early 304,
    :mod:`ecabinet.meetings.conditional`)."""
    return revoked_at is None and expires_at > datetime.now(UTC) and active


def token_digest(secret: str) -> str:
    """What is stored of a token's secret (its SHA-256), to look one up."""
    return _digest(secret)


def revoke_token(token: ApiToken, *, actor) -> None:
    if token.revoked_at is None:
        token.revoked_at = datetime.now(UTC)
        audit.record("auth.token_revoked", actor=actor, target=token)
    # Even when it was revoked already: a connection that authenticated just while it was being
    # revoked is cut now.
    signals.token_revoked.send(token)
