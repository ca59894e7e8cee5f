"""API shapes of tasks."""

from __future__ import annotations

from datetime import date

from marshmallow import EXCLUDE, fields, validate

from ecabinet.inputs import MAX_ID, Id, Schema
from ecabinet.tasks.figures import STANDINGS
from ecabinet.tasks.models import MAX_LINKS, SourceKind, TaskStatus

SANE_DAY = validate.Range(min=date(1900, 1, 1), max=date(2200, 12, 31))
def QueryId(**kwargs):  # noqa: N802 - a field, named as one
    """An id in the query string (text there, unlike a body's strict :class:`Id`)."""
    return fields.Integer(validate=validate.Range(min=1, max=MAX_ID), **kwargs)


IDS = dict(validate=validate.Length(max=MAX_LINKS))


class TaskCreateSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    lead_id = Id(required=True, metadata={"description": "the lead organisation (chủ trì)"})
    coordinator_ids = fields.List(Id(), load_default=list, **IDS, metadata={
        "description": "the coordinating organisations (phối hợp)"})
    deadline = fields.Date(load_default=None, validate=SANE_DAY, metadata={
        "description": "today or later; omit with ongoing"})
    ongoing = fields.Boolean(load_default=False, metadata={
        "description": "thường xuyên: no deadline"})
    expected_product = fields.String(load_default=None, validate=validate.Length(max=1000))
    product_required = fields.Boolean(load_default=None, metadata={
        "description": "a done report must carry the result document (default: when a "
                       "product is expected)"})
    source_kind = fields.String(load_default="manual",
                                validate=validate.OneOf([k.value for k in SourceKind]))
    source_id = Id(load_default=None, metadata={
        "description": "the decision (notice, decision), vote or poll"})
    article = fields.String(load_default=None, validate=validate.Length(max=100))
    confidential = fields.Boolean(load_default=False, metadata={
        "description": "a confidential source makes the task confidential anyway"})


class TaskUpdateSchema(Schema):
    title = fields.String(validate=validate.Length(min=1, max=1000))
    lead_id = Id()
    coordinator_ids = fields.List(Id(), **IDS)
    deadline = fields.Date(allow_none=True, validate=SANE_DAY)
    ongoing = fields.Boolean()
    expected_product = fields.String(allow_none=True, validate=validate.Length(max=1000))
    product_required = fields.Boolean()
    article = fields.String(allow_none=True, validate=validate.Length(max=100))


class TaskListArgsSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    source_kind = fields.String(validate=validate.OneOf([k.value for k in SourceKind]))
    meeting_id = QueryId()
    decision_id = QueryId()
    organisation_id = QueryId(metadata={"description": "led or coordinated by"})
    lead_id = QueryId()
    status = fields.String(validate=validate.OneOf([s.value for s in TaskStatus]))
    standing = fields.String(validate=validate.OneOf([s.value for s in STANDINGS]))
    start = fields.Date(validate=SANE_DAY, metadata={"description": "assigned on or after"})
    end = fields.Date(validate=SANE_DAY, metadata={"description": "assigned on or before"})


class ReportCreateSchema(Schema):
    note = fields.String(required=True, validate=validate.Length(min=1, max=10000))
    document_ids = fields.List(Id(), load_default=list, **IDS)


class DoneCreateSchema(Schema):
    note = fields.String(load_default="", validate=validate.Length(max=10000))
    result_document_id = Id(load_default=None, metadata={
        "description": "the product (required when the task says so)"})
    document_ids = fields.List(Id(), load_default=list, **IDS)


class AcceptSchema(Schema):
    note = fields.String(load_default="", validate=validate.Length(max=10000))


class ReturnSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=10000))


class ExtensionRequestSchema(Schema):
    deadline = fields.Date(required=True, validate=SANE_DAY)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=10000))


class ExtensionAnswerSchema(Schema):
    grant = fields.Boolean(required=True)
    answer = fields.String(required=True, validate=validate.Length(min=1, max=10000))


class ReportSchema(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "progress, done, accepted, returned"})
    note = fields.String()
    by_id = fields.Integer(allow_none=True)
    at = fields.AwareDateTime()
    document_ids = fields.List(fields.Integer())


class ExtensionSchema(Schema):
    id = fields.Integer()
    requested_deadline = fields.Date()
    reason = fields.String()
    state = fields.String(metadata={"description": "requested, granted, refused"})
    answer = fields.String(allow_none=True)
    previous_deadline = fields.Date(allow_none=True)


class TaskSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    source_kind = fields.String()
    decision_id = fields.Integer(allow_none=True)
    article = fields.String(allow_none=True)
    vote_id = fields.Integer(allow_none=True)
    poll_id = fields.Integer(allow_none=True)
    meeting_id = fields.Integer(allow_none=True)
    confidential = fields.Boolean()
    lead_id = fields.Integer()
    lead = fields.String(metadata={"description": "the lead organisation's name"})
    coordinator_ids = fields.List(fields.Integer())
    deadline = fields.Date(allow_none=True)
    original_deadline = fields.Date(allow_none=True)
    ongoing = fields.Boolean()
    expected_product = fields.String(allow_none=True)
    product_required = fields.Boolean()
    status = fields.String(metadata={"description": "assigned, in_progress, submitted, done"})
    standing = fields.String(metadata={
        "description": "on_time, late, done_on_time, done_late (computed today)"})
    submitted_on = fields.Date(allow_none=True)
    done_on = fields.Date(allow_none=True)
    result_document_id = fields.Integer(allow_none=True)
    assigned_on = fields.Date()


class TaskDetailSchema(TaskSchema):
    reports = fields.List(fields.Nested(ReportSchema))
    extensions = fields.List(fields.Nested(ExtensionSchema))
