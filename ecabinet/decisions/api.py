"""/api/v1/decisions: drafting, signing, issuing, the PDF, the external signer."""

from __future__ import annotations

import io

from flask import jsonify, send_file
from flask_login import current_user

from ecabinet.api import ApiBlueprint as Blueprint
from ecabinet.api import paged
from ecabinet.database import audited_attempt, unit_of_work
from ecabinet.decisions import (
    access,
    batch,
    distribution,
    drafting,
    register_book,
    workflow,
)
from ecabinet.decisions.schemas import (
    DecisionBatchIssueSchema,
    DecisionBatchResultSchema,
    DecisionBatchSignSchema,
    DecisionCreateSchema,
    DecisionExternalFinishSchema,
    DecisionExternalPrepareSchema,
    DecisionIssueSchema,
    DecisionPendingSchema,
    DecisionRecallResultSchema,
    DecisionRecallSchema,
    DecisionRecipientStatusSchema,
    DecisionReviseSchema,
    DecisionSchema,
    DecisionSignSchema,
    RegisterArgsSchema,
    RegisterSchema,
)
from ecabinet.identity.access import login_required
from ecabinet.interchange.outgoing import services as outgoing
from ecabinet.registers import exports

blp = Blueprint("decisions_api", __name__, url_prefix="/api/v1",
                description="Decisions and other issued documents: draft, sign, issue")


def _user():
    return current_user._get_current_object()


def _answer(decision, status: int):
    """The decision as this request leaves it, dumped before the commit: once the commit lands
    the documents' worker may render a draft at any moment, and the answer tells what was done
    (``render_state`` rendering), not what the worker got to meanwhile."""
    response = jsonify(DecisionSchema().dump(decision))
    response.status_code = status
    return response


@blp.route("/decisions")
@login_required
@blp.page_response(DecisionSchema(many=True))
def list_decisions(pagination_parameters):
    """The decisions the caller may read, newest first."""
    return paged(access.listed(_user()), pagination_parameters)


@blp.route("/decisions", methods=["POST"])
@login_required
@blp.arguments(DecisionCreateSchema)
@blp.response(201, DecisionSchema)
def create_decision(body):
    """Draft a decision, resolution, conclusions notice or letter (the secretariat). Its PDF
    is rendered in the background: `render_state` turns `ready`, then it can be signed."""
    with unit_of_work():
        return _answer(drafting.draft(_user(), **body), 201)


@blp.route("/decisions/<int:decision_id>")
@login_required
@blp.response(200, DecisionSchema)
def get_decision(decision_id: int):
    return access.decision_for(_user(), decision_id)


@blp.route("/decisions/<int:decision_id>", methods=["PATCH"])
@login_required
@blp.arguments(DecisionReviseSchema)
@blp.response(200, DecisionSchema)
def revise_decision(body, decision_id: int):
    """Correct a draft (the secretariat) before it is signed: its PDF is rendered again
    (`render_state` turns `rendering`, then `ready`); 409 `not_a_draft` once signed."""
    with unit_of_work():
        decision = access.decision_for(_user(), decision_id)
        return _answer(drafting.revise(_user(), decision, **body), 200)


@blp.route("/decisions/<int:decision_id>/pdf")
@login_required
@blp.response(200, description="the current PDF (prepared, signed or issued)",
              content_type="application/pdf")
def get_pdf(decision_id: int):
    decision = access.decision_for(_user(), decision_id)
    data = drafting.pdf_of(decision)
    distribution.note_opening(_user(), decision)
    name = (decision.symbol or f"du-thao-{decision.id}").replace("/", "-")
    response = send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=False,
                         download_name=f"{name}.pdf", etag=decision.pdf_sha256)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@blp.route("/decisions/<int:decision_id>/recipients")
@login_required
@blp.response(200, DecisionRecipientStatusSchema(many=True))
@blp.alt_response(403, description="not a clerk or the secretariat (not_a_distributor)")
def get_recipients(decision_id: int):
    """The recipients named in the Nơi nhận, each with when it was delivered (its people told:
    the dashboard, e-mail when configured) and first opened, and by whom: the clerks and the
    secretariat. The text lines ("Như Điều 3", "Lưu: VT") are not recipients and are left out."""
    decision = access.decision_for(_user(), decision_id)
    return distribution.statuses(_user(), decision)


@blp.route("/decisions/<int:decision_id>/recall", methods=["POST"])
@login_required
@blp.arguments(DecisionRecallSchema)
@blp.response(201, DecisionRecallResultSchema)
@blp.alt_response(403, description="not a clerk or the secretariat (not_a_distributor)")
@blp.alt_response(409, description="not issued, recalled already, not sent through the axis, "
                                   "or the installation's seal cannot sign (axis_seal_refused)")
def recall(body, decision_id: int):
    """Recall an issued document sent through the interchange axis: a status 13 to each
    recipient reached that way (each answers 15 accepted or 16 refused, shown in
    `/recipients`); the document is frozen from then on, its record kept."""
    decision = access.decision_for(_user(), decision_id)
    with audited_attempt():
        row = outgoing.recall(_user(), decision, body["reason"])
        return {"decision_id": row.decision_id, "asked_at": row.asked_at, "reason": row.reason}


