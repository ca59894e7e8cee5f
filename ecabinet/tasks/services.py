"""Assigning tasks, reporting on them, accepting or returning them, moving their deadlines.

Each function checks its input completely before it changes anything, records one audit entry
and tells the secretariat's open dashboards (``tasks.changed``, after the commit). They flush;
the caller's unit of work commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from ecabinet.audit import services as audit
from ecabinet.errors import Conflict, Invalid, NotFound
from ecabinet.extensions import db
from ecabinet.identity.models import Organisation, User, utcnow
from ecabinet.live.namespace import emit_after_commit
from ecabinet.tasks import access
from ecabinet.tasks.figures import standing, today
from ecabinet.tasks.models import (
    MAX_LINKS,
    ExtensionState,
    ReportKind,
    SourceKind,
    Task,
    TaskCoordinator,
    TaskExtension,
    TaskReport,
    TaskReportDocument,
    TaskStatus,
)
from ecabinet.tasks.sources import resolve_source

#: The room of the secretariat's open follow-up dashboards (``tasks.follow``).
FOLLOWERS_ROOM = "tasks:followers"

EDITABLE = ("title", "lead_id", "coordinator_ids", "deadline", "ongoing", "expected_product",
            "product_required", "article")


def _changed(task: Task, what: str) -> None:
    """Ids and states only, never a title: a confidential task's words stay on its page."""
    emit_after_commit("tasks.changed", {"task_id": task.id, "change": what,
                                        "lead_id": task.lead_id, "status": task.status,
                                        "standing": standing(task).value},
                      room=FOLLOWERS_ROOM)


# --- checks --------------------------------------------------------------------------------------

def _text(value: str | None, field: str, *, required: bool = True, limit: int = 1000) -> str:
    text = (value or "").strip()
    if required and not text:
        raise Invalid(_("This field is required."), details={field: ["missing"]})
    if len(text) > limit:
        raise Invalid(_("This text is too long (at most %(n)d characters).", n=limit),
                      details={field: ["too_long"]})
    return text


def _organisation(org_id: int | None, field: str) -> Organisation:
    organisation = db.session.get(Organisation, org_id) if org_id else None
    if organisation is None:
        raise Invalid(_("Unknown organisation: choose one from the directory."),
                      details={field: [org_id]})
    return organisation


def _coordinators(ids: Iterable[int], lead_id: int) -> list[int]:
    ids = list(dict.fromkeys(int(i) for i in ids or ()))
    if len(ids) > MAX_LINKS:
        raise Invalid(_("Too many coordinating organisations."),
                      details={"coordinator_ids": ["too_many"]})
    found = set(db.session.scalars(select(Organisation.id).where(Organisation.id.in_(ids))))
    unknown = [i for i in ids if i not in found]
    if unknown:
        raise Invalid(_("Unknown organisation: choose one from the directory."),
                      details={"coordinator_ids": unknown})
    return [i for i in ids if i != lead_id]


def _deadline(deadline: date | None, ongoing: bool, *, unchanged: date | None = None):
    if ongoing:
        return None
    if deadline is None:
        raise Invalid(_("Give a deadline, or mark the task as ongoing (thường xuyên)."),
                      details={"deadline": ["missing"]})
    if deadline < today() and deadline != unchanged:
        raise Invalid(_("The deadline %(day)s is in the past.",
                        day=deadline.strftime("%d/%m/%Y")), details={"deadline": ["past"]})
    return deadline


def _documents(actor: User, ids: Iterable[int]) -> list[int]:
    """Documents the actor may read (what they attach, others will read through the task)."""
    from ecabinet.docs.access import can_read
    from ecabinet.docs.models import Document

    ids = list(dict.fromkeys(int(i) for i in ids or ()))
    if len(ids) > MAX_LINKS:
        raise Invalid(_("Too many documents."), details={"document_ids": ["too_many"]})
    documents = {d.id: d for d in db.session.scalars(select(Document)
                                                     .where(Document.id.in_(ids)))}
    missing = [i for i in ids if i not in documents or not can_read(actor, documents[i])]
    if missing:
        raise Invalid(_("No such document."), details={"document_ids": missing})
    return ids


def _not_done(task: Task) -> None:
    if task.status == TaskStatus.DONE:
        raise Conflict(_("This task is done already."), code="task_done")


# --- assigning -----------------------------------------------------------------------------------

