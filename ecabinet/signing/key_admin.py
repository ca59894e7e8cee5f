"""People's signing keys, on a page: who has one, and an administrator issuing one.

A written poll that asks for signed ballots is refused while a recipient has no key (they
could not answer): its warning links here for those people (issue 9, point 9). The
secretariat sees whether each has a key; an administrator issues one from the app's PKI — what
``ecabinet pki enroll --email … --pin …`` does from the command line — confirming with their
own authenticator code, and hands the PIN to the person. Every key issued is audited
("signing.key_enrolled", with who issued it). Services flush; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask_babel import gettext as _
from sqlalchemy import select

from ecabinet.errors import Forbidden, Invalid
from ecabinet.extensions import db
from ecabinet.identity.models import Role, User, UserRole
from ecabinet.signing import enrolment
from ecabinet.signing.models import KeyPurpose, SigningKey

#: At most this many people on one page (a poll's recipients: the Government's members).
MAX_PEOPLE = 100


def may_see(user: User) -> bool:
    """Who may see whose keys are enrolled: those who send polls and those who issue keys."""
    return user.has_role(Role.SECRETARIAT, Role.ADMIN)


def may_issue(user: User) -> bool:
    """Issuing a key is the operator's power (``ecabinet pki enroll``): administrators only."""
    return user.has_role(Role.ADMIN)


def require_seeing(user: User) -> None:
    if not may_see(user):
        raise Forbidden(_("Only the secretariat and administrators see people's signing keys."))


@dataclass(frozen=True)
class KeyState:
    user: User
    key: SigningKey | None

    @property
    def usable(self) -> bool:
        now = datetime.now(UTC)
        return self.key is not None and self.key.not_before <= now < self.key.not_after


def people(ids: list[int]) -> list[User]:
    """The active people named (at most :data:`MAX_PEOPLE`); none named: the active members."""
    query = select(User).where(User.active.is_(True))
    if ids:
        query = query.where(User.id.in_(sorted(set(ids))[:MAX_PEOPLE]))
    else:
        query = query.where(User.role_rows.any(UserRole.role == Role.MEMBER.value))
    return list(db.session.scalars(query.order_by(User.name, User.id).limit(MAX_PEOPLE)))


def states(users: list[User]) -> list[KeyState]:
    """Each person's current personal key (the newest not retired), or none. One statement."""
    rows = db.session.scalars(
        select(SigningKey).where(SigningKey.user_id.in_([u.id for u in users]),
                                 SigningKey.purpose == KeyPurpose.PERSONAL.value,
                                 SigningKey.retired_at.is_(None))
        .order_by(SigningKey.id))
    newest = {row.user_id: row for row in rows}
    return [KeyState(user, newest.get(user.id)) for user in users]


def issue(admin: User, user: User, *, pin: str, pin_again: str, otp: str | None) -> SigningKey:
    """A new key for ``user`` in a token of their own, its certificate from the app's PKI,
    protected by ``pin``; their previous key retired. The administrator confirms with a code
    of their own authenticator, counted like a sign-in (a stolen session alone issues no key:
    whoever holds a key signs in the person's name). Call it in an ``audited_attempt``: a
    wrong code is recorded even though nothing is issued."""
    from ecabinet.identity import signin

    if not may_issue(admin):
        raise Forbidden(_("Only an administrator can issue a signing key."))
    if (pin or "") != (pin_again or ""):
        raise Invalid(_("The two PINs differ."), code="pin_mismatch")
    enrolment.check_pin(pin)
    if not signin.reconfirm(admin, otp=otp, purpose="key_enrolment"):
        raise Forbidden(_("The code is not right (a code is accepted once). Try the next one."),
                        code="invalid_credentials")
    return enrolment.enrol(pin=pin, user=user, by=admin)
