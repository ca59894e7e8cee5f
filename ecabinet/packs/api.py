"""/api/v1 for meeting packs and read receipts. Thin: load (404) → check (403) → act."""

from __future__ import annotations

import io

from flask import jsonify, send_file
from flask_login import current_user

from ecabinet.api import MultipartBlueprint
from ecabinet.database import unit_of_work
from ecabinet.docs.validation import PDF_MIME
from ecabinet.identity.access import login_required
from ecabinet.packs import access, services
from ecabinet.packs.schemas import MeetingReadsSchema, PackStatusSchema

blp = MultipartBlueprint("packs_api", __name__, url_prefix="/api/v1",
                         description="Meeting packs (one PDF per meeting and reader) and read "
                                     "receipts")


def _user():
    return current_user._get_current_object()


def send_copy(copy: services.ReaderCopy, *, as_attachment: bool = True):
    """A reader's copy: never cached by a browser or proxy (it carries their name), and never
    served in ranges (each download is a new copy: two ranges could come from two copies)."""
    response = send_file(io.BytesIO(copy.data), mimetype=PDF_MIME, as_attachment=as_attachment,
                         download_name=copy.filename, etag=False, conditional=False)
    response.headers["Cache-Control"] = "private, no-store"
    return response


#: Seconds a client waits before asking again about a pack being built.
POLL_SECONDS = 1


def status_answer(status: services.PackStatus, code: int = 200):
    response = jsonify(PackStatusSchema().dump(status))
    response.status_code = code
    response.headers["Cache-Control"] = "no-store"
    if status.state == services.BUILDING:
        response.headers["Retry-After"] = str(POLL_SECONDS)
    return response


@blp.route("/meetings/<int:meeting_id>/pack")
@login_required
@blp.alt_response(200, schema={"type": "string", "format": "binary"}, content_type=PDF_MIME,
                  description="the caller's copy of the meeting pack", success=True)
@blp.alt_response(202, schema=PackStatusSchema, success=True,
                  description="the pack is being built in the job queue (or its build failed): "
                              "ask again after Retry-After seconds")
@blp.alt_response(404, description="no such meeting, or not one the caller may see")
def pack(meeting_id: int):
    """The meeting pack as the caller may read it: cover, agenda, then the documents of each
    agenda item they see, with an outline and page labels. Confidential documents carry the
    caller's name and the time of the download on every page. Counts as opening each document
    in it. A pack not built yet is built in the job queue: the answer is then 202 with the
    build's progress."""
    meeting = access.meeting_for(_user(), meeting_id)
    with unit_of_work():
        copy = services.reader_pack(_user(), meeting)
    if isinstance(copy, services.PackStatus):
        return status_answer(copy, 202)
    return send_copy(copy)


@blp.route("/meetings/<int:meeting_id>/pack/status")
@login_required
@blp.response(200, PackStatusSchema)
@blp.alt_response(404, description="no such meeting, or not one the caller may see")
def pack_status(meeting_id: int):
    """Whether the caller's pack is ready, and how far its build is (which it starts when
    needed). Nothing is downloaded, nothing counts as read."""
    meeting = access.meeting_for(_user(), meeting_id)
    with unit_of_work():
        status = services.pack_status(_user(), meeting)
    return status_answer(status)


@blp.route("/meetings/<int:meeting_id>/reads")
@login_required
@blp.response(200, MeetingReadsSchema)
@blp.alt_response(403, description="not the secretariat")
def reads(meeting_id: int):
    """For each document of the agenda, who may read it and whether they have opened its
    latest version (the secretariat)."""
    meeting = access.meeting_for(_user(), meeting_id)
    access.require_reads_report(_user(), meeting)
    return {"meeting_id": meeting.id, "documents": services.reads_report(_user(), meeting)}
