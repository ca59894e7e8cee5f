"""Signing keys with their certificates, the images shown in visible signatures, and the state of
external (device-held key) signatures waiting for the device's answer."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ecabinet.extensions import db
from ecabinet.identity.models import Organisation, User, utcnow

#: Wrong PINs in a row after which a key refuses to sign until an administrator unlocks it.
MAX_PIN_FAILURES = 5


class KeyPurpose(enum.StrEnum):
    PERSONAL = "personal"  # a person's signature (the competent signer)
    SEAL = "seal"  # the organisation's signature, applied by its clerks


class KeyStore(enum.StrEnum):
    PKCS11 = "pkcs11"  # a key in a PKCS#11 token (SoftHSM2 in development)
    PKCS12 = "pkcs12"  # a PKCS#12 file, encrypted with the PIN


class ImageKind(enum.StrEnum):
    SIGNATURE = "signature"  # a person's handwritten signature
    SEAL = "seal"  # an organisation's red seal


class SigningKey(db.Model):
    """A private key the server can use once given its PIN, with the certificate over it.

    The PIN is never stored: it unlocks the token (or decrypts the PKCS#12 file) for one
    signature. Wrong PINs are counted here so that guessing stops after a few attempts.
    """

    __tablename__ = "signing_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                                index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    store: Mapped[str] = mapped_column(String(10), default=KeyStore.PKCS11.value)
    #: PKCS#11: the token's label (one token per key owner, so the PIN is theirs alone).
    token_label: Mapped[str | None] = mapped_column(String(64))
    #: PKCS#11: the label of the private key and of its certificate object in the token.
    key_label: Mapped[str | None] = mapped_column(String(64))
    #: PKCS#12: the encrypted file itself (its password is the PIN).
    pkcs12: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: The signer's certificate, DER.
    certificate: Mapped[bytes] = mapped_column(LargeBinary)
    subject: Mapped[str] = mapped_column(String(500))
    #: Hexadecimal serial number of the certificate.
    serial: Mapped[str] = mapped_column(String(80))
    not_before: Mapped[datetime]
    not_after: Mapped[datetime]
    #: Wrong PINs since the last right one.
    pin_failures: Mapped[int] = mapped_column(Integer, default=0)
    #: Set at the MAX_PIN_FAILURES-th wrong PIN; cleared by ``ecabinet pki unlock``.
    locked_at: Mapped[datetime | None]
    #: Replaced by a newer key (kept so old signatures can still be traced to it).
    retired_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()

    @property
    def locked(self) -> bool:
        return self.locked_at is not None


class SignatureImage(db.Model):
    """The transparent PNG shown in a visible signature: a person's handwriting or a seal."""

    __tablename__ = "signature_images"
    __table_args__ = (UniqueConstraint("kind", "user_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                                index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    png: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                  ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class PendingExternalSignature(db.Model):
    """A document prepared for a signature whose key is on the signer's own device.

    Everything needed to finish is kept here, never sent to the client and trusted back: the
    prepared PDF, the byte-range digest, the signed attributes and the post-signing
    instructions (pickled; only the server writes them).
    """

    __tablename__ = "pending_external_signatures"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    field_name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(10))
    certificate: Mapped[bytes] = mapped_column(LargeBinary)
    #: The PDF with its signature placeholder, as prepared.
    prepared_pdf: Mapped[bytes] = mapped_column(LargeBinary)
    #: Pickled state of pyHanko's interrupted signing (digest, attributes, instructions).
    state: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]


class EnrolmentMethod(enum.StrEnum):
    SELF = "self"  # the user, confirming with password and a fresh TOTP code
    ADMIN = "admin"  # an administrator, through the API
    CLI = "cli"  # an operator, ``ecabinet pki enroll --certificate``
    KEY = "key"  # the certificate of a key the server made or holds for the user


class EnrolledCertificate(db.Model):
    """A certificate registered as a user's: the only certificates a signature may be made
    with in that user's name (every official's certificate comes from the same trusted CA, so
    trust alone says nothing about whose it is). Revoked, it no longer signs; kept, so that
    who enrolled what and when can still be read."""

    __tablename__ = "enrolled_certificates"
    __table_args__ = (UniqueConstraint("user_id", "fingerprint"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the certificate's DER, lower-case hexadecimal.
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    #: The certificate, DER.
    certificate: Mapped[bytes] = mapped_column(LargeBinary)
    subject: Mapped[str] = mapped_column(String(500))
    issuer: Mapped[str] = mapped_column(String(500))
    #: Hexadecimal serial number of the certificate.
    serial: Mapped[str] = mapped_column(String(80))
    not_before: Mapped[datetime]
    not_after: Mapped[datetime]
    #: An :class:`EnrolmentMethod`.
    method: Mapped[str] = mapped_column(String(10))
    enrolled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                  ondelete="SET NULL"))
    enrolled_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                 ondelete="SET NULL"))

    @property
    def active(self) -> bool:
        return self.revoked_at is None
