"""Pages: validating a PDF (upload, see the report), the signature/seal images, the account
page's block on enrolled certificates, and people's signing keys (an administrator issues
them)."""

from __future__ import annotations

import base64

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ecabinet.database import audited_attempt, unit_of_work
from ecabinet.errors import NotFound
from ecabinet.extensions import db, limiter
from ecabinet.i18n import page_date
from ecabinet.identity.access import login_required, roles_required
from ecabinet.identity.models import Role, User
from ecabinet.signing import certificates, key_admin, validation
from ecabinet.signing.api import organisation_for_seal
from ecabinet.signing.images import save_image, seal_image, signature_image
from ecabinet.signing.models import EnrolledCertificate, ImageKind
from ecabinet.signing.validation import REASONS
from ecabinet.web import refusal_shown

bp = Blueprint("signing", __name__, template_folder="templates", url_prefix="/signatures")


def _user():
    return current_user._get_current_object()


@bp.route("/validate", methods=["GET", "POST"])
@login_required
def validate():
    """Upload a PDF and read the report of its signatures."""
    result, error, filename = None, None, None
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            error = _("Choose a PDF file.")
        else:
            filename = upload.filename
            limit = current_app.config["SIGNING_VALIDATE_MAX_BYTES"]
            with refusal_shown(None) as refused:
                result = validation.validate_pdf(upload.stream.read(limit + 1))
            error = refused.message
    return render_template("signing/validate.html", result=result, error=error,
                           filename=filename, reasons=REASONS,
                           subject_labels=validation.SUBJECT_LABELS), 422 if error else 200


def _data_url(png: bytes | None) -> str | None:
    return "data:image/png;base64," + base64.b64encode(png).decode() if png else None


@bp.route("/images", methods=["GET"])
@roles_required(Role.SIGNER, Role.CLERK, Role.ADMIN)
def images():
    """My signature image (signers) and my organisation's seal (clerks, administrators)."""
    user = _user()
    organisation = user.organisation
    return render_template(
        "signing/images.html",
        signature=_data_url(signature_image(user)) if user.has_role(Role.SIGNER)
        else None,
        seal=_data_url(seal_image(organisation)) if organisation else None,
        organisation=organisation,
        can_sign=user.has_role(Role.SIGNER),
        can_seal=organisation is not None and user.has_role(Role.CLERK, Role.ADMIN))


@bp.route("/images/signature", methods=["POST"])
@roles_required(Role.SIGNER)
def upload_signature():
    return _upload(ImageKind.SIGNATURE)


@bp.route("/images/seal", methods=["POST"])
@roles_required(Role.CLERK, Role.ADMIN)
def upload_seal():
    return _upload(ImageKind.SEAL)


def _upload(kind: ImageKind):
    user = _user()
    upload = request.files.get("file")
    limit = current_app.config["SIGNING_IMAGE_MAX_BYTES"]
    data = upload.stream.read(limit + 1) if upload and upload.filename else b""
    if not data:
        flash(_("Choose a PNG file."), "error")
        return redirect(url_for("signing.images"))
    with refusal_shown():
        with unit_of_work():
            if kind == ImageKind.SIGNATURE:
                save_image(kind, data, by=user, user=user)
            else:
                if user.organisation is None:
                    flash(_("You belong to no organisation."), "error")
                    return redirect(url_for("signing.images"))
                organisation = organisation_for_seal(user, user.organisation_id)
                save_image(kind, data, by=user, organisation=organisation)
        flash(_("The image was saved."), "success")
    return redirect(url_for("signing.images"))


# --- the account page's certificates (signing/_account_certificates.html) ------------------------

@bp.app_template_filter("cert_fingerprint")
def _cert_fingerprint(value: str) -> str:
    return certificates.grouped(value)


@bp.app_context_processor
def _account_certificates():
    """For the account page's block: its rows are read only when the block is shown."""
    def enrolled_certificates():
        return certificates.for_user(_user()) if current_user.is_authenticated else []

    return {"enrolled_certificates": enrolled_certificates,
            "enrolment_methods": {"self": _("by you"), "admin": _("by an administrator"),
                                  "cli": _("by an operator"),
                                  "key": _("with a key held by the system")}}


def _to_account():
    return redirect(url_for("identity.account") + "#certificates")


@bp.route("/certificates", methods=["POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"])
@login_required
def enrol_certificate():
    """Enrol a certificate from the account page: the file, the password, a fresh code."""
    upload = request.files.get("file")
    data = upload.stream.read(64 * 1024) if upload and upload.filename else b""
    if not data:
        flash(_("Choose a certificate file."), "error")
        return _to_account()
    with refusal_shown():
        with audited_attempt():
            row = certificates.enrol_self(_user(), data, password=request.form.get("password"),
                                          otp=request.form.get("otp"))
            fingerprint = certificates.grouped(row.fingerprint)
        flash(_("The certificate was enrolled. Fingerprint: %(fingerprint)s",
                fingerprint=fingerprint), "success")
    return _to_account()


@bp.route("/certificates/<int:certificate_id>/revoke", methods=["POST"])
@login_required
def revoke_certificate(certificate_id: int):
    row = db.session.get(EnrolledCertificate, certificate_id)
    if row is None or row.user_id != _user().id:
        raise NotFound(_("Not found."))
    with unit_of_work():
        certificates.revoke(row, by=_user())
    flash(_("The certificate was revoked."), "success")
    return _to_account()


# --- people's signing keys (key_admin) -----------------------------------------------------------

@bp.route("/keys")
@login_required
def keys():
    """Whether the people named (``?user=…&user=…``; none: the members) have a signing key;
    an administrator issues one here. A signed-ballot poll's warning links here."""
    key_admin.require_seeing(_user())
    ids = request.args.getlist("user", type=int)
    return render_template("signing/keys.html", ids=ids,
                           states=key_admin.states(key_admin.people(ids)),
                           can_issue=key_admin.may_issue(_user()))


@bp.route("/keys/<int:user_id>", methods=["POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"])
@roles_required(Role.ADMIN)
def issue_key(user_id: int):
    person = db.session.get(User, user_id)
    if person is None or not person.active:
        raise NotFound(_("Not found."))
    back = request.form.getlist("back", type=int)
    with refusal_shown():
        with audited_attempt():
            key = key_admin.issue(_user(), person, pin=request.form.get("pin", ""),
                                  pin_again=request.form.get("pin_again", ""),
                                  otp=request.form.get("otp"))
            until = key.not_after
        flash(_("A signing key was issued to %(name)s, valid until %(day)s. Give them the PIN "
                "in person: it is not stored.", name=person.name, day=page_date(until)),
              "success")
    return redirect(url_for("signing.keys", user=back) + f"#key-{user_id}")
