"""On time, late, done on time, done late: the Python rule and its SQL twin agree on a table of
cases; the dashboard's queries do not grow with the tasks; tasks.follow is the secretariat's."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from ecabinet.extensions import db
from ecabinet.identity.models import User
from ecabinet.tasks import queries
from ecabinet.tasks.figures import standing, standing_sql
from ecabinet.tasks.models import Task
from tests.fixtures.statements import statements
from tests.tasks.helpers import new_task

ON = date(2027, 3, 1)
CASES = [  # status, deadline, submitted_on, done_on → standing on 1 March 2027
    ("assigned", date(2027, 3, 1), None, None, "on_time"),  # due today: not late yet
    ("assigned", date(2027, 2, 28), None, None, "late"),
    ("in_progress", None, None, None, "on_time"),  # ongoing
    ("submitted", date(2027, 2, 20), date(2027, 2, 19), None, "on_time"),  # in time, waiting
    ("submitted", date(2027, 2, 20), date(2027, 2, 25), None, "late"),
    ("done", date(2027, 2, 20), date(2027, 2, 20), date(2027, 2, 20), "done_on_time"),
    ("done", date(2027, 2, 20), date(2027, 2, 21), date(2027, 2, 21), "done_late"),
    ("done", None, date(2027, 2, 21), date(2027, 2, 21), "done_on_time"),
]


def test_the_rule_and_its_sql_twin_agree(app, world):
    ids = [new_task(app, world, title=f"Ca {n}") for n in range(len(CASES))]
    with app.app_context():
        for task_id, (status, deadline, submitted, done, _expected) in zip(ids, CASES,
                                                                          strict=True):
            task = db.session.get(Task, task_id)
            task.status, task.deadline = status, deadline
            task.submitted_on, task.done_on = submitted, done
        db.session.commit()
        sql = dict(db.session.execute(select(Task.id, standing_sql(ON))).all())
        for task_id, case in zip(ids, CASES, strict=True):
            python = standing(db.session.get(Task, task_id), ON).value
            assert python == sql[task_id] == case[-1], case


@pytest.mark.parametrize("query", ["by_organisation", "by_month"])
def test_the_figures_cost_the_same_for_many_tasks(app, world, query):
    def count() -> int:
        with app.app_context():
            user = db.session.get(User, world.users["member"].id)
            with statements(app) as sent:
                getattr(queries, query)(user, on=ON)
            return len(sent)

    new_task(app, world)
    few = count()
    for n in range(5):
        new_task(app, world, lead_id=world.orgs[("btc", "btp", "bkh")[n % 3]])
    assert count() == few


def test_only_the_secretariat_follows_the_changes_live(app, client, world, auth):
    from ecabinet.extensions import socketio

    for name, allowed in (("btc", False), ("secretariat", True)):
        auth.login(world.users[name])
        live = socketio.test_client(app, namespace="/live", flask_test_client=client)
        ack = live.emit("tasks.follow", {}, namespace="/live", callback=True)
        assert ack["ok"] is allowed, (name, ack)
        task_id = new_task(app, world)
        heard = [e["args"][0] for e in live.get_received("/live")
                 if e["name"] == "tasks.changed"]
        assert heard == ([{"task_id": task_id, "change": "created", "lead_id": world.orgs["btc"],
                           "status": "assigned", "standing": "on_time"}] if allowed else [])
        live.disconnect(namespace="/live")
        auth.logout()
