"""Where a task stands today — on time, late, done on time, done late — in Python for one task
and in SQL for the dashboard's counts (the same rule twice, side by side; a test checks they
agree). "Overdue" is never stored: it follows from the deadline and :func:`today`.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import and_, case, or_

from ecabinet.i18n import VIETNAM
from ecabinet.tasks.models import Task, TaskStatus


class Standing(enum.StrEnum):
    ON_TIME = "on_time"  # đang thực hiện, trong hạn
    LATE = "late"  # quá hạn chưa hoàn thành
    DONE_ON_TIME = "done_on_time"  # hoàn thành đúng hạn
    DONE_LATE = "done_late"  # hoàn thành quá hạn


STANDINGS = tuple(Standing)


def _now() -> datetime:
    return datetime.now(VIETNAM)


#: The clock deadlines are judged by (Vietnam's calendar day); tests set it.
clock = _now


def today() -> date:
    return clock().date()


def standing(task: Task, on: date | None = None) -> Standing:
    """THE rule. A task reported done in time and awaiting acceptance is not late; an ongoing
    task (no deadline) is never late."""
    on = on or today()
    if task.status == TaskStatus.DONE:
        if task.deadline is None or (task.done_on or on) <= task.deadline:
            return Standing.DONE_ON_TIME
        return Standing.DONE_LATE
    if task.deadline is None or task.deadline >= on:
        return Standing.ON_TIME
    if task.status == TaskStatus.SUBMITTED and task.submitted_on is not None \
            and task.submitted_on <= task.deadline:
        return Standing.ON_TIME
    return Standing.LATE


def standing_sql(on: date):
    """:func:`standing` as an SQL expression on :class:`Task`."""
    done = Task.status == TaskStatus.DONE.value
    return case(
        (and_(done, or_(Task.deadline.is_(None), Task.done_on.is_(None),
                        Task.done_on <= Task.deadline)), Standing.DONE_ON_TIME.value),
        (done, Standing.DONE_LATE.value),
        (or_(Task.deadline.is_(None), Task.deadline >= on), Standing.ON_TIME.value),
        (and_(Task.status == TaskStatus.SUBMITTED.value, Task.submitted_on.is_not(None),
              Task.submitted_on <= Task.deadline), Standing.ON_TIME.value),
        else_=Standing.LATE.value)


def days_late(task: Task, on: date | None = None) -> int:
    """How many days past its deadline a late task is (0 otherwise)."""
    on = on or today()
    if standing(task, on) != Standing.LATE:
        return 0
    return (on - task.deadline).days
