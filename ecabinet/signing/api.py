"""/api/v1 for signatures: validating any PDF, the images shown in visible signatures, and the
certificates enrolled for each user. Thin: load → check → act. (Signing itself is exposed by
the decisions feature.)"""

from __future__ import annotations

from flask import current_app, request
from flask_babel import gettext as _
from flask_login import current_user

from ecabinet.api import MultipartBlueprint, paged
from ecabinet.database import audited_attempt, unit_of_work
from ecabinet.errors import Forbidden, Invalid, NotFound, UnsupportedMedia
from ecabinet.extensions import db, limiter
from ecabinet.identity.access import login_required, roles_required
from ecabinet.identity.models import Organisation, Role, User
from ecabinet.signing import certificates, images, validation
from ecabinet.signing.models import EnrolledCertificate, EnrolmentMethod, ImageKind
from ecabinet.signing.schemas import (
    AdminCertificateEnrolSchema,
    CertificateEnrolSchema,
    EnrolledCertificateSchema,
    ImageInfoSchema,
    ValidationReportSchema,
)

blp = MultipartBlueprint("signatures_api", __name__, url_prefix="/api/v1",
                         description="Signatures: validation reports, signature and seal images")

_ENVELOPE = 1024 * 1024
_PDF_BODY = {"content": {
    "application/pdf": {"schema": {"type": "string", "format": "binary"}},
    "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary"}}}}}}
_PNG_BODY = {"content": {
    "image/png": {"schema": {"type": "string", "format": "binary"}},
    "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary"}}}}}}


def _user():
    return current_user._get_current_object()


def uploaded_bytes(limit: int, *, media: str) -> bytes:
    """The file of a multipart form (field ``file``) or the raw body; one byte over ``limit``
    is read so that the service refuses it as too large."""
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise Invalid(_("Send the file in the field “file”."), code="file_missing")
        return upload.stream.read(limit + 1)
    if request.mimetype not in (media, "application/octet-stream"):
        raise UnsupportedMedia(_("Send %(media)s or a multipart form.", media=media))
    return request.stream.read(limit + 1)


@blp.before_request
def _size_limit():
    request.max_content_length = max(current_app.config["SIGNING_VALIDATE_MAX_BYTES"],
                                     current_app.config["SIGNING_IMAGE_MAX_BYTES"]) + _ENVELOPE


@blp.route("/signatures/validate", methods=["POST"])
@login_required
@blp.doc(requestBody=_PDF_BODY)
@blp.response(200, ValidationReportSchema)
@blp.alt_response(413, description="larger than SIGNING_VALIDATE_MAX_BYTES")
@blp.alt_response(415, description="neither a PDF body nor a multipart form")
@blp.alt_response(422, description="not a PDF, or too damaged to read")
def validate():
    """The validation report of every signature in a PDF (the body, or multipart `file`):
    signer, time, PAdES level, integrity, trust, timestamp, coverage, changes after
    signing, DocMDP and the bottom line. Trusts the configured roots (the demo root)."""
    data = uploaded_bytes(current_app.config["SIGNING_VALIDATE_MAX_BYTES"],
                          media="application/pdf")
    return validation.validate_pdf(data)


def _image_info(row):
    return {"kind": row.kind, "bytes": len(row.png), "uploaded_at": row.uploaded_at}


@blp.route("/me/signature-image", methods=["PUT"])
@roles_required(Role.SIGNER)
@blp.doc(requestBody=_PNG_BODY)
@blp.response(200, ImageInfoSchema)
@blp.alt_response(415, description="not a PNG")
@blp.alt_response(422, description="no transparency, too small or too large")
def put_signature_image():
    """Upload my handwritten signature: a PNG with a transparent background (signers)."""
    data = uploaded_bytes(current_app.config["SIGNING_IMAGE_MAX_BYTES"], media="image/png")
    with unit_of_work():
        row = images.save_image(ImageKind.SIGNATURE, data, by=_user(), user=_user())
        return _image_info(row)


def organisation_for_seal(user, organisation_id: int) -> Organisation:
    """The organisation whose seal ``user`` may change: a clerk's own, or any for an admin."""
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound(_("Not found."))
    if user.has_role(Role.ADMIN):
        return organisation
    if user.has_role(Role.CLERK) and user.organisation_id == organisation.id:
        return organisation
    raise Forbidden(_("Only the organisation's clerks may change its seal."))


