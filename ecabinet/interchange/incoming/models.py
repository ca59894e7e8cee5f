"""The incoming register (sổ văn bản đến, Decree 30 Art. 22) and its quarantine.

A package that passes every check becomes an :class:`IncomingDocument` with the next number of
its year's register; one that does not becomes an :class:`IncomingQuarantine` row (never
numbered). Each step of the handling is an :class:`IncomingEvent`, with the status message sent
back to the sender (its outbox row), which is the document's exchange history.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ecabinet.extensions import db
from ecabinet.identity.models import Organisation, User, utcnow
from ecabinet.interchange.axis.models import AxisOutgoing


class IncomingState(enum.StrEnum):
    RECEIVED = "received"  # 01: arrived, numbered, acknowledged; the clerk has not looked yet
    ACCEPTED = "accepted"  # 03: the clerk registered it and presented it to a leader
    ASSIGNED = "assigned"  # 04: the leader gave it a handling unit and a deadline
    IN_HANDLING = "in_handling"  # 05
    DONE = "done"  # 06
    REFUSED = "refused"  # 02: returned to the sender (misaddressed, wrong)
    RECALLED = "recalled"  # the sender took it back (13 → 15): files destroyed, metadata kept


#: The status code sent back when a document enters a state.
STATUS_OF_STATE = {
    IncomingState.RECEIVED: "01", IncomingState.REFUSED: "02", IncomingState.ACCEPTED: "03",
    IncomingState.ASSIGNED: "04", IncomingState.IN_HANDLING: "05", IncomingState.DONE: "06",
    IncomingState.RECALLED: "15",
}


class IncomingCounter(db.Model):
    """The last number given in a year's incoming register (one series a year, shared by paper
    and electronic documents)."""

    __tablename__ = "incoming_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class IncomingDocument(db.Model):
    __tablename__ = "incoming_documents"
    __table_args__ = (UniqueConstraint("year", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The register: Vietnam's calendar year of arrival, and the number in it from 1.
    year: Mapped[int] = mapped_column(Integer, index=True)
    number: Mapped[int] = mapped_column(Integer)
    #: ``OrganId,yyyy/mm/dd,number/symbol``: one document nationally, registered once.
    document_id: Mapped[str] = mapped_column(String(200), unique=True)
    sender_identifier: Mapped[str] = mapped_column(String(13), index=True)
    sender_name: Mapped[str] = mapped_column(String(500))
    #: The sender in the directory (an unknown sender is quarantined, so set at arrival).
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    code_number: Mapped[str] = mapped_column(String(50))
    code_notation: Mapped[str] = mapped_column(String(100))
    type_name: Mapped[str] = mapped_column(String(200), default="")
    subject: Mapped[str] = mapped_column(Text)
    content: Mapped[str] = mapped_column(Text, default="")
    promulgation_place: Mapped[str] = mapped_column(String(200), default="")
    promulgation_date: Mapped[date] = mapped_column()
    signer_name: Mapped[str] = mapped_column(String(300), default="")
    signer_position: Mapped[str] = mapped_column(String(300), default="")
    due_date: Mapped[date | None] = mapped_column()
    priority: Mapped[int] = mapped_column(Integer, default=0)
    #: JSON list of the package's TraceHeaders ``[[OrganId, ISO time], …]``.
    trace: Mapped[str] = mapped_column(Text, default="[]")
    #: The package as received (storage name), and the inbox row it came in.
    package_sha256: Mapped[str] = mapped_column(String(64))
    axis_incoming_id: Mapped[int | None] = mapped_column(ForeignKey("axis_incoming.id"),
                                                         unique=True)
    #: Whether the package's seal certificate was tied to the sender (an identifier in it):
    #: False is shown to the clerk as a warning, not refused (see docs/interchange.md).
    signer_matched: Mapped[bool] = mapped_column(default=False)
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    state: Mapped[str] = mapped_column(String(20), default=IncomingState.RECEIVED, index=True)
    #: The leader it was presented to (Art. 23); None: any leader may assign it.
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    #: The handling unit: an organisation, or one person.
    handling_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id"), index=True)
    handling_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    deadline: Mapped[date | None] = mapped_column()
    direction: Mapped[str] = mapped_column(Text, default="")
    #: The reason given when refused or recalled.
    reason: Mapped[str] = mapped_column(Text, default="")
    #: The meeting document it became (attached to an agenda item), if any.
    meeting_document_id: Mapped[int | None] = mapped_column(
        ForeignKey("documents.id", ondelete="SET NULL"))

    sender: Mapped[Organisation | None] = relationship(foreign_keys=[sender_id])
    leader: Mapped[User | None] = relationship(foreign_keys=[leader_id])
    handling_organisation: Mapped[Organisation | None] = relationship(
        foreign_keys=[handling_organisation_id])
    handling_user: Mapped[User | None] = relationship(foreign_keys=[handling_user_id])
    attachments: Mapped[list[IncomingAttachment]] = relationship(
        back_populates="document", cascade="all, delete-orphan", lazy="selectin",
        order_by="IncomingAttachment.position")
    events: Mapped[list[IncomingEvent]] = relationship(
        back_populates="document", cascade="all, delete-orphan", order_by="IncomingEvent.id")

    @property
    def symbol(self) -> str:
        return f"{self.code_number}/{self.code_notation}"


class IncomingAttachment(db.Model):
    __tablename__ = "incoming_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("incoming_documents.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    #: The bytes in :mod:`ecabinet.storage`; None once destroyed (a recalled document).
    sha256: Mapped[str | None] = mapped_column(String(64))
    #: JSON summary of the PAdES check: ``{"valid", "signers": [...]}`` (PDFs only).
    signatures: Mapped[str] = mapped_column(Text, default="{}")

    document: Mapped[IncomingDocument] = relationship(back_populates="attachments")


class IncomingEvent(db.Model):
    """One step of the document's handling, and the status message it sent back."""

    __tablename__ = "incoming_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("incoming_documents.id"), index=True)
    state: Mapped[str] = mapped_column(String(20))
    #: The status code sent back ("01" …), or "" when none was (a duplicate noted).
    status_code: Mapped[str] = mapped_column(String(2), default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    #: The outbox row carrying the status message (its state says whether it left).
    outgoing_id: Mapped[int | None] = mapped_column(ForeignKey("axis_outgoing.id"))

    document: Mapped[IncomingDocument] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()
    outgoing: Mapped[AxisOutgoing | None] = relationship()


class IncomingQuarantine(db.Model):
    """A received package that was not registered: refused (with status 02 sent back when the
    sender can be answered) or a duplicate of a registered one (flagged, nothing sent)."""

    __tablename__ = "incoming_quarantine"

    id: Mapped[int] = mapped_column(primary_key=True)
    axis_incoming_id: Mapped[int | None] = mapped_column(ForeignKey("axis_incoming.id"),
                                                         unique=True)
    #: The sender as the exchange service said (authenticated by it), not as the package says.
    sender_identifier: Mapped[str] = mapped_column(String(100))
    #: A stable code: an edXML refusal (``bad_signature``, ``dtd_forbidden`` …) or ours
    #: (``unknown_sender``, ``misaddressed``, ``pdf_signature``, ``duplicate`` …).
    reason: Mapped[str] = mapped_column(String(50), index=True)
    message: Mapped[str] = mapped_column(Text)  # for people (sent back as the description)
    detail: Mapped[str] = mapped_column(Text, default="")  # for the log, never markup
    #: What the package claimed, when it could be read at all (never trusted).
    claimed_document_id: Mapped[str] = mapped_column(String(200), default="")
    claimed_subject: Mapped[str] = mapped_column(Text, default="")
    package_sha256: Mapped[str] = mapped_column(String(64), default="")
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("incoming_documents.id"))
    outgoing_id: Mapped[int | None] = mapped_column(ForeignKey("axis_outgoing.id"))
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    duplicate_of: Mapped[IncomingDocument | None] = relationship()
