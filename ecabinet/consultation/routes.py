"""Pages of consultation rounds: the list, opening a round, commenting (reviewers), answering
(the drafting side), closing, and comparing two versions of a draft."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ecabinet.consultation import access, services
from ecabinet.consultation.forms import AnswerForm, CommentForm, ReplyForm, RoundForm
from ecabinet.consultation.table import anchor_label
from ecabinet.database import unit_of_work
from ecabinet.docs import access as docs_access
from ecabinet.i18n import VIETNAM
from ecabinet.identity.access import login_required
from ecabinet.web import refusal_shown

bp = Blueprint("consultation", __name__, template_folder="templates")


def _user():
    return current_user._get_current_object()


@bp.app_template_filter("anchor_label")
def _anchor_label(anchor: str) -> str:
    parts = anchor.split(":", 1)
    if len(parts) == 2 and parts[1].isdigit():
        return _("Paragraph %(n)s", n=parts[1]) if parts[0] == "p" else \
            _("Page %(n)s", n=parts[1])
    return anchor_label(anchor)


@bp.route("/consultation")
@login_required
def index():
    user = _user()
    return render_template("consultation/index.html", rounds=access.rounds_for(user),
                           can_open=bool(access.drafting_documents(user)),
                           role_of=lambda r: access.role_of(user, r),
                           accepting=services.accepting_comments)


@bp.route("/consultation/new", methods=["GET", "POST"])
@login_required
def new():
    user = _user()
    documents = access.drafting_documents(user)
    form = RoundForm()
    form.document_id.choices = [
        (d.id, _("%(title)s — version %(n)d", title=d.title, n=d.latest.number))
        for d in documents if d.latest is not None]
    form.reviewer_ids.choices = [
        (u.id, u.name + (f" — {u.title}" if u.title else "")
         + (f" ({u.organisation.name})" if u.organisation else ""))
        for u in services.candidate_reviewers() if u.id != user.id]
    if request.method == "GET" and (request.args.get("document_id", type=int) or 0) > 0:
        form.document_id.data = request.args.get("document_id", type=int)
    if form.validate_on_submit():
        with refusal_shown(None) as refused:
            document = docs_access.document_for(user, form.document_id.data)
            with unit_of_work():
                round_ = services.create_round(
                    user, document, version_number=document.latest.number,
                    reviewer_ids=form.reviewer_ids.data,
                    deadline=form.deadline.data.replace(tzinfo=VIETNAM),
                    title=form.title.data)
            flash(_("The draft was sent to the reviewers."), "success")
            return redirect(url_for("consultation.answers", round_id=round_.id))
        form.deadline.errors = [*form.deadline.errors, refused.message]
    status = 422 if form.errors else 200
    return render_template("consultation/new.html", form=form, has_documents=bool(documents)), \
        status


def _show(round_, *, failed: dict | None = None, status: int = 200):
    user = _user()
    threads = access.threads_for(user, round_) if access.is_reviewer(user, round_) else []
    by_anchor: dict[str, list] = {}
    for comment in threads:
        if comment.author_id == user.id:
            by_anchor.setdefault(comment.anchor, []).append(comment)
    readable = [version.number for version in access.readable_versions(user, round_.document)]
    newer = services.newer_version(round_)
    return render_template(
        "consultation/show.html", round=round_, units=services.units(round_.version),
        by_anchor=by_anchor, reviewer=access.is_reviewer(user, round_),
        comparable=len(readable) > 1, newer_version=newer,
        newer_readable=newer in readable and round_.version.number in readable,
        drafting=access.is_drafting_side(user, round_.document),
        accepting=services.accepting_comments(round_), failed=failed or {},
        comment_form=CommentForm(), reply_form=ReplyForm()), status


@bp.route("/consultation/rounds/<int:round_id>")
@login_required
def show(round_id: int):
    """The draft, paragraph by paragraph (page by page), each with "Góp ý"."""
    return _show(access.round_for(_user(), round_id))


@bp.route("/consultation/rounds/<int:round_id>/comments", methods=["POST"])
@login_required
def comment(round_id: int):
    round_ = access.round_for(_user(), round_id)
    form = CommentForm()
    anchor = form.anchor.data or ""
    if not form.validate_on_submit():
        message = next(iter(form.text.errors or form.anchor.errors), _("Write something first."))
        return _show(round_, failed={"anchor": anchor, "text": form.text.data or "",
                                     "message": message}, status=422)
    with refusal_shown(None) as refused, unit_of_work():
        services.add_comment(_user(), round_, anchor=anchor, text=form.text.data)
    if refused:
        return _show(round_, failed={"anchor": anchor, "text": form.text.data,
                                     "message": refused.message}, status=refused.status)
    flash(_("Your comment was sent."), "success")
    return redirect(url_for("consultation.show", round_id=round_.id, _anchor=_dom_id(anchor)))


def _dom_id(anchor: str) -> str:
    return "unit-" + anchor.replace(":", "-")


@bp.route("/consultation/comments/<int:comment_id>/replies", methods=["POST"])
@login_required
def reply(comment_id: int):
    comment_ = access.comment_for(_user(), comment_id)
    form = ReplyForm()
    endpoint = "consultation.answers" if form.back.data == "answers" else "consultation.show"
    target = url_for(endpoint, round_id=comment_.round_id,
                     _anchor=f"comment-{(comment_.parent_id or comment_.id)}")
    if not form.validate_on_submit():
        flash(_("Write something first."), "error")
        return redirect(target)
    with refusal_shown():
        with unit_of_work():
            services.reply(_user(), comment_, text=form.text.data)
        flash(_("Your reply was sent."), "success")
    return redirect(target)


@bp.route("/consultation/rounds/<int:round_id>/answers")
@login_required
def answers(round_id: int):
    """The drafting side's page: every comment with its answer form."""
    round_ = access.round_for(_user(), round_id)
    access.require_drafting_side(_user(), round_.document)
    return _answers(round_)


