"""/api/v1/tasks: the follow-up of the tasks the Government assigns.

Every handler: load (404 for a task the caller may not see) → call a service (which checks who
may act, and refuses bad input before changing anything) → answer.
"""

from __future__ import annotations

from flask_login import current_user

from ecabinet.api import ApiBlueprint as Blueprint
from ecabinet.api import paged
from ecabinet.database import unit_of_work
from ecabinet.identity.access import login_required
from ecabinet.tasks import access, queries, services
from ecabinet.tasks.figures import standing
from ecabinet.tasks.schemas import (
    AcceptSchema,
    DoneCreateSchema,
    ExtensionAnswerSchema,
    ExtensionRequestSchema,
    ExtensionSchema,
    ReportCreateSchema,
    ReportSchema,
    ReturnSchema,
    TaskCreateSchema,
    TaskDetailSchema,
    TaskListArgsSchema,
    TaskSchema,
    TaskUpdateSchema,
)

blp = Blueprint("tasks_api", __name__, url_prefix="/api/v1",
                description="Tasks assigned by the Government, reported on, tracked to done")


def _user():
    return current_user._get_current_object()


def summary(task, names: dict[int, str]) -> dict:
    return {**{c.key: getattr(task, c.key) for c in task.__table__.columns},
            "lead": names.get(task.lead_id, ""), "coordinator_ids": task.coordinator_ids,
            "ongoing": task.ongoing, "standing": standing(task).value}


def _detail(task) -> dict:
    return {**summary(task, queries.organisation_names([task.lead_id])),
            "reports": task.reports, "extensions": task.extensions}


@blp.route("/tasks")
@login_required
@blp.arguments(TaskListArgsSchema, location="query")
@blp.page_response(TaskSchema(many=True))
def list_tasks(args, pagination_parameters):
    """The tasks the caller sees (an organisation: those it leads or coordinates), nearest
    deadline first, filtered by source, meeting, organisation, status, standing or period."""
    tasks = paged(queries.listed(_user(), queries.Filters(**args)), pagination_parameters)
    names = queries.organisation_names(t.lead_id for t in tasks)
    return [summary(task, names) for task in tasks]


@blp.route("/tasks", methods=["POST"])
@login_required
@blp.arguments(TaskCreateSchema)
@blp.response(201, TaskDetailSchema)
@blp.alt_response(403)
@blp.alt_response(422)
def create_task(body):
    """Assign a task (the secretariat). A deadline in the past, an unknown organisation or an
    unknown source is a 422, and nothing is created."""
    with unit_of_work():
        task = services.create_task(_user(), **body)
    return _detail(task)


@blp.route("/tasks/<int:task_id>")
@login_required
@blp.response(200, TaskDetailSchema)
@blp.alt_response(404)
def get_task(task_id: int):
    return _detail(access.task_for(_user(), task_id))


@blp.route("/tasks/<int:task_id>", methods=["PATCH"])
@login_required
@blp.arguments(TaskUpdateSchema)
@blp.response(200, TaskDetailSchema)
@blp.alt_response(403)
@blp.alt_response(409)
@blp.alt_response(422)
def update_task(body, task_id: int):
    """Correct a task (the secretariat); the fields given change."""
    task = access.task_for(_user(), task_id)
    with unit_of_work():
        services.update_task(_user(), task, **body)
    return _detail(task)


@blp.route("/tasks/<int:task_id>/reports", methods=["POST"])
@login_required
@blp.arguments(ReportCreateSchema)
@blp.response(201, ReportSchema)
@blp.alt_response(403)
def report(body, task_id: int):
    """Report progress (the lead organisation's liaison or clerk)."""
    task = access.task_for(_user(), task_id)
    with unit_of_work():
        return services.report_progress(_user(), task, **body)


@blp.route("/tasks/<int:task_id>/done", methods=["POST"])
@login_required
@blp.arguments(DoneCreateSchema)
@blp.response(201, ReportSchema)
@blp.alt_response(403)
@blp.alt_response(409)
@blp.alt_response(422)
def done(body, task_id: int):
    """Report the task done, with its product when one is required; it then awaits the
    secretariat's acceptance."""
    task = access.task_for(_user(), task_id)
    with unit_of_work():
        return services.report_done(_user(), task, **body)


@blp.route("/tasks/<int:task_id>/accept", methods=["POST"])
@login_required
@blp.arguments(AcceptSchema)
@blp.response(200, TaskDetailSchema)
@blp.alt_response(403)
@blp.alt_response(409)
def accept(body, task_id: int):
    task = access.task_for(_user(), task_id)
    with unit_of_work():
        services.accept(_user(), task, **body)
    return _detail(task)


@blp.route("/tasks/<int:task_id>/return", methods=["POST"])
@login_required
@blp.arguments(ReturnSchema)
@blp.response(200, TaskDetailSchema)
@blp.alt_response(403)
@blp.alt_response(409)
def return_task(body, task_id: int):
    """Send a done report back, with the reason (the secretariat)."""
    task = access.task_for(_user(), task_id)
    with unit_of_work():
        services.return_task(_user(), task, **body)
    return _detail(task)


@blp.route("/tasks/<int:task_id>/extensions", methods=["POST"])
@login_required
@blp.arguments(ExtensionRequestSchema)
@blp.response(201, ExtensionSchema)
@blp.alt_response(403)
@blp.alt_response(409)
@blp.alt_response(422)
def request_extension(body, task_id: int):
    """Ask for a later deadline, with the reason (the lead organisation)."""
    task = access.task_for(_user(), task_id)
    with unit_of_work():
        return services.request_extension(_user(), task, **body)


@blp.route("/tasks/<int:task_id>/extensions/<int:extension_id>", methods=["POST"])
@login_required
@blp.arguments(ExtensionAnswerSchema)
@blp.response(200, ExtensionSchema)
@blp.alt_response(403)
@blp.alt_response(404)
@blp.alt_response(409)
def answer_extension(body, task_id: int, extension_id: int):
    """Grant or refuse an extension, with the reason (the secretariat)."""
    task = access.task_for(_user(), task_id)
    with unit_of_work():
        return services.answer_extension(_user(), task, extension_id, **body)
