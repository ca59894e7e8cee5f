"""API shapes of the incoming register."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from ecabinet.inputs import Id, Schema
from ecabinet.interchange.incoming.models import IncomingState
from ecabinet.registers import filters


class IncomingAttachmentSchema(Schema):
    position = fields.Integer()
    name = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    destroyed = fields.Function(lambda a: a.sha256 is None,
                                metadata={"description": "true once the sender recalled it"})


class IncomingEventSchema(Schema):
    state = fields.String()
    status_code = fields.String(metadata={"description": "the status sent back (01 …)"})
    at = fields.DateTime()
    actor_id = fields.Integer(allow_none=True)
    note = fields.String()
    delivery = fields.Function(
        lambda e: getattr(getattr(e, "outgoing", None), "state", None),
        metadata={"description": "queued, sent or failed: the status message's way out"})


class IncomingDocumentSchema(Schema):
    id = fields.Integer()
    year = fields.Integer()
    number = fields.Integer(metadata={"description": "the number in the year's register"})
    document_id = fields.String(metadata={"description": "OrganId,yyyy/mm/dd,number/symbol"})
    sender_identifier = fields.String()
    sender_name = fields.String()
    sender_id = fields.Integer(allow_none=True)
    symbol = fields.String()
    type_name = fields.String()
    subject = fields.String()
    promulgation_date = fields.Date()
    signer_name = fields.String()
    signer_position = fields.String()
    due_date = fields.Date(allow_none=True)
    priority = fields.Integer()
    received_at = fields.DateTime()
    state = fields.String(metadata={"description": ", ".join(s.value for s in IncomingState)})
    leader_id = fields.Integer(allow_none=True)
    handling_organisation_id = fields.Integer(allow_none=True)
    handling_user_id = fields.Integer(allow_none=True)
    deadline = fields.Date(allow_none=True)
    direction = fields.String()
    reason = fields.String()
    signer_matched = fields.Boolean()
    meeting_document_id = fields.Integer(allow_none=True)
    attachments = fields.List(fields.Nested(IncomingAttachmentSchema))


class IncomingDetailSchema(IncomingDocumentSchema):
    events = fields.List(fields.Nested(IncomingEventSchema))


class IncomingQuerySchema(filters.FilterSchema):
    """The register's filter, the API's and the page's: every year unless one is asked for."""

    year = filters.year(low=2000, high=9999)
    state = filters.choice([s.value for s in IncomingState], _l("Status"))
    organisation_id = filters.ident(_l("Sender"), "the sender")


class IncomingRegisterArgsSchema(IncomingQuerySchema):
    """The page's: ``format=xlsx`` for the export."""

    format = filters.export_format("xlsx")


class IncomingAcceptSchema(Schema):
    leader_id = Id(load_default=None, metadata={"description": "the leader it is presented to"})
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class AssignSchema(Schema):
    organisation_id = Id(load_default=None, metadata={"description": "the handling unit…"})
    user_id = Id(load_default=None, metadata={"description": "…or the handling person"})
    deadline = fields.Date(load_default=None)
    direction = fields.String(load_default="", validate=validate.Length(max=5000))


class NoteSchema(Schema):
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class RefuseSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class AttachToItemSchema(Schema):
    agenda_item_id = Id(required=True)


class IncomingQuarantineSchema(Schema):
    id = fields.Integer()
    sender_identifier = fields.String()
    reason = fields.String()
    message = fields.String()
    detail = fields.String()
    claimed_document_id = fields.String()
    claimed_subject = fields.String()
    duplicate_of_id = fields.Integer(allow_none=True)
    status_sent = fields.Function(lambda q: q.outgoing_id is not None)
    received_at = fields.DateTime()
