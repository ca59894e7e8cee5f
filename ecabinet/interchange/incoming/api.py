"""/api/v1/incoming: the register of incoming documents, their handling and the quarantine."""

from __future__ import annotations

from flask_login import current_user

from ecabinet.api import ApiBlueprint as Blueprint
from ecabinet.api import paged
from ecabinet.database import unit_of_work
from ecabinet.identity.access import login_required
from ecabinet.interchange.incoming import access, meeting, queries, workflow
from ecabinet.interchange.incoming.schemas import (
    AssignSchema,
    AttachToItemSchema,
    IncomingAcceptSchema,
    IncomingDetailSchema,
    IncomingDocumentSchema,
    IncomingQuarantineSchema,
    IncomingQuerySchema,
    NoteSchema,
    RefuseSchema,
)

blp = Blueprint("incoming_api", __name__, url_prefix="/api/v1",
                description="The register of incoming documents (from the interchange axis)")


def _user():
    return current_user._get_current_object()


@blp.route("/incoming")
@login_required
@blp.arguments(IncomingQuerySchema, location="query")
@blp.page_response(IncomingDocumentSchema(many=True))
def list_incoming(query, pagination_parameters):
    """The register, newest first: all of it for its clerks and leaders, what is assigned to
    them for the handling units' people."""
    return paged(queries.register_query(_user(), **query), pagination_parameters)


@blp.route("/incoming/quarantine")
@login_required
@blp.page_response(IncomingQuarantineSchema(many=True))
@blp.alt_response(403)
def list_quarantine(pagination_parameters):
    """Packages refused (status 02 sent back) or flagged as duplicates: never registered."""
    return paged(queries.quarantine_query(_user()), pagination_parameters)


@blp.route("/incoming/<int:document_id>")
@login_required
@blp.response(200, IncomingDetailSchema)
def get_incoming(document_id: int):
    return access.get_readable(_user(), document_id)


def _act(document_id: int, step, **arguments):
    with unit_of_work():
        document = access.get_readable(_user(), document_id)
        return step(document, _user(), **arguments)


@blp.route("/incoming/<int:document_id>/accept", methods=["POST"])
@login_required
@blp.arguments(IncomingAcceptSchema)
@blp.response(200, IncomingDetailSchema)
@blp.alt_response(403)
@blp.alt_response(409)
def accept(body, document_id: int):
    """The clerk registers it and presents it to a leader (status 03 sent back)."""
    return _act(document_id, workflow.accept, **body)


@blp.route("/incoming/<int:document_id>/assign", methods=["POST"])
@login_required
@blp.arguments(AssignSchema)
@blp.response(200, IncomingDetailSchema)
@blp.alt_response(403)
@blp.alt_response(409)
def assign(body, document_id: int):
    """The leader assigns a handling unit (an organisation or a person), a deadline and a
    direction (status 04)."""
    return _act(document_id, workflow.assign, **body)


@blp.route("/incoming/<int:document_id>/handle", methods=["POST"])
@login_required
@blp.arguments(NoteSchema)
@blp.response(200, IncomingDetailSchema)
@blp.alt_response(403)
@blp.alt_response(409)
def handle(body, document_id: int):
    """The handling unit started (status 05)."""
    return _act(document_id, workflow.handle, **body)


@blp.route("/incoming/<int:document_id>/done", methods=["POST"])
@login_required
@blp.arguments(NoteSchema)
@blp.response(200, IncomingDetailSchema)
@blp.alt_response(403)
@blp.alt_response(409)
def done(body, document_id: int):
    """The handling unit finished (status 06)."""
    return _act(document_id, workflow.done, **body)


@blp.route("/incoming/<int:document_id>/refuse", methods=["POST"])
@login_required
@blp.arguments(RefuseSchema)
@blp.response(200, IncomingDetailSchema)
@blp.alt_response(403)
@blp.alt_response(409)
def refuse(body, document_id: int):
    """The clerk returns it to its sender with a reason (status 02)."""
    return _act(document_id, workflow.refuse, **body)


@blp.route("/incoming/<int:document_id>/attach", methods=["POST"])
@login_required
@blp.arguments(AttachToItemSchema)
@blp.response(200, IncomingDetailSchema)
@blp.alt_response(403)
@blp.alt_response(409)
def attach(body, document_id: int):
    """Attach its PDF to a meeting's agenda item in one step (a meeting document is made)."""
    return _act(document_id, meeting.attach_to_item, **body)