def create_task(actor: User, *, title: str, lead_id: int, coordinator_ids: Iterable[int] = (),
                deadline: date | None = None, ongoing: bool = False,
                expected_product: str | None = None, product_required: bool | None = None,
                source_kind: str = SourceKind.MANUAL.value, source_id: int | None = None,
                article: str | None = None, confidential: bool = False) -> Task:
    """Giao nhiệm vụ. A confidential source makes the task confidential, whatever is asked."""
    access.require_manager(actor)
    title = _text(title, "title")
    lead = _organisation(lead_id, "lead_id")
    coordinators = _coordinators(coordinator_ids, lead.id)
    deadline = _deadline(deadline, ongoing)
    product = _text(expected_product, "expected_product", required=False) or None
    source = resolve_source(actor, source_kind, source_id)
    task = Task(title=title, lead_id=lead.id, deadline=deadline, original_deadline=deadline,
                expected_product=product,
                product_required=bool(product) if product_required is None else product_required,
                source_kind=source.kind, decision_id=source.decision_id, vote_id=source.vote_id,
                poll_id=source.poll_id, meeting_id=source.meeting_id,
                article=_text(article, "article", required=False, limit=100) or None,
                confidential=bool(confidential) or source.confidential,
                assigned_on=today(), created_by_id=actor.id,
                coordinators=[TaskCoordinator(organisation_id=i) for i in coordinators])
    db.session.add(task)
    db.session.flush()
    audit.record("task.create", actor=actor, target=task, details={
        "lead_id": lead.id, "coordinator_ids": coordinators, "deadline": deadline,
        "source": source.kind, "source_id": source_id, "confidential": task.confidential})
    _changed(task, "created")
    return task


def update_task(actor: User, task: Task, **changes) -> Task:
    """Correct what was assigned (not once done). Only the fields given change."""
    access.require_manager(actor)
    _not_done(task)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise Invalid(_("These fields cannot be changed here."),
                      details={name: ["not_editable"] for name in unknown})
    new = {}
    if "title" in changes:
        new["title"] = _text(changes["title"], "title")
    lead_id = _organisation(changes["lead_id"], "lead_id").id if "lead_id" in changes \
        else task.lead_id
    if lead_id != task.lead_id:
        new["lead_id"] = lead_id
    if "deadline" in changes or "ongoing" in changes:
        ongoing = changes.get("ongoing", task.deadline is None and "deadline" not in changes)
        new["deadline"] = _deadline(changes.get("deadline", task.deadline), bool(ongoing),
                                    unchanged=task.deadline)
    if "expected_product" in changes:
        new["expected_product"] = _text(changes["expected_product"], "expected_product",
                                        required=False) or None
    if "product_required" in changes:
        new["product_required"] = bool(changes["product_required"])
    if "article" in changes:
        new["article"] = _text(changes["article"], "article", required=False, limit=100) or None
    coordinators = _coordinators(changes["coordinator_ids"], lead_id) \
        if "coordinator_ids" in changes else None
    before = {name: getattr(task, name) for name in new}
    for name, value in new.items():
        setattr(task, name, value)
    if coordinators is not None and coordinators != task.coordinator_ids:
        before["coordinator_ids"] = task.coordinator_ids
        task.coordinators = [TaskCoordinator(organisation_id=i) for i in coordinators]
        new["coordinator_ids"] = coordinators
    changed = {name: [before[name], value] for name, value in new.items()
               if before[name] != value}
    if not changed:
        return task
    task.updated_at = utcnow()
    db.session.flush()
    audit.record("task.update", actor=actor, target=task, details=changed)
    _changed(task, "updated")
    return task


# --- reporting (the lead organisation) -----------------------------------------------------------

def _report(task: Task, actor: User, kind: ReportKind, note: str,
            document_ids: Iterable[int] = ()) -> TaskReport:
    report = TaskReport(task=task, kind=kind.value, note=note, by_id=actor.id,
                        documents=[TaskReportDocument(document_id=i) for i in document_ids])
    db.session.add(report)
    task.updated_at = utcnow()
    return report


def report_progress(actor: User, task: Task, *, note: str,
                    document_ids: Iterable[int] = ()) -> TaskReport:
    """Báo cáo tiến độ: a note and documents; the task is in progress from then on."""
    access.require_reporter(actor, task)
    _not_done(task)
    note = _text(note, "note", limit=10_000)
    documents = _documents(actor, document_ids)
    report = _report(task, actor, ReportKind.PROGRESS, note, documents)
    if task.status == TaskStatus.ASSIGNED:
        task.status = TaskStatus.IN_PROGRESS.value
    db.session.flush()
    audit.record("task.report", actor=actor, target=task,
                 details={"report_id": report.id, "document_ids": documents})
    _changed(task, "reported")
    return report


