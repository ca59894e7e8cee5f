"""Certificates enrolled per user: whose a certificate is.

Every official's certificate comes from the same trusted CA, so a valid, trusted certificate
says nothing about *whose* signature it makes. A signature is attributed to a user only when
its certificate is one enrolled for that user (:func:`require_enrolled`): the external signer
at prepare and at finish, and the server's own keys when they sign in a user's name.

A user enrols a certificate with the password and a fresh TOTP code (:func:`enrol_self`); an
administrator or an operator enrols one for them (:func:`enrol`); the keys the server makes or
holds for a user (``ecabinet pki enroll``, PKCS#12 files) are enrolled with them
(:func:`enrol_key`). Services flush; the caller commits.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from flask_babel import gettext as _
from sqlalchemy import select

from ecabinet.asyncio_bridge import run_async
from ecabinet.audit import services as audit
from ecabinet.errors import Conflict, Forbidden, Invalid
from ecabinet.extensions import db
from ecabinet.signing.failures import During, translated
from ecabinet.signing.models import EnrolledCertificate, EnrolmentMethod
from ecabinet.signing.trust import validation_context

if TYPE_CHECKING:  # pragma: no cover
    from asn1crypto import x509

    from ecabinet.identity.models import User
    from ecabinet.signing.models import SigningKey


def fingerprint(der: bytes) -> str:
    """SHA-256 of the certificate's DER, lower-case hexadecimal."""
    return hashlib.sha256(der).hexdigest()


def grouped(fingerprint_hex: str) -> str:
    """The fingerprint as people compare it: AB:CD:…"""
    value = fingerprint_hex.upper()
    return ":".join(value[i:i + 2] for i in range(0, len(value), 2))


def from_text(value: str) -> bytes:
    """A certificate sent in JSON: PEM text, or base64 of the DER."""
    value = (value or "").strip()
    if value.startswith("-----BEGIN"):
        return value.encode()
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise Invalid(_("The certificate is not valid base64 or PEM."),
                      details={"certificate": ["invalid"]}) from None


def parse(data: bytes) -> tuple[x509.Certificate, bytes]:
    """A PEM or DER X.509 certificate, fully parsed, and its DER; Invalid ``bad_certificate``
    for anything else."""
    from asn1crypto import pem
    from asn1crypto import x509 as asn1_x509

    try:
        if pem.detect(data):
            _kind, _headers, data = pem.unarmor(data)
        cert = asn1_x509.Certificate.load(data)
        cert.native  # noqa: B018 - parse it fully now, not later inside pyHanko
        return cert, cert.dump()
    except Exception as exc:  # noqa: BLE001 - any parsing failure is the same bad input
        raise Invalid(_("The certificate is not a DER or PEM X.509 certificate."),
                      code="bad_certificate") from exc


def check_trusted(cert: x509.Certificate) -> None:
    """Valid now, for signing, on a path to a trusted root (revocation is asked at signing
    time, not here: enrolling must not need the OCSP responder)."""
    from pyhanko_certvalidator import CertificateValidator

    now = datetime.now(UTC)
    if not cert.not_valid_before <= now < cert.not_valid_after:
        raise Invalid(_("The certificate is not valid now."), code="certificate_expired")
    context = validation_context(fetching=False)

    async def validate():
        validator = CertificateValidator(cert, validation_context=context)
        await validator.async_validate_usage({"non_repudiation"})

    with translated(During.ENROLMENT):
        run_async(validate)


def for_user_query(user: User):
    """Every certificate enrolled for ``user``, revoked ones too, oldest first."""
    return select(EnrolledCertificate).where(
        EnrolledCertificate.user_id == user.id).order_by(EnrolledCertificate.id)


def for_user(user: User) -> list[EnrolledCertificate]:
    return list(db.session.scalars(for_user_query(user)))


def _active(der_fingerprint: str):
    return select(EnrolledCertificate).where(EnrolledCertificate.fingerprint == der_fingerprint,
                                             EnrolledCertificate.revoked_at.is_(None))


def enrol(user: User, certificate: bytes, *, by: User | None, method: str,
          check: bool = True) -> EnrolledCertificate:
    """Register ``certificate`` (PEM or DER) as ``user``'s. ``check``: valid now and from a
    trusted CA (a key's own certificate is checked when it signs instead). A certificate
    enrolled for someone else is refused: one certificate, one person. Audited; flushes."""
    method = EnrolmentMethod(method).value
    cert, der = parse(certificate)
    if check:
        check_trusted(cert)
    digest = fingerprint(der)
    elsewhere = db.session.scalars(_active(digest).where(
        EnrolledCertificate.user_id != user.id)).first()
    if elsewhere is not None:
        raise Conflict(_("This certificate is enrolled for another person."),
                       code="certificate_enrolled_elsewhere")
    row = db.session.scalars(select(EnrolledCertificate).where(
        EnrolledCertificate.user_id == user.id,
        EnrolledCertificate.fingerprint == digest)).first()
    if row is not None and row.active:
        return row
    if row is None:
        row = EnrolledCertificate(user_id=user.id, fingerprint=digest, certificate=der)
        db.session.add(row)
    row.subject = cert.subject.human_friendly[:500]
    row.issuer = cert.issuer.human_friendly[:500]
    row.serial = format(cert.serial_number, "x")
    row.not_before, row.not_after = cert.not_valid_before, cert.not_valid_after
    row.method, row.enrolled_by_id = method, by.id if by else None
    row.enrolled_at, row.revoked_at, row.revoked_by_id = datetime.now(UTC), None, None
    db.session.flush()
    audit.record("signing.certificate_enrolled", actor=by, target=row, details={
        "user_id": user.id, "fingerprint": digest, "method": method, "serial": row.serial,
        "subject": row.subject})
    return row


