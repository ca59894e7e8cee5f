"""Pages: the signing inbox (Chờ ký / Chờ ban hành), a decision's page, drafting."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ecabinet.database import audited_attempt, unit_of_work
from ecabinet.decisions import (
    access,
    batch,
    distribution,
    drafting,
    layout,
    register_book,
    workflow,
)
from ecabinet.decisions.models import Decision
from ecabinet.decisions.schemas import RegisterFilterSchema
from ecabinet.extensions import db
from ecabinet.identity.access import login_required, roles_required
from ecabinet.identity.models import Organisation, Role, User, UserRole
from ecabinet.interchange.outgoing import services as outgoing
from ecabinet.registers import filters
from ecabinet.web import Pager, refusal_shown

bp = Blueprint("decisions", __name__, template_folder="templates")


def _user():
    return current_user._get_current_object()


def _ids(values) -> list[int]:
    return [int(v) for v in values if str(v).isdigit()]


@bp.route("/decisions")
@login_required
def index():
    """The inbox; ``?meeting_id=`` lists the documents drafted from one meeting instead."""
    user = _user()
    meeting_id = request.args.get("meeting_id", type=int)
    if meeting_id is not None:
        from ecabinet.meetings import access as meeting_access

        meeting = meeting_access.meeting_for(user, meeting_id)
        return render_template("decisions/index.html", to_sign=[], to_issue=[],
                               others=access.of_meeting(user, meeting.id), meeting=meeting,
                               render_state=drafting.render_state, kinds=layout.KINDS)
    return render_template(
        "decisions/index.html", to_sign=access.awaiting_signature(user),
        to_issue=access.awaiting_issue(user),
        others=[d for d in access.list_for(user)
                if d.signer_id != user.id or d.state != "draft"], meeting=None,
        render_state=drafting.render_state, kinds=layout.KINDS)


@bp.route("/decisions/sign", methods=["POST"])
@roles_required(Role.SIGNER)
def sign_selected():
    """Sign every selected document with one PIN and code."""
    return _batch_page(
        batch.sign_batch,
        lambda count: _("%(count)d document(s) signed.", count=count),
        lambda summary, reason: _("Not signed: %(summary)s — %(reason)s", summary=summary,
                                  reason=reason))


@bp.route("/decisions/issue", methods=["POST"])
@roles_required(Role.CLERK)
def issue_selected():
    """Issue every selected document with one PIN and code (the clerk's inbox)."""
    return _batch_page(
        batch.issue_batch,
        lambda count: _("%(count)d document(s) issued.", count=count),
        lambda summary, reason: _("Not issued: %(summary)s — %(reason)s", summary=summary,
                                  reason=reason))


def _batch_page(run, done, not_done):
    """The inboxes' batch form: run it on the selected documents, one message for those done and
    one per document refused."""
    ids = _ids(request.form.getlist("ids"))
    with refusal_shown():
        results = run(_user(), ids, pin=request.form.get("pin", ""),
                      otp=request.form.get("otp", ""))
        succeeded = [r for r in results if r["ok"]]
        if succeeded:
            flash(done(len(succeeded)), "success")
        for failed in (r for r in results if not r["ok"]):
            decision = db.session.get(Decision, failed["id"])
            flash(not_done(decision.summary if decision else failed["id"],
                           failed["error"]["message"]), "error")
    return redirect(url_for("decisions.index"))


@bp.route("/decisions/<int:decision_id>")
@login_required
def show(decision_id: int):
    decision = access.decision_for(_user(), decision_id)
    distribution.note_opening(_user(), decision)
    return render_template("decisions/show.html", decision=decision,
                           distribution=distribution.statuses(_user(), decision)
                           if access.may_follow_distribution(_user()) else None,
                           render_state=drafting.render_state(decision),
                           kind=layout.KINDS[decision.kind],
                           # the buttons offered by the rules the services check
                           can_sign=decision.state == "draft"
                           and access.is_signer(_user(), decision),
                           can_issue=decision.state == "signed" and access.may_issue(_user()),
                           can_revise=decision.state == "draft" and access.may_draft(_user()),
                           authority=drafting.clean_lines(decision.authority),
                           recall=outgoing.recall_of(decision),
                           can_recall=decision.state == "issued"
                           and access.may_follow_distribution(_user())
                           and bool(outgoing.exchanges_of(decision)))


@bp.route("/decisions/<int:decision_id>/recall", methods=["POST"])
@login_required
def recall(decision_id: int):
    """The clerk or the secretariat asks the axis recipients to take the document back."""
    decision = access.decision_for(_user(), decision_id)
    with refusal_shown():
        with audited_attempt():
            outgoing.recall(_user(), decision, request.form.get("reason", ""))
        flash(_("Recall sent to the recipients through the axis."), "success")
    return redirect(url_for("decisions.show", decision_id=decision_id) + "#recipients")


@bp.route("/decisions/<int:decision_id>/sign", methods=["POST"])
@login_required
def sign(decision_id: int):
    decision = access.decision_for(_user(), decision_id)
    with refusal_shown():
        with audited_attempt():
            workflow.sign(_user(), decision, pin=request.form.get("pin", ""),
                          otp=request.form.get("otp", ""))
        flash(_("Signed."), "success")
    return redirect(url_for("decisions.show", decision_id=decision_id))


@bp.route("/decisions/<int:decision_id>/issue", methods=["POST"])
@roles_required(Role.CLERK)
def issue(decision_id: int):
    decision = access.decision_for(_user(), decision_id)
    with refusal_shown():
        with audited_attempt():
            workflow.issue(_user(), decision, pin=request.form.get("pin", ""),
                           otp=request.form.get("otp", ""))
        flash(_("Issued as %(symbol)s.", symbol=decision.symbol), "success")
    return redirect(url_for("decisions.show", decision_id=decision_id))


@bp.route("/decisions/<int:decision_id>/edit", methods=["GET", "POST"])
@roles_required(Role.SECRETARIAT)
def edit(decision_id: int):
    """Correct a draft before it is signed."""
    decision = access.decision_for(_user(), decision_id)
    error = None
    if request.method == "POST":
        values = {key: request.form.get(key) for key in drafting.REVISABLE}
        values["recipient_organisation_ids"] = _ids(request.form.getlist("recipient_orgs"))
        values["recipient_user_ids"] = None  # people named on it are kept (the API names them)
        signer = values.get("signer_id") or ""
        with refusal_shown(None) as refused:
            with unit_of_work():
                drafting.revise(_user(), decision, **{
                    **values, "signer_id": int(signer) if signer.isdigit() else None})
            flash(_("The draft was saved; its PDF is being prepared again."), "success")
            return redirect(url_for("decisions.show", decision_id=decision_id))
        error = refused.message
    else:
        values = {"summary": decision.summary, "body": decision.body,
                  "authority": decision.authority,
                  "recipients": "\n".join(distribution.text_lines(decision)),
                  "recipient_organisation_ids": [r.organisation_id
                                                 for r in decision.addressees
                                                 if r.organisation_id],
                  "signer_id": decision.signer_id}
        if decision.state != "draft":
            flash(_("Only a draft can be changed; this document is signed already."), "error")
            return redirect(url_for("decisions.show", decision_id=decision_id))
    return render_template("decisions/edit.html", decision=decision, values=values,
                           error=error, kind=layout.KINDS[decision.kind],
                           signers=_signers(), organisations=_organisations()
                           ), 422 if error else 200


def _organisations() -> list[Organisation]:
    return list(db.session.scalars(select(Organisation).order_by(Organisation.name)))


def _signers() -> list[User]:
    return list(db.session.scalars(
        select(User).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.SIGNER.value, User.active.is_(True)).order_by(User.name)))


