"""The page of a meeting's minutes (biên bản) and conclusions notice (thông báo kết luận).

The secretariat generates a version from the session record, uploads an edited .docx as the next
version and locks the final one; the chair reads every version; members read the locked ones they
may see (the rules live in :mod:`ecabinet.meetings.minutes`). Thin: load (404) → check (403) →
service inside one unit of work → flash and redirect. Downloads go through the API route, which
accepts the session cookie.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from ecabinet.database import unit_of_work
from ecabinet.errors import Conflict, Forbidden, Invalid, NotFound
from ecabinet.i18n import in_vietnam, vietnamese_date
from ecabinet.identity.access import login_required
from ecabinet.meetings import access
from ecabinet.meetings.forms import KIND_LABELS, STATUS_LABELS, label
from ecabinet.meetings.minutes import services as minutes
from ecabinet.meetings.minutes import uploads
from ecabinet.meetings.models import MeetingStatus, MinutesKind, MinutesSource
from ecabinet.web import refusal_shown

bp = Blueprint("minutes", __name__, template_folder="templates")

#: The two documents, in the order the page shows them.
KINDS = (MinutesKind.MINUTES, MinutesKind.CONCLUSIONS)
TITLES = {MinutesKind.MINUTES: _l("Minutes"),
          MinutesKind.CONCLUSIONS: _l("Conclusions notice")}
#: The same, inside a sentence ("Version 2 of the minutes …").
NAMES = {MinutesKind.MINUTES: _l("the minutes"),
         MinutesKind.CONCLUSIONS: _l("the conclusions notice")}
SOURCES = {MinutesSource.GENERATED: _l("Generated from the session record"),
           MinutesSource.UPLOADED: _l("Uploaded after editing")}


class MinutesUploadForm(FlaskForm):
    """One per document on the page, told apart by its prefix (the kind)."""

    file = FileField(_l("Word document (.docx)"),
                     validators=[FileRequired(message=_l("Choose a Word document (.docx)."))])


def _user():
    return current_user._get_current_object()


def _kind(value: str) -> MinutesKind:
    try:
        return MinutesKind(value)
    except ValueError:
        raise NotFound(_("No such document.")) from None


def _organised(meeting_id: int):
    """A meeting the user may see (else 404) and whose paperwork they keep (else 403)."""
    meeting = access.meeting_for(_user(), meeting_id)
    access.require_organiser(_user(), meeting)
    return meeting


def _back(meeting, kind: MinutesKind):
    return redirect(url_for("minutes.show", meeting_id=meeting.id) + f"#{kind.value}")


def _file_size(size: int) -> str:
    if size < 1024:
        return _("%(n)s bytes", n=format_decimal(size))
    if size < 1024 * 1024:
        return _("%(n)s KB", n=format_decimal(round(size / 1024, 1)))
    return _("%(n)s MB", n=format_decimal(round(size / 2**20, 1)))


def _when(value) -> str:
    """"14:30, ngày 23 tháng 11 năm 2026", in Viet Nam's time (as the meeting pages write it)."""
    local = in_vietnam(value)
    return f"{local:%H:%M}, {vietnamese_date(local)}"


@bp.context_processor
def _words():
    return {"status_label": lambda value: label(STATUS_LABELS, value),
            "kind_label": lambda value: label(KIND_LABELS, value),
            "source_label": lambda value: label(SOURCES, value),
            "file_size": _file_size,
            "local_time": in_vietnam,
            "when": _when}


@bp.app_template_global()
def minutes_readable(meeting) -> bool:
    """For the meeting room: may the signed-in user read a version of this meeting's minutes?"""
    return bool(minutes.visible_versions(_user(), meeting))


def _page(meeting, *, forms: dict | None = None):
    user = _user()
    may_edit = access.is_organiser(user, meeting)
    reads_drafts = may_edit or access.is_chair(user, meeting)
    versions = minutes.visible_versions(user, meeting)
    if not reads_drafts and not versions:
        raise Forbidden(_("Members can read the minutes once the final version is locked; "
                          "guests cannot."))
    is_open = MeetingStatus(meeting.status) in minutes.MINUTES_OPEN
    forms = forms or {}
    sections = []
    for kind in KINDS:
        mine = [v for v in versions if v.kind == kind.value]
        locked = next((v for v in mine if v.locked_at is not None), None)
        form = forms.get(kind) or MinutesUploadForm(prefix=kind.value, formdata=None)
        sections.append({"kind": kind.value, "title": TITLES[kind], "versions": mine,
                         "locked": locked, "can_add": may_edit and is_open and locked is None,
                         "can_lock": may_edit and locked is None, "form": form})
    status = 422 if any(form.errors for form in forms.values()) else 200
    return render_template("meetings/minutes.html", meeting=meeting, sections=sections,
                           may_edit=may_edit, reads_drafts=reads_drafts, is_open=is_open,
                           max_mb=uploads.MAX_UPLOAD_BYTES // 2**20), status


@bp.route("/meetings/<int:meeting_id>/minutes")
@login_required
def show(meeting_id: int):
    return _page(access.meeting_for(_user(), meeting_id))


@bp.route("/meetings/<int:meeting_id>/minutes/<kind>/generate", methods=["POST"])
@login_required
def generate(meeting_id: int, kind: str):
    meeting = _organised(meeting_id)
    kind_value = _kind(kind)
    with refusal_shown(only=(Conflict, Invalid)):
        with unit_of_work():
            version = minutes.generate(_user(), meeting, kind_value.value)
        flash(_("Version %(n)d of %(what)s was generated from the session record.",
                n=version.number, what=NAMES[kind_value]), "success")
    return _back(meeting, kind_value)


@bp.route("/meetings/<int:meeting_id>/minutes/<kind>/upload", methods=["POST"])
@login_required
def upload(meeting_id: int, kind: str):
    """An edited .docx as the next version. A refusal (not a Word document, too large, locked
    already…) is shown on the form, and nothing is stored."""
    meeting = _organised(meeting_id)
    kind_value = _kind(kind)
    form = MinutesUploadForm(prefix=kind_value.value)
    if form.validate_on_submit():
        sent = form.file.data
        data = sent.stream.read(uploads.MAX_UPLOAD_BYTES + 1)
        with refusal_shown(form.file.errors.append, passing=(403,)):
            with unit_of_work():
                version = minutes.upload(_user(), meeting, kind_value.value, data, sent.filename)
            flash(_("Version %(n)d of %(what)s was uploaded.", n=version.number,
                    what=NAMES[kind_value]), "success")
            return _back(meeting, kind_value)
    return _page(meeting, forms={kind_value: form})


@bp.route("/meetings/<int:meeting_id>/minutes/<kind>/<int:number>/lock", methods=["POST"])
@login_required
def lock(meeting_id: int, kind: str, number: int):
    meeting = _organised(meeting_id)
    kind_value = _kind(kind)
    with refusal_shown(only=(Conflict, Invalid, NotFound)):
        with unit_of_work():
            version = minutes.lock(_user(), meeting, kind_value.value, number)
        flash(_("Version %(n)d of %(what)s is locked as the final version.",
                n=version.number, what=NAMES[kind_value]), "success")
    return _back(meeting, kind_value)
