"""/api/v1 for meetings: preparing them, running the session, votes. Thin: load → check → act."""

from __future__ import annotations

from flask import Response, current_app, request
from flask_babel import gettext as _
from flask_login import current_user

from ecabinet.api import ApiBlueprint as Blueprint
from ecabinet.api import paged
from ecabinet.database import unit_of_work
from ecabinet.errors import NotFound
from ecabinet.identity.access import login_required
from ecabinet.meetings import (
    access,
    conditional,
    early,
    notices,
    queries,
    receipts,
    services,
    sitting,
    state,
    verifiable,
    versions,
    voting,
)
from ecabinet.meetings.schemas import (
    MEETING_FIELDS,
    AdoptSchema,
    AgendaItemCreateSchema,
    AgendaItemPreparedSchema,
    AgendaItemSchema,
    AgendaItemUpdateSchema,
    AgendaOrderSchema,
    BallotAnswerSchema,
    BallotSchema,
    CurrentItemSchema,
    GiveFloorSchema,
    InviteSchema,
    MeetingCreateSchema,
    MeetingDetailSchema,
    MeetingSchema,
    MeetingUpdateSchema,
    ParticipantSchema,
    PinSchema,
    PositionSchema,
    TransitionSchema,
    VoteOpenSchema,
    VoteResultSchema,
    VoteSchema,
    dump_meeting_detail,
)

blp = Blueprint("meetings_api", __name__, url_prefix="/api/v1",
                description="Meetings: agenda, participants, the live session, votes")


def _user():
    return current_user._get_current_object()


def _detail(meeting):
    data = {name: getattr(meeting, name) for name in MEETING_FIELDS}
    data["participants"] = meeting.participants
    data["agenda"] = access.visible_items(_user(), meeting)
    if access.is_organiser(_user(), meeting):  # nobody else learns who opened it
        mails = notices.invitation_mails(meeting)
        data["invitations"] = [{"user_id": p.user_id, "opened_at": notices.opened_at(p, meeting),
                                "email": mails.get(p.user_id)}
                               for p in meeting.participants]
    return data


def _opened(meeting):
    """The caller opened the meeting: their first look since publication is recorded (a
    write only then)."""
    if notices.needs_recording(_user(), meeting):
        with unit_of_work():
            notices.record_opened(_user(), meeting)
    return meeting


# --- meetings ------------------------------------------------------------------------------------

@blp.route("/meetings")
@login_required
@blp.page_response(MeetingSchema(many=True))
def list_meetings(pagination_parameters):
    """The meetings the caller may see, newest first."""
    return paged(services.meetings_query(_user()), pagination_parameters)


@blp.route("/meetings", methods=["POST"])
@login_required
@blp.arguments(MeetingCreateSchema)
@blp.response(201, MeetingDetailSchema)
def create_meeting(body):
    """Create a meeting in draft (the secretariat)."""
    with unit_of_work():
        meeting = services.create_meeting(_user(), **body)
    return _detail(meeting)


@blp.route("/meetings/<int:meeting_id>")
@login_required
@blp.response(200, MeetingDetailSchema, headers={"ETag": {
    "description": "this reader's version of the meeting: sent back in If-None-Match, it is "
                   "answered 304 while nothing the reader sees has changed",
    "schema": {"type": "string"}}})
@blp.alt_response(304, description="nothing the caller sees has changed since the ETag sent")
def get_meeting(meeting_id: int):
    """One meeting with its participants and the agenda items the caller may see.

    A tablet refreshing the agenda sends the ETag it holds (`If-None-Match`): while nothing
    it sees has changed it gets 304, and the meeting is not even loaded (with a bearer token,
    from one statement before this handler: :func:`.early.answered_early`, which also answers a
    plain read with the body this reader was last given while their ETag holds)."""
    meeting = _opened(access.meeting_for(_user(), meeting_id, options=queries.MEETING_ALONE))
    etag = versions.etag(_user(), meeting, early.SHAPE)
    headers = early.etag_headers(etag)
    if request.if_none_match.contains(etag):
        return Response(status=304, headers=headers)
    # Dumped by hand, as the schema would (see dump_meeting_detail): a Response is sent as is.
    response = current_app.json.response(dump_meeting_detail(_detail(queries.load_whole(
        meeting))))
    # Kept for this reader's next read under the same ETag (:func:`.early.answered_early`).
    conditional.bodies().put(conditional.body_key(meeting.id, meeting.created_at, etag),
                             response.get_data())
    return response, 200, headers


