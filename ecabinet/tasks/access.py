"""Who sees a task and who acts on it: each rule once, the Python predicate beside its SQL twin.

Seeing: the secretariat and the Government's members see every task; an organisation's people
see the tasks it leads or coordinates. A confidential task (its source is a confidential agenda
item, or a decision drafted from a vote on one) is further seen only by those who may read its
source — the source's own rule is asked (:mod:`ecabinet.decisions.access`,
:mod:`ecabinet.meetings.access`, :mod:`ecabinet.polls.access`), never restated here. A task the
user may not see answers 404.

Acting: the secretariat assigns, edits, accepts, returns and answers extension requests; the
lead organisation's liaison (đầu mối) or clerk reports progress, reports it done and asks for
more time.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, false, or_, select, true

from ecabinet.errors import Forbidden, NotFound
from ecabinet.extensions import db
from ecabinet.identity.models import Role, User
from ecabinet.tasks.models import SourceKind, Task, TaskCoordinator

DECISION_SOURCES = (SourceKind.NOTICE.value, SourceKind.DECISION.value)


def follows_all(user: User) -> bool:
    """The secretariat and the members see every task (confidential ones as their source)."""
    return user.has_role(Role.SECRETARIAT, Role.MEMBER)


def manages(user: User) -> bool:
    """The Government Office assigns, edits, accepts and returns."""
    return user.has_role(Role.SECRETARIAT)


def require_manager(user: User) -> None:
    if not manages(user):
        raise Forbidden(_("Only the secretariat assigns and follows up tasks."),
                        code="not_the_secretariat")


# --- the source: confidential tasks are read as their source is ----------------------------------

def reads_source(user: User, task: Task) -> bool:
    """Whether ``user`` may read what the task came from (asked of the source's feature)."""
    if task.source_kind in DECISION_SOURCES and task.decision_id is not None:
        from ecabinet.decisions.access import can_read
        from ecabinet.decisions.models import Decision

        decision = db.session.get(Decision, task.decision_id)
        return decision is not None and can_read(user, decision)
    if task.source_kind == SourceKind.VOTE and task.vote_id is not None:
        from ecabinet.meetings.access import can_see_vote
        from ecabinet.meetings.models import Vote

        vote = db.session.get(Vote, task.vote_id)
        return vote is not None and can_see_vote(user, vote)
    if task.source_kind == SourceKind.POLL and task.poll_id is not None:
        from ecabinet.polls.access import can_see
        from ecabinet.polls.models import Poll

        poll = db.session.get(Poll, task.poll_id)
        return poll is not None and can_see(user, poll)
    # A confidential task entered by hand, or whose source is gone: the Government Office.
    return manages(user)


def _source_read_by(user: User) -> ColumnElement[bool]:
    """:func:`reads_source` as SQL: a condition on :class:`Task`."""
    from ecabinet.decisions.access import readable
    from ecabinet.decisions.models import Decision
    from ecabinet.meetings.access import votes_seen_by
    from ecabinet.polls.access import visible_polls
    from ecabinet.polls.models import Poll

    if manages(user):  # every source's rule lets the secretariat read it
        return true()
    return or_(
        and_(Task.source_kind.in_(DECISION_SOURCES),
             Task.decision_id.in_(select(Decision.id).where(readable(user)))),
        and_(Task.source_kind == SourceKind.VOTE.value,
             Task.vote_id.in_(votes_seen_by(user))),
        and_(Task.source_kind == SourceKind.POLL.value,
             Task.poll_id.in_(visible_polls(user).with_only_columns(Poll.id))),
    )


# --- seeing --------------------------------------------------------------------------------------

def involves(user: User, task: Task) -> bool:
    """The user's organisation leads or coordinates the task."""
    org = user.organisation_id
    return org is not None and (org == task.lead_id or org in task.coordinator_ids)


def can_see(user: User, task: Task) -> bool:
    """THE rule for a task. Its SQL twin: :func:`seen_by`."""
    if not (follows_all(user) or involves(user, task)):
        return False
    return not task.confidential or reads_source(user, task)


def seen_by(user: User) -> ColumnElement[bool]:
    """:func:`can_see` as SQL: a condition on :class:`Task`."""
    if follows_all(user):
        involved = true()
    elif user.organisation_id is None:
        return false()
    else:
        involved = or_(Task.lead_id == user.organisation_id, Task.id.in_(
            select(TaskCoordinator.task_id)
            .where(TaskCoordinator.organisation_id == user.organisation_id)))
    return and_(involved, or_(Task.confidential.is_(False), _source_read_by(user)))


def task_for(user: User, task_id: int) -> Task:
    """Load a task the user may see, or 404 as if it did not exist."""
    task = db.session.get(Task, task_id)
    if task is None or not can_see(user, task):
        raise NotFound(_("No such task."))
    return task


# --- reporting -----------------------------------------------------------------------------------

def reports_for(user: User, task: Task) -> bool:
    """The lead organisation's liaison or clerk reports on the task."""
    return (user.organisation_id is not None and user.organisation_id == task.lead_id
            and user.has_role(Role.LIAISON, Role.CLERK))


def require_reporter(user: User, task: Task) -> None:
    if not reports_for(user, task):
        raise Forbidden(_("Only the liaison or the clerk of the lead organisation reports on "
                          "this task."), code="not_the_lead")


def reports_at_all(user: User) -> bool:
    """Whether the user has a "my tasks" list: a liaison or clerk of an organisation."""
    return user.organisation_id is not None and user.has_role(Role.LIAISON, Role.CLERK)


# --- the documents of the reports ----------------------------------------------------------------

def reads_through_task(user: User, document) -> bool:
    """Whoever sees a task reads the documents of its reports and its product (a rule given to
    the documents feature: :func:`ecabinet.docs.access.grant_reading`)."""
    from ecabinet.tasks.models import TaskReport, TaskReportDocument

    tasks = db.session.scalars(
        select(Task).join(TaskReport, TaskReport.task_id == Task.id)
        .join(TaskReportDocument, TaskReportDocument.report_id == TaskReport.id)
        .where(TaskReportDocument.document_id == document.id)).unique()
    return any(can_see(user, task) for task in tasks)


def documents_read_through_tasks(user: User):
    """:func:`reads_through_task` as SQL: the ids of those documents."""
    from ecabinet.tasks.models import TaskReport, TaskReportDocument

    return (select(TaskReportDocument.document_id)
            .join(TaskReport, TaskReport.id == TaskReportDocument.report_id)
            .join(Task, Task.id == TaskReport.task_id).where(seen_by(user)))
