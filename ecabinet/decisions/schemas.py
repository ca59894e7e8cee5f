"""API shapes of decisions."""

from marshmallow import fields, validate

from ecabinet.decisions import drafting, register_book
from ecabinet.decisions.layout import KINDS
from ecabinet.decisions.workflow import LEVELS
from ecabinet.inputs import Schema
from ecabinet.registers import filters

_LEVEL = fields.String(load_default=None, validate=validate.OneOf(LEVELS),
                       metadata={"description": "PAdES level; default per kind (B-LT)"})


class DecisionCreateSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(list(KINDS)))
    summary = fields.String(required=True, validate=validate.Length(min=1, max=500),
                            metadata={"description": "the trích yếu"})
    body = fields.String(load_default=None, validate=validate.Length(max=100_000), metadata={
        "description": "one paragraph a line; \"Điều 1.\" starts an article. May be left out "
                       "when vote_id or meeting_id gives the basis"})
    signer_id = fields.Integer(required=True,
                               metadata={"description": "the competent person (role signer)"})
    issuer_id = fields.Integer(load_default=None, metadata={
        "description": "issuing organisation (its code goes into the symbol); default: the "
                       "signer's"})
    authority = fields.String(load_default=None, validate=validate.Length(max=300), metadata={
        "description": "the authority line(s), one a line: \"TM. CHÍNH PHỦ\\nTHỦ TƯỚNG\""})
    recipients = fields.String(load_default=None, validate=validate.Length(max=5000), metadata={
        "description": "the Nơi nhận lines, one a line (\"Như Điều 3\", \"Lưu: VT, TCCV\"); a "
                       "line naming an organisation of the directory makes it a recipient"})
    recipient_organisation_ids = fields.List(fields.Integer(), load_default=None, metadata={
        "description": "the recipients: printed in the Nơi nhận, they read it once issued and "
                       "their people are told"})
    recipient_user_ids = fields.List(fields.Integer(), load_default=None, metadata={
        "description": "people named as recipients (printed, read, told)"})
    vote_id = fields.Integer(load_default=None, metadata={
        "description": "draft from a closed vote (its question, tally and outcome)"})
    meeting_id = fields.Integer(load_default=None, metadata={
        "description": "draft from a meeting's conclusions"})
    attachment_document_ids = fields.List(fields.Integer(), load_default=None, metadata={
        "description": "documents issued with it (phụ lục), signed by the organisation at "
                       "the top right of their first page"})


class DecisionReviseSchema(Schema):
    """What the secretariat may correct in a draft before it is signed; what is left out
    stays as it is."""

    summary = fields.String(validate=validate.Length(min=1, max=500))
    body = fields.String(validate=validate.Length(min=1, max=100_000))
    signer_id = fields.Integer(metadata={"description": "another competent person (role signer)"})
    authority = fields.String(validate=validate.Length(max=300))
    recipients = fields.String(validate=validate.Length(max=5000), metadata={
        "description": "the Nơi nhận's text lines; a line naming an organisation adds it"})
    recipient_organisation_ids = fields.List(fields.Integer(), metadata={
        "description": "the organisations it is sent to (replaces the list)"})
    recipient_user_ids = fields.List(fields.Integer(), metadata={
        "description": "the people it is sent to (replaces the list)"})


class DecisionSignSchema(Schema):
    pin = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=64))
    otp = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=12))
    level = _LEVEL


class DecisionBatchSignSchema(DecisionSignSchema):
    ids = fields.List(fields.Integer(), required=True,
                      validate=validate.Length(min=1, max=100))


class DecisionIssueSchema(Schema):
    pin = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=64))
    otp = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=12))


class DecisionBatchIssueSchema(DecisionIssueSchema):
    ids = fields.List(fields.Integer(), required=True,
                      validate=validate.Length(min=1, max=100))


class DecisionExternalPrepareSchema(Schema):
    certificate = fields.String(required=True, validate=validate.Length(min=1, max=20_000),
                                metadata={"description": "the signer's certificate, base64 DER "
                                                         "or PEM; one enrolled for the signer"})
    otp = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=12),
                        metadata={"description": "a TOTP code not used before"})
    level = _LEVEL


