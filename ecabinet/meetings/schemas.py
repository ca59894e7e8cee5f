"""API shapes of meetings (the OpenAPI description is generated from these)."""

from marshmallow import ValidationError, fields, validate, validates_schema

from ecabinet.docs.schemas import ItemDocumentsField
from ecabinet.inputs import Id, Schema
from ecabinet.meetings.models import (
    Choice,
    MeetingKind,
    MeetingStatus,
    ParticipantRole,
    QuorumRule,
    Stance,
    VoteRule,
)

#: More invitees than any meeting seats: a longer list is refused before any lookup.
MAX_INVITEES = 1000


def _one_of(enum_type):
    return validate.OneOf([member.value for member in enum_type])


class UserRefSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    title = fields.String(allow_none=True)


class ParticipantSchema(Schema):
    user_id = fields.Integer()
    name = fields.Function(lambda p: p.user.name)
    title = fields.Function(lambda p: p.user.title)
    role = fields.String()
    checked_in_at = fields.AwareDateTime(allow_none=True)


class AgendaItemSchema(Schema):
    id = fields.Integer()
    position = fields.Integer()
    title = fields.String()
    presenting_agency = fields.String(allow_none=True)
    presenter = fields.Nested(UserRefSchema, allow_none=True)
    duration_min = fields.Integer(allow_none=True)
    confidential = fields.Boolean()
    adopted_without_discussion_at = fields.AwareDateTime(allow_none=True)
    #: The documents feature decides which of the item's documents the caller may read.
    documents = ItemDocumentsField()


class AgendaItemPreparedSchema(AgendaItemSchema):
    """An item as the secretariat prepares it (the answers of its changes): with its invitees."""

    invitee_ids = fields.Function(lambda item: sorted(item.invitee_ids))


class MeetingSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    kind = fields.String()
    starts_at = fields.AwareDateTime()
    location = fields.String(allow_none=True)
    status = fields.String()
    quorum_rule = fields.String()
    current_item_id = fields.Integer(allow_none=True)
    published_at = fields.AwareDateTime(allow_none=True)
    started_at = fields.AwareDateTime(allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)


#: The meeting's own fields, as :class:`MeetingSchema` shows them (named once: a read does not
#: build a schema to learn them).
MEETING_FIELDS = tuple(MeetingSchema().fields)


class InvitationMailSchema(Schema):
    state = fields.String(metadata={"description": "queued | sent | failed"})
    queued_at = fields.AwareDateTime()
    attempted_at = fields.AwareDateTime(allow_none=True, metadata={
        "description": "when the mail server was tried (null while queued)"})
    reason = fields.String(allow_none=True, metadata={
        "description": "why it failed: unreachable | login_refused | address_refused | "
                       "refused, then the server's answer"})


class InvitationOpenedSchema(Schema):
    user_id = fields.Integer()
    opened_at = fields.AwareDateTime(allow_none=True, metadata={
        "description": "when the invitee first opened the meeting since it was published "
                       "(its page, its API read or the .ics); null: not yet"})
    email = fields.Nested(InvitationMailSchema, allow_none=True, metadata={
        "description": "the e-mailed invitation of the latest publication; null when none "
                       "was sent (no mail server configured)"})


class MeetingDetailSchema(MeetingSchema):
    participants = fields.List(fields.Nested(ParticipantSchema))
    agenda = fields.List(fields.Nested(AgendaItemSchema))
    invitations = fields.List(fields.Nested(InvitationOpenedSchema), metadata={
        "description": "the secretariat and the meeting's secretary only (absent for anyone "
                       "else): who has opened the invitation"})


# --- the meeting's read, dumped by hand ---------------------------------------------------------
# A hall of tablets reads the meeting again and again, and marshmallow walks the schema (fields,
# nested schemas, a lambda per participant's name) on every read: these functions give what
# ``MeetingDetailSchema().dump(data)`` gives, without the walk (~0.5-1 ms a read here). The
# schema stays the API's description and the test of these (``tests/reads/test_meeting_read.py``
# compares the two for every reader).

def _iso(value):
    return None if value is None else value.isoformat()


_MEETING_DATES = ("starts_at", "published_at", "started_at", "closed_at")


def _mail(row) -> dict | None:
    return None if row is None else {
        "state": row.state, "queued_at": _iso(row.queued_at),
        "attempted_at": _iso(row.attempted_at), "reason": row.reason}


def dump_meeting_detail(data: dict) -> dict:
    """``MeetingDetailSchema().dump(data)`` for the read built by the API's ``_detail``."""
    out = dump_meeting_head(data)
    out["participants"] = [dump_participant(p) for p in data["participants"]]
    documents = ItemDocumentsField()
    out["agenda"] = [dump_item(item, documents.get_value(item, "documents"))
                     for item in data["agenda"]]
    if "invitations" in data:
        out["invitations"] = [dump_invitation(i) for i in data["invitations"]]
    return out


