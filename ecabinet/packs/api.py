"""/api/v1 for meeting packs and read receipts. Thin: load (404) → check (403) → act."""

from __future__ import annotations

import io

from flask import send_file
from flask_login import current_user

from ecabinet.api import MultipartBlueprint
from ecabinet.database import unit_of_work
from ecabinet.docs.validation import PDF_MIME
from ecabinet.identity.access import login_required
from ecabinet.meetings import access
from ecabinet.packs import services
from ecabinet.packs.schemas import MeetingReadsSchema

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


@blp.route("/meetings/<int:meeting_id>/pack")
@login_required
@blp.alt_response(200, schema={"type": "string", "format": "binary"}, content_type=PDF_MIME,
                  description="the caller's copy of the meeting pack", success=True)
@blp.alt_response(404, description="no such meeting, or not one the caller may see")
def pack(meeting_id: int):
    """The meeting pack as the caller may read it: cover, agenda, then the documents of each
    agenda item they see, with an outline and page labels. Confidential documents carry the
    caller's name and the time of the download on every page. Counts as opening each document
    in it."""
    meeting = access.meeting_for(_user(), meeting_id)
    with unit_of_work():
        copy = services.reader_pack(_user(), meeting)
    return send_copy(copy)


@blp.route("/meetings/<int:meeting_id>/reads")
@login_required
@blp.response(200, MeetingReadsSchema)
@blp.alt_response(403, description="not the secretariat")
def reads(meeting_id: int):
    """For each document of the agenda, who may read it and whether they have opened its
    latest version (the secretariat)."""
    meeting = access.meeting_for(_user(), meeting_id)
    access.require_organiser(_user(), meeting)
    return {"meeting_id": meeting.id, "documents": services.reads_report(_user(), meeting)}
