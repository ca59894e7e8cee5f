"""Built packs kept for the next download, and read receipts."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ecabinet.extensions import db
from ecabinet.identity.models import utcnow


class ReadVia(enum.StrEnum):
    DOCUMENT = "document"  # the document's own PDF
    PACK = "pack"  # the meeting pack that contained it


class MeetingPack(db.Model):
    """An unwatermarked pack, built once per plan (the items and document versions one kind of
    reader may see) and kept in storage; each download watermarks a copy of it."""

    __tablename__ = "meeting_packs"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"),
                                            index=True)
    #: SHA-256 of the plan (:meth:`ecabinet.packs.plan.PackPlan.key`): what the pack shows.
    cache_key: Mapped[str] = mapped_column(String(64), unique=True)
    #: The built PDF's name in :mod:`ecabinet.storage`.
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    pages: Mapped[int] = mapped_column(Integer)
    #: JSON: the front-matter page count and where each document sits (confidential ones are
    #: watermarked per reader).
    layout: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReadReceipt(db.Model):
    """The first time a user opened a document version. One row per (version, user), enforced
    by the database: concurrent first opens insert once."""

    __tablename__ = "read_receipts"
    __table_args__ = (UniqueConstraint("version_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("document_versions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    first_opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: How it was first opened: "document" (its own PDF) or "pack" (in the meeting pack).
    via: Mapped[str] = mapped_column(String(10))


class PackBuild(db.Model):
    """A pack being built in the job queue (or whose build failed), by the plan it builds. The
    row goes when the built pack is kept (:class:`MeetingPack`); one row per plan, enforced by
    the database, so concurrent first downloads enqueue one build."""

    __tablename__ = "pack_builds"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"),
                                            index=True)
    cache_key: Mapped[str] = mapped_column(String(64), unique=True)
    #: "building" or "failed".
    state: Mapped[str] = mapped_column(String(10))
    #: Steps done out of ``total`` (each document read and placed, the front pages, the file).
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=1)
    #: Why it failed (for the log and the administrator; never shown with a stack trace).
    error: Mapped[str | None] = mapped_column(Text)
    #: Moved by every progress step: a build not heard of for long is taken up again.
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
