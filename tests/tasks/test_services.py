"""Assigning, reporting, accepting, returning, extending: what each promises and what bad input
gets (a clear error, nothing changed)."""

from __future__ import annotations

from datetime import date

import pytest

from ecabinet.audit.models import AuditEntry
from ecabinet.errors import Conflict, Forbidden, Invalid
from ecabinet.extensions import db
from ecabinet.tasks import services
from ecabinet.tasks.figures import Standing, standing
from ecabinet.tasks.models import Task
from tests.tasks.helpers import as_user, new_task, on_task, task_row


def _audit_actions(app) -> list[str]:
    with app.app_context():
        return [e.action for e in db.session.scalars(
            db.select(AuditEntry).where(AuditEntry.action.like("task.%"))
            .order_by(AuditEntry.id))]


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count(Task.id)))


def test_a_task_runs_from_assigned_to_done_and_every_step_is_audited(app, world):
    task_id = new_task(app, world, expected_product="Dự thảo Nghị định",
                       coordinator_ids=[world.orgs["btp"], world.orgs["btc"]])
    row = task_row(app, task_id)
    assert row["status"] == "assigned" and row["product_required"]
    assert row["coordinator_ids"] == [world.orgs["btp"]]  # the lead is not its own coordinator
    on_task(app, world.users["btc"], task_id, lambda u, t: services.report_progress(
        u, t, note="Đã lấy ý kiến các bộ"))
    assert task_row(app, task_id)["status"] == "in_progress"
    document_id = _document(app, world.users["btc"])
    on_task(app, world.users["btc"], task_id, lambda u, t: services.report_done(
        u, t, note="Đã trình", result_document_id=document_id))
    row = task_row(app, task_id)
    assert row["status"] == "submitted" and row["submitted_on"] == date(2027, 3, 1)
    on_task(app, world.users["secretariat"], task_id, lambda u, t: services.accept(u, t))
    row = task_row(app, task_id)
    assert row["status"] == "done" and row["done_on"] == date(2027, 3, 1)
    with app.app_context():
        assert standing(db.session.get(Task, task_id)) == Standing.DONE_ON_TIME
    assert _audit_actions(app) == ["task.create", "task.report", "task.done", "task.accept"]


def _document(app, user_ref) -> int:
    from ecabinet.docs.models import Document

    def make(user):
        document = Document(title="Tờ trình", classification="normal", created_by_id=user.id)
        db.session.add(document)
        db.session.flush()
        return document.id
    return as_user(app, user_ref, make)


@pytest.mark.parametrize("fields, field", [
    ({"deadline": date(2027, 2, 28)}, "deadline"),  # yesterday
    ({"deadline": None}, "deadline"),  # neither a date nor ongoing
    ({"lead_id": 99999}, "lead_id"),
    ({"coordinator_ids": [99999]}, "coordinator_ids"),
    ({"title": "   "}, "title"),
    ({"source_kind": "notice", "source_id": 99999}, "source_id"),
    ({"source_kind": "notice"}, "source_id"),
    ({"source_kind": "telepathy", "source_id": 1}, "source_kind"),
])
def test_bad_input_is_refused_and_nothing_is_created(app, world, fields, field):
    with pytest.raises(Invalid) as refused:
        new_task(app, world, **fields)
    assert field in refused.value.details
    assert _count(app) == 0 and _audit_actions(app) == []


def test_a_decision_is_not_a_notice(app, world):
    with pytest.raises(Invalid):
        new_task(app, world, source_kind="notice", source_id=world.secret_decision_id)


def test_only_the_secretariat_assigns(app, world):
    with pytest.raises(Forbidden):
        as_user(app, world.users["btc"], lambda u: services.create_task(
            u, title="x", lead_id=world.orgs["btc"], deadline=date(2027, 6, 30)))
    assert _count(app) == 0


def test_an_ongoing_task_has_no_deadline_and_is_never_late(app, world):
    task_id = new_task(app, world, deadline=None, ongoing=True)
    assert task_row(app, task_id)["deadline"] is None
    with app.app_context():
        assert standing(db.session.get(Task, task_id), date(2099, 1, 1)) == Standing.ON_TIME


def test_only_the_lead_organisations_liaison_or_clerk_reports(app, world):
    task_id = new_task(app, world, coordinator_ids=[world.orgs["btp"]])
    for name in ("btp", "btp_clerk", "member", "secretariat"):  # a coordinator is not the lead
        with pytest.raises(Forbidden):
            on_task(app, world.users[name], task_id,
                    lambda u, t: services.report_progress(u, t, note="Xong"))
    assert task_row(app, task_id)["reports"] == [] and task_row(app, task_id)["status"] == \
        "assigned"


def test_the_clerk_of_the_lead_reports(app, world):
    task_id = new_task(app, world, lead_id=world.orgs["btp"])
    on_task(app, world.users["btp_clerk"], task_id,
            lambda u, t: services.report_progress(u, t, note="Đang soạn"))
    assert task_row(app, task_id)["status"] == "in_progress"


def test_done_without_the_product_required_is_refused(app, world):
    task_id = new_task(app, world, expected_product="Báo cáo Thủ tướng")
    with pytest.raises(Invalid) as refused:
        on_task(app, world.users["btc"], task_id,
                lambda u, t: services.report_done(u, t, note="Xong"))
    assert "result_document_id" in refused.value.details
    assert task_row(app, task_id)["status"] == "assigned"


