"""API shapes of the organisations directory (the entry's shape is identity's
:class:`~ecabinet.identity.schemas.OrganisationSchema`, which a user's answer nests)."""

from marshmallow import EXCLUDE, fields, validate

from ecabinet.inputs import Id, Schema
from ecabinet.organisations.services import FIELDS


def _text(name: str, *, required: bool = False, **kwargs):
    # The service checks the formats and lengths (after stripping stray spaces) and says what is
    # wrong in the user's language; the schema only bounds what reaches it.
    longest = max(FIELDS[name][0], 40)
    return fields.String(required=required, validate=validate.Length(max=longest), **kwargs)


class OrganisationCreateSchema(Schema):
    identifier = _text("identifier", required=True, metadata={
        "description": "mã định danh: `V1V2V3.Z1Z2.Y1Y2.MX1X2`, e.g. `000.00.00.G22`"})
    code = _text("code", required=True, metadata={
        "description": "symbol code for document numbers, e.g. `VPCP`"})
    name = _text("name", required=True)
    address = _text("address", allow_none=True)
    email = _text("email", allow_none=True)
    telephone = _text("telephone", allow_none=True)
    fax = _text("fax", allow_none=True)
    website = _text("website", allow_none=True)
    parent_id = Id(allow_none=True, metadata={"description": "the organisation it belongs to"})
    active = fields.Boolean()


class OrganisationUpdateSchema(Schema):
    identifier = _text("identifier")
    code = _text("code")
    name = _text("name")
    address = _text("address", allow_none=True)
    email = _text("email", allow_none=True)
    telephone = _text("telephone", allow_none=True)
    fax = _text("fax", allow_none=True)
    website = _text("website", allow_none=True)
    parent_id = Id(allow_none=True, metadata={"description": "null: no parent"})
    active = fields.Boolean()


class OrganisationQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE  # ?page=&page_size= are the pagination's

    q = fields.String(load_default=None, validate=validate.Length(max=200), metadata={
        "description": "part of the name, the symbol code or the identifier"})
    active = fields.Boolean(load_default=None)
