"""API shapes of meetings (the OpenAPI description is generated from these)."""

from marshmallow import fields, validate

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


class InvitationOpenedSchema(Schema):
    user_id = fields.Integer()
    opened_at = fields.AwareDateTime(allow_none=True, metadata={
        "description": "when the invitee first opened the meeting since it was published "
                       "(its page, its API read or the .ics); null: not yet"})


class MeetingDetailSchema(MeetingSchema):
    participants = fields.List(fields.Nested(ParticipantSchema))
    agenda = fields.List(fields.Nested(AgendaItemSchema))
    invitations = fields.List(fields.Nested(InvitationOpenedSchema), metadata={
        "description": "the secretariat and the meeting's secretary only (absent for anyone "
                       "else): who has opened the invitation"})


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
    invitee_ids = fields.List(fields.Integer(), load_default=list)


class AgendaItemUpdateSchema(Schema):
    """Only the fields given change; null clears the presenter, the agency or the time."""

    title = fields.String(validate=validate.Length(min=1, max=500))
    presenter_id = fields.Integer(allow_none=True)
    presenting_agency = fields.String(allow_none=True, validate=validate.Length(max=200))
    duration_min = fields.Integer(allow_none=True, strict=True,
                                  validate=validate.Range(min=1, max=600))
    confidential = fields.Boolean()
    invitee_ids = fields.List(fields.Integer(), metadata={
        "description": "the item's invitees, all of them (participants of the meeting)"})


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


class VoteOpenSchema(Schema):
    question = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    secret = fields.Boolean(load_default=False)
    rule = fields.String(required=True, validate=_one_of(VoteRule))


class BallotSchema(Schema):
    choice = fields.String(required=True, validate=_one_of(Choice))
    receipt = fields.String(load_default=None, metadata={
        "description": "secret votes: the receipt of the current ballot, to change it"})


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

    def _tally(self, vote):
        if vote.status != "closed":
            return None
        return {"yes": vote.tally_yes, "no": vote.tally_no, "abstain": vote.tally_abstain,
                "absent": vote.tally_absent}


class VoteResultSchema(Schema):
    vote_id = fields.Integer()
    tally = fields.Nested(TallySchema)
    outcome = fields.String()


class BallotAnswerSchema(Schema):
    vote_id = fields.Integer()
    choice = fields.String()
    receipt = fields.String(allow_none=True)


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
