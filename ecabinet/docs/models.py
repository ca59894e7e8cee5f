"""Documents, their versions (each with its rendered PDF) and their place in meeting agendas."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ecabinet.extensions import db
from ecabinet.identity.models import User, utcnow


class Classification(enum.StrEnum):
    NORMAL = "normal"  # thường
    CONFIDENTIAL = "confidential"  # mật


class VersionState(enum.StrEnum):
    CONVERTING = "converting"
    READY = "ready"
    FAILED = "failed"


class DocumentKind(enum.StrEnum):
    DOCX = "docx"
    PDF = "pdf"


class Document(db.Model):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    #: "normal" or "confidential": a confidential document is read only by its uploader, the
    #: secretariat and the invitees of the agenda items it is attached to.
    classification: Mapped[str] = mapped_column(String(20), default=Classification.NORMAL.value)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    created_by: Mapped[User | None] = relationship(lazy="joined")
    versions: Mapped[list[DocumentVersion]] = relationship(
        back_populates="document", cascade="all, delete-orphan", lazy="selectin",
        order_by="DocumentVersion.number")

    @property
    def confidential(self) -> bool:
        return self.classification == Classification.CONFIDENTIAL

    @property
    def latest(self) -> DocumentVersion | None:
        return self.versions[-1] if self.versions else None


class DocumentVersion(db.Model):
    """One uploaded file and its PDF. Never changed once ready or failed; a new upload is a
    new version."""

    __tablename__ = "document_versions"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"),
                                             index=True)
    #: 1, 2, … per document, in upload order.
    number: Mapped[int] = mapped_column(Integer)
    #: What the bytes are ("docx" or "pdf"), found from the content, not the name.
    kind: Mapped[str] = mapped_column(String(10))
    #: SHA-256 of the uploaded bytes: their name in :mod:`ecabinet.storage`.
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(255))
    #: converting → ready | failed. A PDF upload is ready at once.
    state: Mapped[str] = mapped_column(String(20), index=True)
    #: SHA-256 of the PDF rendering (the upload itself for a PDF).
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    pages: Mapped[int | None] = mapped_column(Integer)
    #: Why a conversion failed: a stable code (see ``services.ERROR_MESSAGES``) …
    error_code: Mapped[str | None] = mapped_column(String(40))
    #: … and what the converter said, for the secretariat and the logs.
    error_detail: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    converted_at: Mapped[datetime | None]

    document: Mapped[Document] = relationship(back_populates="versions")


class ItemDocument(db.Model):
    """A document in an agenda item's dossier (hồ sơ trình)."""

    __tablename__ = "agenda_item_documents"
    __table_args__ = (UniqueConstraint("item_id", "document_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id", ondelete="CASCADE"),
                                         index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"),
                                             index=True)
    attached_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    attached_at: Mapped[datetime] = mapped_column(default=utcnow)

    document: Mapped[Document] = relationship(lazy="joined")


class AnnotationKind(enum.StrEnum):
    HIGHLIGHT = "highlight"
    NOTE = "note"


class Annotation(db.Model):
    """A reader's private mark on one page of a version: a highlighted rectangle or a note.

    Only its author ever sees it (not the secretariat, not an admin): the API answers 404 to
    anybody else. Coordinates are fractions of the page (0–1, from the top left), so a mark stays
    in place whatever the zoom or the screen.
    """

    __tablename__ = "document_annotations"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("document_versions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: 1-based page number.
    page: Mapped[int] = mapped_column(Integer)
    #: "highlight" (a rectangle) or "note" (a text pinned at a point of the page).
    kind: Mapped[str] = mapped_column(String(10))
    x: Mapped[float] = mapped_column(Float)
    y: Mapped[float] = mapped_column(Float)
    #: 0 for a note (a point).
    width: Mapped[float] = mapped_column(Float, default=0.0)
    height: Mapped[float] = mapped_column(Float, default=0.0)
    text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Presentation(db.Model):
    """Where the presenter of a live meeting is: the document, version and page every tablet
    following the presenter shows. One row per meeting, overwritten on each page turn, so that a
    tablet joining late (or reconnecting) jumps straight to it."""

    __tablename__ = "document_presentations"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"),
                                            primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    page: Mapped[int] = mapped_column(Integer)
    presenter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
