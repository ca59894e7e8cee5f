"""Pages of meetings: the list, preparing a meeting (the secretariat), and the meeting room where
every tablet follows the session and the chair runs it. Thin: load (404) → check (403) → service
inside one unit of work → render or redirect. The room's live part talks over /live and the API.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ecabinet.database import unit_of_work
from ecabinet.errors import Conflict, Invalid, NotFound
from ecabinet.i18n import in_vietnam
from ecabinet.identity import services as identity
from ecabinet.identity.access import login_required
from ecabinet.meetings import access, notices, queries, room_config, services, state, voting
from ecabinet.meetings.forms import (
    KIND_LABELS,
    ROLE_LABELS,
    RULE_LABELS,
    STATUS_LABELS,
    AgendaItemForm,
    InviteForm,
    MeetingForm,
    TransitionForm,
    label,
    user_choices,
)
from ecabinet.meetings.models import MeetingStatus
from ecabinet.web import Pager, refusal_shown

bp = Blueprint("meetings", __name__, template_folder="templates")

#: What the secretariat is told after each step of the lifecycle.
TRANSITION_DONE = {
    MeetingStatus.DRAFT: _l("The meeting is back in draft: members no longer see it."),
    MeetingStatus.IN_SESSION: _l("The session is open."),
    MeetingStatus.ADJOURNED: _l("The session is adjourned."),
    MeetingStatus.CLOSED: _l("The meeting has ended."),
}


def _user():
    return current_user._get_current_object()


def _done_message(meeting) -> str:
    """What the secretariat is told, truthfully: what was done, not what may happen. The
    invitation is on every invitee's home page; e-mail (only when SMTP is configured) is
    queued, and leaves after the commit: whether it did is shown beside each invitee."""
    if meeting.status != MeetingStatus.PUBLISHED:
        return str(TRANSITION_DONE[MeetingStatus(meeting.status)])
    told, mailed = notices.invitations_told(meeting)
    if mailed:
        return _("The meeting is published: the invitation is on the home page of its "
                 "%(n)d invitees; e-mail to %(m)d of them is queued (whether it left is shown "
                 "beside each invitee).", n=told, m=mailed)
    return _("The meeting is published: the invitation is on the home page of its %(n)d "
             "invitees (no e-mail is sent: no mail server is configured).", n=told)


#: The e-mail's state beside each invitee (meetings/prepare.html); why one failed, by the
#: reason's kind (:mod:`ecabinet.notify.deliveries`).
MAIL_FAILURES = {
    "unreachable": _l("the mail server could not be reached"),
    "login_refused": _l("the mail server refused the app's sign-in"),
    "address_refused": _l("the address was refused"),
    "refused": _l("the mail server refused it"),
}


def _mail_words(row) -> str:
    if row.state == "queued":
        return _("E-mail waiting to be sent")
    when = in_vietnam(row.attempted_at).strftime("%H:%M %d/%m")
    if row.state == "sent":
        return _("E-mail sent at %(when)s", when=when)
    from ecabinet.notify.deliveries import reason_code

    why = MAIL_FAILURES.get(reason_code(row.reason), MAIL_FAILURES["refused"])
    return _("E-mail not sent at %(when)s: %(why)s", when=when, why=why)


def _organised(meeting_id: int):
    """A meeting the user may see (else 404) and prepares (else 403)."""
    meeting = access.meeting_for(_user(), meeting_id)
    access.require_organiser(_user(), meeting)
    return meeting


def _opened(meeting):
    """The user opened the meeting: their first look since publication is recorded (a write
    only then), and the notice of changes they had not seen is cleared. Returns since when
    the meeting had changed unseen (None: nothing new), for the page to say so once."""
    participant = meeting.participant(_user().id)
    unseen = notices.unseen_change(participant)
    if notices.needs_recording(_user(), meeting):
        with unit_of_work():
            notices.record_opened(_user(), meeting)
    return unseen


def _item_of(meeting, item_id: int):
    item = access.item_for(_user(), item_id)
    if item.meeting_id != meeting.id:
        raise NotFound(_("No such agenda item."))
    return item


@bp.context_processor
def _words():
    return {"status_label": lambda value: label(STATUS_LABELS, value),
            "kind_label": lambda value: label(KIND_LABELS, value),
            "role_label": lambda value: label(ROLE_LABELS, value),
            "rule_label": lambda value: label(RULE_LABELS, value),
            "rule_labels": RULE_LABELS,
            "local_time": in_vietnam}


# --- the list, creating and changing a meeting ---------------------------------------------------

@bp.route("/meetings")
@login_required
def index():
    paging = Pager.from_request()
    return render_template("meetings/index.html",
                           meetings=paging.rows(services.meetings_query(_user())),
                           paging=paging, can_create=access.is_organiser(_user()))


@bp.route("/meetings/new", methods=["GET", "POST"])
@login_required
def new():
    access.require_organiser(_user())
    form = MeetingForm()
    if form.validate_on_submit():
        with refusal_shown(form.title.errors.append):
            with unit_of_work():
                meeting = services.create_meeting(_user(), **form.values())
            flash(_("The meeting was created as a draft. Now build its agenda and invite its "
                    "participants."), "success")
            return redirect(url_for("meetings.prepare", meeting_id=meeting.id))
    return render_template("meetings/form.html", form=form, meeting=None), \
        422 if form.errors else 200


@bp.route("/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
@login_required
def edit(meeting_id: int):
    meeting = _organised(meeting_id)
    form = MeetingForm() if request.method == "POST" else MeetingForm.for_meeting(meeting)
    if form.validate_on_submit():
        with refusal_shown(form.title.errors.append):
            with unit_of_work():
                services.update_meeting(_user(), meeting, **form.values())
            flash(_("Saved."), "success")
            return redirect(url_for("meetings.prepare", meeting_id=meeting.id))
    return render_template("meetings/form.html", form=form, meeting=meeting), \
        422 if form.errors else 200


# --- preparing: agenda, participants, publication ------------------------------------------------

def _item_form(meeting, item=None, prefix: str = "") -> AgendaItemForm:
    """The item's form: the presenter is anyone active in the directory (invited or not); the
    item's invitees are chosen among the meeting's participants."""
    form = AgendaItemForm.for_item(item, prefix=prefix) if item is not None \
        else AgendaItemForm(prefix=prefix)
    form.presenter_id.choices = user_choices(
        [u for u in identity.list_users() if u.active], empty="—")
    form.invitee_ids.choices = user_choices([p.user for p in meeting.participants])
    return form


def _invite_form(meeting) -> InviteForm:
    form = InviteForm()
    invited = {p.user_id for p in meeting.participants}
    form.user_id.choices = user_choices(
        [u for u in identity.list_users() if u.active and u.id not in invited],
        empty=_("Choose a person…"))
    return form


def _prepare_page(meeting, *, item_form=None, invite_form=None):
    item_form = item_form or _item_form(meeting)
    invite_form = invite_form or _invite_form(meeting)
    status = 422 if item_form.errors or invite_form.errors else 200
    correctable = meeting.status in services.CORRECTABLE
    return render_template(
        "meetings/prepare.html", meeting=meeting, item_form=item_form, invite_form=invite_form,
        edit_form=_item_form(meeting, prefix="edit") if correctable else None,
        editable=meeting.status in services.EDITABLE, correctable=correctable,
        opened_at=lambda p: notices.opened_at(p, meeting),
        mails=notices.invitation_mails(meeting), mail_words=_mail_words,
        announced=meeting.status != MeetingStatus.DRAFT and meeting.published_at), status


@bp.route("/meetings/<int:meeting_id>/prepare")
@login_required
def prepare(meeting_id: int):
    meeting = _organised(meeting_id)
    _opened(meeting)
    return _prepare_page(meeting)


@bp.route("/meetings/<int:meeting_id>/items/<int:item_id>/edit", methods=["GET", "POST"])
@login_required
def edit_item(meeting_id: int, item_id: int):
    """One item's form (the page without a script; with one, the agenda is edited in place
    through the API): every field until the meeting is closed."""
    meeting = _organised(meeting_id)
    item = _item_of(meeting, item_id)
    form = _item_form(meeting) if request.method == "POST" else _item_form(meeting, item)
    if form.validate_on_submit():
        with refusal_shown(form.title.errors.append):
            with unit_of_work():
                services.update_item(_user(), item, **form.values())
            flash(_("Item %(n)d is saved.", n=item.position), "success")
            return redirect(url_for("meetings.prepare", meeting_id=meeting.id)
                            + f"#item-row-{item.id}")
    return render_template("meetings/item_form.html", meeting=meeting, item=item, form=form,
                           correctable=meeting.status in services.CORRECTABLE), \
        422 if form.errors else 200


@bp.route("/meetings/<int:meeting_id>/items", methods=["POST"])
@login_required
def add_item(meeting_id: int):
    meeting = _organised(meeting_id)
    form = _item_form(meeting)
    if form.validate_on_submit():
        with refusal_shown(form.title.errors.append):
            with unit_of_work():
                item = services.add_item(_user(), meeting, **form.values())
            flash(_("Item %(n)d added to the agenda.", n=item.position), "success")
            return redirect(url_for("meetings.prepare", meeting_id=meeting.id) + "#agenda")
    return _prepare_page(meeting, item_form=form)


@bp.route("/meetings/<int:meeting_id>/items/<int:item_id>/move", methods=["POST"])
@login_required
def move_item(meeting_id: int, item_id: int):
    """Up or down by one: the same service as drag and drop, for keyboards and old tablets."""
    meeting = _organised(meeting_id)
    item = _item_of(meeting, item_id)
    order = [i.id for i in sorted(meeting.items, key=lambda i: i.position)]
    at = order.index(item.id)
    to = at - 1 if request.form.get("direction") == "up" else at + 1
    if 0 <= to < len(order):
        order[at], order[to] = order[to], order[at]
        with refusal_shown(only=(Conflict, Invalid)):
            with unit_of_work():
                services.reorder(_user(), meeting, order)
    return redirect(url_for("meetings.prepare", meeting_id=meeting.id) + "#agenda")


@bp.route("/meetings/<int:meeting_id>/items/<int:item_id>/remove", methods=["POST"])
@login_required
def remove_item(meeting_id: int, item_id: int):
    meeting = _organised(meeting_id)
    item = _item_of(meeting, item_id)
    with refusal_shown(only=(Conflict, Invalid)):
        with unit_of_work():
            services.remove_item(_user(), item)
        flash(_("The item was removed from the agenda."), "success")
    return redirect(url_for("meetings.prepare", meeting_id=meeting.id) + "#agenda")


@bp.route("/meetings/<int:meeting_id>/participants", methods=["POST"])
@login_required
def invite(meeting_id: int):
    meeting = _organised(meeting_id)
    form = _invite_form(meeting)
    if form.validate_on_submit():
        with refusal_shown(form.user_id.errors.append):
            with unit_of_work():
                participant = services.invite(_user(), meeting, user_id=form.user_id.data,
                                              role=form.role.data)
            flash(_("%(name)s is invited as %(role)s.", name=participant.user.name,
                    role=label(ROLE_LABELS, participant.role).lower()), "success")
            return redirect(url_for("meetings.prepare", meeting_id=meeting.id) + "#participants")
    return _prepare_page(meeting, invite_form=form)


@bp.route("/meetings/<int:meeting_id>/participants/<int:user_id>/remove", methods=["POST"])
@login_required
def uninvite(meeting_id: int, user_id: int):
    meeting = _organised(meeting_id)
    with refusal_shown(only=(Conflict, Invalid, NotFound)):
        with unit_of_work():
            services.uninvite(_user(), meeting, user_id)
        flash(_("The invitation was withdrawn."), "success")
    return redirect(url_for("meetings.prepare", meeting_id=meeting.id) + "#participants")


@bp.route("/meetings/<int:meeting_id>/status", methods=["POST"])
@login_required
def transition(meeting_id: int):
    """Publish, return to draft, open, adjourn, end. Who may do which is the service's rule
    (403 otherwise); a refusal the user can act on (no chair, no agenda) is shown as a message."""
    meeting = access.meeting_for(_user(), meeting_id)
    form = TransitionForm()
    if form.validate_on_submit():
        with refusal_shown(only=(Conflict, Invalid)):
            with unit_of_work():
                services.transition(_user(), meeting, form.to.data)
            flash(_done_message(meeting), "success")
    else:
        flash(_("Choose one of the options."), "error")
    if request.form.get("back") == "prepare" and meeting.status in services.EDITABLE:
        return redirect(url_for("meetings.prepare", meeting_id=meeting.id))
    return redirect(url_for("meetings.room", meeting_id=meeting.id))


# --- the meeting room ----------------------------------------------------------------------------

@bp.route("/meetings/<int:meeting_id>")
@login_required
def room(meeting_id: int):
    user = _user()
    meeting = access.meeting_for(user, meeting_id, options=queries.MEETING_ALONE)
    changed_since = _opened(meeting)
    queries.load_whole(meeting)  # the rules and the documents then answer from loaded rows
    items = access.visible_items(user, meeting)
    visible = {item.id for item in items}
    past_votes = [v for v in voting.votes_of(meeting)
                  if v.status == voting.CLOSED and v.item_id in visible]
    snapshot = state.snapshot_for(user, meeting)
    return render_template(
        "meetings/room.html", meeting=meeting, items=items, past_votes=past_votes,
        participant=meeting.participant(user.id), is_chair=access.is_chair(user, meeting),
        is_organiser=access.is_organiser(user, meeting),
        is_voter=access.is_voting_member(user, meeting),
        sees_votes=room_config.sees_votes(user, meeting), changed_since=changed_since,
        config=room_config.room_config(user, meeting, snapshot))
