"""Pages: downloading the meeting pack, and the secretariat's read receipts of a meeting.
Thin: load (404) → check (403) → service → respond."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ecabinet.database import unit_of_work
from ecabinet.i18n import in_vietnam
from ecabinet.identity.access import login_required
from ecabinet.meetings.forms import ROLE_LABELS, label
from ecabinet.packs import access, services
from ecabinet.packs.api import POLL_SECONDS, send_copy

bp = Blueprint("packs", __name__, template_folder="templates")

STATES = {"opened": _l("Opened"), "earlier": _l("Opened an earlier version only"),
          "not_opened": _l("Not opened")}
VIA = {"pack": _l("in the meeting pack"), "document": _l("the document itself")}


def _user():
    return current_user._get_current_object()


@bp.route("/meetings/<int:meeting_id>/pack.pdf")
@login_required
def download(meeting_id: int):
    """The pack when it is built; else a page showing its build's progress, which downloads it
    once ready (202: nothing to save yet)."""
    meeting = access.meeting_for(_user(), meeting_id)
    with unit_of_work():
        copy = services.reader_pack(_user(), meeting)
    if isinstance(copy, services.PackStatus):
        config = {"status_url": url_for("packs_api.pack_status", meeting_id=meeting.id),
                  "pdf_url": url_for("packs.download", meeting_id=meeting.id),
                  "poll_seconds": POLL_SECONDS}
        page = render_template("packs/building.html", meeting=meeting, status=copy,
                               config=config, local_time=in_vietnam)
        return page, 202, {"Cache-Control": "no-store"}
    return send_copy(copy)


@bp.route("/meetings/<int:meeting_id>/reads")
@login_required
def reads(meeting_id: int):
    meeting = access.meeting_for(_user(), meeting_id)
    access.require_reads_report(_user(), meeting)
    report = services.reads_report(_user(), meeting)
    return render_template(
        "packs/reads.html", meeting=meeting, report=report,
        unread_total=sum(len(entry.not_opened) for entry in report),
        state_label=lambda value: STATES.get(value, value),
        via_label=lambda value: VIA.get(value, value) if value else "",
        role_label=lambda value: label(ROLE_LABELS, value),
        local_time=in_vietnam)
