"""Organisations, users, their roles and their API tokens."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ecabinet.extensions import db
from ecabinet.identity.at_rest import Sealed


def utcnow() -> datetime:
    return datetime.now(UTC)


class Role(enum.StrEnum):
    """Roles a user holds across the system. *Chair* is a role inside one meeting, not here."""

    ADMIN = "admin"
    SECRETARIAT = "secretariat"
    MEMBER = "member"
    SIGNER = "signer"
    CLERK = "clerk"
    GUEST = "guest"
    #: Đầu mối: an organisation's liaison for the tasks the Government assigns it (ecabinet/tasks).
    LIAISON = "liaison"


#: Roles whose holders must use a second factor: they administer the system or sign legally
#: (the clerk applies the organisation's signature, the seal).
ROLES_REQUIRING_TOTP = frozenset({Role.ADMIN, Role.SIGNER, Role.CLERK})


class Organisation(db.Model):
    """An entry of the organisations directory (see :mod:`ecabinet.organisations`)."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    #: Short form used in document symbols, e.g. "TTg" (Thủ tướng) or "VPCP".
    code: Mapped[str | None] = mapped_column(String(20), unique=True)
    #: The electronic identifier (mã định danh, QCVN 102:2016, Decree 30 Annex VI: OrganId,
    #: String(13)), e.g. "000.00.00.G22" for the Government Office: how the interchange axis
    #: names the organisation. Empty only for organisations made before the directory had it.
    identifier: Mapped[str | None] = mapped_column(String(13), unique=True)
    #: The contact details an edXML From/To carries (OrganAdd, Email, Telephone, Fax, Website).
    address: Mapped[str | None] = mapped_column(String(300))
    email: Mapped[str | None] = mapped_column(String(254))
    telephone: Mapped[str | None] = mapped_column(String(50))
    fax: Mapped[str | None] = mapped_column(String(50))
    website: Mapped[str | None] = mapped_column(String(200))
    #: The organisation it belongs to (a ministry's department, a ministry's ministry-level
    #: parent): never a cycle, which the directory's services refuse.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    #: An organisation that no longer exists stays for the documents it sent and received.
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    users: Mapped[list[User]] = relationship(back_populates="organisation")
    parent: Mapped[Organisation | None] = relationship(remote_side=[id])


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: Job title shown under the name, e.g. "Bộ trưởng Bộ Tư pháp".
    title: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    #: Base32 TOTP secret once the user has enrolled a second factor; stored encrypted.
    totp_secret: Mapped[str | None] = mapped_column(Sealed())
    #: A secret shown as a QR code but not yet confirmed with a code; kept server-side,
    #: encrypted.
    totp_pending_secret: Mapped[str | None] = mapped_column(Sealed())
    #: The last TOTP time step accepted, so a code cannot be replayed within its window.
    totp_last_step: Mapped[int | None]
    locale: Mapped[str] = mapped_column(String(8), default="vi")
    active: Mapped[bool] = mapped_column(default=True)
    #: Bumped on password change or deactivation: it is part of the session id, so every
    #: existing browser session of the user ends.
    session_version: Mapped[int] = mapped_column(default=1)
    #: Wrong passwords or codes since the last completed sign-in: past a few, the account
    #: backs off (``locked_until``), whatever address the guesses come from.
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[datetime | None]
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation | None] = relationship(back_populates="users")
    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> set[Role]:
        return {Role(row.role) for row in self.role_rows}

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def totp_required(self) -> bool:
        return bool(self.roles & ROLES_REQUIRING_TOTP)

    @property
    def totp_enabled(self) -> bool:
        return self.totp_secret is not None

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:  # Flask-Login: the session ends when session_version changes
        return f"{self.id}:{self.session_version}"


class UserRole(db.Model):
    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))

    user: Mapped[User] = relationship(back_populates="role_rows")


class ApiToken(db.Model):
    """A bearer token. Only the SHA-256 of the secret is stored: a database leak gives no access."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    #: Where the token was asked for, for the user's list of sessions.
    created_from: Mapped[str | None] = mapped_column(String(64))

    user: Mapped[User] = relationship()


class SignIn(db.Model):
    """One browser's sign-in, checked on every request that its session cookie makes.

    The cookie is signed, not stored: a copy of it works as long as something on the server
    says it still does. This row is that something; signing out, a password change, a
    deactivation or an administrator ending the user's sessions end it at once.
    """

    __tablename__ = "sign_ins"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The random id kept in the session as ``login_id`` (also what live connections are known by).
    key: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The server's own end of the session, whatever the cookie says.
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    created_from: Mapped[str | None] = mapped_column(String(64))
    #: When a request first presented this sign-in's cookie after it was over (audited once).
    refused_at: Mapped[datetime | None]
