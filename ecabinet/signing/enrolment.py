"""Giving a signer (or an organisation, for its seal) a key in its own token and a certificate
from the demo signing CA; the demo's keys and images."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from ecabinet.audit import services as audit
from ecabinet.errors import Conflict, Invalid
from ecabinet.extensions import db
from ecabinet.identity.models import Organisation, Role, User, UserRole
from ecabinet.signing import certificates, pki, tokens
from ecabinet.signing.models import (
    ImageKind,
    KeyPurpose,
    KeyStore,
    SignatureImage,
    SigningKey,
)

PIN_PATTERN = re.compile(r"^[0-9A-Za-z]{6,32}$")


def check_pin(pin: str) -> None:
    if not PIN_PATTERN.match(pin or ""):
        raise Invalid(_("A PIN has 6 to 32 letters or digits."), code="bad_pin")


def _retire(purpose: KeyPurpose, *, user_id=None, organisation_id=None) -> None:
    now = datetime.now(UTC)
    for key in db.session.scalars(select(SigningKey).where(
            SigningKey.purpose == purpose.value, SigningKey.retired_at.is_(None),
            SigningKey.user_id == user_id if user_id else SigningKey.organisation_id
            == organisation_id)):
        key.retired_at = now


def _key_row(purpose: KeyPurpose, certificate_der: bytes, **fields) -> SigningKey:
    from asn1crypto import x509

    cert = x509.Certificate.load(certificate_der)
    return SigningKey(purpose=purpose.value, certificate=certificate_der,
                      subject=cert.subject.human_friendly[:500],
                      serial=format(cert.serial_number, "x"),
                      not_before=cert.not_valid_before, not_after=cert.not_valid_after,
                      pin_failures=0, **fields)


def enrol(*, pin: str, user: User | None = None, organisation: Organisation | None = None,
          by: User | None = None) -> SigningKey:
    """A new RSA-2048 key generated inside a new SoftHSM2 token protected by ``pin``, its
    certificate issued by the demo signing CA; the owner's previous key is retired. Flushes."""
    if (user is None) == (organisation is None):
        raise ValueError("enrol a user or an organisation")
    check_pin(pin)
    pki_paths = pki.paths(current_app.config)
    if not pki_paths.exists():
        raise Conflict(_("The PKI does not exist yet: run `ecabinet pki init`."), code="no_pki")
    conf = tokens.write_softhsm_conf(Path(current_app.config["SOFTHSM2_CONF"]))
    tokens.use_softhsm_conf(conf)
    module = current_app.config["PKCS11_MODULE"]
    purpose = KeyPurpose.PERSONAL if user else KeyPurpose.SEAL
    owner = f"u{user.id}" if user else f"o{organisation.id}"
    label = f"{owner}-{secrets.token_hex(4)}"
    tokens.init_token(conf, label, pin)
    public_key = tokens.generate_key(module, label, pin, label)
    if user:
        certificate = pki.issue_certificate(
            pki_paths, label=label, public_key_der=public_key, common_name=user.name,
            organisation=user.organisation.name if user.organisation else None,
            email=user.email)
    else:
        certificate = pki.issue_certificate(
            pki_paths, label=label, public_key_der=public_key, common_name=organisation.name,
            organisation=organisation.name, email=None)
    tokens.store_certificate(module, label, pin, label, certificate)
    _retire(purpose, user_id=user.id if user else None,
            organisation_id=organisation.id if organisation else None)
    key = _key_row(purpose, certificate, user_id=user.id if user else None,
                   organisation_id=organisation.id if organisation else None,
                   store=KeyStore.PKCS11.value, token_label=label, key_label=label)
    db.session.add(key)
    db.session.flush()
    audit.record("signing.key_enrolled", actor=by, target=key,
                 details={"purpose": purpose.value, "serial": key.serial,
                          "owner": user.email if user else organisation.name})
    # The key signs in the user's name: its certificate is theirs.
    certificates.enrol_key(key, by=by)
    return key