class DecisionExternalFinishSchema(Schema):
    pending_id = fields.Integer(required=True)
    signature = fields.String(required=True, validate=validate.Length(min=1, max=20_000),
                              metadata={"description": "base64 of the device's signature over "
                                                       "data_to_sign"})
    certificate = fields.String(validate=validate.Length(min=1, max=20_000),
                                metadata={"description": "optional: the certificate the device "
                                                         "signed with (base64 DER or PEM); "
                                                         "refused unless it is the prepared one"})
    level = _LEVEL


class _Derived(Schema):
    """A schema dumping some of its fields from values derived from the object rather than
    its attributes of that name: ``derived`` maps a field's name to the function giving its
    value. The fields keep their declared types, which the API description states."""

    derived: dict = {}

    def get_attribute(self, obj, attr, default):
        if attr in self.derived:
            return self.derived[attr](obj)
        return super().get_attribute(obj, attr, default)


class DecisionPersonSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class DecisionSignatureSchema(Schema):
    role = fields.String(metadata={"description": "signer (the competent person) or seal"})
    field_name = fields.String()
    level = fields.String()
    external = fields.Boolean()
    signed_at = fields.AwareDateTime()
    user = fields.Nested(DecisionPersonSchema, allow_none=True)
    pdf_sha256 = fields.String()


class DecisionIssuerSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    code = fields.String()


class DecisionAttachmentSchema(_Derived):
    position = fields.Integer()
    title = fields.String()
    document_id = fields.Integer(allow_none=True)
    signed = fields.Boolean()
    pdf_sha256 = fields.String()

    derived = {
        "signed": lambda a: a.pdf_sha256 is not None,
        # Signed once issued; as drafted before.
        "pdf_sha256": lambda a: a.pdf_sha256 or a.source_sha256,
    }


class DecisionSchema(_Derived):
    id = fields.Integer()
    kind = fields.String()
    state = fields.String(metadata={"description": "draft, signed or issued"})
    summary = fields.String()
    body = fields.String()
    issuer = fields.Nested(DecisionIssuerSchema)
    authority = fields.List(fields.String())
    signer = fields.Nested(DecisionPersonSchema)
    render_state = fields.String(metadata={"description": "rendering, ready or failed"})
    number = fields.Integer(allow_none=True)
    year = fields.Integer(allow_none=True)
    symbol = fields.String(allow_none=True, metadata={"description": "05/QĐ-TTg"})
    number_line = fields.String(allow_none=True, metadata={"description": "Số: 05/QĐ-TTg"})
    level = fields.String(allow_none=True)
    signed_at = fields.AwareDateTime(allow_none=True)
    issued_at = fields.AwareDateTime(allow_none=True)
    pdf_sha256 = fields.String(allow_none=True)
    meeting_id = fields.Integer(allow_none=True)
    vote_id = fields.Integer(allow_none=True)
    document_id = fields.Integer(allow_none=True)
    recipients = fields.List(fields.String(), metadata={
        "description": "the Nơi nhận lines as printed"})
    recipient_user_ids = fields.List(fields.Integer())
    recipient_organisation_ids = fields.List(fields.Integer())
    signatures = fields.List(fields.Nested(DecisionSignatureSchema))
    attachments = fields.List(fields.Nested(DecisionAttachmentSchema))
    created_at = fields.AwareDateTime()

    derived = {
        "authority": lambda d: drafting.clean_lines(d.authority),
        "render_state": drafting.render_state,
        "number_line": lambda d: f"Số: {d.symbol}" if d.symbol else None,
        "recipients": lambda d: d.recipient_lines,
        "recipient_user_ids": lambda d: [r.user_id for r in d.recipients if r.user_id],
        "recipient_organisation_ids": lambda d: [r.organisation_id for r in d.recipients
                                                 if r.organisation_id],
    }


