"""What became of each e-mail the app queued: the secretariat is told the truth about its
invitations (issue 9, point 3), not that they "were e-mailed" when the mail server was down."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ecabinet.extensions import db
from ecabinet.identity.models import utcnow


class DeliveryState(enum.StrEnum):
    QUEUED = "queued"  # committed with the change that caused it, not tried yet
    SENT = "sent"  # the mail server accepted it
    FAILED = "failed"  # the server was unreachable or refused it (see ``reason``)


class MailDelivery(db.Model):
    """One e-mail to one person, queued after a change commits and updated by the background
    sender after its attempt. Only mails about something a page reports on are kept (the
    meeting invitations); a notice the app shows in-app anyway is not tracked."""

    __tablename__ = "mail_deliveries"
    __table_args__ = (Index("ix_mail_deliveries_about", "about_type", "about_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: What the mail is: "meeting.invitation", "meeting.reminder", "meeting.change".
    kind: Mapped[str] = mapped_column(String(40))
    #: What it is about ("meeting", the meeting's id): where a page looks its mails up.
    about_type: Mapped[str] = mapped_column(String(40))
    about_id: Mapped[int]
    #: The person it was addressed to (None once the account is gone), and the address used.
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    address: Mapped[str] = mapped_column(String(320))
    #: queued → sent | failed (DeliveryState).
    state: Mapped[str] = mapped_column(String(10), default=DeliveryState.QUEUED.value)
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempted_at: Mapped[datetime | None]
    #: Why it failed, short and with no secret in it (never the server's password or URL).
    reason: Mapped[str | None] = mapped_column(String(200))