@blp.route("/organisations/<int:organisation_id>/seal-image", methods=["PUT"])
@roles_required(Role.CLERK, Role.ADMIN)
@blp.doc(requestBody=_PNG_BODY)
@blp.response(200, ImageInfoSchema)
@blp.alt_response(403, description="a clerk of another organisation")
@blp.alt_response(415, description="not a PNG")
@blp.alt_response(422, description="no transparency, too small or too large")
def put_seal_image(organisation_id: int):
    """Upload an organisation's red seal: a PNG with a transparent background (its clerks,
    administrators)."""
    organisation = organisation_for_seal(_user(), organisation_id)
    data = uploaded_bytes(current_app.config["SIGNING_IMAGE_MAX_BYTES"], media="image/png")
    with unit_of_work():
        row = images.save_image(ImageKind.SEAL, data, by=_user(), organisation=organisation)
        return _image_info(row)


# --- enrolled certificates -----------------------------------------------------------------------

@blp.route("/me/certificates")
@login_required
@blp.page_response(EnrolledCertificateSchema(many=True))
def my_certificates(pagination_parameters):
    """The certificates enrolled for me (revoked ones too): only these sign in my name."""
    return paged(certificates.for_user_query(_user()), pagination_parameters)


def _password_limit() -> str:
    """Enrolment checks the password: guessed no faster than at sign-in."""
    return current_app.config["LOGIN_RATE_LIMIT"]


@blp.route("/me/certificates", methods=["POST"])
@limiter.limit(_password_limit)
@login_required
@blp.arguments(CertificateEnrolSchema)
@blp.response(201, EnrolledCertificateSchema)
@blp.alt_response(403, description="wrong password or a wrong or replayed TOTP code "
                                   "(one code: invalid_credentials)")
@blp.alt_response(429, description="too many attempts")
@blp.alt_response(409, description="enrolled for another person")
@blp.alt_response(422, description="not a certificate, not valid now, or not from a trusted CA")
def enrol_my_certificate(body):
    """Enrol a certificate of mine (the one on my signing device), confirming with my
    password and a TOTP code not used before."""
    with audited_attempt():
        return certificates.enrol_self(_user(), certificates.from_text(body["certificate"]),
                                       password=body["password"], otp=body["otp"])


def _enrolment_of(user_id: int, certificate_id: int) -> EnrolledCertificate:
    row = db.session.get(EnrolledCertificate, certificate_id)
    if row is None or row.user_id != user_id:
        raise NotFound(_("Not found."))
    return row


@blp.route("/me/certificates/<int:certificate_id>", methods=["DELETE"])
@login_required
@blp.response(204)
def revoke_my_certificate(certificate_id: int):
    """Revoke one of my certificates: it no longer signs in my name."""
    row = _enrolment_of(_user().id, certificate_id)
    with unit_of_work():
        certificates.revoke(row, by=_user())


def _target_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("Not found."))
    return user


@blp.route("/users/<int:user_id>/certificates")
@roles_required(Role.ADMIN)
@blp.page_response(EnrolledCertificateSchema(many=True))
def user_certificates(user_id: int, pagination_parameters):
    """The certificates enrolled for a user (administrators)."""
    return paged(certificates.for_user_query(_target_user(user_id)), pagination_parameters)


@blp.route("/users/<int:user_id>/certificates", methods=["POST"])
@roles_required(Role.ADMIN)
@blp.arguments(AdminCertificateEnrolSchema)
@blp.response(201, EnrolledCertificateSchema)
@blp.alt_response(409, description="enrolled for another person")
@blp.alt_response(422, description="not a certificate, not valid now, or not from a trusted CA")
def enrol_user_certificate(body, user_id: int):
    """Enrol a certificate for a user (administrators; audited with who did it)."""
    user = _target_user(user_id)
    with unit_of_work():
        return certificates.enrol(user, certificates.from_text(body["certificate"]),
                                  by=_user(), method=EnrolmentMethod.ADMIN)


@blp.route("/users/<int:user_id>/certificates/<int:certificate_id>", methods=["DELETE"])
@roles_required(Role.ADMIN)
@blp.response(204)
def revoke_user_certificate(user_id: int, certificate_id: int):
    """Revoke a user's certificate (administrators; audited)."""
    row = _enrolment_of(_target_user(user_id).id, certificate_id)
    with unit_of_work():
        certificates.revoke(row, by=_user())
