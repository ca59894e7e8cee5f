"""Signing in and out: the password check, the account's back-off, and the server-side record
of each browser's sign-in. Services flush; the caller commits (its ``audited_attempt`` keeps
the audit line of a refusal).

Two rules shape this module:

- **Argon2 never runs inside a transaction.** On the embedded SQLite every transaction holds
  the one write lock from its first statement (BEGIN IMMEDIATE): a hash verified inside one
  makes the other sign-ins of a meeting's start queue behind it, and past the busy timeout
  fail with "database is locked". So the account is read, the transaction ended, the hash
  verified (and a rehash computed) with none open, and the outcome written in a new one.
- **A sign-in lives on the server.** The session cookie is signed, not stored: a copy keeps
  working unless each request checks a record. Each browser sign-in is a :class:`SignIn` row,
  checked by the session loader on every request and every live connection.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app, has_request_context, request
from flask_babel import gettext as _
from sqlalchemy import delete, or_, select, update

from ecabinet.audit import services as audit
from ecabinet.database import outside_transaction
from ecabinet.errors import DomainError
from ecabinet.extensions import db
from ecabinet.identity import passwords, signals, totp
from ecabinet.identity.models import SignIn, User

log = logging.getLogger(__name__)

#: The first back-off, doubled with each failure past the allowed number.
BACKOFF_BASE_SECONDS = 30


class SignInLocked(DomainError):
    """Too many wrong passwords or codes for this account: it backs off for a while."""

    status, code = 429, "too_many_attempts"


def _now() -> datetime:
    return datetime.now(UTC)


def _client_address() -> str | None:
    return request.remote_addr if has_request_context() else None


def refused(response) -> bool:
    """Flask-Limiter's ``deduct_when`` for sign-in: only refused attempts count against the
    client's address, so a hall of members signing in through one NAT uses none of it, while a
    guesser's every try does."""
    return response.status_code >= 400


# --- the account's back-off ----------------------------------------------------------------------

