"""Small helpers the transport's tests share."""

from __future__ import annotations

from sqlalchemy import select

from ecabinet.audit.models import AuditEntry
from ecabinet.database import unit_of_work
from ecabinet.extensions import db
from ecabinet.interchange.axis import services
from ecabinet.interchange.axis.models import AxisIncoming, AxisOutgoing


def queue(app, package: bytes, to, messagetype: str = "edoc") -> int:
    with app.app_context(), unit_of_work():
        return services.queue_package(package, to, messagetype).id


def outgoing(app, outgoing_id: int) -> AxisOutgoing:
    with app.app_context():
        row = db.session.get(AxisOutgoing, outgoing_id)
        db.session.expunge(row)
        return row


def incoming(app) -> list[AxisIncoming]:
    with app.app_context():
        rows = db.session.scalars(select(AxisIncoming).order_by(AxisIncoming.id)).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def audit_lines(app, prefix: str = "axis.") -> list[tuple[str, str]]:
    """(action, details) of the entries whose action starts with ``prefix``, in order."""
    with app.app_context():
        return [(entry.action, entry.details) for entry in db.session.scalars(
            select(AuditEntry).where(AuditEntry.action.startswith(prefix))
            .order_by(AuditEntry.id))]


def run(app, function, *args, **kwargs):
    with app.app_context():
        try:
            return function(*args, **kwargs)
        finally:
            db.session.remove()