@bp.route("/decisions/new", methods=["GET", "POST"])
@roles_required(Role.SECRETARIAT)
def new():
    """Draft a document; ``?vote_id=`` or ``?meeting_id=`` starts from a vote or a meeting."""
    given = {key: request.args.get(key, type=int) or request.form.get(key, type=int)
             for key in ("vote_id", "meeting_id")}
    source = {key: value for key, value in given.items() if value and value > 0}
    values = dict(request.form) if request.method == "POST" else {}
    if request.method == "POST":
        values["recipient_organisation_ids"] = _ids(request.form.getlist("recipient_orgs"))
    error = None
    if request.method == "POST":
        with refusal_shown(None) as refused:
            with unit_of_work():
                decision = drafting.draft(
                    _user(), kind=values.get("kind", ""), summary=values.get("summary", ""),
                    body=values.get("body"), signer_id=int(values.get("signer_id") or 0),
                    issuer_id=int(values["issuer_id"]) if values.get("issuer_id") else None,
                    authority=values.get("authority"), recipients=values.get("recipients"),
                    recipient_organisation_ids=values["recipient_organisation_ids"],
                    **source)
            flash(_("The draft was created; its PDF is being prepared."), "success")
            return redirect(url_for("decisions.show", decision_id=decision.id))
        error = refused.message
    else:
        basis = None
        with refusal_shown(None) as refused:
            basis = drafting.basis_for(_user(), **source)
        error = refused.message
        values = {"body": basis.body if basis else "",
                  "kind": "thong_bao_ket_luan" if "meeting_id" in source else "quyet_dinh"}
    return render_template("decisions/new.html", values=values, error=error, source=source,
                           kinds=layout.KINDS, signers=_signers(),
                           organisations=_organisations()), 422 if error else 200


@bp.route("/register")
@login_required
def register():
    """The register of outgoing documents of a year, with its exports."""
    register_book.require_reader(_user())
    criteria = filters.parse(RegisterFilterSchema(), request.args)
    paging = Pager.from_request()
    rows = register_book.rows_of(_user(), paging.rows(register_book.issued_query(**criteria)))
    return render_template("decisions/register.html", filters=criteria, year=criteria["year"],
                           years=register_book.years(), rows=rows, paging=paging)