@blp.route("/meetings/<int:meeting_id>", methods=["PATCH"])
@login_required
@blp.arguments(MeetingUpdateSchema)
@blp.response(200, MeetingDetailSchema)
def update_meeting(body, meeting_id: int):
    meeting = access.meeting_for(_user(), meeting_id)
    with unit_of_work():
        services.update_meeting(_user(), meeting, **body)
    return _detail(meeting)


@blp.route("/meetings/<int:meeting_id>/participants", methods=["POST"])
@login_required
@blp.arguments(InviteSchema)
@blp.response(201, ParticipantSchema)
def invite(body, meeting_id: int):
    """Invite a user as chair, member, guest or secretary."""
    meeting = access.meeting_for(_user(), meeting_id)
    with unit_of_work():
        return services.invite(_user(), meeting, **body)


@blp.route("/meetings/<int:meeting_id>/participants/<int:user_id>", methods=["DELETE"])
@login_required
@blp.response(204)
def uninvite(meeting_id: int, user_id: int):
    meeting = access.meeting_for(_user(), meeting_id)
    with unit_of_work():
        services.uninvite(_user(), meeting, user_id)


@blp.route("/agenda-items/<int:item_id>", methods=["DELETE"])
@login_required
@blp.response(204)
def remove_item(item_id: int):
    item = access.item_for(_user(), item_id)
    with unit_of_work():
        services.remove_item(_user(), item)


@blp.route("/meetings/<int:meeting_id>/agenda-items", methods=["POST"])
@login_required
@blp.arguments(AgendaItemCreateSchema)
@blp.response(201, AgendaItemPreparedSchema)
def add_item(body, meeting_id: int):
    meeting = access.meeting_for(_user(), meeting_id)
    with unit_of_work():
        return services.add_item(_user(), meeting, **body)


def _item_in(meeting_id: int, item_id: int):
    """An item of this meeting the caller may see (else 404)."""
    item = access.item_for(_user(), item_id)
    if item.meeting_id != meeting_id:
        raise NotFound(_("No such agenda item."))
    return item


@blp.route("/meetings/<int:meeting_id>/items/<int:item_id>", methods=["PATCH"])
@login_required
@blp.arguments(AgendaItemUpdateSchema)
@blp.response(200, AgendaItemPreparedSchema)
def update_item(body, meeting_id: int, item_id: int):
    """Change an item until the meeting is closed (the secretariat): only the fields given.
    After publication its invitees are told; in session the tablets show it at once."""
    item = _item_in(meeting_id, item_id)
    with unit_of_work():
        return services.update_item(_user(), item, **body)


@blp.route("/agenda-items/<int:item_id>", methods=["PATCH"])
@login_required
@blp.arguments(AgendaItemUpdateSchema)
@blp.response(200, AgendaItemPreparedSchema)
def update_agenda_item(body, item_id: int):
    """The same as `PATCH /meetings/{id}/items/{item_id}`, by the item's id alone."""
    item = access.item_for(_user(), item_id)
    with unit_of_work():
        return services.update_item(_user(), item, **body)


@blp.route("/meetings/<int:meeting_id>/agenda-order", methods=["PUT"])
@login_required
@blp.arguments(AgendaOrderSchema)
@blp.response(200, AgendaItemSchema(many=True))
def reorder(body, meeting_id: int):
    """Set the order of the whole agenda (what drag and drop sends)."""
    meeting = access.meeting_for(_user(), meeting_id)
    with unit_of_work():
        services.reorder(_user(), meeting, body["item_ids"])
    return sorted(meeting.items, key=lambda i: i.position)


@blp.route("/meetings/<int:meeting_id>/transition", methods=["POST"])
@login_required
@blp.arguments(TransitionSchema)
@blp.response(200, MeetingSchema)
def transition(body, meeting_id: int):
    """draft → published → in_session ⇄ adjourned → closed."""
    meeting = access.meeting_for(_user(), meeting_id)
    with unit_of_work():
        return services.transition(_user(), meeting, body["to"])


# --- the session ---------------------------------------------------------------------------------

@blp.route("/meetings/<int:meeting_id>/state")
@login_required
@blp.response(200)
def meeting_state(meeting_id: int):
    """What `meeting.join` answers: the live state, and the caller's own part of it."""
    return state.snapshot_of(_user(), access.seat_for(_user(), meeting_id))[1]


