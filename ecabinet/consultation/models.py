"""Consultation rounds on a draft (lấy ý kiến dự thảo): the round, its reviewers, their
comments anchored to a paragraph or a page, and the drafting side's answers."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ecabinet.docs.models import Document, DocumentVersion
from ecabinet.extensions import db
from ecabinet.identity.models import User, utcnow


class RoundState(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class CloseReason(enum.StrEnum):
    MANUAL = "manual"  # the drafting side closed it
    NEW_VERSION = "new_version"  # a new version of the document was uploaded


class AnswerKind(enum.StrEnum):
    ACCEPTED = "accepted"  # tiếp thu
    EXPLAINED = "explained"  # giải trình


class ConsultationRound(db.Model):
    """One version of a document sent to reviewers for comments until a deadline."""

    __tablename__ = "consultation_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"),
                                             index=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("document_versions.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(500))
    deadline: Mapped[datetime]
    #: open → closed (by hand, or moved to a new version of the document).
    state: Mapped[str] = mapped_column(String(10), default=RoundState.OPEN.value, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    #: "manual" or "new_version" once closed.
    close_reason: Mapped[str | None] = mapped_column(String(20))
    #: The round this one was moved to when the drafting side chose to ask for comments on a
    #: new version instead (same reviewers): where the reviewers are sent from here.
    successor_id: Mapped[int | None] = mapped_column(
        ForeignKey("consultation_rounds.id", ondelete="SET NULL"))
    #: The newer version of the document beside which the drafting side chose to keep this
    #: round on its own (the reviewers were told); None until a newer one came and they chose.
    kept_beside_version: Mapped[int | None]

    document: Mapped[Document] = relationship(lazy="joined")
    version: Mapped[DocumentVersion] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship()
    reviewers: Mapped[list[RoundReviewer]] = relationship(
        back_populates="round", cascade="all, delete-orphan", lazy="selectin")
    comments: Mapped[list[Comment]] = relationship(
        back_populates="round", cascade="all, delete-orphan", order_by="Comment.id")

    @property
    def is_open(self) -> bool:
        return self.state == RoundState.OPEN

    def reviewer_ids(self) -> set[int]:
        return {reviewer.user_id for reviewer in self.reviewers}


class RoundReviewer(db.Model):
    __tablename__ = "consultation_reviewers"
    __table_args__ = (UniqueConstraint("round_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("consultation_rounds.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)

    round: Mapped[ConsultationRound] = relationship(back_populates="reviewers")
    user: Mapped[User] = relationship(lazy="joined")


class Comment(db.Model):
    """A comment on a paragraph ("p:12") or a page ("page:3"), or a reply in its thread.

    The quoted text is kept with the anchor so that the comment still shows what it was about
    whatever happens to the document later.
    """

    __tablename__ = "consultation_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("consultation_rounds.id", ondelete="CASCADE"), index=True)
    #: The comment a reply belongs to (always a top-level comment); None for a comment.
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("consultation_comments.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: "p:<n>" (n-th non-empty paragraph of the .docx, from 1) or "page:<n>" (PDF page).
    anchor: Mapped[str] = mapped_column(String(20))
    #: The paragraph or page number of the anchor, to sort in document order.
    position: Mapped[int] = mapped_column(Integer)
    #: The text of the paragraph (or the start of the page) when the comment was made.
    quote: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    round: Mapped[ConsultationRound] = relationship(back_populates="comments")
    author: Mapped[User] = relationship(lazy="joined")
    parent: Mapped[Comment | None] = relationship(remote_side=[id], back_populates="replies")
    replies: Mapped[list[Comment]] = relationship(
        back_populates="parent", cascade="all, delete-orphan", order_by="Comment.id",
        lazy="selectin")
    answer: Mapped[Answer | None] = relationship(
        back_populates="comment", cascade="all, delete-orphan", lazy="selectin",
        uselist=False)


class Answer(db.Model):
    """The drafting side's answer to a comment: taken in (tiếp thu) or explained (giải trình).
    One per comment; it may change until the round closes."""

    __tablename__ = "consultation_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        ForeignKey("consultation_comments.id", ondelete="CASCADE"), unique=True)
    #: "accepted" (tiếp thu) or "explained" (giải trình).
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)

    comment: Mapped[Comment] = relationship(back_populates="answer")
    answered_by: Mapped[User | None] = relationship()
