"""Who sees which task: the organisations involved, the secretariat and the members; a
confidential source keeps its tasks to those who may read it. The Python rule and its SQL twin
agree for every person and task."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ecabinet.extensions import db
from ecabinet.identity.models import User
from ecabinet.tasks import access
from ecabinet.tasks.models import Task
from tests.tasks.helpers import new_task

PEOPLE = ("secretariat", "member", "invited", "btc", "btp", "btp_clerk", "bkh")


@pytest.fixture
def tasks(app, world):
    return {
        "plain": new_task(app, world, coordinator_ids=[world.orgs["btp"]]),
        "notice": new_task(app, world, source_kind="notice", source_id=world.notice_id,
                           lead_id=world.orgs["bkh"]),
        "secret_vote": new_task(app, world, source_kind="vote",
                                source_id=world.votes["secret"]),
        "open_vote": new_task(app, world, source_kind="vote", source_id=world.votes["open"],
                              lead_id=world.orgs["btp"]),
        "secret_decision": new_task(app, world, source_kind="decision",
                                    source_id=world.secret_decision_id),
        "manual_secret": new_task(app, world, confidential=True),
    }


EXPECTED = {
    "secretariat": {"plain", "notice", "secret_vote", "open_vote", "secret_decision",
                    "manual_secret"},
    # a member sees all but what comes from a confidential item they are not invited to
    "member": {"plain", "notice", "open_vote"},
    "invited": {"plain", "notice", "secret_vote", "open_vote", "secret_decision"},
    # the lead sees its own, but not a confidential one whose vote it may not see; the
    # decision drafted from that vote was sent to it, so that task it sees
    "btc": {"plain", "secret_decision"},
    "btp": {"plain", "open_vote"},  # coordinates "plain", leads "open_vote"
    "btp_clerk": {"plain", "open_vote"},
    "bkh": {"notice"},
}


def test_who_sees_which_task(app, world, tasks):
    names = {task_id: name for name, task_id in tasks.items()}
    with app.app_context():
        for person in PEOPLE:
            user = db.session.get(User, world.users[person].id)
            seen = {names[t.id] for t in db.session.scalars(select(Task)) if
                    access.can_see(user, t)}
            assert seen == EXPECTED[person], person


def test_the_sql_twin_agrees(app, world, tasks):
    with app.app_context():
        for person in PEOPLE:
            user = db.session.get(User, world.users[person].id)
            python = {t.id for t in db.session.scalars(select(Task)) if access.can_see(user, t)}
            sql = set(db.session.scalars(select(Task.id).where(access.seen_by(user))))
            assert python == sql, person


def test_a_task_one_may_not_see_is_not_found(app, world, tasks):
    from ecabinet.errors import NotFound

    with app.app_context():
        user = db.session.get(User, world.users["member"].id)
        with pytest.raises(NotFound):
            access.task_for(user, tasks["secret_vote"])


def test_confidentiality_is_inherited_from_the_source(app, world, tasks):
    with app.app_context():
        flags = {name: db.session.get(Task, i).confidential for name, i in tasks.items()}
    assert flags == {"plain": False, "notice": False, "secret_vote": True, "open_vote": False,
                     "secret_decision": True, "manual_secret": True}


def test_a_reports_documents_are_read_by_those_who_see_the_task(app, world, tasks):
    from ecabinet.docs.access import can_read, readable_by
    from ecabinet.docs.models import Document
    from ecabinet.tasks import services
    from tests.tasks.helpers import as_user, on_task

    def upload(user):
        document = Document(title="Báo cáo mật", classification="normal",
                            created_by_id=user.id)
        db.session.add(document)
        db.session.flush()
        return document.id
    document_id = as_user(app, world.users["btc"], upload)
    on_task(app, world.users["btc"], tasks["secret_decision"], lambda u, t:
            services.report_progress(u, t, note="Kèm báo cáo", document_ids=[document_id]))
    with app.app_context():
        document = db.session.get(Document, document_id)
        for person, allowed in (("invited", True), ("secretariat", True), ("member", False),
                                ("btp", False)):
            user = db.session.get(User, world.users[person].id)
            assert can_read(user, document) is allowed, person
            listed = db.session.scalar(select(Document.id).where(
                Document.id == document_id, readable_by(user))) is not None
            assert listed is allowed, person
