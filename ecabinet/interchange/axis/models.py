"""The installation's outbox and inbox of the exchange service.

Packages are opaque bytes here (the edXML library builds and reads them); their bytes live in
:mod:`ecabinet.storage` under their SHA-256, the rows say where each one stands.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ecabinet.extensions import db
from ecabinet.identity.models import utcnow


class OutgoingState(enum.StrEnum):
    QUEUED = "queued"  # stored, waiting for its (next) attempt
    SENT = "sent"  # the service took it and gave a DocId
    FAILED = "failed"  # refused, or N attempts failed: a person must look at it


class IncomingState(enum.StrEnum):
    STORED = "stored"  # fetched and kept; :func:`.services.on_received` has not taken it yet
    RECEIVED = "received"  # handed over (the incoming register takes it from here)
    #: Not taken (too large to fetch): the service was told "fail", the row keeps the trace
    #: for the clerk; no bytes (``package_sha256`` is empty).
    REFUSED = "refused"


class AxisOutgoing(db.Model):
    """A package to send: stored before the first attempt, so that a crash or a service down
    loses nothing; retried with back-off until sent or failed."""

    __tablename__ = "axis_outgoing"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: JSON list of the recipients' OrganIds.
    recipients: Mapped[str] = mapped_column(Text)
    messagetype: Mapped[str] = mapped_column(String(10))  # edoc | status
    #: The package's name in :mod:`ecabinet.storage`.
    package_sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(10), default=OutgoingState.QUEUED, index=True)
    tries: Mapped[int] = mapped_column(Integer, default=0)
    #: When the next attempt may start; also the lease of an attempt under way (a sender that
    #: dies mid-send leaves the row to be taken again once this passes).
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    #: The service's DocId once sent.
    remote_id: Mapped[str | None] = mapped_column(String(100), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()


class AxisIncoming(db.Model):
    """A message received through the service, kept before the service hears it was delivered.

    The service's id is unique here: a message listed again (a poller that died before its
    acknowledgement, two pollers at once) is never stored twice."""

    __tablename__ = "axis_incoming"

    id: Mapped[int] = mapped_column(primary_key=True)
    remote_id: Mapped[str] = mapped_column(String(100), unique=True)
    sender: Mapped[str] = mapped_column(String(100))  # the sender's OrganId, as the service says
    messagetype: Mapped[str] = mapped_column(String(10))
    package_sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(10), default=IncomingState.STORED, index=True)
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When the service was told "done"; None until then (the poller tells it at its next run).
    acknowledged_at: Mapped[datetime | None] = mapped_column()
    #: Why handing it over failed last (the poller tries again at its next run).
    last_error: Mapped[str | None] = mapped_column(Text)
