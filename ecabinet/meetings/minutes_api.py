"""/api/v1 for a meeting's minutes and conclusions notice: generate, upload an edited version,
list, download, lock the final one. Thin: load → check → act."""

from __future__ import annotations

import io

from flask import send_file, url_for
from flask_login import current_user
from flask_smorest.fields import Upload
from marshmallow import fields, validate

from ecabinet.api import MultipartBlueprint
from ecabinet.database import unit_of_work
from ecabinet.identity.access import login_required
from ecabinet.inputs import Schema
from ecabinet.meetings import access
from ecabinet.meetings.minutes import services as minutes
from ecabinet.meetings.minutes import uploads
from ecabinet.meetings.models import MinutesKind
from ecabinet.meetings.schemas import UserRefSchema

blp = MultipartBlueprint("minutes_api", __name__, url_prefix="/api/v1",
                         description="Minutes (biên bản) and conclusions notices "
                                     "(thông báo kết luận)")

_KINDS = validate.OneOf([kind.value for kind in MinutesKind])


class MinutesVersionSchema(Schema):
    kind = fields.String()
    number = fields.Integer()
    filename = fields.String()
    sha256 = fields.String()
    size = fields.Integer()
    source = fields.String(metadata={"description": "generated or uploaded"})
    created_by = fields.Nested(UserRefSchema, allow_none=True)
    created_at = fields.AwareDateTime()
    locked = fields.Function(lambda v: v.locked_at is not None)
    locked_at = fields.AwareDateTime(allow_none=True)
    locked_by = fields.Nested(UserRefSchema, allow_none=True)
    download_url = fields.Function(lambda v: url_for(
        "minutes_api.download", meeting_id=v.meeting_id, kind=v.kind, number=v.number))


class MinutesGenerateSchema(Schema):
    kind = fields.String(required=True, validate=_KINDS,
                         metadata={"description": "minutes or conclusions"})


class MinutesUploadSchema(Schema):
    kind = fields.String(required=True, validate=_KINDS)
    file = Upload(required=True, metadata={"description": "the edited .docx (at most 10 MB)"})


def _user():
    return current_user._get_current_object()


@blp.route("/meetings/<int:meeting_id>/minutes")
@login_required
@blp.response(200, MinutesVersionSchema(many=True))
def list_versions(meeting_id: int):
    """The versions the caller may read: all of them for the secretariat and the chair, the
    locked ones for members."""
    meeting = access.meeting_for(_user(), meeting_id)
    return minutes.visible_versions(_user(), meeting)


@blp.route("/meetings/<int:meeting_id>/minutes", methods=["POST"])
@login_required
@blp.arguments(MinutesGenerateSchema)
@blp.response(201, MinutesVersionSchema)
def generate(body, meeting_id: int):
    """Generate a new version from what the session recorded (the meeting adjourned or closed)."""
    meeting = access.meeting_for(_user(), meeting_id)
    with unit_of_work():
        return minutes.generate(_user(), meeting, body["kind"])


@blp.route("/meetings/<int:meeting_id>/minutes/upload", methods=["POST"])
@login_required
@blp.arguments(MinutesUploadSchema, location="multipart")
@blp.response(201, MinutesVersionSchema)
@blp.alt_response(413, description="larger than 10 MB")
@blp.alt_response(415, description="not a Word document (.docx)")
def upload(body, meeting_id: int):
    """Upload an edited .docx as the next version (multipart: `kind` and `file`)."""
    meeting = access.meeting_for(_user(), meeting_id)
    sent = body["file"]
    data = sent.stream.read(uploads.MAX_UPLOAD_BYTES + 1)
    with unit_of_work():
        return minutes.upload(_user(), meeting, body["kind"], data, sent.filename)


@blp.route("/meetings/<int:meeting_id>/minutes/<kind>/<int:number>.docx")
@login_required
@blp.alt_response(200, schema={"type": "string", "format": "binary"},
                  content_type=uploads.DOCX_MIME, description="the .docx", success=True)
def download(meeting_id: int, kind: str, number: int):
    """Download one version."""
    version = minutes.version_for(_user(), meeting_id, kind, number)
    response = send_file(io.BytesIO(minutes.content_of(version)), mimetype=uploads.DOCX_MIME,
                         as_attachment=True, download_name=version.filename,
                         etag=version.sha256)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@blp.route("/meetings/<int:meeting_id>/minutes/<kind>/<int:number>/lock", methods=["POST"])
@login_required
@blp.response(200, MinutesVersionSchema)
def lock(meeting_id: int, kind: str, number: int):
    """Lock this version as the final text: no version of its kind can be added afterwards."""
    meeting = access.meeting_for(_user(), meeting_id)
    with unit_of_work():
        return minutes.lock(_user(), meeting, kind, number)
