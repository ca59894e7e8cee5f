"""API shapes of consultation rounds, comments, answers and version comparisons."""

from flask_login import current_user
from marshmallow import fields, validate

from ecabinet.consultation.models import AnswerKind, RoundState
from ecabinet.inputs import Schema

_TEXT = validate.Length(min=1, max=10_000)
_ANCHOR = {"description": 'a paragraph of a .docx ("p:12", numbered from 1 over the non-empty '
                          'body paragraphs, table cells included) or a page of a PDF ("page:3")'}


def _services():
    from ecabinet.consultation import services

    return services


def _access():
    from ecabinet.consultation import access

    return access


class PersonSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    title = fields.String(allow_none=True)
    organisation = fields.Function(lambda user: user.organisation.name
                                   if user.organisation else None)


class RoundCreateSchema(Schema):
    document_id = fields.Integer(required=True)
    version = fields.Integer(required=True, validate=validate.Range(min=1),
                             metadata={"description": "the version's number (the latest)"})
    reviewer_ids = fields.List(fields.Integer(), required=True,
                               validate=validate.Length(min=1, max=500))
    deadline = fields.AwareDateTime(required=True,
                                    metadata={"description": "ISO 8601 with an offset"})
    title = fields.String(load_default=None, validate=validate.Length(max=500),
                          metadata={"description": "defaults to the document's title"})


class RoundSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    document_id = fields.Integer()
    document_title = fields.Function(lambda r: r.document.title)
    version = fields.Function(lambda r: r.version.number)
    kind = fields.Function(lambda r: r.version.kind,
                           metadata={"description": "docx (anchors p:n) or pdf (anchors page:n)"})
    state = fields.String(metadata={"description": " | ".join(s.value for s in RoundState)})
    deadline = fields.AwareDateTime()
    accepting_comments = fields.Function(lambda r: _services().accepting_comments(r))
    created_at = fields.AwareDateTime()
    closed_at = fields.AwareDateTime(allow_none=True)
    close_reason = fields.String(allow_none=True,
                                 metadata={"description": "manual | new_version"})
    successor_id = fields.Integer(allow_none=True, metadata={
        "description": "the round on a newer version this one was moved to"})
    newer_version = fields.Function(lambda r: _services().newer_version(r), allow_none=True,
                                    metadata={"description": "the document's latest version "
                                              "when it is newer than the round's (its "
                                              "reviewers comment on an earlier text); null "
                                              "otherwise"})
    kept_beside_version = fields.Integer(allow_none=True, metadata={
        "description": "the newer version beside which the drafting side chose to keep this "
                       "round on its own until its deadline"})
    reviewers = fields.Function(lambda r: [PersonSchema().dump(x.user) for x in r.reviewers])
    role = fields.Function(lambda r: _access().role_of(current_user, r),
                           metadata={"description": "the caller's part: drafting, reviewer, "
                                                    "reader"})


class MoveRoundSchema(Schema):
    deadline = fields.AwareDateTime(load_default=None, metadata={
        "description": "the new round's deadline (default: the round's own)"})


class UnitSchema(Schema):
    anchor = fields.String(metadata=_ANCHOR)
    number = fields.Integer()
    text = fields.String()
    citation = fields.String(allow_none=True, metadata={
        "description": "how a lawyer cites it: Điều 2, khoản 2, điểm a (null outside articles)"})
    label = fields.String(metadata={"description": "the citation, else Đoạn n / Trang n"})


class CommentCreateSchema(Schema):
    anchor = fields.String(required=True, validate=validate.Length(max=20), metadata=_ANCHOR)
    text = fields.String(required=True, validate=_TEXT)


class DocumentCommentSchema(CommentCreateSchema):
    version = fields.Integer(required=True, validate=validate.Range(min=1),
                             metadata={"description": "the number of the version commented"})


class ReplyCreateSchema(Schema):
    text = fields.String(required=True, validate=_TEXT)


class AnswerCreateSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in AnswerKind]),
                         metadata={"description": "accepted (tiếp thu) or explained "
                                                  "(giải trình)"})
    text = fields.String(required=True, validate=_TEXT)


class AnswerSchema(Schema):
    kind = fields.String()
    text = fields.String()
    answered_by = fields.Nested(PersonSchema, allow_none=True)
    answered_at = fields.AwareDateTime()


class ReplySchema(Schema):
    id = fields.Integer()
    author = fields.Nested(PersonSchema)
    text = fields.String()
    created_at = fields.AwareDateTime()


class CommentSchema(Schema):
    id = fields.Integer()
    round_id = fields.Integer()
    parent_id = fields.Integer(allow_none=True,
                               metadata={"description": "the comment a reply belongs to"})
    anchor = fields.String(metadata=_ANCHOR)
    where = fields.Function(lambda c: _services().labels_of(c.round.version).get(c.anchor),
                            allow_none=True, metadata={
                                "description": "the anchor as cited: Điều 2, khoản 2, điểm a"})
    quote = fields.String(metadata={"description": "the paragraph's (or page's) text when the "
                                                   "comment was made"})
    text = fields.String()
    author = fields.Nested(PersonSchema)
    created_at = fields.AwareDateTime()
    replies = fields.List(fields.Nested(ReplySchema))
    answer = fields.Nested(AnswerSchema, allow_none=True)


class CompareArgsSchema(Schema):
    old = fields.Integer(required=True, data_key="from", validate=validate.Range(min=1))
    new = fields.Integer(required=True, data_key="to", validate=validate.Range(min=1))


class SegmentSchema(Schema):
    op = fields.String(metadata={"description": "equal | insert | delete"})
    text = fields.String()


class BlockSchema(Schema):
    op = fields.String(metadata={"description": "equal | insert | delete | change"})
    old = fields.Integer(allow_none=True, metadata={"description": "paragraph/page number in "
                                                                   "the old version"})
    new = fields.Integer(allow_none=True)
    text = fields.String(metadata={"description": "the text (the new one for a change)"})
    segments = fields.List(fields.Nested(SegmentSchema),
                           metadata={"description": "a change, word by word"})


class ComparisonSchema(Schema):
    document_id = fields.Integer()
    old = fields.Integer(data_key="from")
    new = fields.Integer(data_key="to")
    old_kind = fields.String()
    new_kind = fields.String()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    blocks = fields.List(fields.Nested(BlockSchema))