def _answers(round_, *, failed: dict | None = None, status: int = 200):
    threads = access.threads_for(_user(), round_)
    forms = {}
    for thread in threads:
        answer = thread.answer
        forms[thread.id] = AnswerForm(
            formdata=None, prefix=f"c{thread.id}",
            kind=answer.kind if answer else None, text=answer.text if answer else None)
    if failed:
        form = forms[failed["comment_id"]]
        form.kind.data, form.text.data = failed["kind"], failed["text"]
        form.text.errors = [failed["message"]]
    unanswered = sum(1 for thread in threads if thread.answer is None)
    return render_template("consultation/answers.html", round=round_, threads=threads,
                           labels=services.labels_of(round_.version),
                           comparable=len(round_.document.versions) > 1,
                           forms=forms, reply_form=ReplyForm(), unanswered=unanswered,
                           reviewers=round_.reviewers,
                           commented={t.author_id for t in threads}), status


@bp.route("/consultation/comments/<int:comment_id>/answer", methods=["POST"])
@login_required
def answer(comment_id: int):
    comment_ = access.comment_for(_user(), comment_id)
    round_ = comment_.round
    access.require_drafting_side(_user(), round_.document)
    form = AnswerForm(prefix=f"c{comment_.id}")
    failed = {"comment_id": comment_.id, "kind": form.kind.data, "text": form.text.data}
    if not form.validate_on_submit():
        errors = form.kind.errors or form.text.errors or [_("Write something first.")]
        return _answers(round_, failed={**failed, "message": errors[0]}, status=422)
    with refusal_shown(None) as refused, unit_of_work():
        services.answer_comment(_user(), comment_, kind=form.kind.data, text=form.text.data)
    if refused:
        return _answers(round_, failed={**failed, "message": refused.message},
                        status=refused.status)
    flash(_("The answer was saved."), "success")
    return redirect(url_for("consultation.answers", round_id=round_.id,
                            _anchor=f"comment-{comment_.id}"))


