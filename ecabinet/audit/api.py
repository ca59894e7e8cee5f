"""/api/v1 for the audit trail's signed checkpoints: the list, and each one's files to keep
elsewhere (a copy outside the server is what shows the newest checkpoints deleted).
Thin: check (403) → load (404) → send. Administrators only."""

from __future__ import annotations

import io
import zipfile

from flask import send_file
from flask_babel import gettext as _
from marshmallow import fields

from ecabinet.api import MultipartBlueprint, paged_list
from ecabinet.audit import checkpoints
from ecabinet.errors import NotFound
from ecabinet.identity.access import roles_required
from ecabinet.identity.models import Role
from ecabinet.inputs import Schema

blp = MultipartBlueprint("audit_api", __name__, url_prefix="/api/v1",
                         description="The audit trail's signed, time-stamped checkpoints")


class CheckpointSchema(Schema):
    checkpoint = fields.Integer(metadata={"description": "its number, from 1"})
    tree_size = fields.Integer(metadata={"description": "the entries it covers: 1 to this"})
    head_hash = fields.String(metadata={"description": "the hash of entry tree_size"})
    time = fields.String(metadata={"description": "when it was made (ISO 8601, UTC)"})
    previous = fields.String(metadata={"description": "SHA-256 of the previous statement"})
    reason = fields.String()
    digest = fields.String(metadata={"description": "SHA-256 of this statement"})
    signed = fields.Boolean()
    timestamped = fields.Boolean(metadata={"description": "false: made while the TSA was down"})


class CheckpointListSchema(Schema):
    checkpoints = fields.List(fields.Nested(CheckpointSchema))


@blp.route("/audit/checkpoints")
@roles_required(Role.ADMIN)
@blp.page_response(CheckpointListSchema)
def list_checkpoints(pagination_parameters):
    """The checkpoints, oldest first. They are files, not rows: the page is cut from the
    folder's list."""
    page = paged_list(checkpoints.stored(), pagination_parameters)
    return {"checkpoints": [c.as_json() for c in page]}


@blp.route("/audit/checkpoints/<int:number>")
@roles_required(Role.ADMIN)
@blp.alt_response(200, schema={"type": "string", "format": "binary"},
                  content_type="application/zip", success=True,
                  description="the statement (.json), its CMS signature (.p7s) and its RFC 3161 "
                              "time-stamp token (.tst, when it has one)")
@blp.alt_response(404, description="no such checkpoint")
def download_checkpoint(number: int):
    item = checkpoints.find(number)
    if item is None:
        raise NotFound(_("No such audit checkpoint."), code="not_found")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for suffix in checkpoints.SUFFIXES:
            path = item.path(suffix)
            if path.exists():
                bundle.writestr(path.name, path.read_bytes())
    archive.seek(0)
    return send_file(archive, mimetype="application/zip", as_attachment=True,
                     download_name=f"audit-checkpoint-{number:08d}.zip")
