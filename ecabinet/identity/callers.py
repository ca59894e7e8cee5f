"""The caller of a live event as plain columns, for the events a hall of tablets sends at once.

Every live event checks its caller again (``ecabinet.live.handlers.connected_user``). Loading
the caller as an ORM :class:`User` for that was ~30 % of a join's handler time and ~40 % of a
ballot's (bench/README.md, issue 14): the events that only need who the caller is — their id
for the access rules and the ballot, their name and email for the audit entry and the receipt
— take a :class:`Caller` instead, read by the same statement with the same checks. Where such
an event goes the long way (a refused ballot: the access rules ask for roles), the ORM user is
loaded then (:func:`as_user`), so the rules stay the ones written for a :class:`User`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import defer

from ecabinet.extensions import db
from ecabinet.identity.models import User


@dataclass(frozen=True, slots=True)
class Caller:
    """Who sent the event: what the audit (``actor``) and the receipts read of a user."""

    id: int
    name: str
    email: str


def as_user(who: User | Caller) -> User:
    """The ORM user of a caller (one statement, not its secrets), or the user as given."""
    if isinstance(who, User):
        return who
    return db.session.get(User, who.id, options=(
        defer(User.password_hash), defer(User.totp_secret), defer(User.totp_pending_secret)))
