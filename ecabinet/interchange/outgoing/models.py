"""The outgoing side of the exchange: which issued decision went to which organisation in
which package, and what that organisation answered since (its business statuses).

One :class:`ExchangeOutgoing` per decision recipient reached through the axis (a package per
recipient: each carries its own ``To``); its :class:`ExchangeStatus` rows are the trace the
clerk reads, in the order they were taken. A status that fails a check is never applied: it is
kept in :class:`ExchangeStatusRefused` (the quarantine of this side) and audited.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ecabinet.decisions.models import Decision, DecisionRecipient
from ecabinet.extensions import db
from ecabinet.identity.models import Organisation, utcnow
from ecabinet.interchange.axis.models import AxisOutgoing


class ExchangeOutgoing(db.Model):
    """A decision sent to one recipient organisation through the axis."""

    __tablename__ = "exchange_outgoing"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"), index=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("decision_recipients.id"), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    #: The recipient's OrganId when it was sent (the directory may change later; the package
    #: and the statuses answering it keep this one).
    organ_id: Mapped[str] = mapped_column(String(13))
    #: ``OrganId,yyyy/mm/dd,number/symbol`` as written in the package: what statuses answer.
    document_id: Mapped[str] = mapped_column(String(120), index=True)
    axis_outgoing_id: Mapped[int] = mapped_column(ForeignKey("axis_outgoing.id"))
    #: The last business status taken (01…06, 13, 15, 16), None until the first one.
    status: Mapped[str | None] = mapped_column(String(2), index=True)
    status_at: Mapped[datetime | None] = mapped_column()
    #: When the clerk asked for it back (status 13 queued to the recipient).
    recall_asked_at: Mapped[datetime | None] = mapped_column()
    recall_axis_outgoing_id: Mapped[int | None] = mapped_column(ForeignKey("axis_outgoing.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    decision: Mapped[Decision] = relationship()
    recipient: Mapped[DecisionRecipient] = relationship()
    organisation: Mapped[Organisation] = relationship(lazy="joined")
    axis_outgoing: Mapped[AxisOutgoing] = relationship(foreign_keys=[axis_outgoing_id],
                                                       lazy="joined")
    recall_axis_outgoing: Mapped[AxisOutgoing | None] = relationship(
        foreign_keys=[recall_axis_outgoing_id])
    history: Mapped[list[ExchangeStatus]] = relationship(
        back_populates="exchange", order_by="ExchangeStatus.id", cascade="all, delete-orphan")


class ExchangeStatus(db.Model):
    """One step of the trace: a status the recipient sent back, or the recall (13) we sent."""

    __tablename__ = "exchange_statuses"

    id: Mapped[int] = mapped_column(primary_key=True)
    exchange_id: Mapped[int] = mapped_column(
        ForeignKey("exchange_outgoing.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(2))
    description: Mapped[str] = mapped_column(Text, default="")
    #: ``Timestamp`` of the message (the author's clock, Vietnam's time, stored in UTC).
    stated_at: Mapped[datetime] = mapped_column()
    #: When this installation took it (or queued it, for the 13 we send).
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Who handled it there (StaffInfo: department and person), as they wrote it.
    staff: Mapped[str] = mapped_column(String(300), default="")
    #: "in": from the recipient; "out": ours (the recall).
    direction: Mapped[str] = mapped_column(String(3), default="in")
    axis_incoming_id: Mapped[int | None] = mapped_column(ForeignKey("axis_incoming.id"))

    exchange: Mapped[ExchangeOutgoing] = relationship(back_populates="history")


class ExchangeStatusRefused(db.Model):
    """A status message not applied (unsigned, badly signed, about a document we did not
    send to its sender…): kept for the clerk to see, with why."""

    __tablename__ = "exchange_statuses_refused"

    id: Mapped[int] = mapped_column(primary_key=True)
    axis_incoming_id: Mapped[int] = mapped_column(ForeignKey("axis_incoming.id"), unique=True)
    sender: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text, default="")
    #: The DocumentId it claimed to answer, when it could be read at all.
    document_id: Mapped[str] = mapped_column(String(120), default="")
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class DecisionRecall(db.Model):
    """An issued decision asked back (status 13 to its axis recipients): from then on it is
    frozen (recalled once, never sent again), its record and metadata kept (Decree 30 Annex VI)."""

    __tablename__ = "decision_recalls"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"), unique=True)
    asked_at: Mapped[datetime] = mapped_column(default=utcnow)
    asked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
