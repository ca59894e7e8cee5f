"""Reminders before the deadline and warnings after it: on the home dashboard (a section of its
own) and by e-mail when SMTP is configured (``ecabinet tasks remind``, from cron, at most once a
day per task). Only to people who may see the task: a confidential task's title reaches no one
its source's rule keeps out.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ecabinet.audit import services as audit
from ecabinet.dashboard.sections import DashboardItem
from ecabinet.extensions import db
from ecabinet.identity.models import Role, User, UserRole
from ecabinet.notify.mail import Mail, send_after_commit
from ecabinet.tasks import access
from ecabinet.tasks.figures import Standing, standing, today
from ecabinet.tasks.models import Task, TaskStatus

#: A task is "due soon" this many days before its deadline.
SOON_DAYS = 7
#: The dashboard section shows at most this many tasks.
SHOWN = 10


def _open_due(on: date, *, within: int = SOON_DAYS):
    """Open tasks (not reported done) whose deadline is at most ``within`` days away or past."""
    return select(Task).where(Task.status.in_([TaskStatus.ASSIGNED.value,
                                               TaskStatus.IN_PROGRESS.value]),
                              Task.deadline.is_not(None),
                              Task.deadline <= on + timedelta(days=within))


def _item(task: Task, on: date) -> DashboardItem:
    late = standing(task, on) == Standing.LATE
    return DashboardItem(
        title=task.title, url=url_for("tasks.show", task_id=task.id),
        detail=_("Deadline: %(day)s", day=task.deadline.strftime("%d/%m/%Y")),
        badge=_("Overdue") if late else _("Due soon"))


def dashboard_items(user: User) -> list[DashboardItem]:
    """The home dashboard's "Tasks" section, for a liaison or clerk: its organisation's tasks
    due within a week or late, in one query. The secretariat follows them on its own dashboard
    (/tasks/dashboard): its home page costs no more statements for them."""
    if not access.reports_at_all(user):
        return []
    on = today()
    tasks = db.session.scalars(_open_due(on).where(Task.lead_id == user.organisation_id,
                                                   access.seen_by(user))
                               .order_by(Task.deadline).limit(SHOWN))
    return [_item(task, on) for task in tasks]


def _liaisons(organisation_ids: set[int]) -> dict[int, list[User]]:
    """Each organisation's liaisons, or its clerks where it has none."""
    users = list(db.session.scalars(
        select(User).join(UserRole, UserRole.user_id == User.id)
        .where(User.organisation_id.in_(organisation_ids), User.active.is_(True),
               UserRole.role.in_([Role.LIAISON.value, Role.CLERK.value])).distinct()))
    by_org: dict[int, list[User]] = {}
    for user in users:
        by_org.setdefault(user.organisation_id, []).append(user)
    return {org: [u for u in people if u.has_role(Role.LIAISON)] or people
            for org, people in by_org.items()}


def remind(on: date | None = None) -> list[tuple[Task, list[User]]]:
    """Mail each open task due within a week (a reminder) or late (a warning) to its lead's
    liaisons who may see it, once a day; audited. Returns what was sent to whom."""
    on = on or today()
    tasks = list(db.session.scalars(_open_due(on).where(
        (Task.reminded_on.is_(None)) | (Task.reminded_on < on)).order_by(Task.deadline)))
    people = _liaisons({task.lead_id for task in tasks})
    sent = []
    for task in tasks:
        readers = [user for user in people.get(task.lead_id, []) if access.can_see(user, task)]
        if not readers:
            continue
        late = task.deadline < on
        send_after_commit([_mail(task, user, late) for user in readers])
        task.reminded_on = on
        audit.record("task.remind", target=task, details={
            "late": late, "user_ids": [user.id for user in readers]})
        sent.append((task, readers))
    return sent


def _mail(task: Task, user: User, late: bool) -> Mail:
    link = f"{current_app.config['PUBLIC_URL'].rstrip('/')}/tasks/{task.id}"
    when = task.deadline.strftime("%d/%m/%Y")
    subject = (f"Nhiệm vụ quá hạn: {task.title}" if late
               else f"Nhắc thời hạn nhiệm vụ: {task.title}")[:200]
    opening = (f"Nhiệm vụ sau đã quá hạn ngày {when} mà chưa được báo cáo hoàn thành"
               if late else f"Nhiệm vụ sau đến hạn ngày {when}")
    return Mail(to=user.email, subject=subject, text=(
        f"Kính gửi đồng chí {user.name},\n\n{opening}:\n{task.title}\n\n"
        f"Đề nghị báo cáo tiến độ hoặc kết quả tại: {link}\n"))
