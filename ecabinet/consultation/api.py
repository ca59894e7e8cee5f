"""/api/v1 for consultation rounds: rounds, comments, replies, answers, the consolidated table
and the comparison of versions. Thin: load (404) → check (403) → act in one unit of work."""

from __future__ import annotations

import io

from flask import send_file
from flask_login import current_user

from ecabinet.api import ApiBlueprint as Blueprint
from ecabinet.api import paged
from ecabinet.consultation import access, services
from ecabinet.consultation.schemas import (
    AnswerCreateSchema,
    AnswerSchema,
    CommentCreateSchema,
    CommentSchema,
    CompareArgsSchema,
    ComparisonSchema,
    DocumentCommentSchema,
    MoveRoundSchema,
    ReplyCreateSchema,
    RoundCreateSchema,
    RoundSchema,
    UnitSchema,
)
from ecabinet.consultation.table import render_table
from ecabinet.database import unit_of_work
from ecabinet.docs import access as docs_access
from ecabinet.identity.access import login_required

blp = Blueprint("consultation_api", __name__, url_prefix="/api/v1",
                description="Consultation rounds on drafts (lấy ý kiến dự thảo): comments, "
                            "answers (tiếp thu / giải trình), the consolidated table")

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"


def _user():
    return current_user._get_current_object()


def _private(response):
    response.headers["Cache-Control"] = "private, no-store"
    return response


@blp.route("/consultation-rounds")
@login_required
@blp.page_response(RoundSchema(many=True))
def list_rounds(pagination_parameters):
    """The rounds the caller reviews or runs, open ones first."""
    return paged(access.rounds_query(_user()), pagination_parameters)


@blp.route("/consultation-rounds", methods=["POST"])
@login_required
@blp.arguments(RoundCreateSchema)
@blp.response(201, RoundSchema)
@blp.alt_response(409, description="not the latest version, or a round is open on it already")
def create_round(body):
    """Open a round on a version (the document's uploader or the secretariat)."""
    document = docs_access.document_for(_user(), body["document_id"])
    access.require_drafting_side(_user(), document)
    with unit_of_work():
        return services.create_round(_user(), document, version_number=body["version"],
                                     reviewer_ids=body["reviewer_ids"],
                                     deadline=body["deadline"], title=body["title"])


@blp.route("/consultation-rounds/<int:round_id>")
@login_required
@blp.response(200, RoundSchema)
def get_round(round_id: int):
    return access.round_for(_user(), round_id)


@blp.route("/consultation-rounds/<int:round_id>/close", methods=["POST"])
@login_required
@blp.response(200, RoundSchema)
@blp.alt_response(409, description="closed already")
def close_round(round_id: int):
    """Close the round by hand (the drafting side): no more comments, answers frozen."""
    round_ = access.round_for(_user(), round_id)
    access.require_drafting_side(_user(), round_.document)
    with unit_of_work():
        return services.close_round(_user(), round_)


@blp.route("/consultation-rounds/<int:round_id>/move", methods=["POST"])
@login_required
@blp.arguments(MoveRoundSchema)
@blp.response(201, RoundSchema)
@blp.alt_response(409, description="closed already, or on the latest version already")
def move_round(body, round_id: int):
    """Ask the same reviewers about the document's latest version: this round closes, a new
    one opens (the drafting side). A new version never closes a round by itself."""
    round_ = access.round_for(_user(), round_id)
    access.require_drafting_side(_user(), round_.document)
    with unit_of_work():
        return services.move_round(_user(), round_, deadline=body["deadline"])


@blp.route("/consultation-rounds/<int:round_id>/keep", methods=["POST"])
@login_required
@blp.response(200, RoundSchema)
@blp.alt_response(409, description="closed already, or on the latest version already")
def keep_round(round_id: int):
    """Keep the round on its earlier version until its deadline, beside the newer version
    uploaded (the drafting side): its reviewers are told which version they review and that
    a newer one exists. Sent again, nothing changes."""
    round_ = access.round_for(_user(), round_id)
    access.require_drafting_side(_user(), round_.document)
    with unit_of_work():
        return services.keep_round(_user(), round_)


@blp.route("/consultation-rounds/<int:round_id>/units")
@login_required
@blp.response(200, UnitSchema(many=True))
def round_units(round_id: int):
    """The numbered paragraphs (.docx) or pages (PDF) of the round's version: the anchors."""
    round_ = access.round_for(_user(), round_id)
    return services.units(round_.version)


@blp.route("/consultation-rounds/<int:round_id>/pdf")
@login_required
@blp.alt_response(200, schema={"type": "string", "format": "binary"}, content_type=PDF,
                  description="the rendered PDF of the round's version", success=True)
@blp.alt_response(409, description="still converting")
def round_pdf(round_id: int):
    """The PDF of the round's version: how a reviewer reads a document shown only to them
    through the round."""
    from ecabinet.packs import send_reader_pdf  # read receipts, watermark (MẬT)

    return send_reader_pdf(_user(), access.round_for(_user(), round_id).version)


