"""Pages of written polls: the list, answering, and (the secretariat) sending and closing."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ecabinet.database import unit_of_work
from ecabinet.errors import DomainError
from ecabinet.i18n import VIETNAM
from ecabinet.identity.access import login_required, roles_required
from ecabinet.identity.models import Role
from ecabinet.notify import mail
from ecabinet.polls import access, services
from ecabinet.polls.forms import PollForm, ResponseForm
from ecabinet.web import Pager, refusal_shown

bp = Blueprint("polls", __name__, template_folder="templates")


def _user():
    return current_user._get_current_object()


@bp.route("/polls")
@login_required
def index():
    paging = Pager.from_request()
    return render_template("polls/index.html", polls=paging.rows(services.polls_query(_user())),
                           paging=paging, is_overdue=services.is_overdue)


@bp.route("/polls/new", methods=["GET", "POST"])
@roles_required(Role.SECRETARIAT)
def new():
    form = PollForm()
    members = services.chair_candidates()
    form.chair_id.choices = [(0, _("the secretariat only"))] + [
        (user.id, user.name) for user in members]
    form.recipient_ids.choices = [(user.id, user.name) for user in members]
    if request.method == "GET":
        form.recipient_ids.data = [user.id for user in members]
    if request.form.get("without_signed_ballots"):
        # The warning's one-click way out: the same poll, without the requirement.
        form.signed_ballots.data = False
    keyless = []
    if form.validate_on_submit():
        with refusal_shown(None) as refused:
            with unit_of_work():
                poll = services.create_poll(
                    _user(), question=form.question.data, summary=form.summary.data or None,
                    deadline=form.deadline.data.replace(tzinfo=VIETNAM),
                    missing_counts_as=form.missing_counts_as.data,
                    signed_ballots=form.signed_ballots.data, chair_id=form.chair_id.data or None,
                    recipient_ids=form.recipient_ids.data or None)
            flash(_("The poll was sent to %(n)d recipients (on their dashboard%(mail)s).",
                    n=len(poll.recipients), mail=_(" and by e-mail") if mail.enabled() else ""),
                  "success")
            return redirect(url_for("polls.show", poll_id=poll.id))
        _field_for(form, refused.error).errors.append(refused.message)
        if refused.error.code == "recipients_without_key":
            keyless = refused.error.details["recipient_ids"]
    return render_template("polls/new.html", form=form, keyless=keyless), \
        422 if form.errors else 200


def _answer_words() -> dict[str, str]:
    return {"agree": _("Agree"), "disagree": _("Disagree"), "other": _("Other opinion")}


def _outcome_words() -> dict[str, str]:
    return {"agreed": _("Agreed by a majority of the members"),
            "not_agreed": _("Not agreed by a majority of the members"),
            "pending": _("Not final: the poll is still open")}


def _field_for(form: PollForm, exc: DomainError):
    """The form field a refusal is about."""
    fields = {"recipients_without_key": form.signed_ballots}
    details = exc.details or {}
    for name in ("recipient_ids", "chair_id", "question", "missing_counts_as"):
        if name in details:
            fields.setdefault(exc.code, getattr(form, name))
    return fields.get(exc.code, form.deadline)


@bp.route("/polls/<int:poll_id>/remind", methods=["POST"])
@roles_required(Role.SECRETARIAT)
def remind(poll_id: int):
    """Remind now every recipient who has not answered (the dashboard, e-mail if configured)."""
    poll = access.poll_for(_user(), poll_id)
    with refusal_shown():
        with unit_of_work():
            reminded = services.remind_now(_user(), poll)
        flash(_("Reminded %(n)d members.", n=len(reminded)), "success")
    return redirect(url_for("polls.show", poll_id=poll.id))


@bp.route("/polls/<int:poll_id>", methods=["GET", "POST"])
@login_required
def show(poll_id: int):
    poll = access.poll_for(_user(), poll_id)
    mine = poll.response_of(_user().id)
    form = ResponseForm(answer=mine.answer if mine else None,
                        comment=mine.comment if mine else None)
    if poll.recipient(_user().id) is not None and form.validate_on_submit():
        with refusal_shown(None) as refused:
            with unit_of_work():
                services.respond(_user(), poll, answer=form.answer.data,
                                 comment=form.comment.data or None, pin=form.pin.data or None)
            flash(_("Your answer was recorded."), "success")
            return redirect(url_for("polls.show", poll_id=poll.id))
        about_pin = refused.error.code in ("pin_required", "wrong_pin", "pin_locked")
        (form.pin if about_pin else form.answer).errors.append(refused.message)
    is_secretariat = access.runs_polls(_user())
    return render_template("polls/show.html", poll=poll, form=form, mine=mine,
                           dossier=services.dossier_of(poll),
                           attachable=services.attachable_documents(_user(), poll)
                           if is_secretariat and poll.status == "open" else [],
                           result=services.result_of(poll)
                           if access.sees_result(_user(), poll) else None,
                           overdue=services.is_overdue(poll),
                           answer_words=_answer_words(), outcome_words=_outcome_words(),
                           missing=services.missing_recipients(poll)
                           if access.reads_all_answers(_user(), poll) else None,
                           is_secretariat=is_secretariat), \
        422 if form.errors else 200


@bp.route("/polls/<int:poll_id>/documents", methods=["POST"])
@roles_required(Role.SECRETARIAT)
def attach_document(poll_id: int):
    poll = access.poll_for(_user(), poll_id)
    with refusal_shown():
        with unit_of_work():
            services.attach_document(_user(), poll, request.form.get("document_id", type=int) or 0)
        flash(_("The document was added to the dossier."), "success")
    return redirect(url_for("polls.show", poll_id=poll.id))


@bp.route("/polls/<int:poll_id>/close", methods=["POST"])
@roles_required(Role.SECRETARIAT)
def close(poll_id: int):
    poll = access.poll_for(_user(), poll_id)
    with unit_of_work():
        services.close_poll(_user(), poll)
    flash(_("The poll is closed."), "success")
    return redirect(url_for("polls.show", poll_id=poll.id))