def dump_meeting_head(data: dict) -> dict:
    """The meeting's own fields (:class:`MeetingSchema`)."""
    out = {name: data[name] for name in ("id", "title", "kind")}
    out["starts_at"] = _iso(data["starts_at"])
    out.update((name, data[name]) for name in ("location", "status", "quorum_rule",
                                               "current_item_id"))
    out.update((name, _iso(data[name])) for name in _MEETING_DATES[1:])
    return out


def dump_participant(p) -> dict:
    return {"user_id": p.user_id, "name": p.user.name, "title": p.user.title, "role": p.role,
            "checked_in_at": _iso(p.checked_in_at)}


def dump_item(item, documents: list[dict]) -> dict:
    """An agenda item with the documents listed for the reader."""
    return {"id": item.id, "position": item.position, "title": item.title,
            "presenting_agency": item.presenting_agency,
            "presenter": None if item.presenter is None else {
                "id": item.presenter.id, "name": item.presenter.name,
                "title": item.presenter.title},
            "duration_min": item.duration_min, "confidential": item.confidential,
            "adopted_without_discussion_at": _iso(item.adopted_without_discussion_at),
            "documents": documents}


def dump_invitation(invitation: dict) -> dict:
    return {"user_id": invitation["user_id"], "opened_at": _iso(invitation["opened_at"]),
            "email": _mail(invitation["email"])}


class MeetingCreateSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    starts_at = fields.AwareDateTime(required=True,
                                     metadata={"description": "ISO 8601 with offset"})
    kind = fields.String(load_default="regular", validate=_one_of(MeetingKind))
    location = fields.String(load_default=None, validate=validate.Length(max=200))
    quorum_rule = fields.String(load_default="two_thirds", validate=_one_of(QuorumRule))


class MeetingUpdateSchema(Schema):
    title = fields.String(validate=validate.Length(min=1, max=300))
    starts_at = fields.AwareDateTime()
    kind = fields.String(validate=_one_of(MeetingKind))
    location = fields.String(validate=validate.Length(max=200))
    quorum_rule = fields.String(validate=_one_of(QuorumRule))


class InviteSchema(Schema):
    user_id = fields.Integer(required=True)
    role = fields.String(required=True, validate=_one_of(ParticipantRole))


class AgendaItemCreateSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=500))
    presenter_id = fields.Integer(load_default=None)
    presenting_agency = fields.String(load_default=None, validate=validate.Length(max=200))
    # strict: 1.5 minutes is refused, not silently cut to 1
    duration_min = fields.Integer(load_default=None, strict=True,
                                  validate=validate.Range(min=1, max=600))
    position = fields.Integer(load_default=None, validate=validate.Range(min=1))
    confidential = fields.Boolean(load_default=False)
    invitee_ids = fields.List(fields.Integer(), load_default=list,
                              validate=validate.Length(max=MAX_INVITEES))


class AgendaItemUpdateSchema(Schema):
    """Only the fields given change; null clears the presenter, the agency or the time."""

    title = fields.String(validate=validate.Length(min=1, max=500))
    presenter_id = fields.Integer(allow_none=True)
    presenting_agency = fields.String(allow_none=True, validate=validate.Length(max=200))
    duration_min = fields.Integer(allow_none=True, strict=True,
                                  validate=validate.Range(min=1, max=600))
    confidential = fields.Boolean()
    invitee_ids = fields.List(fields.Integer(), validate=validate.Length(max=MAX_INVITEES),
                              metadata={"description": "the item's invitees, all of them "
                                                       "(participants of the meeting)"})


class AgendaOrderSchema(Schema):
    item_ids = fields.List(fields.Integer(), required=True)


class TransitionSchema(Schema):
    to = fields.String(required=True, validate=_one_of(MeetingStatus))


class CurrentItemSchema(Schema):
    agenda_item_id = fields.Integer(required=True)


class PositionSchema(Schema):
    stance = fields.String(required=True, validate=_one_of(Stance))
    note = fields.String(load_default=None, validate=validate.Length(max=2000))


class AdoptSchema(Schema):
    item_ids = fields.List(fields.Integer(), required=True, validate=validate.Length(min=1))


class GiveFloorSchema(Schema):
    request_id = fields.Integer(load_default=None)


class TrusteePinSchema(Schema):
    user_id = fields.Integer(required=True)
    pin = fields.String(required=True, validate=validate.Length(max=64), load_only=True)


