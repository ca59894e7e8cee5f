"""Helpers of the organisations directory's tests."""

import json

import pytest
from sqlalchemy import func, select

from ecabinet.audit.models import AuditEntry
from ecabinet.extensions import db
from ecabinet.identity.models import Organisation


@pytest.fixture
def count_orgs(app):
    def count() -> int:
        with app.app_context():
            return db.session.scalar(select(func.count(Organisation.id)))
    return count


@pytest.fixture
def audit_of(app):
    """The audit entries of an action, oldest first, as (actor_id, details)."""
    def entries(action: str) -> list[tuple[int | None, dict]]:
        with app.app_context():
            return [(entry.actor_id, json.loads(entry.details)) for entry in db.session.scalars(
                select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))]
    return entries
