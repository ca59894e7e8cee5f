"""Request and response shapes of the signing API (they make its OpenAPI description)."""

from __future__ import annotations

from marshmallow import fields, validate

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


class EnrolledCertificateSchema(Schema):
    id = fields.Integer()
    fingerprint = fields.String(metadata={"description": "SHA-256 of the DER, hexadecimal"})
    subject = fields.String()
    issuer = fields.String()
    serial = fields.String(metadata={"description": "hexadecimal"})
    not_before = fields.AwareDateTime()
    not_after = fields.AwareDateTime()
    method = fields.String(metadata={"description": "self (password and TOTP), admin, cli, or "
                                                    "key (a key the server holds)"})
    enrolled_by_id = fields.Integer(allow_none=True)
    enrolled_at = fields.AwareDateTime()
    revoked_at = fields.AwareDateTime(allow_none=True)


_CERTIFICATE = fields.String(required=True, validate=validate.Length(min=1, max=20_000),
                             metadata={"description": "the certificate, base64 DER or PEM"})


class CertificateEnrolSchema(Schema):
    certificate = _CERTIFICATE
    password = fields.String(required=True, load_only=True,
                             validate=validate.Length(min=1, max=200))
    otp = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=12),
                        metadata={"description": "a TOTP code not used before"})


class AdminCertificateEnrolSchema(Schema):
    certificate = _CERTIFICATE