@blp.route("/meetings/<int:meeting_id>/checkin", methods=["POST"])
@login_required
@blp.response(200)
def check_in(meeting_id: int):
    seat = access.seat_for(_user(), meeting_id)
    with unit_of_work():
        changed = sitting.check_in(_user(), seat)
    return {"checked_in": True, "changed": changed}


@blp.route("/meetings/<int:meeting_id>/current-item", methods=["POST"])
@login_required
@blp.arguments(CurrentItemSchema)
@blp.response(200)
def set_current(body, meeting_id: int):
    meeting = access.meeting_for(_user(), meeting_id)
    with unit_of_work():
        item = sitting.set_current_item(_user(), meeting, body["agenda_item_id"])
    return {"agenda_item_id": item.id}


@blp.route("/meetings/<int:meeting_id>/adopt-uncontested", methods=["POST"])
@login_required
@blp.arguments(AdoptSchema)
@blp.response(200, AgendaItemSchema(many=True))
def adopt_uncontested(body, meeting_id: int):
    """The chair adopts items nobody objects to or asks to speak on, in one act."""
    meeting = access.meeting_for(_user(), meeting_id)
    with unit_of_work():
        return sitting.adopt_uncontested(_user(), meeting, body["item_ids"])


@blp.route("/agenda-items/<int:item_id>/positions", methods=["PUT"])
@login_required
@blp.arguments(PositionSchema)
@blp.response(200)
def set_position(body, item_id: int):
    """The caller's position on an item: agree, object or speak, with an optional note."""
    item = access.item_for(_user(), item_id)
    with unit_of_work():
        position = sitting.set_position(_user(), item, body["stance"], body["note"])
        return {"agenda_item_id": item.id, "stance": position.stance, "note": position.note}


@blp.route("/agenda-items/<int:item_id>/positions")
@login_required
@blp.response(200)
def positions(item_id: int):
    """The tally of positions on an item, and who stated what (the chair and the secretariat)."""
    item = access.item_for(_user(), item_id)
    if not access.can_see_tally(_user(), item.meeting):
        access.require_chair(_user(), item.meeting)  # refused with the chair's reason
    return {"agenda_item_id": item.id, "tally": queries.position_tally(item),
            "positions": [{"user_id": p.user_id, "name": p.user.name, "stance": p.stance,
                           "note": p.note} for p in queries.positions_of(item)]}


@blp.route("/agenda-items/<int:item_id>/speakers", methods=["POST"])
@login_required
@blp.response(201)
def request_floor(item_id: int):
    """Ask to speak on an item (đăng ký phát biểu)."""
    item = access.item_for(_user(), item_id)
    with unit_of_work():
        request = sitting.request_floor(_user(), item)
    return {"request_id": request.id}


@blp.route("/agenda-items/<int:item_id>/speakers", methods=["DELETE"])
@login_required
@blp.response(204)
def withdraw(item_id: int):
    item = access.item_for(_user(), item_id)
    with unit_of_work():
        sitting.withdraw(_user(), item)


@blp.route("/agenda-items/<int:item_id>/speakers/floor", methods=["POST"])
@login_required
@blp.arguments(GiveFloorSchema)
@blp.response(200)
def give_floor(body, item_id: int):
    """The chair gives the floor (to the next waiting request by default)."""
    item = access.item_for(_user(), item_id)
    with unit_of_work():
        request = sitting.give_floor(_user(), item, body["request_id"])
    return {"request_id": request.id, "user_id": request.user_id}


@blp.route("/agenda-items/<int:item_id>/speakers/finish", methods=["POST"])
@login_required
@blp.response(204)
def finish_speaker(item_id: int):
    item = access.item_for(_user(), item_id)
    with unit_of_work():
        sitting.finish_speaker(_user(), item)


# --- votes ---------------------------------------------------------------------------------------

@blp.route("/agenda-items/<int:item_id>/votes", methods=["POST"])
@login_required
@blp.arguments(VoteOpenSchema)
@blp.response(201, VoteSchema)
def open_vote(body, item_id: int):
    """The chair opens a vote on an item, with the rule it passes by. A secret vote is always
    end-to-end verifiable: it needs its trustees, each with their PIN (`verifiable` is implied
    by `secret`; without trustees: 422 `trustees_required`)."""
    item = access.item_for(_user(), item_id)
    with unit_of_work():
        if body.pop("verifiable") or body["secret"]:
            return verifiable.open_vote(_user(), item, question=body["question"],
                                        rule=body["rule"], trustees_given=body["trustees"],
                                        threshold=body["threshold"])
        return voting.open_vote(_user(), item, question=body["question"],
                                secret=body["secret"], rule=body["rule"])


