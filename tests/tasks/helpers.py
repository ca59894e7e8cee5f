"""Running a service as a user, in its own unit of work, as a request would."""

from __future__ import annotations

from datetime import date

from ecabinet.database import unit_of_work
from ecabinet.extensions import db
from ecabinet.identity.models import User
from ecabinet.tasks import services
from ecabinet.tasks.models import Task


def as_user(app, user_ref, action):
    """``action(user)`` in a unit of work; returns what it returns (ids are safe after)."""
    with app.app_context(), unit_of_work():
        return action(db.session.get(User, user_ref.id))


def new_task(app, world, **fields) -> int:
    values = {"title": "Trình Chính phủ dự thảo Nghị định", "lead_id": world.orgs["btc"],
              "deadline": date(2027, 6, 30), **fields}
    return as_user(app, world.users["secretariat"],
                   lambda user: services.create_task(user, **values).id)


def on_task(app, user_ref, task_id, action):
    """``action(user, task)`` in a unit of work."""
    def run(user):
        return action(user, db.session.get(Task, task_id))
    return as_user(app, user_ref, run)


def task_row(app, task_id) -> dict:
    with app.app_context():
        task = db.session.get(Task, task_id)
        return {c.key: getattr(task, c.key) for c in Task.__table__.columns} | {
            "coordinator_ids": task.coordinator_ids,
            "reports": [(r.kind, r.note, r.document_ids) for r in task.reports],
            "extensions": [(e.state, e.requested_deadline) for e in task.extensions]}
