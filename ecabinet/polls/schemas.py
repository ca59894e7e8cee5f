"""API shapes of written polls."""

from marshmallow import fields, validate

from ecabinet.inputs import Schema
from ecabinet.polls.models import Answer, MissingAnswer


class PollCreateSchema(Schema):
    question = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    summary = fields.String(load_default=None, validate=validate.Length(max=20000))
    deadline = fields.AwareDateTime(required=True)
    missing_counts_as = fields.String(
        load_default="agree", validate=validate.OneOf([m.value for m in MissingAnswer]),
        metadata={"description": "how a member who does not answer is counted"})
    recipient_ids = fields.List(fields.Integer(), load_default=None,
                                metadata={"description": "default: every active member"})
    signed_ballots = fields.Boolean(
        load_default=False,
        metadata={"description": "each answer is a ballot PDF signed with the member's key"})
    chair_id = fields.Integer(load_default=None, metadata={
        "description": "who the consolidated result goes to; with the secretariat the only "
                       "one who reads every answer"})


class ResponseCreateSchema(Schema):
    answer = fields.String(required=True, validate=validate.OneOf([a.value for a in Answer]))
    comment = fields.String(load_default=None, validate=validate.Length(max=5000))
    pin = fields.String(load_default=None, load_only=True, validate=validate.Length(max=64),
                        metadata={"description": "the signing key's PIN (signed-ballot polls)"})


class ResponseSchema(Schema):
    user_id = fields.Integer()
    name = fields.Function(lambda r: r.user.name)
    answer = fields.String()
    comment = fields.String(allow_none=True)
    answered_at = fields.AwareDateTime()
    signed = fields.Function(lambda r: bool(r.ballot_sha256))


class AttachDocumentSchema(Schema):
    document_id = fields.Integer(required=True)


class DossierDocumentSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    classification = fields.String()
    version = fields.Integer(allow_none=True)
    state = fields.String(allow_none=True, metadata={"description": "converting, ready or failed"})


class PollSchema(Schema):
    id = fields.Integer()
    question = fields.String()
    summary = fields.String(allow_none=True)
    deadline = fields.AwareDateTime()
    missing_counts_as = fields.String()
    signed_ballots = fields.Boolean()
    chair_id = fields.Integer(allow_none=True)
    status = fields.String()
    overdue = fields.Boolean()
    recipients = fields.Integer()
    answered = fields.Integer()
    my_response = fields.Nested(ResponseSchema, allow_none=True)
    documents = fields.List(fields.Nested(DossierDocumentSchema),
                            metadata={"description": "the dossier"})


class PollResultSchema(Schema):
    poll_id = fields.Integer()
    status = fields.String()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    outcome = fields.String()
    responses = fields.List(fields.Nested(ResponseSchema))
    missing_user_ids = fields.List(fields.Integer())
