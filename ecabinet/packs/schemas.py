"""API shapes of packs and read receipts (the OpenAPI description is generated from these)."""

from marshmallow import fields

from ecabinet.inputs import Schema


class ReaderStateSchema(Schema):
    user_id = fields.Integer()
    name = fields.String()
    title = fields.String(allow_none=True)
    role = fields.String(metadata={"description": "chair, member or guest"})
    state = fields.String(metadata={
        "description": "opened (this version), earlier (only an older version) or not_opened"})
    opened_at = fields.AwareDateTime(allow_none=True,
                                     metadata={"description": "the first time, if opened"})
    via = fields.String(allow_none=True, metadata={
        "description": "how it was first opened: document (its own PDF) or pack"})


class DocumentReadsSchema(Schema):
    item_id = fields.Integer()
    item_position = fields.Integer()
    item_title = fields.String()
    document_id = fields.Integer()
    title = fields.String()
    classification = fields.String()
    version = fields.Integer(allow_none=True,
                             metadata={"description": "the latest ready version (None: none)"})
    readers_total = fields.Function(lambda entry: len(entry.readers))
    opened_total = fields.Function(lambda entry: entry.opened_count)
    not_opened = fields.Function(
        lambda entry: [{"user_id": r.user_id, "name": r.name, "state": r.state}
                       for r in entry.not_opened],
        metadata={"description": "who may read it and has not opened this version"})
    readers = fields.List(fields.Nested(ReaderStateSchema))


class MeetingReadsSchema(Schema):
    meeting_id = fields.Integer()
    documents = fields.List(fields.Nested(DocumentReadsSchema))


class PackStatusSchema(Schema):
    state = fields.String(required=True, metadata={
        "enum": ["ready", "building", "failed"],
        "description": "ready: GET …/pack downloads it; building: ask again in a moment; "
                       "failed: it could not be built (it is tried again a minute later)"})
    progress = fields.Integer(required=True, metadata={"description": "percent of the build"})
    pages = fields.Integer(allow_none=True, metadata={"description": "when ready"})