def check_not_locked(user: User) -> None:
    """Refuse (429, audited) while the account backs off; nothing is verified meanwhile."""
    if user.locked_until is None or user.locked_until <= _now():
        return
    wait = int((user.locked_until - _now()).total_seconds()) + 1
    audit.record("auth.login_locked", actor=user, target=user,
                 details={"retry_after_seconds": wait})
    raise SignInLocked(_("Too many failed attempts. Try again in %(minutes)d minute(s).",
                         minutes=max(1, -(-wait // 60))), details={"retry_after": [wait]})


def _unknown_account_may_guess(email: str) -> bool:
    """Guesses at an e-mail nobody has are counted too (in the rate-limit store, there being no
    row to count in), so that only the accounts that exist backing off would not tell which
    exist. A store that cannot be reached lets the guess through: the address cap still holds."""
    from limits import RateLimitItemPerSecond

    from ecabinet.extensions import limiter

    allowed = current_app.config.get("LOGIN_FAILURES_ALLOWED", 5)
    window = current_app.config.get("LOGIN_BACKOFF_MAX_SECONDS", 900)
    digest = hashlib.sha256(email.encode()).hexdigest()
    # Under the deployment's key prefix, as the limiter's own counters: two deployments (or
    # test runs) sharing one Redis do not count each other's guesses.
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or ""
    try:
        return limiter.limiter.hit(RateLimitItemPerSecond(allowed, window),
                                   prefix, "ecabinet-unknown-account", digest)
    except Exception:  # noqa: BLE001 - whatever the store raises
        log.warning("could not count a guess at an unknown account", exc_info=True)
        return True


def note_failure(user: User) -> None:
    """Count a wrong password or code; past the allowed number, back off for longer each time.

    The count is incremented in SQL, so guesses racing on several workers all count."""
    db.session.execute(update(User).where(User.id == user.id)
                       .values(failed_logins=User.failed_logins + 1)
                       .execution_options(synchronize_session=False))
    db.session.refresh(user, ["failed_logins"])
    allowed = current_app.config.get("LOGIN_FAILURES_ALLOWED", 5)
    over = user.failed_logins - allowed
    if over >= 0:
        longest = current_app.config.get("LOGIN_BACKOFF_MAX_SECONDS", 900)
        seconds = min(BACKOFF_BASE_SECONDS * 2 ** min(over, 20), longest)
        user.locked_until = _now() + timedelta(seconds=seconds)
        db.session.flush()


def note_success(user: User) -> None:
    if user.failed_logins or user.locked_until is not None:
        user.failed_logins, user.locked_until = 0, None


# --- password and second factor ------------------------------------------------------------------

@dataclass(frozen=True)
class _OnFile:
    user_id: int | None
    password_hash: str | None


def check_password(email: str, password: str) -> User | None:
    """The active user with these credentials, or None. Failures are audited and count
    against the account; an account backing off raises :class:`SignInLocked`.

    Must be called before the transaction writes anything (see the module's first rule).
    """
    email = (email or "").strip().lower()
    user = db.session.scalar(select(User).where(User.email == email)) if email else None
    if user is not None:
        check_not_locked(user)
    elif not _unknown_account_may_guess(email):
        # The same answer as an account backing off: a 429 must not tell who has an account.
        audit.record("auth.login_locked", object_type="users",
                     details={"email": email[:254], "reason": "unknown account"})
        raise SignInLocked(_("Too many failed attempts. Try again in %(minutes)d minute(s).",
                             minutes=1))
    on_file = _OnFile(user.id if user else None, user.password_hash if user else None)
    with outside_transaction():
        valid = passwords.verify_password(on_file.password_hash, password or "")
        new_hash = (passwords.hash_password(password)
                    if valid and passwords.needs_rehash(on_file.password_hash) else None)
    user = db.session.get(User, on_file.user_id) if on_file.user_id else None
    # The hash verified must still be the account's: a password changed in between wins.
    changed = user is not None and user.password_hash != on_file.password_hash
    if not valid or changed or user is None or not user.active:
        audit.record("auth.login_failed", actor=user, object_type="users",
                     object_id=user.id if user else None,
                     details={"email": email[:254],
                              "reason": "changed" if valid and changed else "credentials"})
        if user is not None and user.active and not valid:
            note_failure(user)
        return None
    if new_hash:
        user.password_hash = new_hash
    return user


def check_sign_in_totp(user: User, code: str) -> bool:
    """The second factor at sign-in: a wrong code counts against the account like a wrong
    password, so a stolen password does not give unlimited guesses at six digits."""
    check_not_locked(user)
    if check_totp(user, code):
        return True
    note_failure(user)
    return False


def reconfirm(user: User, *, otp: str | None, password: str | None = None,
              purpose: str) -> bool:
    """A signed-in user proves again who they are (signing, enrolling a certificate): the
    TOTP code, and the password first when ``password`` is given (not None). The one check for
    every such step, under the account's sign-in back-off: each failure counts like a wrong
    sign-in, and an account backing off raises :class:`SignInLocked` (429, audited) before
    anything is verified -- a stolen token alone must not give unlimited guesses at the
    password or the six digits. Which of the two was wrong is not told (audited only).

    With a password, call it before the transaction writes anything (the module's first rule).
    """
    check_not_locked(user)
    right = True
    if password is not None:
        on_file = _OnFile(user.id, user.password_hash)
        with outside_transaction():
            right = passwords.verify_password(on_file.password_hash, password or "")
        user = db.session.get(User, on_file.user_id)
        right = right and user.password_hash == on_file.password_hash
        if not right:
            audit.record("auth.reconfirm_failed", actor=user, target=user,
                         details={"purpose": purpose, "reason": "password"})
    if right:
        right = bool(otp) and check_totp(user, otp)
        if not right:
            audit.record("auth.reconfirm_failed", actor=user, target=user,
                         details={"purpose": purpose, "reason": "otp"})
    if right:
        note_success(user)
    else:
        note_failure(user)
    return right


def check_totp(user: User, code: str) -> bool:
    """Accept a code once: a code already used (same or earlier time step) is refused."""
    if not user.totp_secret:
        return False
    step = totp.matching_step(user.totp_secret, code, after_step=user.totp_last_step)
    if step is None:
        audit.record("auth.totp_failed", actor=user, target=user)
        return False
    user.totp_last_step = step
    return True


def record_login(user: User, *, method: str) -> None:
    """A browser sign-in completed: audited, and the account starts afresh."""
    note_success(user)
    audit.record("auth.login", actor=user, target=user, details={"method": method})


# --- the server-side record of a browser's sign-in ------------------------------------------------

def start_sign_in(user: User, *, lifetime: timedelta) -> str:
    """Record a browser's sign-in; its key goes into the session as ``login_id``. The user's
    sign-ins over for a whole lifetime are forgotten now (a copy of their cookie has expired
    too; the audit trail keeps who signed in when)."""
    db.session.execute(delete(SignIn).where(
        SignIn.user_id == user.id, SignIn.expires_at <= _now() - lifetime)
        .execution_options(synchronize_session=False))
    key = secrets.token_urlsafe(32)
    db.session.add(SignIn(key=key, user_id=user.id, expires_at=_now() + lifetime,
                          created_from=(_client_address() or "")[:64] or None))
    db.session.flush()
    return key


def signed_in_user(user_id: int, session_version: int, key: str | None) -> User | None:
    """The active user whose sign-in ``key`` is still alive: one statement per request."""
    if not key:
        return None  # a session from before the records: sign in again
    return db.session.scalar(
        select(User).join(SignIn, SignIn.user_id == User.id)
        .where(User.id == user_id, User.active.is_(True),
               User.session_version == session_version, SignIn.key == key,
               SignIn.ended_at.is_(None), SignIn.expires_at > _now()))


def _over():
    return or_(SignIn.ended_at.is_not(None), SignIn.expires_at <= _now())


def refused_sign_in_unnoted(key: str | None) -> bool:
    """Whether ``key`` names a sign-in that is over and was never presented since: a read only,
    so replaying a dead cookie again and again costs no write."""
    if not key:
        return False
    return db.session.scalar(select(SignIn.id).where(
        SignIn.key == key, SignIn.refused_at.is_(None), _over())) is not None


def note_refused_sign_in(key: str) -> None:
    """A request presented the cookie of a sign-in that is over (a copy replayed after sign-out,
    a password change, an administrator's "end sessions"; or the browser itself, once): one
    audit line per sign-in, with the address it came from."""
    noted = db.session.execute(
        update(SignIn).where(SignIn.key == key, SignIn.refused_at.is_(None), _over())
        .values(refused_at=_now()).execution_options(synchronize_session=False))
    if not noted.rowcount:
        return  # noted already (a request racing this one)
    row = db.session.scalar(select(SignIn).where(SignIn.key == key))
    audit.record("auth.session_refused", object_type="users", object_id=row.user_id,
                 details={"sign_in": row.id, "reason": "ended" if row.ended_at else "expired"},
                 ip=_client_address())


def sign_out(user: User, key: str | None) -> None:
    """End this browser's sign-in (and its live connections), not the user's others."""
    if key:
        db.session.execute(update(SignIn).where(SignIn.key == key, SignIn.user_id == user.id,
                                                SignIn.ended_at.is_(None))
                           .values(ended_at=_now()).execution_options(synchronize_session=False))
    audit.record("auth.logout", actor=user, target=user)
    signals.signed_out.send(user, login_id=key)


def end_all_sign_ins(user: User) -> int:
    """End every browser sign-in of the user; how many were alive."""
    result = db.session.execute(
        update(SignIn).where(SignIn.user_id == user.id, SignIn.ended_at.is_(None))
        .values(ended_at=_now()).execution_options(synchronize_session=False))
    return result.rowcount or 0