def add_pkcs12_key(*, pkcs12: bytes, password: str, user: User | None = None,
                   organisation: Organisation | None = None,
                   by: User | None = None) -> SigningKey:
    """A key kept as a PKCS#12 file (encrypted with the PIN) instead of in a token."""
    from cryptography.hazmat.primitives.serialization import Encoding
    from cryptography.hazmat.primitives.serialization import pkcs12 as p12

    try:
        _key, cert, _chain = p12.load_key_and_certificates(pkcs12, password.encode())
    except ValueError as exc:
        raise Invalid(_("The PKCS#12 file cannot be opened with this password."),
                      code="bad_pkcs12") from exc
    if cert is None:
        raise Invalid(_("The PKCS#12 file holds no certificate."), code="bad_pkcs12")
    purpose = KeyPurpose.PERSONAL if user else KeyPurpose.SEAL
    _retire(purpose, user_id=user.id if user else None,
            organisation_id=organisation.id if organisation else None)
    key = _key_row(purpose, cert.public_bytes(Encoding.DER),
                   user_id=user.id if user else None,
                   organisation_id=organisation.id if organisation else None,
                   store=KeyStore.PKCS12.value, pkcs12=pkcs12)
    db.session.add(key)
    db.session.flush()
    audit.record("signing.key_enrolled", actor=by, target=key,
                 details={"purpose": purpose.value, "serial": key.serial, "store": "pkcs12"})
    certificates.enrol_key(key, by=by)
    return key


def _users_with_role(role: Role):
    return db.session.scalars(select(User).join(UserRole).where(
        UserRole.role == role.value, User.active.is_(True)).order_by(User.id)).all()


def _has_key(purpose: KeyPurpose, *, user_id=None, organisation_id=None) -> bool:
    query = select(SigningKey.id).where(SigningKey.purpose == purpose.value,
                                        SigningKey.retired_at.is_(None))
    query = query.where(SigningKey.user_id == user_id) if user_id else query.where(
        SigningKey.organisation_id == organisation_id)
    return db.session.scalar(query) is not None


def _has_image(kind: ImageKind, *, user_id=None, organisation_id=None) -> bool:
    query = select(SignatureImage.id).where(SignatureImage.kind == kind.value)
    query = query.where(SignatureImage.user_id == user_id) if user_id else query.where(
        SignatureImage.organisation_id == organisation_id)
    return db.session.scalar(query) is not None


def enrol_demo(pin: str = pki.DEMO_PIN) -> list[str]:
    """Keys and images for every signer, and seals for the organisations of clerks and signers,
    that have none yet (idempotent). Returns what was done, for the command's output. Flushes."""
    from ecabinet.signing.images import demo_seal, demo_signature

    done = []
    for user in _users_with_role(Role.SIGNER):
        if not _has_key(KeyPurpose.PERSONAL, user_id=user.id):
            enrol(pin=pin, user=user)
            done.append(f"key for {user.email}")
        if not _has_image(ImageKind.SIGNATURE, user_id=user.id):
            db.session.add(SignatureImage(kind=ImageKind.SIGNATURE.value, user_id=user.id,
                                          png=demo_signature(user.name)))
    # Seals for the organisations with clerks, and for the signers' organisations: a document
    # is issued by its signer's organisation unless told otherwise, and sealed by a clerk.
    holders = [*_users_with_role(Role.CLERK), *_users_with_role(Role.SIGNER)]
    organisations = {u.organisation for u in holders if u.organisation}
    for organisation in sorted(organisations, key=lambda o: o.id):
        if not _has_key(KeyPurpose.SEAL, organisation_id=organisation.id):
            enrol(pin=pin, organisation=organisation)
            done.append(f"seal key for {organisation.name}")
        if not _has_image(ImageKind.SEAL, organisation_id=organisation.id):
            db.session.add(SignatureImage(kind=ImageKind.SEAL.value,
                                          organisation_id=organisation.id,
                                          png=demo_seal(organisation.name)))
    db.session.flush()
    return done


def enrol_demo_if_ready() -> list[str]:
    """For ``ecabinet seed-demo``: the demo keys and images once ``ecabinet pki init`` has run
    here (nothing otherwise). Returns what was created, with the demo PIN."""
    if not pki.paths(current_app.config).exists():
        return []
    return [f"{line} (PIN {pki.DEMO_PIN})" for line in enrol_demo(pki.DEMO_PIN)]
