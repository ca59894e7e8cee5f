"""The clerk's pages: the incoming register (filters, .xlsx), a document with its exchange
history and its next step, the quarantine; and the leader's "to assign" list on the
dashboard. Thin: load (404) → check access (403) → call the workflow → render or redirect."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ecabinet.dashboard.sections import DashboardItem
from ecabinet.database import unit_of_work
from ecabinet.extensions import db
from ecabinet.i18n import page_datetime
from ecabinet.identity.access import login_required
from ecabinet.identity.models import Organisation, User
from ecabinet.interchange.incoming import access, export, meeting, queries, workflow
from ecabinet.interchange.incoming.models import IncomingState
from ecabinet.interchange.incoming.schemas import IncomingRegisterArgsSchema
from ecabinet.registers import exports, filters
from ecabinet.web import Pager, refusal_shown

bp = Blueprint("incoming", __name__, template_folder="templates")


def _user():
    return current_user._get_current_object()


def to_assign_items(user) -> list[DashboardItem]:
    return [DashboardItem(
        title=f"{d.symbol} — {d.subject}",
        url=url_for("incoming.show", document_id=d.id),
        detail=_("No. %(number)s/%(year)s from %(sender)s, %(when)s", number=d.number,
                 year=d.year, sender=d.sender_name, when=page_datetime(d.received_at)),
        badge=_("To assign")) for d in workflow.to_assign(user)]


@bp.route("/interchange/incoming")
@login_required
def index():
    criteria = filters.parse(IncomingRegisterArgsSchema(), request.args)
    query = queries.register_query(_user(), **criteria)
    if criteria.format:
        year = criteria["year"]
        title = "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN" + (f" NĂM {year}" if year else "")
        documents = list(db.session.scalars(query.limit(10_000)))
        return exports.download(export.table(documents, title), criteria.format,
                                "so-van-ban-den")
    paging = Pager.from_request()
    senders = db.session.scalars(select(Organisation).where(Organisation.identifier.is_not(None))
                                 .order_by(Organisation.name)).all()
    return render_template("incoming/index.html", documents=paging.rows(query), paging=paging,
                           filters=criteria, states=list(IncomingState), senders=senders,
                           years=range(datetime.now(UTC).year, 2018, -1),
                           keeps_register=access.keeps_register(_user()))


@bp.route("/interchange/incoming/quarantine")
@login_required
def quarantine():
    paging = Pager.from_request()
    return render_template("incoming/quarantine.html",
                           rows=paging.rows(queries.quarantine_query(_user())), paging=paging)


@bp.route("/interchange/incoming/<int:document_id>")
@login_required
def show(document_id: int):
    user = _user()
    document = access.get_readable(user, document_id)
    leaders = [u for u in db.session.scalars(select(User).order_by(User.name))
               if access.is_leader(u)] if access.is_clerk(user) else []
    units = db.session.scalars(select(Organisation).order_by(Organisation.name)).all() \
        if access.can_assign(user, document) else []
    return render_template(
        "incoming/show.html", document=document, trace=json.loads(document.trace or "[]"),
        can={"accept": access.is_clerk(user), "assign": access.can_assign(user, document),
             "report": access.can_report(user, document)},
        leaders=leaders, units=units, people=_people(units))


def _people(units) -> list[User]:
    return db.session.scalars(select(User).order_by(User.name).limit(500)).all() if units else []


def _id(name: str) -> int | None:
    return request.form.get(name, type=int) or None


def _deadline() -> date | None:
    text = request.form.get("deadline") or ""
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


STEPS = {
    "accept": lambda d, u: workflow.accept(d, u, leader_id=_id("leader_id"),
                                           note=request.form.get("note", "")[:2000]),
    "assign": lambda d, u: workflow.assign(
        d, u, organisation_id=_id("organisation_id"), user_id=_id("user_id"),
        deadline=_deadline(), direction=request.form.get("direction", "")[:5000]),
    "handle": lambda d, u: workflow.handle(d, u, note=request.form.get("note", "")[:2000]),
    "done": lambda d, u: workflow.done(d, u, note=request.form.get("note", "")[:2000]),
    "refuse": lambda d, u: workflow.refuse(d, u, reason=request.form.get("reason", "")[:2000]),
    "attach": lambda d, u: meeting.attach_to_item(
        d, u, agenda_item_id=_id("agenda_item_id") or 0),
}


@bp.route("/interchange/incoming/<int:document_id>/<any(accept, assign, handle, done, refuse,"
          " attach):step>", methods=["POST"])
@login_required
def act(document_id: int, step: str):
    with refusal_shown():
        with unit_of_work():
            document = access.get_readable(_user(), document_id)
            STEPS[step](document, _user())
        flash(_("Saved; the sender is told."), "success")
    return redirect(url_for("incoming.show", document_id=document_id))


@bp.route("/interchange/incoming/<int:document_id>/files/<int:position>")
@login_required
def file(document_id: int, position: int):
    from ecabinet import storage
    from ecabinet.errors import NotFound

    document = access.get_readable(_user(), document_id)
    attachment = next((a for a in document.attachments if a.position == position), None)
    if attachment is None or attachment.sha256 is None:
        raise NotFound(_("No such file."))
    return Response(storage.get(attachment.sha256), mimetype=attachment.content_type
                    if attachment.content_type == "application/pdf"
                    else "application/octet-stream",
                    headers={"Content-Disposition": "attachment; filename=van-ban-den.pdf"
                             if attachment.content_type == "application/pdf"
                             else "attachment; filename=tep-dinh-kem"})
