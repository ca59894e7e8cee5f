"""Reminders before the deadline and warnings after: to the lead's liaisons who may see the
task, once a day, audited; and the home dashboard's section."""

from __future__ import annotations

from datetime import date, datetime

from ecabinet.database import unit_of_work
from ecabinet.extensions import db
from ecabinet.i18n import VIETNAM
from ecabinet.tasks import figures, reminders
from tests.tasks.helpers import new_task


def _remind(app, monkeypatch):
    mails = []
    monkeypatch.setattr(reminders, "send_after_commit", mails.extend)
    with app.app_context(), app.test_request_context(), unit_of_work():
        sent = [(task.id, sorted(u.email for u in users)) for task, users in reminders.remind()]
    return sent, mails


def test_due_soon_and_late_tasks_are_mailed_once_a_day_to_those_who_may_see_them(
        app, world, monkeypatch):
    soon = new_task(app, world, deadline=date(2027, 3, 5))
    later = new_task(app, world, deadline=date(2027, 4, 30))  # not yet
    secret = new_task(app, world, deadline=date(2027, 3, 5), source_kind="vote",
                      source_id=world.votes["secret"])  # the liaison may not see its source
    late = new_task(app, world, deadline=date(2027, 3, 10), lead_id=world.orgs["btp"])
    monkeypatch.setattr(figures, "clock", lambda: datetime(2027, 3, 12, 8, tzinfo=VIETNAM))
    sent, mails = _remind(app, monkeypatch)
    btc, btp = world.users["btc"].email, world.users["btp"].email
    assert sent == [(soon, [btc]), (late, [btp])]  # btp's clerk: its liaison is the one
    assert [m.subject.split(":")[0] for m in mails] == ["Nhiệm vụ quá hạn", "Nhiệm vụ quá hạn"]
    assert all("Đề án mật" not in m.text for m in mails)
    assert _remind(app, monkeypatch) == ([], [])  # once a day
    assert later and secret


def test_the_home_dashboard_shows_the_organisations_tasks_due(client, auth, world, app):
    new_task(app, world, title="Sắp đến hạn của Bộ Tài chính", deadline=date(2027, 3, 4))
    new_task(app, world, title="Còn lâu mới đến hạn", deadline=date(2027, 12, 4))
    auth.login(world.users["btc"])
    home = client.get("/").text
    assert "Sắp đến hạn của Bộ Tài chính" in home and "Còn lâu mới đến hạn" not in home
    auth.logout()
    auth.login(world.users["btp"])
    assert "Sắp đến hạn của Bộ Tài chính" not in client.get("/").text


def test_the_command(app, runner, world):
    new_task(app, world, deadline=date(2027, 3, 4))
    result = runner.invoke(args=["tasks", "remind"])
    assert result.exit_code == 0 and "mailed Lê Văn Tài" in result.output
    with app.app_context():
        from ecabinet.audit.models import AuditEntry
        assert db.session.scalar(db.select(db.func.count(AuditEntry.id))
                                 .where(AuditEntry.action == "task.remind")) == 1