class ExchangeStepSchema(Schema):
    code = fields.String(metadata={"description": "01…06, 13 (our recall), 15, 16"})
    label = fields.String()
    description = fields.String()
    stated_at = fields.AwareDateTime(metadata={"description": "the message's Timestamp"})
    recorded_at = fields.AwareDateTime()
    direction = fields.String(metadata={"description": "in: from the recipient; out: ours"})
    staff = fields.String()


class ExchangeStatusSchema(Schema):
    exchange_id = fields.Integer()
    organ_id = fields.String()
    document_id = fields.String(metadata={"description": "OrganId,yyyy/mm/dd,number/symbol"})
    sent = fields.String(metadata={"description": "the outbox: queued, sent or failed"})
    sent_at = fields.AwareDateTime(allow_none=True)
    send_error = fields.String(allow_none=True)
    delivery = fields.String(allow_none=True, metadata={
        "description": "the exchange service's word: pending, processing, done, fail; null "
                       "when unknown (not sent yet, or the service did not answer)"})
    status = fields.String(allow_none=True, metadata={"description": "the last business status"})
    status_label = fields.String(allow_none=True)
    status_at = fields.AwareDateTime(allow_none=True)
    recall_asked_at = fields.AwareDateTime(allow_none=True)
    history = fields.List(fields.Nested(ExchangeStepSchema))


class DecisionRecipientStatusSchema(Schema):
    id = fields.Integer()
    position = fields.Integer(metadata={"description": "its line in the Nơi nhận (from 1)"})
    label = fields.String(metadata={"description": "the line as printed"})
    organisation_id = fields.Integer(allow_none=True)
    user_id = fields.Integer(allow_none=True)
    people = fields.Integer(metadata={"description": "how many people were told (an "
                                                     "organisation's active users)"})
    delivered_at = fields.AwareDateTime(allow_none=True, metadata={
        "description": "when its people were told (on issue); null before"})
    first_opened_at = fields.AwareDateTime(allow_none=True, metadata={
        "description": "the first time one of its people opened the issued document (its "
                       "page or PDF)"})
    first_opened_by = fields.Nested(DecisionPersonSchema, allow_none=True)
    exchange = fields.Nested(ExchangeStatusSchema, allow_none=True, metadata={
        "description": "an organisation reached through the interchange axis: its package "
                       "sent, delivered, and the status it sent back; null otherwise"})


class DecisionRecallSchema(Schema):
    reason = fields.String(load_default="", validate=validate.Length(max=1000))


class DecisionRecallResultSchema(Schema):
    decision_id = fields.Integer()
    asked_at = fields.AwareDateTime()
    reason = fields.String()


class DecisionBatchResultSchema(Schema):
    id = fields.Integer()
    ok = fields.Boolean()
    state = fields.String(allow_none=True)
    error = fields.Dict(allow_none=True)


class DecisionPendingSchema(Schema):
    id = fields.Integer()
    data_to_sign = fields.String()
    digest_algorithm = fields.String()
    signature_algorithm = fields.String()
    expires_at = fields.String()
    level = fields.String()


class RegisterFilterSchema(filters.FilterSchema):
    """The register's page and API: one year at a time (Vietnam's; this year by default)."""

    year = filters.year(low=register_book.FIRST_YEAR, high=register_book.LAST_YEAR,
                        default=register_book.this_year)


class RegisterArgsSchema(RegisterFilterSchema):
    format = filters.export_format(*register_book.FORMATS, default="json")


class RegisterEntrySchema(Schema):
    id = fields.Integer(allow_none=True, metadata={
        "description": "null when the reader may not read the document"})
    number = fields.Integer()
    symbol = fields.String()
    issued_on = fields.String(metadata={"description": "the date of issue (YYYY-MM-DD)"})
    kind = fields.String()
    summary = fields.String()
    signer = fields.String(allow_none=True)
    recipients = fields.List(fields.String())
    issuer = fields.String()
    withheld = fields.Boolean(metadata={"description": "the reader may not read the document: "
                                                       "its line is kept, its content withheld"})


class RegisterSchema(Schema):
    year = fields.Integer()
    years = fields.List(fields.Integer())
    entries = fields.List(fields.Nested(RegisterEntrySchema))