@bp.route("/consultation/rounds/<int:round_id>/close", methods=["POST"])
@login_required
def close(round_id: int):
    round_ = access.round_for(_user(), round_id)
    access.require_drafting_side(_user(), round_.document)
    with refusal_shown():
        with unit_of_work():
            services.close_round(_user(), round_)
        flash(_("The consultation round is closed."), "success")
    return redirect(url_for("consultation.answers", round_id=round_.id))


@bp.route("/consultation/documents/<int:document_id>/superseded", methods=["GET", "POST"])
@login_required
def superseded(document_id: int):
    """After a new version: for each round still open on an earlier one, keep it or move it to
    the new version (the same reviewers are asked again)."""
    document = access.document_for(_user(), document_id)
    access.require_drafting_side(_user(), document)
    if request.method == "POST":
        round_ = access.round_for(_user(), request.form.get("round_id", type=int) or 0)
        if round_.document_id != document.id:
            return redirect(url_for("consultation.superseded", document_id=document.id))
        if request.form.get("choice") == "move":
            with refusal_shown():
                with unit_of_work():
                    moved = services.move_round(_user(), round_)
                flash(_("The reviewers are now asked about version %(n)d.",
                        n=moved.version.number), "success")
                return redirect(url_for("consultation.answers", round_id=moved.id))
        else:
            with refusal_shown():
                with unit_of_work():
                    services.keep_round(_user(), round_)
                flash(_("The round on version %(n)d stays open until its deadline; its "
                        "reviewers are told that version %(newer)d exists.",
                        n=round_.version.number, newer=round_.document.latest.number),
                      "success")
            return redirect(url_for("consultation.superseded", document_id=document.id))
    rounds = services.superseded_rounds(document)
    if not rounds:
        return redirect(url_for("documents.show", document_id=document.id))
    return render_template("consultation/superseded.html", document=document, rounds=rounds)


@bp.route("/consultation/documents/<int:document_id>/compare")
@login_required
def compare(document_id: int):
    """Two versions side by side in one column: deleted and inserted text marked."""
    document = access.document_for(_user(), document_id)
    numbers = [version.number for version in access.readable_versions(_user(), document)]
    asked_old, asked_new = request.args.get("from", type=int), request.args.get("to", type=int)
    if len(numbers) < 2 and asked_old is None and asked_new is None:
        return render_template("consultation/compare.html", document=document,
                               numbers=numbers, comparison=None)
    # A version the caller may not read answers 404 from compare_versions, as if absent.
    old = asked_old or (numbers[-2] if len(numbers) > 1 else numbers[0])
    new = asked_new or numbers[-1]
    if old == new:
        return render_template("consultation/compare.html", document=document,
                               numbers=numbers, comparison={"old": old, "new": new},
                               groups=[], error=_("Choose two different versions.")), 422
    comparison = services.compare_versions(_user(), document, old, new)
    return render_template("consultation/compare.html", document=document, numbers=numbers,
                           comparison=comparison, groups=_collapse_unchanged(comparison["blocks"]))


#: Runs of at least this many unchanged paragraphs fold away on the comparison page.
_FOLD = 4


def _collapse_unchanged(blocks: list[dict]) -> list[tuple[str, list[dict]]]:
    """("changed", [block]) for each change, ("same", blocks) for a long unchanged run."""
    groups: list[tuple[str, list[dict]]] = []
    run: list[dict] = []

    def flush():
        if len(run) >= _FOLD:
            groups.append(("same", list(run)))
        else:
            groups.extend(("block", [block]) for block in run)
        run.clear()

    for block in blocks:
        if block["op"] == "equal":
            run.append(block)
            continue
        flush()
        groups.append(("block", [block]))
    flush()
    return groups
