"""The audit trail: an append-only, hash-chained log of every state change."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from ecabinet.extensions import db


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Position in the chain, 1, 2, 3… without gaps; a deleted entry leaves a hole here. None
    #: (with ``prev_hash`` and ``hash``) for an entry committed but not linked yet: a ballot's,
    #: linked within milliseconds after its commit (``services.link_pending``).
    seq: Mapped[int | None] = mapped_column(Integer, unique=True)
    #: When the change was committed: entries are chained at commit, so seq and time agree.
    at: Mapped[datetime] = mapped_column(index=True)
    #: Who acted; kept as a plain number and a label so the trail outlives the account.
    actor_id: Mapped[int | None] = mapped_column(index=True)
    actor_label: Mapped[str | None] = mapped_column(String(300))
    #: What was done, dotted: "user.create", "auth.login_failed", "meeting.transition".
    action: Mapped[str] = mapped_column(String(80), index=True)
    object_type: Mapped[str | None] = mapped_column(String(60), index=True)
    object_id: Mapped[str | None] = mapped_column(String(60))
    #: The client address the change came from (None for the command line).
    ip: Mapped[str | None] = mapped_column(String(64))
    #: Canonical JSON of what changed; never secrets (passwords, PINs, codes).
    details: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (Index("ix_audit_entries_unlinked", "id", postgresql_where=text("seq IS NULL"),
                            sqlite_where=text("seq IS NULL")),)


class AuditHead(db.Model):
    """The single row naming the chain's last entry.

    Appending locks this row, so two transactions can never fork the chain; and it lets
    verification notice entries cut from the end, which the chain alone could not show.
    A transaction takes the lock only when it commits (``services._chain_pending``).
    """

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_seq: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
