"""Written polls between meetings (phiếu lấy ý kiến thành viên Chính phủ)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ecabinet.docs.models import Document
from ecabinet.extensions import db
from ecabinet.identity.models import User, utcnow


class Answer(enum.StrEnum):
    AGREE = "agree"  # đồng ý
    DISAGREE = "disagree"  # không đồng ý
    OTHER = "other"  # ý kiến khác


class MissingAnswer(enum.StrEnum):
    """How a member who did not answer by the deadline is counted: a setting of the poll."""

    AGREE = "agree"  # as agreement, as in the Government's working rules
    NONE = "none"  # as no answer


class PollStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Poll(db.Model):
    __tablename__ = "polls"

    id: Mapped[int] = mapped_column(primary_key=True)
    question: Mapped[str] = mapped_column(String(1000))
    #: The dossier's summary: what is asked and why (tờ trình in short).
    summary: Mapped[str | None] = mapped_column(Text)
    deadline: Mapped[datetime]
    missing_counts_as: Mapped[str] = mapped_column(String(10), default=MissingAnswer.AGREE.value)
    status: Mapped[str] = mapped_column(String(10), default=PollStatus.OPEN.value, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    #: Every answer is rendered as a one-page ballot PDF signed with the member's key.
    signed_ballots: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: Who the consolidated result goes to (chủ tọa, usually the Prime Minister): with the
    #: secretariat, the only one who reads every answer before the poll closes.
    chair_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    recipients: Mapped[list[PollRecipient]] = relationship(
        back_populates="poll", cascade="all, delete-orphan", lazy="selectin")
    responses: Mapped[list[PollResponse]] = relationship(
        back_populates="poll", cascade="all, delete-orphan", lazy="selectin",
        order_by="PollResponse.answered_at")
    dossier: Mapped[list[PollDocument]] = relationship(
        back_populates="poll", cascade="all, delete-orphan", lazy="selectin",
        order_by="PollDocument.id")

    def recipient(self, user_id: int) -> PollRecipient | None:
        return next((r for r in self.recipients if r.user_id == user_id), None)

    def response_of(self, user_id: int) -> PollResponse | None:
        return next((r for r in self.responses if r.user_id == user_id), None)


class PollRecipient(db.Model):
    __tablename__ = "poll_recipients"
    __table_args__ = (UniqueConstraint("poll_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: When the last reminder went out (None: not reminded yet).
    reminded_at: Mapped[datetime | None]

    poll: Mapped[Poll] = relationship(back_populates="recipients")
    user: Mapped[User] = relationship(lazy="joined")


class PollResponse(db.Model):
    """One answer per member (by the database); answering again replaces it until the close."""

    __tablename__ = "poll_responses"
    __table_args__ = (UniqueConstraint("poll_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    answer: Mapped[str] = mapped_column(String(10))
    comment: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: SHA-256 (in storage) of the signed ballot PDF, when the poll asks for signed ballots.
    ballot_sha256: Mapped[str | None] = mapped_column(String(64))

    poll: Mapped[Poll] = relationship(back_populates="responses")
    user: Mapped[User] = relationship(lazy="joined")


class PollDocument(db.Model):
    """A document of the poll's dossier (tờ trình, dự thảo): its recipients may read it."""

    __tablename__ = "poll_documents"
    __table_args__ = (UniqueConstraint("poll_id", "document_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"),
                                             index=True)
    attached_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    attached_at: Mapped[datetime] = mapped_column(default=utcnow)

    poll: Mapped[Poll] = relationship(back_populates="dossier")
    document: Mapped[Document] = relationship(lazy="joined")
