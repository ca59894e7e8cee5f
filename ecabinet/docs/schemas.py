"""API shapes of documents (the OpenAPI description is generated from these)."""

from flask import url_for
from flask_login import current_user
from flask_smorest.fields import Upload
from marshmallow import fields, post_dump, validate

from ecabinet.docs.models import Classification, VersionState
from ecabinet.inputs import Id, Schema

_CLASSIFICATIONS = validate.OneOf([level.value for level in Classification])


class UploaderSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    title = fields.String(allow_none=True)


class FileSchema(Schema):
    file = Upload(required=True, metadata={"description": "a .docx or a PDF"})


class DocumentUploadSchema(FileSchema):
    title = fields.String(load_default=None, validate=validate.Length(max=500),
                          metadata={"description": "defaults to the file's name"})
    classification = fields.String(load_default=Classification.NORMAL.value,
                                   validate=_CLASSIFICATIONS,
                                   metadata={"description": "normal (thường) or "
                                                            "confidential (mật)"})


class VersionSchema(Schema):
    number = fields.Integer()
    kind = fields.String(metadata={"description": "docx or pdf, found from the content"})
    state = fields.String(metadata={"description": " | ".join(s.value for s in VersionState)})
    error = fields.Method("_error", metadata={"description": "why the conversion failed"})
    error_code = fields.String()
    sha256 = fields.String()
    filename = fields.String()
    size = fields.Integer()
    pages = fields.Integer(allow_none=True)
    created_at = fields.AwareDateTime()
    converted_at = fields.AwareDateTime(allow_none=True)
    pdf_url = fields.Function(lambda v: url_for(
        "documents_api.version_pdf", document_id=v.document_id, number=v.number))
    original_url = fields.Method("_original_url", allow_none=True, metadata={
        "description": "null when the caller may not download the original (a confidential "
                       "document's reader other than its uploader and the secretariat)"})

    def _original_url(self, version):
        from ecabinet.docs.access import can_read_original

        if not can_read_original(current_user, version.document):
            return None
        return url_for("documents_api.version_original", document_id=version.document_id,
                       number=version.number)

    def _error(self, version):
        from ecabinet.docs.services import error_message

        return error_message(version.error_code)

    @post_dump
    def _drop_empty_error(self, data, **kwargs):
        for key in ("error", "error_code"):
            if data.get(key) is None:
                data.pop(key, None)
        return data


class DocumentSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    classification = fields.String()
    created_by = fields.Nested(UploaderSchema, allow_none=True)
    created_at = fields.AwareDateTime()
    versions = fields.List(fields.Nested(VersionSchema))


class AttachSchema(Schema):
    document_id = fields.Integer(required=True)


class ReaderSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class AttachmentSchema(Schema):
    agenda_item_id = fields.Integer(attribute="item_id")
    document_id = fields.Integer()
    attached_at = fields.AwareDateTime()
    readers = fields.List(fields.Nested(ReaderSchema), metadata={
        "description": "the participants who read the document through this item (besides "
                       "the secretariat, the meeting's secretary and the uploader)"})
    warning = fields.Function(
        lambda link: "no_reader" if link.document.confidential and not link.readers else None,
        allow_none=True, metadata={
            "description": "no_reader: nobody at the meeting but its organisers may read it "
                           "(a confidential document on an item that invites nobody)"})


class ItemDocumentSchema(Schema):
    """A document as an agenda item lists it (see ``documents_of_item``)."""

    id = fields.Integer()
    title = fields.String()
    classification = fields.String()
    version = fields.Integer(allow_none=True, metadata={"description": "the latest version"})
    state = fields.String(allow_none=True)
    pages = fields.Integer(allow_none=True)


class ItemDocumentsField(fields.List):
    """An agenda item's ``documents``: those the caller may read. The meetings API adds this
    field to its items; the documents feature decides what is in it."""

    def __init__(self, **kwargs):
        kwargs.setdefault("dump_only", True)
        kwargs.setdefault("metadata", {"description": "the documents of the item the caller "
                                                      "may read"})
        super().__init__(fields.Nested(ItemDocumentSchema), **kwargs)

    def get_value(self, obj, attr, accessor=None, default=None):
        from ecabinet.docs.access import documents_of_item

        return documents_of_item(current_user, obj)


# --- the arguments of the presenter's socket events (/live) -------------------------------------

class PresenterEventSchema(Schema):
    meeting_id = Id(required=True)


class PresenterPageEventSchema(PresenterEventSchema):
    document_id = Id(required=True)
    version = Id(required=True)
    page = Id(required=True)
