"""Outgoing documents (quyết định, nghị quyết, thông báo kết luận, công văn), their signatures,
recipients, and the register of outgoing documents (sổ văn bản đi)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ecabinet.extensions import db
from ecabinet.identity.models import Organisation, User, utcnow


class DecisionState(enum.StrEnum):
    DRAFT = "draft"  # dự thảo, chờ ký
    SIGNED = "signed"  # đã ký, chờ ban hành
    ISSUED = "issued"  # đã ban hành


class RenderState(enum.StrEnum):
    RENDERING = "rendering"
    READY = "ready"
    FAILED = "failed"


class Decision(db.Model):
    __tablename__ = "decisions"
    #: One number per issuing body and year: the register's last guard against a duplicate.
    __table_args__ = (UniqueConstraint("issuer_id", "year", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: quyet_dinh, nghi_quyet, thong_bao_ket_luan, cong_van (see layout.KINDS).
    kind: Mapped[str] = mapped_column(String(30))
    state: Mapped[str] = mapped_column(String(20), default=DecisionState.DRAFT.value, index=True)
    #: The trích yếu.
    summary: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    #: The issuing body: whose register numbers it and whose seal closes it.
    issuer_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    #: The authority line(s), one per line: "TM. CHÍNH PHỦ\nTHỦ TƯỚNG".
    authority: Mapped[str] = mapped_column(String(300))
    place: Mapped[str] = mapped_column(String(100), default="Hà Nội")
    #: The competent person: the only one who may sign it.
    signer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Where it came from: a meeting's conclusions, or a closed vote (and its meeting).
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="SET NULL"), index=True)
    vote_id: Mapped[int | None] = mapped_column(ForeignKey("votes.id", ondelete="SET NULL"))
    #: The generated .docx is a document of the documents feature: its job queue renders it.
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    render_state: Mapped[str] = mapped_column(String(20), default=RenderState.RENDERING.value)
    #: SHA-256 (in ecabinet.storage) of the current PDF: prepared with its fields, then signed,
    #: then issued. Never changed once issued.
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    #: Where the form and signature fields are, found in the rendered PDF (JSON).
    fields_json: Mapped[str | None] = mapped_column(Text)
    #: The PAdES level the competent person signed at.
    level: Mapped[str | None] = mapped_column(String(10))
    signed_at: Mapped[datetime | None]
    #: The register: the order in the issuer's register for the calendar year (Vietnam's).
    year: Mapped[int | None] = mapped_column(Integer)
    number: Mapped[int | None] = mapped_column(Integer)
    #: "05/QĐ-TTg".
    symbol: Mapped[str | None] = mapped_column(String(60))
    issued_at: Mapped[datetime | None]
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    issuer: Mapped[Organisation] = relationship(lazy="joined")
    signer: Mapped[User] = relationship(foreign_keys=[signer_id], lazy="joined")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    signatures: Mapped[list[DecisionSignature]] = relationship(
        back_populates="decision", cascade="all, delete-orphan", lazy="selectin",
        order_by="DecisionSignature.id")
    #: The "Nơi nhận" block, line by line: the one list that is printed, read and delivered.
    recipients: Mapped[list[DecisionRecipient]] = relationship(
        back_populates="decision", cascade="all, delete-orphan", lazy="selectin",
        order_by="DecisionRecipient.position")
    attachments: Mapped[list[DecisionAttachment]] = relationship(
        back_populates="decision", cascade="all, delete-orphan", lazy="selectin",
        order_by="DecisionAttachment.position")

    @property
    def addressees(self) -> list[DecisionRecipient]:
        """The lines that name a recipient (an organisation or a person): who reads it once
        issued and is told so. The other lines ("Như Điều 3", "Lưu: VT, …") are text."""
        return [r for r in self.recipients if r.is_addressee]

    @property
    def recipient_lines(self) -> list[str]:
        """The "Nơi nhận" lines as printed, without the dash and the final punctuation."""
        return [r.label for r in self.recipients]


class DecisionAttachment(db.Model):
    """An attachment (phụ lục) issued with the decision: a PDF document, frozen when drafted,
    signed with the organisation's signature (no image) when the decision is issued."""

    __tablename__ = "decision_attachments"
    __table_args__ = (UniqueConstraint("decision_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id", ondelete="CASCADE"),
                                             index=True)
    #: 1, 2, … in the order given when drafting.
    position: Mapped[int] = mapped_column(Integer)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id",
                                                               ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(500))
    #: The PDF as it was when the decision was drafted …
    source_sha256: Mapped[str] = mapped_column(String(64))
    #: … and signed by the organisation at issue.
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))

    decision: Mapped[Decision] = relationship(back_populates="attachments")


class DecisionSignature(db.Model):
    """A signature in the decision's PDF, in the legal order: the competent person's, then the
    organisation's (the seal)."""

    __tablename__ = "decision_signatures"
    __table_args__ = (UniqueConstraint("decision_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id", ondelete="CASCADE"),
                                             index=True)
    #: "signer" (the competent person) or "seal" (the organisation, applied by a clerk).
    role: Mapped[str] = mapped_column(String(10))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    field_name: Mapped[str] = mapped_column(String(60))
    level: Mapped[str] = mapped_column(String(10))
    #: Signed with a key on the signer's own device (prepare / finish).
    external: Mapped[bool] = mapped_column(default=False)
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: SHA-256 of the PDF this signature produced.
    pdf_sha256: Mapped[str] = mapped_column(String(64))

    decision: Mapped[Decision] = relationship(back_populates="signatures")
    user: Mapped[User | None] = relationship(lazy="joined")


class DecisionRecipient(db.Model):
    """A line of the "Nơi nhận" block. A line naming an organisation (or a person) is a
    recipient: its people read the issued decision, are told of it on issue, and the clerk
    sees when it was delivered and first opened. A line naming nobody ("Như Điều 3",
    "Lưu: VT, TCCV") is printed only. One list, so the printed block and the readers agree."""

    __tablename__ = "decision_recipients"
    __table_args__ = (UniqueConstraint("decision_id", "organisation_id"),
                      UniqueConstraint("decision_id", "user_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id", ondelete="CASCADE"),
                                             index=True)
    #: The order in the printed block (from 1).
    position: Mapped[int] = mapped_column(Integer, default=0)
    #: The line as printed, without "- " and ";": "Bộ Tư pháp", "Lưu: VT, TCCV".
    label: Mapped[str] = mapped_column(String(300), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"),
                                                        index=True)
    #: When its people were told (the dashboard notice, and e-mail when configured): on issue.
    delivered_at: Mapped[datetime | None]
    #: The first time one of its people opened the issued decision (page or PDF), and who.
    first_opened_at: Mapped[datetime | None]
    first_opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                      ondelete="SET NULL"))

    decision: Mapped[Decision] = relationship(back_populates="recipients")
    organisation: Mapped[Organisation | None] = relationship(lazy="joined")
    user: Mapped[User | None] = relationship(foreign_keys=[user_id], lazy="joined")
    first_opened_by: Mapped[User | None] = relationship(foreign_keys=[first_opened_by_id])

    @property
    def is_addressee(self) -> bool:
        return self.organisation_id is not None or self.user_id is not None


class RegisterCounter(db.Model):
    """The last number given in an issuing body's register for a year. Locked (FOR UPDATE) by
    the transaction that issues, so two clerks never get the same number and a failed issue
    gives its number back."""

    __tablename__ = "register_counters"
    __table_args__ = (UniqueConstraint("organisation_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    year: Mapped[int] = mapped_column(Integer)
    last_number: Mapped[int] = mapped_column(Integer, default=0)