def report_done(actor: User, task: Task, *, note: str = "",
                result_document_id: int | None = None,
                document_ids: Iterable[int] = ()) -> TaskReport:
    """Báo cáo hoàn thành with the product; the secretariat then accepts or returns it."""
    access.require_reporter(actor, task)
    _not_done(task)
    if task.status == TaskStatus.SUBMITTED:
        raise Conflict(_("This task was reported done already and awaits the secretariat."),
                       code="task_submitted")
    if task.product_required and result_document_id is None:
        raise Invalid(_("This task must be reported done with its product (%(product)s): "
                        "attach the result document.", product=task.expected_product or "—"),
                      details={"result_document_id": ["missing"]})
    note = _text(note, "note", required=False, limit=10_000)
    documents = _documents(actor, [*([result_document_id] if result_document_id else []),
                                   *(document_ids or ())])
    report = _report(task, actor, ReportKind.DONE, note, documents)
    task.status = TaskStatus.SUBMITTED.value
    task.submitted_on = today()
    task.result_document_id = result_document_id
    db.session.flush()
    audit.record("task.done", actor=actor, target=task, details={
        "report_id": report.id, "result_document_id": result_document_id,
        "submitted_on": task.submitted_on})
    _changed(task, "submitted")
    return report


# --- the secretariat's verdict -------------------------------------------------------------------

def _submitted(task: Task) -> None:
    if task.status != TaskStatus.SUBMITTED:
        raise Conflict(_("Only a task reported done can be accepted or returned."),
                       code="task_not_submitted")


def accept(actor: User, task: Task, *, note: str = "") -> Task:
    """Xác nhận hoàn thành: done on the day it was reported done."""
    access.require_manager(actor)
    _submitted(task)
    _report(task, actor, ReportKind.ACCEPTED, _text(note, "note", required=False, limit=10_000))
    task.status = TaskStatus.DONE.value
    task.done_on = task.submitted_on or today()
    db.session.flush()
    audit.record("task.accept", actor=actor, target=task, details={"done_on": task.done_on})
    _changed(task, "accepted")
    return task


def return_task(actor: User, task: Task, *, reason: str) -> Task:
    """Trả lại: back to in progress, with the reason the lead organisation reads."""
    access.require_manager(actor)
    _submitted(task)
    reason = _text(reason, "reason", limit=10_000)
    _report(task, actor, ReportKind.RETURNED, reason)
    task.status = TaskStatus.IN_PROGRESS.value
    task.submitted_on = None
    task.result_document_id = None
    db.session.flush()
    audit.record("task.return", actor=actor, target=task, details={"reason": reason})
    _changed(task, "returned")
    return task


# --- extensions ----------------------------------------------------------------------------------

def request_extension(actor: User, task: Task, *, deadline: date, reason: str) -> TaskExtension:
    """Xin gia hạn: a later deadline and why. One request at a time."""
    access.require_reporter(actor, task)
    _not_done(task)
    if task.deadline is None:
        raise Invalid(_("An ongoing task has no deadline to extend."),
                      details={"deadline": ["ongoing"]})
    reason = _text(reason, "reason", limit=10_000)
    if deadline <= task.deadline or deadline < today():
        raise Invalid(_("The new deadline must come after the current one (%(day)s) and not "
                        "be in the past.", day=task.deadline.strftime("%d/%m/%Y")),
                      details={"deadline": ["not_later"]})
    if any(e.state == ExtensionState.REQUESTED for e in task.extensions):
        raise Conflict(_("An extension request is already awaiting an answer."),
                       code="extension_pending")
    extension = TaskExtension(task=task, requested_deadline=deadline, reason=reason,
                              requested_by_id=actor.id)
    db.session.add(extension)
    db.session.flush()
    audit.record("task.extension_request", actor=actor, target=task, details={
        "extension_id": extension.id, "deadline": deadline, "reason": reason})
    _changed(task, "extension_requested")
    return extension


def answer_extension(actor: User, task: Task, extension_id: int, *, grant: bool,
                     answer: str) -> TaskExtension:
    """Gia hạn or not, with a reason either way; granting moves the deadline."""
    access.require_manager(actor)
    extension = next((e for e in task.extensions if e.id == extension_id), None)
    if extension is None:
        raise NotFound(_("No such extension request."))
    if extension.state != ExtensionState.REQUESTED:
        raise Conflict(_("This extension request was answered already."),
                       code="extension_answered")
    _not_done(task)
    answer = _text(answer, "answer", limit=10_000)
    extension.state = (ExtensionState.GRANTED if grant else ExtensionState.REFUSED).value
    extension.answer, extension.answered_by_id = answer, actor.id
    extension.answered_at = utcnow()
    if grant:
        extension.previous_deadline = task.deadline
        task.deadline = extension.requested_deadline
    task.updated_at = utcnow()
    db.session.flush()
    audit.record("task.extension_answer", actor=actor, target=task, details={
        "extension_id": extension.id, "granted": grant, "answer": answer,
        "deadline": task.deadline})
    _changed(task, "extension_answered")
    return extension