@blp.route("/decisions/<int:decision_id>/attachments/<int:position>/pdf")
@login_required
@blp.response(200, description="an attachment (signed once the decision is issued)",
              content_type="application/pdf")
def get_attachment_pdf(decision_id: int, position: int):
    decision = access.decision_for(_user(), decision_id)
    from ecabinet.packs import send_reader_pdf  # read receipts, watermark (MẬT)

    data, sha256, version = drafting.attachment_pdf(decision, position)
    name = f"phu-luc-{position}.pdf"
    if version is None:  # the document is gone: nothing left to mark it confidential
        response = send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=False,
                             download_name=name)
        response.headers["Cache-Control"] = "private, no-store"
        return response
    return send_reader_pdf(_user(), version, data=data, download_name=name, etag=sha256)


@blp.route("/decisions/<int:decision_id>/signatures", methods=["POST"])
@login_required
@blp.arguments(DecisionSignSchema)
@blp.response(201, DecisionSchema)
@blp.alt_response(403, description="not the competent person, wrong PIN or code")
@blp.alt_response(409, description="signed already, or still rendering")
@blp.alt_response(503, description="time-stamping or OCSP down: nothing signed, retry")
def sign(body, decision_id: int):
    """The competent person signs with their key's PIN and a TOTP code."""
    decision = access.decision_for(_user(), decision_id)
    with audited_attempt():
        workflow.sign(_user(), decision, **body)
        return _answer(decision, 201)


@blp.route("/decisions/signatures", methods=["POST"])
@login_required
@blp.arguments(DecisionBatchSignSchema)
@blp.response(200, DecisionBatchResultSchema(many=True))
def sign_many(body):
    """Sign several documents with one PIN and code: each is signed on its own; a failure on
    one is reported without undoing the others."""
    return batch.sign_batch(_user(), body["ids"], pin=body["pin"], otp=body["otp"],
                            level=body["level"])


@blp.route("/decisions/issue", methods=["POST"])
@login_required
@blp.arguments(DecisionBatchIssueSchema)
@blp.response(200, DecisionBatchResultSchema(many=True))
def issue_many(body):
    """The clerk issues several signed documents with one PIN and code, numbered in the order
    given: each on its own; a failure on one is reported without undoing the others."""
    return batch.issue_batch(_user(), body["ids"], pin=body["pin"], otp=body["otp"])


@blp.route("/decisions/<int:decision_id>/issue", methods=["POST"])
@login_required
@blp.arguments(DecisionIssueSchema)
@blp.response(200, DecisionSchema)
@blp.alt_response(409, description="not signed yet, or issued already")
@blp.alt_response(503, description="time-stamping or OCSP down: no number used, retry")
def issue(body, decision_id: int):
    """The clerk: the register's number and today's date filled in, the seal applied."""
    decision = access.decision_for(_user(), decision_id)
    with audited_attempt():
        workflow.issue(_user(), decision, **body)
        return _answer(decision, 200)


@blp.route("/decisions/<int:decision_id>/signatures/external/prepare", methods=["POST"])
@login_required
@blp.arguments(DecisionExternalPrepareSchema)
@blp.response(201, DecisionPendingSchema)
@blp.alt_response(403, description="not the signer, wrong or replayed code, or a certificate "
                                   "not enrolled for the signer (certificate_not_enrolled)")
@blp.alt_response(409, description="certificate expired, revoked or untrusted; signed already")
def prepare_external(body, decision_id: int):
    """External signer, step 1: send a certificate enrolled for you and a fresh TOTP code;
    get the bytes the device signs."""
    decision = access.decision_for(_user(), decision_id)
    with audited_attempt():
        return workflow.prepare_external(_user(), decision, **body)


@blp.route("/decisions/<int:decision_id>/signatures/external/finish", methods=["POST"])
@login_required
@blp.arguments(DecisionExternalFinishSchema)
@blp.response(201, DecisionSchema)
@blp.alt_response(403, description="the certificate is no longer enrolled, or not the "
                                   "prepared one (certificate_mismatch)")
@blp.alt_response(422, description="the signature value does not verify (bad_signature)")
def finish_external(body, decision_id: int):
    """External signer, step 2: send the device's signature; the document is signed."""
    decision = access.decision_for(_user(), decision_id)
    with audited_attempt():
        workflow.finish_external(_user(), decision, **body)
        return _answer(decision, 201)


@blp.route("/register")
@login_required
@blp.arguments(RegisterArgsSchema, location="query")
@blp.response(200, RegisterSchema)
@blp.alt_response(200, schema={"type": "string", "format": "binary"}, content_type="text/csv",
                  description="format=csv (UTF-8) or format=xlsx", success=True)
def register(args):
    """The register of outgoing documents (sổ đăng ký văn bản đi) of a year: the clerks, the
    secretariat and the administrators."""
    register_book.require_reader(_user())
    year = args["year"]
    rows = register_book.entries(_user(), year)
    if args.format == "json":
        return {"year": year, "years": register_book.years(), "entries": rows}
    return exports.download(register_book.table(rows, year), args.format,
                            f"so-van-ban-di-{year}")
