"""The task lists and the dashboard's figures, shaped per use and constant in statements: a
list page is one COUNT and one SELECT (the coordinators in one more), the figures by
organisation one GROUP BY, the trends by month two, whatever the number of tasks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Select, extract, func, select
from sqlalchemy.orm import lazyload, selectinload

from ecabinet.extensions import db
from ecabinet.identity.models import Organisation, User
from ecabinet.tasks import access
from ecabinet.tasks.figures import STANDINGS, Standing, standing_sql, today
from ecabinet.tasks.models import Task, TaskCoordinator, TaskStatus


@dataclass
class Filters:
    """What a list or the dashboard is narrowed to (every field optional)."""

    source_kind: str | None = None
    meeting_id: int | None = None
    #: Led or coordinated by this organisation.
    organisation_id: int | None = None
    #: Led by this one only (the "my tasks" list of the lead's liaison).
    lead_id: int | None = None
    standing: str | None = None
    status: str | None = None
    #: Assigned within [start, end] (the period of the report).
    start: date | None = None
    end: date | None = None
    decision_id: int | None = None

    def apply(self, query: Select, on: date) -> Select:
        if self.source_kind:
            query = query.where(Task.source_kind == self.source_kind)
        if self.meeting_id:
            query = query.where(Task.meeting_id == self.meeting_id)
        if self.decision_id:
            query = query.where(Task.decision_id == self.decision_id)
        if self.organisation_id:
            query = query.where((Task.lead_id == self.organisation_id) | Task.id.in_(
                select(TaskCoordinator.task_id)
                .where(TaskCoordinator.organisation_id == self.organisation_id)))
        if self.lead_id:
            query = query.where(Task.lead_id == self.lead_id)
        if self.status:
            query = query.where(Task.status == self.status)
        if self.standing:
            query = query.where(standing_sql(on) == self.standing)
        if self.start:
            query = query.where(Task.assigned_on >= self.start)
        if self.end:
            query = query.where(Task.assigned_on <= self.end)
        return query


def listed(user: User, filters: Filters | None = None, *, on: date | None = None,
           coordinators: bool = True) -> Select:
    """The tasks ``user`` sees, nearest deadline first (ongoing ones last), done ones after;
    their coordinators loaded at once unless ``coordinators`` is false (an export that shows
    none: their chunks would grow with the tasks)."""
    on = on or today()
    query = (select(Task).where(access.seen_by(user))
             .options(selectinload(Task.coordinators) if coordinators
                      else lazyload(Task.coordinators))
             .order_by((Task.status == TaskStatus.DONE.value), Task.deadline.is_(None),
                       Task.deadline, Task.id))
    return (filters or Filters()).apply(query, on)


def organisation_names(ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(db.session.execute(select(Organisation.id, Organisation.name)
                                   .where(Organisation.id.in_(ids))).all())


def user_names(ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


@dataclass
class OrganisationFigures:
    organisation_id: int
    name: str
    counts: dict[str, int] = field(default_factory=lambda: {s.value: 0 for s in STANDINGS})
    #: The deadline of its oldest overdue task (None when nothing is late).
    oldest_overdue: date | None = None

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def days_overdue(self) -> int | None:
        return None if self.oldest_overdue is None else (today() - self.oldest_overdue).days


def by_organisation(user: User, filters: Filters | None = None, *,
                    on: date | None = None) -> list[OrganisationFigures]:
    """On time / late / done on time / done late and the oldest overdue, per lead organisation:
    one GROUP BY (and one query for the names)."""
    on = on or today()
    standing = standing_sql(on).label("standing")
    late_deadline = func.min(Task.deadline).filter(standing_sql(on) == Standing.LATE.value)
    query = (select(Task.lead_id, standing, func.count(Task.id), late_deadline)
             .where(access.seen_by(user)).group_by(Task.lead_id, standing))
    rows = db.session.execute((filters or Filters()).apply(query, on)).all()
    names = organisation_names(row[0] for row in rows)
    figures: dict[int, OrganisationFigures] = {}
    for lead_id, kind, count, oldest in rows:
        entry = figures.setdefault(lead_id, OrganisationFigures(lead_id, names.get(lead_id, "?")))
        entry.counts[kind] = count
        if oldest is not None:
            entry.oldest_overdue = oldest
    return sorted(figures.values(), key=lambda f: (-f.counts[Standing.LATE], f.name))


def totals(figures: list[OrganisationFigures]) -> dict[str, int]:
    total = {s.value: 0 for s in STANDINGS}
    for entry in figures:
        for kind, count in entry.counts.items():
            total[kind] += count
    return total


@dataclass
class Month:
    year: int
    month: int
    assigned: int = 0
    done_on_time: int = 0
    done_late: int = 0

    @property
    def label(self) -> str:
        return f"{self.month:02d}/{self.year}"


def by_month(user: User, filters: Filters | None = None, *, on: date | None = None,
             months: int = 12) -> list[Month]:
    """Assigned and done (on time, late) per calendar month, the last ``months`` months up to
    ``on``: two GROUP BYs."""
    on = on or today()
    filters = filters or Filters()
    first = _months_back(on, months - 1)
    year, month = extract("year", Task.assigned_on), extract("month", Task.assigned_on)
    assigned = db.session.execute(filters.apply(
        select(year, month, func.count(Task.id)).where(access.seen_by(user),
                                                       Task.assigned_on >= first)
        .group_by(year, month), on)).all()
    done_year, done_month = extract("year", Task.done_on), extract("month", Task.done_on)
    late = (Task.deadline.is_not(None)) & (Task.done_on > Task.deadline)
    done = db.session.execute(filters.apply(
        select(done_year, done_month, func.count(Task.id).filter(~late),
               func.count(Task.id).filter(late))
        .where(access.seen_by(user), Task.status == TaskStatus.DONE.value,
               Task.done_on >= first).group_by(done_year, done_month), on)).all()
    series = {}
    cursor = first
    while cursor <= on:
        series[(cursor.year, cursor.month)] = Month(cursor.year, cursor.month)
        cursor = _months_back(cursor, -1)
    for y, m, count in assigned:
        if (int(y), int(m)) in series:
            series[(int(y), int(m))].assigned = count
    for y, m, on_time, late_count in done:
        if (int(y), int(m)) in series:
            series[(int(y), int(m))].done_on_time = on_time
            series[(int(y), int(m))].done_late = late_count
    return list(series.values())


def _months_back(day: date, n: int) -> date:
    """The first day of the month ``n`` months before ``day``'s (after, when negative)."""
    index = day.year * 12 + day.month - 1 - n
    return date(index // 12, index % 12 + 1, 1)