def test_a_document_the_reporter_cannot_read_is_refused(app, world):
    task_id = new_task(app, world)
    others = _document(app, world.users["secretariat"])  # ... which the liaison cannot read
    others_private = others
    with app.app_context():
        from ecabinet.docs.models import Document
        document = db.session.get(Document, others_private)
        document.classification = "confidential"
        db.session.commit()
    with pytest.raises(Invalid):
        on_task(app, world.users["btc"], task_id, lambda u, t: services.report_progress(
            u, t, note="x", document_ids=[others_private]))
    assert task_row(app, task_id)["reports"] == []


def test_returned_with_a_reason_then_done_late(app, world, monkeypatch):
    from datetime import datetime

    from ecabinet.i18n import VIETNAM
    from ecabinet.tasks import figures

    task_id = new_task(app, world, deadline=date(2027, 3, 10))
    on_task(app, world.users["btc"], task_id, lambda u, t: services.report_done(u, t))
    with pytest.raises(Invalid):  # a return needs its reason
        on_task(app, world.users["secretariat"], task_id,
                lambda u, t: services.return_task(u, t, reason=" "))
    on_task(app, world.users["secretariat"], task_id,
            lambda u, t: services.return_task(u, t, reason="Thiếu dự thảo"))
    row = task_row(app, task_id)
    assert row["status"] == "in_progress" and row["submitted_on"] is None
    assert row["reports"][-1][:2] == ("returned", "Thiếu dự thảo")
    monkeypatch.setattr(figures, "clock", lambda: datetime(2027, 3, 20, 9, tzinfo=VIETNAM))
    with app.app_context():
        assert standing(db.session.get(Task, task_id)) == Standing.LATE
    on_task(app, world.users["btc"], task_id, lambda u, t: services.report_done(u, t))
    on_task(app, world.users["secretariat"], task_id, lambda u, t: services.accept(u, t))
    with app.app_context():
        assert standing(db.session.get(Task, task_id)) == Standing.DONE_LATE
    with pytest.raises(Conflict):  # done is final
        on_task(app, world.users["btc"], task_id,
                lambda u, t: services.report_progress(u, t, note="x"))


def test_accept_only_what_was_reported_done(app, world):
    task_id = new_task(app, world)
    with pytest.raises(Conflict):
        on_task(app, world.users["secretariat"], task_id, lambda u, t: services.accept(u, t))
    assert task_row(app, task_id)["status"] == "assigned"


def test_extension_requested_then_granted_moves_the_deadline(app, world):
    task_id = new_task(app, world)
    with pytest.raises(Invalid):  # not later than the current deadline
        on_task(app, world.users["btc"], task_id, lambda u, t: services.request_extension(
            u, t, deadline=date(2027, 6, 1), reason="Cần thêm thời gian"))
    extension_id = on_task(app, world.users["btc"], task_id,
                           lambda u, t: services.request_extension(
                               u, t, deadline=date(2027, 9, 30), reason="Chờ ý kiến").id)
    with pytest.raises(Conflict):  # one request at a time
        on_task(app, world.users["btc"], task_id, lambda u, t: services.request_extension(
            u, t, deadline=date(2027, 10, 30), reason="Nữa"))
    with pytest.raises(Forbidden):  # the liaison does not grant itself time
        on_task(app, world.users["btc"], task_id, lambda u, t: services.answer_extension(
            u, t, extension_id, grant=True, answer="Đồng ý"))
    with pytest.raises(Invalid):  # the answer says why
        on_task(app, world.users["secretariat"], task_id, lambda u, t:
                services.answer_extension(u, t, extension_id, grant=True, answer=""))
    on_task(app, world.users["secretariat"], task_id, lambda u, t: services.answer_extension(
        u, t, extension_id, grant=True, answer="Đồng ý gia hạn"))
    row = task_row(app, task_id)
    assert row["deadline"] == date(2027, 9, 30) and row["original_deadline"] == date(2027, 6, 30)
    assert row["extensions"] == [("granted", date(2027, 9, 30))]


def test_extension_refused_keeps_the_deadline(app, world):
    task_id = new_task(app, world)
    extension_id = on_task(app, world.users["btc"], task_id,
                           lambda u, t: services.request_extension(
                               u, t, deadline=date(2027, 9, 30), reason="Chờ ý kiến").id)
    on_task(app, world.users["secretariat"], task_id, lambda u, t: services.answer_extension(
        u, t, extension_id, grant=False, answer="Nhiệm vụ cấp bách"))
    assert task_row(app, task_id)["deadline"] == date(2027, 6, 30)


def test_update_refuses_a_past_deadline_but_keeps_an_unchanged_one(app, world, monkeypatch):
    task_id = new_task(app, world, deadline=date(2027, 3, 5))
    with pytest.raises(Invalid):
        on_task(app, world.users["secretariat"], task_id, lambda u, t: services.update_task(
            u, t, deadline=date(2027, 2, 1)))
    on_task(app, world.users["secretariat"], task_id, lambda u, t: services.update_task(
        u, t, title="Tên mới", deadline=date(2027, 3, 5), coordinator_ids=[world.orgs["bkh"]]))
    row = task_row(app, task_id)
    assert row["title"] == "Tên mới" and row["coordinator_ids"] == [world.orgs["bkh"]]
    assert _audit_actions(app)[-1] == "task.update"


def test_a_change_is_announced_to_the_followers_after_the_commit(app, world, monkeypatch):
    sent = []
    monkeypatch.setattr(services, "emit_after_commit",
                        lambda name, payload, room: sent.append((name, payload, room)))
    task_id = new_task(app, world)
    assert sent == [("tasks.changed", {"task_id": task_id, "change": "created",
                                       "lead_id": world.orgs["btc"], "status": "assigned",
                                       "standing": "on_time"}, services.FOLLOWERS_ROOM)]