class VoteOpenSchema(Schema):
    question = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    secret = fields.Boolean(load_default=False, metadata={
        "description": "a secret vote: always end-to-end verifiable, encrypted on the tablets "
                       "and tallied by its trustees (docs/secret-votes.md); needs `trustees`"})
    rule = fields.String(required=True, validate=_one_of(VoteRule))
    verifiable = fields.Boolean(load_default=False, metadata={
        "description": "kept for compatibility: every secret vote is verifiable, so `true` "
                       "means a secret vote and `false` changes nothing for one"})
    trustees = fields.List(fields.Nested(TrusteePinSchema), load_default=None, metadata={
        "description": "secret votes (required): the trustees (the chair and the meeting's "
                       "secretary or secretariat), each with the PIN that will open their "
                       "share"})
    threshold = fields.Integer(load_default=None, metadata={
        "description": "secret votes: how many trustees must decrypt (default: all)"})


class BallotSchema(Schema):
    choice = fields.String(load_default=None, validate=_one_of(Choice))
    receipt = fields.String(load_default=None, metadata={
        "description": "accepted and ignored (secret ballots used to send one to change it)"})
    ballot = fields.Dict(load_default=None, metadata={
        "description": "secret votes (required): the ballot encrypted on the tablet "
                       "(ciphertexts, proofs, sum_proof), instead of a choice"})

    @validates_schema
    def _one(self, data, **kwargs):
        if (data.get("choice") is None) == (data.get("ballot") is None):
            raise ValidationError("either a choice or an encrypted ballot", "choice")


class PinSchema(Schema):
    pin = fields.String(load_default=None, validate=validate.Length(max=64), metadata={
        "description": "verifiable votes: the trustee's PIN, which opens their share"})


class TrusteeStatusSchema(Schema):
    user_id = fields.Integer()
    number = fields.Integer()
    decrypted = fields.Boolean()


class TallySchema(Schema):
    yes = fields.Integer()
    no = fields.Integer()
    abstain = fields.Integer()
    absent = fields.Integer()


class VoteSchema(Schema):
    id = fields.Integer()
    agenda_item_id = fields.Integer(attribute="item_id")
    question = fields.String()
    secret = fields.Boolean()
    rule = fields.String()
    status = fields.String()
    eligible = fields.Integer(attribute="present_total")
    members_total = fields.Integer()
    outcome = fields.String(allow_none=True)
    decided_by_chair = fields.Boolean()
    tally = fields.Method("_tally", allow_none=True)
    verifiable = fields.Boolean()
    public_key = fields.String(allow_none=True)

    def _tally(self, vote):
        if vote.status != "closed":
            return None
        return {"yes": vote.tally_yes, "no": vote.tally_no, "abstain": vote.tally_abstain,
                "absent": vote.tally_absent}


class VoteResultSchema(Schema):
    vote_id = fields.Integer()
    tally = fields.Nested(TallySchema)
    outcome = fields.String()
    status = fields.String(metadata={"description": "verifiable votes: tallying or closed"})
    threshold = fields.Integer()
    trustees = fields.List(fields.Nested(TrusteeStatusSchema))
    waiting_for = fields.List(fields.Integer())


class BallotAnswerSchema(Schema):
    vote_id = fields.Integer()
    choice = fields.String()
    receipt = fields.Dict(allow_none=True, metadata={
        "description": "named votes: the server's signed statement of the choice recorded "
                       "(format ecabinet/named-ballot-receipt/1), to keep and check against "
                       "the vote's record with `ecabinet votes verify-receipt`"})
    tracking_code = fields.String(metadata={
        "description": "verifiable votes: the ballot's tracking code, to find in the record"})


# --- the arguments of socket events (/live): the API's, with the ids its URLs carry -------------

class MeetingEventSchema(Schema):
    meeting_id = Id(required=True)


class ItemEventSchema(MeetingEventSchema):
    agenda_item_id = Id(required=True)


class GiveFloorEventSchema(ItemEventSchema, GiveFloorSchema):
    request_id = Id(load_default=None, allow_none=True)


class VoteOpenEventSchema(ItemEventSchema, VoteOpenSchema):
    pass


class VoteEventSchema(Schema):
    vote_id = Id(required=True)


class BallotEventSchema(VoteEventSchema):
    """``ballot.cast``: unlike :class:`BallotSchema`, the choice is left to the service, which
    checks it after the vote's access — a vote one cannot see does not exist, even to a bad
    choice (``voting.cast_ballot``)."""

    choice = fields.Raw(load_default="", allow_none=True)
    receipt = fields.String(load_default=None)
    ballot = fields.Raw(load_default=None, allow_none=True)


class VoteCloseEventSchema(VoteEventSchema, PinSchema):
    pass


class DecryptEventSchema(VoteEventSchema):
    pin = fields.String(required=True, validate=validate.Length(max=64))
