"""/api/v1/polls: written polls between meetings."""

from __future__ import annotations

from flask import Response
from flask_login import current_user

from ecabinet.api import ApiBlueprint as Blueprint
from ecabinet.api import paged
from ecabinet.database import unit_of_work
from ecabinet.identity.access import login_required
from ecabinet.polls import access, result_doc, services
from ecabinet.polls.schemas import (
    AttachDocumentSchema,
    DossierDocumentSchema,
    PollCreateSchema,
    PollResultSchema,
    PollSchema,
    ResponseCreateSchema,
    ResponseSchema,
)

blp = Blueprint("polls_api", __name__, url_prefix="/api/v1",
                description="Written polls of the members between meetings")

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _user():
    return current_user._get_current_object()


def _summary(poll) -> dict:
    return {"id": poll.id, "question": poll.question, "summary": poll.summary,
            "deadline": poll.deadline, "missing_counts_as": poll.missing_counts_as,
            "signed_ballots": poll.signed_ballots, "chair_id": poll.chair_id,
            "status": poll.status, "overdue": services.is_overdue(poll),
            "recipients": len(poll.recipients), "answered": len(poll.responses),
            "my_response": poll.response_of(_user().id),
            "documents": services.dossier_of(poll)}


@blp.route("/polls")
@login_required
@blp.page_response(PollSchema(many=True))
def list_polls(pagination_parameters):
    """The polls the caller may see, latest deadline first."""
    return [_summary(poll) for poll in paged(services.polls_query(_user()),
                                             pagination_parameters)]


@blp.route("/polls", methods=["POST"])
@login_required
@blp.arguments(PollCreateSchema)
@blp.response(201, PollSchema)
def create_poll(body):
    """Send a question to the members with a deadline (the secretariat)."""
    with unit_of_work():
        poll = services.create_poll(_user(), **body)
    return _summary(poll)


@blp.route("/polls/<int:poll_id>")
@login_required
@blp.response(200, PollSchema)
def get_poll(poll_id: int):
    return _summary(access.poll_for(_user(), poll_id))


@blp.route("/polls/<int:poll_id>/responses", methods=["POST"])
@login_required
@blp.arguments(ResponseCreateSchema)
@blp.response(201, ResponseSchema)
def respond(body, poll_id: int):
    """Answer: agree, disagree or other (with a comment). Answering again replaces it."""
    poll = access.poll_for(_user(), poll_id)
    with unit_of_work():
        return services.respond(_user(), poll, **body)


@blp.route("/polls/<int:poll_id>/documents", methods=["POST"])
@login_required
@blp.arguments(AttachDocumentSchema)
@blp.response(201, DossierDocumentSchema)
def attach_document(body, poll_id: int):
    """Add a document to the poll's dossier (the secretariat); the recipients may read it."""
    poll = access.poll_for(_user(), poll_id)
    with unit_of_work():
        link = services.attach_document(_user(), poll, body["document_id"])
    return next(d for d in services.dossier_of(poll) if d["id"] == link.document_id)


@blp.route("/polls/<int:poll_id>/close", methods=["POST"])
@login_required
@blp.response(200, PollResultSchema)
def close_poll(poll_id: int):
    poll = access.poll_for(_user(), poll_id)
    with unit_of_work():
        services.close_poll(_user(), poll)
    return _result(poll)


@blp.route("/polls/<int:poll_id>/result")
@login_required
@blp.response(200, PollResultSchema)
@blp.alt_response(403, description="a recipient, before the poll closes")
def result(poll_id: int):
    """The consolidated result so far (final once closed): the chair and the secretariat at
    any time, with every answer; the recipients once closed, with their own answer."""
    poll = access.poll_for(_user(), poll_id)
    access.require_result(_user(), poll)
    return _result(poll)


@blp.route("/polls/<int:poll_id>/result.docx")
@login_required
def result_docx(poll_id: int):
    """The consolidated result as a document for the chair (the recipients once closed)."""
    poll = access.poll_for(_user(), poll_id)
    access.require_result(_user(), poll)
    return Response(result_doc.render_result(poll), mimetype=DOCX, headers={
        "Content-Disposition": f'attachment; filename="tong-hop-phieu-{poll.id}.docx"'})


@blp.route("/polls/<int:poll_id>/responses/<int:user_id>/ballot.pdf")
@login_required
def ballot_pdf(poll_id: int, user_id: int):
    """A member's signed ballot: the member themself and the secretariat."""
    poll = access.poll_for(_user(), poll_id)
    return Response(services.ballot_of(_user(), poll, user_id), mimetype="application/pdf",
                    headers={"Content-Disposition":
                             f'attachment; filename="phieu-{poll.id}-{user_id}.pdf"'})


@blp.route("/polls/<int:poll_id>/proof.zip")
@login_required
def proof_bundle(poll_id: int):
    """Every signed ballot, the consolidated result and their SHA-256 (the secretariat)."""
    poll = access.poll_for(_user(), poll_id)
    with unit_of_work():  # the download itself is recorded
        data = services.proof_bundle(_user(), poll, result_doc.render_result(poll))
    return Response(data, mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="ho-so-phieu-{poll.id}.zip"'})


def _result(poll) -> dict:
    outcome = services.result_of(poll)
    return {"poll_id": poll.id, "status": poll.status, "counts": outcome.counts,
            "outcome": outcome.outcome, "responses": access.responses_for(_user(), poll),
            "missing_user_ids": outcome.missing_user_ids}
