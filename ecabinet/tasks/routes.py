"""Pages of the follow-up: the list (an organisation's "my tasks", everyone else's follow-up),
a task with its history and the forms to report, and the screen that assigns tasks from a
notice's text. The dashboard's pages are in :mod:`.dashboard_routes`."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ecabinet.database import unit_of_work
from ecabinet.errors import Invalid
from ecabinet.identity.access import login_required, roles_required
from ecabinet.identity.models import Role
from ecabinet.tasks import access, intake, queries, services
from ecabinet.tasks.figures import standing, today
from ecabinet.tasks.models import SourceKind, TaskStatus
from ecabinet.web import Pager, refusal_shown

bp = Blueprint("tasks", __name__, template_folder="templates")


def _user():
    return current_user._get_current_object()


def standing_words() -> dict[str, str]:
    return {"on_time": _("In progress, on time"), "late": _("Overdue"),
            "done_on_time": _("Done on time"), "done_late": _("Done late")}


def status_words() -> dict[str, str]:
    return {"assigned": _("Assigned"), "in_progress": _("In progress"),
            "submitted": _("Reported done, awaiting confirmation"), "done": _("Done")}


def source_words() -> dict[str, str]:
    return {"notice": _("Conclusions notice"), "decision": _("Decision"), "vote": _("Vote"),
            "poll": _("Written poll"), "manual": _("Entered by hand")}


def _words() -> dict:
    return {"standing_words": standing_words(), "status_words": status_words(),
            "source_words": source_words(), "standing": standing, "today": today()}


def filters_from_request() -> queries.Filters:
    """The list's and the dashboard's filters from the query string; a value that is not
    one is ignored (a list's page is no place for an error)."""
    args = request.args

    def number(name):
        value = args.get(name, type=int)
        return value if value and 0 < value < 2**31 else None

    def day(name):
        try:
            return date.fromisoformat(args.get(name, ""))
        except ValueError:
            return None

    def choice(name, allowed):
        value = args.get(name)
        return value if value in allowed else None

    return queries.Filters(
        source_kind=choice("source_kind", [k.value for k in SourceKind]),
        meeting_id=number("meeting_id"), organisation_id=number("organisation_id"),
        standing=choice("standing", list(standing_words())),
        status=choice("status", [s.value for s in TaskStatus]),
        start=day("start"), end=day("end"))


@bp.route("/tasks")
@login_required
def index():
    user = _user()
    filters = filters_from_request()
    paging = Pager.from_request()
    tasks = paging.rows(queries.listed(user, filters))
    return render_template(
        "tasks/index.html", tasks=tasks, paging=paging, filters=filters,
        names=queries.organisation_names(t.lead_id for t in tasks),
        organisations=intake.directory(), mine=not access.follows_all(user),
        manages=access.manages(user), **_words())


@bp.route("/tasks/<int:task_id>")
@login_required
def show(task_id: int):
    user = _user()
    task = access.task_for(user, task_id)
    names = queries.organisation_names([task.lead_id, *task.coordinator_ids])
    people = queries.user_names({r.by_id for r in task.reports}
                                | {e.requested_by_id for e in task.extensions})
    return render_template(
        "tasks/show.html", task=task, names=names, people=people,
        reports_for=access.reports_for(user, task), manages=access.manages(user),
        pending=next((e for e in task.extensions if e.state == "requested"), None),
        organisations=intake.directory() if access.manages(user) else [], **_words())


def _uploaded(user) -> list[int]:
    """The file of a report form, stored as a document of the reporter (none chosen: [])."""
    from ecabinet.docs import services as documents

    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return []
    document = documents.upload(user, data=upload.read(), filename=upload.filename,
                                title=request.form.get("file_title") or None,
                                classification="normal",
                                limits=documents.limits(current_app.config))
    return [document.id]


def _date_field(name: str) -> date:
    try:
        return date.fromisoformat(request.form.get(name, ""))
    except ValueError:
        raise Invalid(_("Give a date."), details={name: ["missing"]}) from None


def _act(task_id: int, action, success: str):
    """Load → act (the service checks who may) → back to the task, a refusal shown there."""
    user = _user()
    task = access.task_for(user, task_id)
    with refusal_shown():
        with unit_of_work():
            action(user, task)
        flash(success, "success")
    return redirect(url_for("tasks.show", task_id=task.id))


@bp.route("/tasks/<int:task_id>/report", methods=["POST"])
@login_required
def report(task_id: int):
    return _act(task_id, lambda user, task: services.report_progress(
        user, task, note=request.form.get("note", ""), document_ids=_uploaded(user)),
        _("Progress reported."))


@bp.route("/tasks/<int:task_id>/done", methods=["POST"])
@login_required
def done(task_id: int):
    def action(user, task):
        documents = _uploaded(user)
        services.report_done(user, task, note=request.form.get("note", ""),
                             result_document_id=documents[0] if documents else None)
    return _act(task_id, action, _("Reported done: the Government Office will confirm."))


@bp.route("/tasks/<int:task_id>/extension", methods=["POST"])
@login_required
def extension(task_id: int):
    return _act(task_id, lambda user, task: services.request_extension(
        user, task, deadline=_date_field("deadline"), reason=request.form.get("reason", "")),
        _("Extension requested."))


@bp.route("/tasks/<int:task_id>/edit", methods=["POST"])
@login_required
def edit(task_id: int):
    """The secretariat corrects what was assigned (the service refuses a past deadline)."""
    form = request.form

    def action(user, task):
        deadline = form.get("deadline", "")
        services.update_task(
            user, task, title=form.get("title", ""), lead_id=_int(form.get("lead_id")),
            coordinator_ids=[i for i in map(_int, form.getlist("coordinator_ids")) if i],
            ongoing=bool(form.get("ongoing")),
            deadline=_date_field("deadline") if deadline and not form.get("ongoing") else None,
            expected_product=form.get("expected_product", ""),
            product_required=bool(form.get("product_required")))
    return _act(task_id, action, _("Task updated."))


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@bp.route("/tasks/<int:task_id>/accept", methods=["POST"])
@login_required
def accept(task_id: int):
    return _act(task_id, lambda user, task: services.accept(
        user, task, note=request.form.get("note", "")), _("Confirmed done."))


@bp.route("/tasks/<int:task_id>/return", methods=["POST"])
@login_required
def return_task(task_id: int):
    return _act(task_id, lambda user, task: services.return_task(
        user, task, reason=request.form.get("reason", "")), _("Returned to the organisation."))


@bp.route("/tasks/<int:task_id>/extensions/<int:extension_id>", methods=["POST"])
@login_required
def answer_extension(task_id: int, extension_id: int):
    grant = request.form.get("grant") == "1"
    return _act(task_id, lambda user, task: services.answer_extension(
        user, task, extension_id, grant=grant, answer=request.form.get("answer", "")),
        _("Extension granted.") if grant else _("Extension refused."))


@bp.route("/tasks/new", methods=["GET", "POST"])
@roles_required(Role.SECRETARIAT)
def new():
    """One screen: choose the notice (or paste its text), read it into lines, check and correct
    them, assign them all."""
    user = _user()
    documents = intake.source_documents(user)
    source_id = request.values.get("source_id", type=int)
    source = next((d for d in documents if d.id == source_id), None)
    text = request.form.get("text", "")
    if not text and source is not None and request.method == "GET":
        text = source.body
    rows, status = [], 200
    if request.method == "POST" and request.form.get("step") == "assign":
        rows = intake.rows_from_form(request.form)
        with refusal_shown() as refused:
            with unit_of_work():
                created = intake.create_rows(
                    user, rows, source_kind=intake.source_kind_of(source) if source
                    else SourceKind.MANUAL.value, source_id=source.id if source else None)
            flash(_("%(n)d tasks assigned.", n=len(created)), "success")
            return redirect(url_for("tasks.dashboard", **(
                {"meeting_id": source.meeting_id} if source and source.meeting_id else {})))
        status = 422 if refused else 200
    elif text:
        rows = intake.read(text)
    return render_template(
        "tasks/new.html", documents=documents, source=source, text=text, rows=rows,
        organisations=intake.directory(), problems=intake.problem_words(),
        kind_of=intake.source_kind_of, **_words()), status
