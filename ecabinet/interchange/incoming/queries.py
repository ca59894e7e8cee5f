"""The register's lists, cut in SQL with the reader's rule (:func:`.access.readable`)."""

from __future__ import annotations

from sqlalchemy import Select, select

from ecabinet.identity.models import User
from ecabinet.interchange.incoming import access
from ecabinet.interchange.incoming.models import IncomingDocument, IncomingQuarantine


def register_query(user: User, *, year: int | None = None, state: str | None = None,
                   organisation_id: int | None = None) -> Select:
    """Newest first (the register read from its last line), filtered."""
    query = select(IncomingDocument).where(access.readable(user))
    if year is not None:
        query = query.where(IncomingDocument.year == year)
    if state:
        query = query.where(IncomingDocument.state == state)
    if organisation_id is not None:
        query = query.where(IncomingDocument.sender_id == organisation_id)
    return query.order_by(IncomingDocument.year.desc(), IncomingDocument.number.desc())


def quarantine_query(user: User) -> Select:
    access.require_register(user)
    return select(IncomingQuarantine).order_by(IncomingQuarantine.id.desc())
