"""The keys that sign: which one a person or an organisation signs with, the PIN lockout, and
opening a key for pyHanko (a PKCS#11 token, or a PKCS#12 file encrypted with the PIN).

The PIN is never stored nor logged. A wrong PIN is counted against the key
(:func:`count_wrong_pin`); after ``MAX_PIN_FAILURES`` the key is locked until an administrator
unlocks it (:func:`unlock`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from ecabinet.audit import services as audit
from ecabinet.errors import Conflict, Forbidden, NotFound
from ecabinet.extensions import db
from ecabinet.signing import tokens
from ecabinet.signing.failures import During, WrongPin, translated
from ecabinet.signing.models import MAX_PIN_FAILURES, KeyPurpose, KeyStore, SigningKey
from ecabinet.signing.trust import intermediate_certificates

if TYPE_CHECKING:  # pragma: no cover
    from ecabinet.identity.models import Organisation, User


def _current_key(owner, purpose: KeyPurpose, missing: NotFound) -> SigningKey:
    """The newest key of ``purpose`` not retired (``owner`` a column condition), refused when
    expired; ``missing`` raised when there is none."""
    key = db.session.scalars(
        select(SigningKey).where(owner, SigningKey.purpose == purpose.value,
                                 SigningKey.retired_at.is_(None))
        .order_by(SigningKey.id.desc())).first()
    if key is None:
        raise missing
    refuse_expired(key)
    return key


def personal_key(user: User) -> SigningKey:
    """The user's current key; NotFound when none was enrolled, Conflict when it expired."""
    return _current_key(SigningKey.user_id == user.id, KeyPurpose.PERSONAL, NotFound(
        _("No signing key was issued to this person."), code="no_signing_key"))


def seal_key(organisation: Organisation) -> SigningKey:
    return _current_key(SigningKey.organisation_id == organisation.id, KeyPurpose.SEAL, NotFound(
        _("This organisation has no seal key."), code="no_seal_key"))


# --- checks before signing -----------------------------------------------------------------------

def refuse_expired(key: SigningKey) -> None:
    now = datetime.now(UTC)
    if key.not_after <= now:
        raise Conflict(_("The certificate expired on %(day)s.", day=f"{key.not_after:%Y-%m-%d}"),
                       code="certificate_expired")
    if key.not_before > now:
        raise Conflict(_("The certificate is not valid yet."), code="certificate_expired")


def refuse_locked(key: SigningKey) -> None:
    if key.locked:
        raise Conflict(_("This key is locked after too many wrong PINs. An administrator "
                         "must unlock it."), code="pin_locked")


def count_wrong_pin(key: SigningKey) -> Forbidden:
    """Count a wrong PIN (flushed, and audited) and build the refusal to raise.

    The caller's transaction must commit even though the call fails: use
    :func:`ecabinet.database.audited_attempt`, or the count is rolled back with the refusal.
    """
    key.pin_failures = (key.pin_failures or 0) + 1
    left = MAX_PIN_FAILURES - key.pin_failures
    if left <= 0:
        key.locked_at = datetime.now(UTC)
    db.session.flush()
    owner = key.user if key.user_id else None
    audit.record("signing.wrong_pin", actor=owner, target=key,
                 details={"failures": key.pin_failures, "locked": key.locked})
    if key.locked:
        return Conflict(_("Wrong PIN. The key is now locked; an administrator must unlock it."),
                        code="pin_locked")
    return Forbidden(_("Wrong PIN. %(left)s attempt(s) left before the key is locked.", left=left),
                     code="wrong_pin")


def pin_ok(key: SigningKey) -> None:
    if key.pin_failures:
        key.pin_failures = 0
        db.session.flush()


def unlock(key: SigningKey, *, by: User | None = None) -> None:
    key.pin_failures = 0
    key.locked_at = None
    db.session.flush()
    audit.record("signing.key_unlocked", actor=by, target=key)


# --- opening a key -------------------------------------------------------------------------------

def _certificates(key: SigningKey):
    from asn1crypto import x509

    return x509.Certificate.load(key.certificate), intermediate_certificates()


class OpenedKey:
    """A pyHanko signer for a key, with its PKCS#11 session (if any) to close afterwards.

    Entering raises :class:`~ecabinet.signing.failures.WrongPin` when the PIN does not open
    the key; the caller decides whether it counts (:func:`count_wrong_pin`).
    """

    def __init__(self, key: SigningKey, pin: str):
        self.key, self.pin, self.session = key, pin, None

    def __enter__(self):
        cert, chain = _certificates(self.key)
        if self.key.store == KeyStore.PKCS12.value:
            return self._pkcs12_signer(cert, chain)
        return self._pkcs11_signer(cert, chain)

    def _pkcs12_signer(self, cert, chain):
        from pyhanko.sign.signers import SimpleSigner

        with translated(During.PKCS12_KEY):
            signer = SimpleSigner.load_pkcs12_data(self.key.pkcs12, other_certs=chain,
                                                   passphrase=self.pin.encode())
        if signer is None:
            raise WrongPin()
        return signer

    def _pkcs11_signer(self, cert, chain):
        from pyhanko.sign.pkcs11 import PKCS11Signer

        module = current_app.config["PKCS11_MODULE"]
        tokens.use_softhsm_conf(current_app.config.get("SOFTHSM2_CONF"))
        with translated(During.PKCS11_KEY):
            token = tokens.find_token(module, self.key.token_label)
        self._counter = tokens.counted_session()
        self._counter.__enter__()
        try:
            with translated(During.PKCS11_KEY):
                self.session = token.open(user_pin=self.pin)
        except (WrongPin, Conflict):  # the PIN refused, or locked by the token
            self._counter.__exit__(None, None, None)
            raise
        return PKCS11Signer(self.session, cert_label=self.key.key_label,
                            key_label=self.key.key_label, signing_cert=cert, ca_chain=chain)

    def __exit__(self, *exc):
        if self.session is not None:
            try:
                self.session.close()
            finally:
                self._counter.__exit__(None, None, None)
