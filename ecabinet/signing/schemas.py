"""Request and response shapes of the signing API (they make its OpenAPI description)."""

from __future__ import annotations

from marshmallow import fields

from ecabinet.inputs import Schema


class SignerSchema(Schema):
    name = fields.String(allow_none=True)
    subject = fields.String()
    email = fields.String(allow_none=True)
    organisation = fields.String(allow_none=True)
    issuer = fields.String(allow_none=True)
    serial = fields.String()


class TimestampSchema(Schema):
    time = fields.String()
    intact = fields.Boolean()
    valid = fields.Boolean()
    trusted = fields.Boolean()
    authority = fields.String(allow_none=True)


class SignatureReportSchema(Schema):
    type = fields.String(metadata={"description": "signature or document_timestamp"})
    field = fields.String(allow_none=True)
    signer = fields.Nested(SignerSchema, allow_none=True)
    signing_time = fields.String(allow_none=True,
                                 metadata={"description": "claimed by the signer, +07:00"})
    timestamp = fields.Nested(TimestampSchema, allow_none=True)
    level = fields.String(allow_none=True,
                          metadata={"description": "B-B, B-T, B-LT, B-LTA, CMS (not PAdES)"})
    integrity = fields.Dict()
    trust = fields.Dict()
    coverage = fields.String(allow_none=True,
                             metadata={"description": "entire_file, entire_revision, …"})
    modification_level = fields.String(
        allow_none=True, metadata={"description": "none, lta_updates, form_filling, "
                                                  "annotations, other"})
    docmdp = fields.Dict(allow_none=True)
    revision = fields.Integer(allow_none=True)
    valid = fields.Boolean()
    reasons = fields.List(fields.String())


class ValidationReportSchema(Schema):
    file = fields.Dict()
    signatures = fields.List(fields.Nested(SignatureReportSchema))
    signed = fields.Boolean()
    valid = fields.Boolean(metadata={"description": "signed, and every signature valid"})


class ImageInfoSchema(Schema):
    kind = fields.String()
    bytes = fields.Integer()
    uploaded_at = fields.DateTime()