def enrol_self(user: User, certificate: bytes, *, password: str, otp: str | None
               ) -> EnrolledCertificate:
    """The user enrols a certificate of their own, confirming with the password and a TOTP
    code not used before: a stolen session alone cannot add a certificate."""
    from ecabinet.identity import signin

    if not user.totp_enabled:
        raise Forbidden(_("Enrolling a certificate needs a second factor. Set it up first."),
                        code="totp_enrolment_required")
    # One answer for a wrong password and a wrong code (no oracle for the password), counted
    # against the account like a wrong sign-in.
    if not signin.reconfirm(user, password=password or "", otp=otp,
                            purpose="certificate_enrolment"):
        audit.record("signing.certificate_enrolment_refused", actor=user, target=user,
                     details={"reason": "credentials"})
        raise Forbidden(_("The password or the code is not right (a code is accepted once). "
                          "Check both and try again."), code="invalid_credentials")
    return enrol(user, certificate, by=user, method=EnrolmentMethod.SELF)


def enrol_key(key: SigningKey, *, by: User | None) -> EnrolledCertificate | None:
    """The certificate of a key made or held by the server for a user, enrolled for them."""
    if key.user is None:
        return None
    return enrol(key.user, key.certificate, by=by, method=EnrolmentMethod.KEY, check=False)


def revoke(row: EnrolledCertificate, *, by: User | None) -> None:
    """The certificate no longer signs in its user's name (pending preparations included)."""
    if row.revoked_at is not None:
        return
    row.revoked_at, row.revoked_by_id = datetime.now(UTC), by.id if by else None
    db.session.flush()
    audit.record("signing.certificate_revoked", actor=by, target=row, details={
        "user_id": row.user_id, "fingerprint": row.fingerprint})


def require_enrolled(user: User, certificate_der: bytes, *, step: str) -> EnrolledCertificate:
    """The active enrolment of ``certificate_der`` for ``user``; else Forbidden
    ``certificate_not_enrolled``, audited (the caller commits the refusal:
    :func:`ecabinet.database.audited_attempt`)."""
    digest = fingerprint(certificate_der)
    row = db.session.scalars(_active(digest).where(EnrolledCertificate.user_id == user.id)
                             ).first()
    if row is None:
        audit.record("signing.certificate_refused", actor=user, object_type="users",
                     object_id=user.id, details={"fingerprint": digest, "step": step,
                                                 "reason": "not_enrolled"})
        raise Forbidden(_("This certificate is not enrolled for you. Enrol it in your account "
                          "first (or ask an administrator)."), code="certificate_not_enrolled")
    return row


def refuse_mismatch(user: User, expected: str, given: str, *, step: str) -> None:
    """Forbidden ``certificate_mismatch`` (audited) when two fingerprints differ."""
    if expected != given:
        audit.record("signing.certificate_refused", actor=user, object_type="users",
                     object_id=user.id, details={"fingerprint": given, "expected": expected,
                                                 "step": step, "reason": "mismatch"})
        raise Forbidden(_("The certificate is not the one this signature was prepared with."),
                        code="certificate_mismatch")


def check_cms_signer(signed_data, expected_fingerprint: str) -> None:
    """The CMS SignedData's signer certificate (found by its signer identifier) is the
    expected one, and its signature value verifies over the signed attributes: checked on
    what goes into the document, whatever was sent to build it."""
    from pyhanko_certvalidator.sig_validate import (
        DefaultSignatureValidator,
        SignatureValidationContext,
    )

    [signer_info] = signed_data["signer_infos"]
    sid = signer_info["sid"].chosen
    signer_cert = next((c.chosen for c in signed_data["certificates"]
                        if c.name == "certificate" and c.chosen.issuer == sid["issuer"]
                        and c.chosen.serial_number == sid["serial_number"].native), None)
    if signer_cert is None or fingerprint(signer_cert.dump()) != expected_fingerprint:
        raise Forbidden(_("The certificate is not the one this signature was prepared with."),
                        code="certificate_mismatch")
    with translated(During.SIGNATURE_VALUE):
        DefaultSignatureValidator().validate_signature(
            signer_info["signature"].native, signer_info["signed_attrs"].untag().dump(),
            signer_cert.public_key, signer_info["signature_algorithm"],
            SignatureValidationContext(
                contextual_md_algorithm=signer_info["digest_algorithm"]["algorithm"].native))
