"""The failures of the signing libraries (pyHanko, pyhanko-certvalidator, python-pkcs11) as the
app's errors: the one place that says what each means to the caller, in the contract of
:mod:`ecabinet.errors` (status, stable code, message).

What a failure means depends on what was being done: an untrusted certificate offered for
enrolment is bad input (422), the same certificate at signing time a conflict (409); a parser's
failure is a broken file. Hence :class:`During`. Use :func:`translated` around the library call;
what it does not know rises as it is (a 500, logged).
"""

from __future__ import annotations

from contextlib import contextmanager
from enum import Enum

from flask_babel import gettext as _

from ecabinet.errors import Conflict, DomainError, Invalid, Unavailable


class During(Enum):
    ENROLMENT = "enrolment"  # checking a certificate offered for enrolment (no revocation asked)
    STATUS = "status"  # asking OCSP/CRL about a certificate before it signs
    PKCS12_KEY = "pkcs12_key"  # opening a key kept in a PKCS#12 file with its PIN
    PKCS11_KEY = "pkcs11_key"  # finding a key's PKCS#11 token and opening it with its PIN
    SIGNING = "signing"  # signing, preparing or finishing a signature, adding revocation data
    SIGNATURE_VALUE = "signature_value"  # checking a raw signature value against a certificate
    OPENING_PDF = "opening_pdf"  # reading a PDF to sign it
    READING_SIGNATURES = "reading_signatures"  # reading a PDF's signatures for the report


class WrongPin(Exception):
    """The PIN did not open the key. Not an answer in itself: the caller counts it against the
    key (:func:`ecabinet.signing.keys.count_wrong_pin`) or, unattended, stops trying."""


@contextmanager
def translated(during: During):
    """Failures inside the block raised as :func:`translate` says, ``from`` the original; the
    app's own errors and :class:`WrongPin` pass through unchanged."""
    try:
        yield
    except (DomainError, WrongPin):
        raise
    except Exception as exc:
        error = translate(exc, during)
        if error is None:
            raise
        raise error from exc


def translate(exc: BaseException, during: During) -> Exception | None:
    """What ``exc`` means to the caller ``during`` this; None for a failure not known here."""
    return _RULES[during](exc)


def _revoked() -> str:
    return _("The certificate has been revoked.")


def _ocsp_unavailable() -> Unavailable:
    return Unavailable(_("The certificate status service (OCSP/CRL) cannot be reached. "
                         "Nothing was signed; try again."), code="ocsp_unavailable")


def _enrolment(exc):
    from pyhanko_certvalidator import errors

    if isinstance(exc, errors.RevokedError):
        return Invalid(_revoked(), code="certificate_revoked")
    if isinstance(exc, errors.ExpiredError):
        return Invalid(_("The certificate is not valid now."), code="certificate_expired")
    if isinstance(exc, errors.PathBuildingError | errors.PathValidationError
                  | errors.InvalidCertificateError):
        return Invalid(_("The certificate is not from a CA trusted by this system, or not for "
                         "signing."), code="certificate_untrusted")
    return None


def _status(exc):
    import aiohttp
    from pyhanko_certvalidator import errors

    # A responder that accepts and never answers (or drops the line) surfaces as aiohttp's
    # time-out or client error rather than as missing revocation info: the same for the signer.
    if isinstance(exc, TimeoutError | aiohttp.ClientError):
        return _ocsp_unavailable()
    if isinstance(exc, errors.RevokedError):
        return Conflict(_revoked(), code="certificate_revoked")
    if isinstance(exc, errors.ExpiredError):
        return Conflict(_("The certificate has expired."), code="certificate_expired")
    if isinstance(exc, errors.InsufficientRevinfoError):
        return _ocsp_unavailable()
    if isinstance(exc, errors.PathBuildingError | errors.PathValidationError):
        return Conflict(_("The certificate is not trusted by this system."),
                        code="certificate_untrusted")
    return None


def _pkcs12_key(exc):
    # cryptography says ValueError for a PKCS#12 file the passphrase does not open
    return WrongPin() if isinstance(exc, ValueError) else None


def _pkcs11_key(exc):
    import pkcs11

    if isinstance(exc, pkcs11.NoSuchToken):
        return Conflict(_("The key's token is missing from the key store."),
                        code="token_missing")
    if isinstance(exc, pkcs11.PinIncorrect | pkcs11.PinLenRange | pkcs11.PinInvalid):
        return WrongPin()
    if isinstance(exc, pkcs11.PinLocked):
        return Conflict(_("The token has locked this PIN."), code="pin_locked")
    return None


def _signing(exc):
    """pyHanko wraps what failed underneath (the TSA, the responder, the token): the causes
    decide, the outermost first only for a document pyHanko cannot sign into."""
    import aiohttp
    import pkcs11
    from pyhanko.sign.general import SigningError
    from pyhanko.sign.timestamps.common_utils import TimestampRequestError
    from pyhanko_certvalidator.errors import InsufficientRevinfoError, RevokedError

    chain = []
    current = exc
    while current is not None and len(chain) < 10:
        chain.append(current)
        current = current.__cause__ or current.__context__
    if any(isinstance(e, TimestampRequestError) for e in chain):
        return Unavailable(_("The time-stamping service cannot be reached. Nothing was signed; "
                             "try again."), code="tsa_unavailable")
    if any(isinstance(e, RevokedError) for e in chain):
        return Conflict(_revoked(), code="certificate_revoked")
    if any(isinstance(e, InsufficientRevinfoError | aiohttp.ClientError | OSError)
           for e in chain):
        return _ocsp_unavailable()
    if any(isinstance(e, pkcs11.PKCS11Error) for e in chain):
        return Unavailable(_("The key store failed while signing. Nothing was signed; try again."),
                           code="token_error")
    if isinstance(exc, SigningError):
        return Invalid(_("The document cannot be signed here."), code="bad_pdf")
    return None


def _signature_value(exc):
    from cryptography.exceptions import InvalidSignature

    if isinstance(exc, InvalidSignature | ValueError | TypeError):
        return Invalid(_("The signature value does not match the certificate and the data sent."),
                       code="bad_signature")
    return None


def _opening_pdf(exc):
    # any parser failure means the same to the caller
    return Invalid(_("This file is not a PDF that can be signed."), code="bad_pdf")


def _reading_signatures(exc):
    # whatever the parser or the validator trips on, the file is broken
    return Invalid(_("This PDF is damaged and cannot be read."), code="bad_pdf")


_RULES = {
    During.ENROLMENT: _enrolment,
    During.STATUS: _status,
    During.PKCS12_KEY: _pkcs12_key,
    During.PKCS11_KEY: _pkcs11_key,
    During.SIGNING: _signing,
    During.SIGNATURE_VALUE: _signature_value,
    During.OPENING_PDF: _opening_pdf,
    During.READING_SIGNATURES: _reading_signatures,
}