@blp.route("/consultation-rounds/<int:round_id>/versions/<int:number>/pdf")
@login_required
@blp.alt_response(200, schema={"type": "string", "format": "binary"}, content_type=PDF,
                  description="the rendered PDF of a version of the round's document",
                  success=True)
@blp.alt_response(409, description="still converting")
def round_version_pdf(round_id: int, number: int):
    """A version of the round's document the caller may read: the drafting side and the
    document's readers any; a reviewer exactly the versions of their rounds."""
    round_ = access.round_for(_user(), round_id)
    from ecabinet.packs import send_reader_pdf  # read receipts, watermark (MẬT)

    return send_reader_pdf(_user(), access.version_for(_user(), round_.document, number))


@blp.route("/consultation-rounds/<int:round_id>/comments")
@login_required
@blp.page_response(CommentSchema(many=True))
def list_comments(round_id: int, pagination_parameters):
    """Comments with their replies and answers, in document order: all of them for the
    drafting side, their own for a reviewer."""
    round_ = access.round_for(_user(), round_id)
    return paged(access.threads_query(_user(), round_), pagination_parameters)


@blp.route("/consultation-rounds/<int:round_id>/comments", methods=["POST"])
@login_required
@blp.arguments(CommentCreateSchema)
@blp.response(201, CommentSchema)
@blp.alt_response(409, description="the round is closed or its deadline has passed")
@blp.alt_response(422, description="an anchor this version does not have")
def add_comment(body, round_id: int):
    round_ = access.round_for(_user(), round_id)
    with unit_of_work():
        return services.add_comment(_user(), round_, anchor=body["anchor"], text=body["text"])


@blp.route("/documents/<int:document_id>/comments", methods=["POST"])
@login_required
@blp.arguments(DocumentCommentSchema)
@blp.response(201, CommentSchema)
@blp.alt_response(403, description="the caller is not a reviewer of the open round")
@blp.alt_response(409, description="no round is open on this version, or its deadline passed")
@blp.alt_response(422, description="an anchor this version does not have")
def comment_on_document(body, document_id: int):
    """Comment on a draft: the comment goes into the round open on that version."""
    document = access.document_for(_user(), document_id)
    round_ = services.round_to_comment_on(document, body["version"])
    with unit_of_work():
        return services.add_comment(_user(), round_, anchor=body["anchor"], text=body["text"])


@blp.route("/consultation-comments/<int:comment_id>")
@login_required
@blp.response(200, CommentSchema)
def get_comment(comment_id: int):
    return access.comment_for(_user(), comment_id)


@blp.route("/consultation-comments/<int:comment_id>/replies", methods=["POST"])
@login_required
@blp.arguments(ReplyCreateSchema)
@blp.response(201, CommentSchema)
def reply(body, comment_id: int):
    """Reply in a comment's thread (its author or the drafting side)."""
    comment = access.comment_for(_user(), comment_id)
    with unit_of_work():
        return services.reply(_user(), comment, text=body["text"])


@blp.route("/consultation-comments/<int:comment_id>/answer", methods=["PUT"])
@login_required
@blp.arguments(AnswerCreateSchema)
@blp.response(200, AnswerSchema)
@blp.alt_response(409, description="the round is closed")
def answer(body, comment_id: int):
    """Answer a comment: accepted (tiếp thu) or explained (giải trình). Until the round
    closes, answering again replaces the answer."""
    comment = access.comment_for(_user(), comment_id)
    access.require_drafting_side(_user(), comment.round.document)
    with unit_of_work():
        return services.answer_comment(_user(), comment, kind=body["kind"], text=body["text"])


@blp.route("/consultation-rounds/<int:round_id>/table")
@login_required
@blp.alt_response(200, schema={"type": "string", "format": "binary"}, content_type=DOCX,
                  description="Bảng tổng hợp, tiếp thu, giải trình ý kiến (.docx)",
                  success=True)
def table(round_id: int):
    """The consolidated table of comments and answers (the drafting side)."""
    round_ = access.round_for(_user(), round_id)
    access.require_drafting_side(_user(), round_.document)
    data = render_table(round_)
    response = send_file(io.BytesIO(data), mimetype=DOCX, as_attachment=True,
                         download_name=f"bang-tong-hop-y-kien-{round_.id}.docx")
    return _private(response)


@blp.route("/documents/<int:document_id>/compare")
@login_required
@blp.arguments(CompareArgsSchema, location="query")
@blp.response(200, ComparisonSchema)
def compare(args, document_id: int):
    """Paragraph by paragraph (pages for a PDF), word by word inside a changed paragraph."""
    document = access.document_for(_user(), document_id)
    return services.compare_versions(_user(), document, args["old"], args["new"])
