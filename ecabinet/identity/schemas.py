"""API shapes of identity: the OpenAPI description is generated from these."""

from marshmallow import fields, validate

from ecabinet.identity.models import Role
from ecabinet.inputs import Schema

ROLE_NAMES = [role.value for role in Role]


class TokenRequestSchema(Schema):
    email = fields.String(required=True, validate=validate.Length(min=3, max=254))
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=1024))
    otp = fields.String(load_default=None, validate=validate.Length(max=10),
                        metadata={"description": "TOTP code; required for users with a second "
                                                 "factor (admins and signers always)"})


class TokenSchema(Schema):
    access_token = fields.String()
    token_type = fields.String(dump_default="Bearer")
    expires_at = fields.AwareDateTime()


class OrganisationSchema(Schema):
    """An entry of the organisations directory (also a user's organisation)."""

    id = fields.Integer()
    name = fields.String()
    code = fields.String(allow_none=True, metadata={
        "description": "symbol code used in document numbers, e.g. `VPCP`, `TTg`"})
    identifier = fields.String(allow_none=True, metadata={
        "description": "the electronic identifier (mã định danh, QCVN 102:2016), e.g. "
                       "`000.00.00.G22`; empty only for organisations made before the "
                       "directory"})
    address = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    telephone = fields.String(allow_none=True)
    fax = fields.String(allow_none=True)
    website = fields.String(allow_none=True)
    parent_id = fields.Integer(allow_none=True)
    active = fields.Boolean()


class UserSchema(Schema):
    id = fields.Integer(dump_only=True)
    email = fields.String()
    name = fields.String()
    title = fields.String(allow_none=True)
    roles = fields.Method("role_names", metadata={"type": "array", "items": {"type": "string"}})
    organisation = fields.Nested(OrganisationSchema, allow_none=True)
    locale = fields.String()
    active = fields.Boolean()
    totp_enabled = fields.Boolean()

    def role_names(self, user):
        return sorted(role.value for role in user.roles)


class UserCreateSchema(Schema):
    email = fields.String(required=True, validate=validate.Length(max=254))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    role = fields.String(validate=validate.OneOf(ROLE_NAMES),
                         metadata={"description": "one role (or use `roles`)"})
    roles = fields.List(fields.String(validate=validate.OneOf(ROLE_NAMES)))
    organisation = fields.String(load_default=None, validate=validate.Length(max=200))
    title = fields.String(load_default=None, validate=validate.Length(max=200))
    password = fields.String(load_default=None, load_only=True,
                             validate=validate.Length(min=10, max=1024))
    locale = fields.String(load_default="vi", validate=validate.OneOf(["vi", "en"]))


class UserUpdateSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    roles = fields.List(fields.String(validate=validate.OneOf(ROLE_NAMES)),
                        validate=validate.Length(min=1))
    organisation = fields.String(validate=validate.Length(max=200))
    title = fields.String(validate=validate.Length(max=200))
    password = fields.String(load_only=True, validate=validate.Length(min=10, max=1024))
    locale = fields.String(validate=validate.OneOf(["vi", "en"]))
    active = fields.Boolean()
