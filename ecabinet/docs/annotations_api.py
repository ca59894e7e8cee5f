"""/api/v1 for private annotations: ``/documents/{id}/versions/{n}/annotations[/{aid}]``.

Thin: load the version the caller may read (404) → load the caller's own annotation (404 for
anybody else's) → the service inside one unit of work → answer.
"""


from flask_login import current_user
from marshmallow import fields, validate

from ecabinet.api import ApiBlueprint as Blueprint
from ecabinet.database import unit_of_work
from ecabinet.docs import access
from ecabinet.docs import private_annotations as annotations
from ecabinet.docs.models import AnnotationKind
from ecabinet.identity.access import login_required
from ecabinet.inputs import Schema

blp = Blueprint("annotations_api", __name__, url_prefix="/api/v1",
                description="Private annotations: only their author ever sees them")

_FRACTION = {"description": "a fraction of the page (0–1) from its top left corner"}


class PrivateAnnotationSchema(Schema):
    id = fields.Integer(dump_only=True)
    kind = fields.String(required=True,
                         validate=validate.OneOf([k.value for k in AnnotationKind]),
                         metadata={"description": "highlight (a rectangle) or note (a point)"})
    page = fields.Integer(required=True, metadata={"description": "from 1"})
    x = fields.Float(required=True, metadata=_FRACTION)
    y = fields.Float(required=True, metadata=_FRACTION)
    width = fields.Float(load_default=0.0, metadata=_FRACTION)
    height = fields.Float(load_default=0.0, metadata=_FRACTION)
    text = fields.String(load_default=None, allow_none=True,
                         validate=validate.Length(max=annotations.MAX_TEXT))
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)


class PrivateAnnotationChangeSchema(Schema):
    x = fields.Float(metadata=_FRACTION)
    y = fields.Float(metadata=_FRACTION)
    width = fields.Float(metadata=_FRACTION)
    height = fields.Float(metadata=_FRACTION)
    text = fields.String(allow_none=True, validate=validate.Length(max=annotations.MAX_TEXT))


class AnnotationPageQuerySchema(Schema):
    page = fields.Integer(load_default=None, metadata={"description": "only this page"})


def _user():
    return current_user._get_current_object()


_BASE = "/documents/<int:document_id>/versions/<int:number>/annotations"


@blp.route(_BASE)
@login_required
@blp.arguments(AnnotationPageQuerySchema, location="query")
@blp.response(200, PrivateAnnotationSchema(many=True))
def list_annotations(query, document_id: int, number: int):
    """My annotations on a version (nobody else's, whatever my role)."""
    version = access.version_for(_user(), document_id, number)
    return annotations.mine(_user(), version, query["page"])


@blp.route(_BASE, methods=["POST"])
@login_required
@blp.arguments(PrivateAnnotationSchema)
@blp.response(201, PrivateAnnotationSchema)
def create_annotation(body, document_id: int, number: int):
    """Highlight a rectangle of a page, or pin a note on it."""
    version = access.version_for(_user(), document_id, number)
    with unit_of_work():
        return annotations.create(_user(), version, body)


@blp.route(_BASE + "/<int:annotation_id>", methods=["PATCH"])
@login_required
@blp.arguments(PrivateAnnotationChangeSchema)
@blp.response(200, PrivateAnnotationSchema)
def update_annotation(body, document_id: int, number: int, annotation_id: int):
    version = access.version_for(_user(), document_id, number)
    annotation = annotations.annotation_for(_user(), version, annotation_id)
    with unit_of_work():
        return annotations.update(annotation, version, body)


@blp.route(_BASE + "/<int:annotation_id>", methods=["DELETE"])
@login_required
@blp.response(204)
def delete_annotation(document_id: int, number: int, annotation_id: int):
    version = access.version_for(_user(), document_id, number)
    annotation = annotations.annotation_for(_user(), version, annotation_id)
    with unit_of_work():
        annotations.delete(annotation)