@blp.route("/votes/<int:vote_id>")
@login_required
@blp.response(200, VoteSchema)
def get_vote(vote_id: int):
    """A vote, for those who may see its item (404 for anyone else)."""
    return access.vote_for(_user(), vote_id)


@blp.route("/votes/<int:vote_id>/ballots", methods=["POST"])
@login_required
@blp.arguments(BallotSchema)
@blp.response(201, BallotAnswerSchema)
def cast_ballot(body, vote_id: int):
    """Cast or change one's ballot: yes, no or abstain in a named vote; in a secret vote the
    ballot encrypted on the tablet (answered with its tracking code; a choice in clear is
    refused with 422 `ballot_must_be_encrypted`). The same services as `ballot.cast`."""
    with unit_of_work():  # the service loads the vote and checks it, as for `ballot.cast`
        if body["ballot"] is not None:
            return verifiable.cast_ballot(_user(), vote_id, body["ballot"])
        return voting.cast_ballot(_user(), vote_id, body["choice"], body["receipt"])


@blp.route("/votes/<int:vote_id>/close", methods=["POST"])
@login_required
@blp.arguments(PinSchema, required=False)
@blp.response(200, VoteResultSchema)
def close_vote(body, vote_id: int):
    """The chair closes the vote: the tally and the outcome under the vote's rule. A verifiable
    vote's ballot box closes and waits for its trustees (the chair's PIN may come along)."""
    vote = access.vote_for(_user(), vote_id)
    if vote.verifiable:
        with unit_of_work():
            return verifiable.close(_user(), vote_id, (body or {}).get("pin"))
    with unit_of_work():
        result = voting.close_vote(_user(), vote)
    return {"vote_id": vote_id, "tally": result.tally, "outcome": result.outcome}


@blp.route("/votes/<int:vote_id>/decryptions", methods=["POST"])
@login_required
@blp.arguments(PinSchema)
@blp.response(200, VoteResultSchema)
def decrypt_vote(body, vote_id: int):
    """A trustee of a verifiable vote gives their share (their PIN opens it) once the ballot box
    is closed; the vote closes with its result when the threshold is reached."""
    with unit_of_work():
        return verifiable.decrypt(_user(), vote_id, body["pin"])


@blp.route("/votes/<int:vote_id>/record")
@login_required
@blp.alt_response(200, schema={"type": "object"}, description="the published record",
                  success=True)
def vote_record(vote_id: int):
    """The published record of a closed vote, for whoever may see the vote. A secret vote's
    (format ecabinet/secret-vote-record/1: the key, the ballots by tracking code without names,
    the products, the trustees' decryptions with their proofs, the tally; check it with
    `ecabinet votes verify RECORD.json`); a named vote's (format ecabinet/named-vote-record/1:
    each member's recorded choice by name, the tally and the receipt key; check a ballot's
    receipt against it with `ecabinet votes verify-receipt RECEIPT.json RECORD.json`)."""
    from flask import jsonify

    vote = access.vote_for(_user(), vote_id)
    if vote.secret:
        return jsonify(verifiable.record_of(_user(), vote_id))
    return jsonify(receipts.named_record(vote))


@blp.route("/meetings/<int:meeting_id>/invitation.ics")
@login_required
@blp.alt_response(200, schema={"type": "string", "format": "binary"},
                  content_type="text/calendar", description="the invitation (iCalendar)",
                  success=True)
def invitation_ics(meeting_id: int):
    """The invitation as iCalendar, for everyone who sees the meeting (its invitees and the
    secretariat): the same event as the e-mailed one, so calendars update it, not double it."""
    from flask import Response, current_app

    from ecabinet.notify.invitations import invitation_ics as render

    meeting = _opened(access.meeting_for(_user(), meeting_id))
    host = current_app.config["MAIL_FROM"].rsplit("@", 1)[-1]
    data = render(meeting, organiser_email=current_app.config["MAIL_FROM"], host=host)
    return Response(data, mimetype="text/calendar", headers={
        "Content-Disposition": f'attachment; filename="giay-moi-{meeting.id}.ics"',
        "Cache-Control": "private, no-store"})
