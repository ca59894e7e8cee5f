"""The signing service: what the rest of ecabinet calls to sign and validate PDFs.

pyHanko 0.38 is asynchronous (its synchronous wrappers call ``asyncio.run`` and fail inside a
running loop). Flask views run in threads (or gevent greenlets), with no loop of their own, so
:func:`run_async` calls ``asyncio.run`` directly there, and — when a loop *is* already running
in the calling thread — runs the coroutine on a fresh loop in a helper thread instead of
failing.

Errors are ``ecabinet.errors`` subclasses with stable codes (see :func:`sign_pdf`).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import logging
import pickle  # noqa: S403 - only our own state, written by this server into its database
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select

from ecabinet.audit import services as audit
from ecabinet.errors import Conflict, Forbidden, Invalid, NotFound, Unavailable
from ecabinet.extensions import db
from ecabinet.identity import at_rest
from ecabinet.signing import certificates, tokens
from ecabinet.signing.models import (
    MAX_PIN_FAILURES,
    ImageKind,
    KeyPurpose,
    KeyStore,
    PendingExternalSignature,
    SignatureImage,
    SigningKey,
)

if TYPE_CHECKING:  # pragma: no cover
    from ecabinet.identity.models import Organisation, User

log = logging.getLogger(__name__)

LEVELS = ("B-B", "B-T", "B-LT", "B-LTA")
#: A certificate found good by OCSP is not asked about again for this long (seconds).
REVOCATION_CACHE_SECONDS = 60


@dataclass(frozen=True)
class Appearance:
    """The visible part of a signature (Decree 30, Appendix I)."""

    kind: str  # "person" | "seal" | "attachment"
    image: bytes | None = None  # person: the handwritten signature PNG; seal: the red seal PNG
    organisation: str | None = None  # seal / attachment: the organisation's name shown
    reference: str | None = None  # attachment: "Số: 05/QĐ-TTg" shown with the time
    # the signing time (ISO 8601 with +07:00) is added by sign_pdf itself


@dataclass(frozen=True)
class PendingExternal:
    """What the device needs to sign; the state itself stays on the server."""

    id: int
    data_to_sign: str  # base64 of the DER-encoded signed attributes
    digest_algorithm: str
    signature_algorithm: str
    expires_at: datetime

    def as_json(self) -> dict:
        return {"id": self.id, "data_to_sign": self.data_to_sign,
                "digest_algorithm": self.digest_algorithm,
                "signature_algorithm": self.signature_algorithm,
                "expires_at": self.expires_at.isoformat()}


# --- running pyHanko's coroutines ----------------------------------------------------------------

_helper_threads = ThreadPoolExecutor(max_workers=4, thread_name_prefix="signing-loop")


def run_async(make_coroutine):
    """Run ``make_coroutine()`` to completion from synchronous code.

    No loop running in this thread (Flask under threads or gevent, the CLI): ``asyncio.run``.
    A loop already running here (``asyncio.run`` cannot nest): a helper thread runs it on a
    loop of its own while this thread waits.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make_coroutine())
    return _helper_threads.submit(lambda: asyncio.run(make_coroutine())).result()


# --- keys and images -----------------------------------------------------------------------------

def _current_key(owner, purpose: KeyPurpose) -> SigningKey | None:
    """The newest key of ``purpose`` not retired; ``owner`` a column condition."""
    return db.session.scalars(
        select(SigningKey).where(owner, SigningKey.purpose == purpose.value,
                                 SigningKey.retired_at.is_(None))
        .order_by(SigningKey.id.desc())).first()


def personal_key(user: User) -> SigningKey:
    """The user's current key; NotFound when none was enrolled, Conflict when it expired."""
    key = _current_key(SigningKey.user_id == user.id, KeyPurpose.PERSONAL)
    if key is None:
        raise NotFound(_("No signing key was issued to this person."), code="no_signing_key")
    _refuse_expired(key)
    return key


def seal_key(organisation: Organisation) -> SigningKey:
    key = _current_key(SigningKey.organisation_id == organisation.id, KeyPurpose.SEAL)
    if key is None:
        raise NotFound(_("This organisation has no seal key."), code="no_seal_key")
    _refuse_expired(key)
    return key


def _image_row(kind: ImageKind, *, user_id=None, organisation_id=None) -> SignatureImage | None:
    return db.session.scalars(select(SignatureImage).where(
        SignatureImage.kind == kind.value, SignatureImage.user_id.is_(user_id)
        if user_id is None else SignatureImage.user_id == user_id,
        SignatureImage.organisation_id.is_(None) if organisation_id is None
        else SignatureImage.organisation_id == organisation_id)).first()


def signature_image(user: User) -> bytes | None:
    row = _image_row(ImageKind.SIGNATURE, user_id=user.id)
    return row.png if row else None


def seal_image(organisation: Organisation) -> bytes | None:
    row = _image_row(ImageKind.SEAL, organisation_id=organisation.id)
    return row.png if row else None


def save_image(kind: ImageKind, png: bytes, *, by: User, user: User | None = None,
               organisation: Organisation | None = None) -> SignatureImage:
    """Store (or replace) a signature or seal image after checking it is a transparent PNG."""
    from ecabinet.signing.images import check_png

    check_png(png, max_bytes=current_app.config["SIGNING_IMAGE_MAX_BYTES"])
    row = _image_row(kind, user_id=user.id if user else None,
                     organisation_id=organisation.id if organisation else None)
    if row is None:
        row = SignatureImage(kind=kind.value, user_id=user.id if user else None,
                             organisation_id=organisation.id if organisation else None, png=png)
        db.session.add(row)
    row.png = png
    row.uploaded_by_id = by.id if by else None
    row.uploaded_at = datetime.now(UTC)
    db.session.flush()
    audit.record(f"signing.{kind.value}_image_uploaded", actor=by, target=row,
                 details={"sha256": hashlib.sha256(png).hexdigest(), "bytes": len(png)})
    return row


# --- checks before signing -----------------------------------------------------------------------

def _refuse_expired(key: SigningKey) -> None:
    now = datetime.now(UTC)
    if key.not_after <= now:
        raise Conflict(_("The certificate expired on %(day)s.", day=f"{key.not_after:%Y-%m-%d}"),
                       code="certificate_expired")
    if key.not_before > now:
        raise Conflict(_("The certificate is not valid yet."), code="certificate_expired")


def _trust_roots() -> list[bytes]:
    from ecabinet.signing import pki

    configured = current_app.config.get("SIGNING_TRUST_ROOTS")
    if configured:
        return [_load_certificate_file(path) for path in configured]
    pki_paths = pki.paths(current_app.config)
    if pki_paths.exists():
        return [pki.root_certificate(pki_paths)]
    return []


def _intermediates() -> list[bytes]:
    from ecabinet.signing import pki

    pki_paths = pki.paths(current_app.config)
    return pki.chain(pki_paths)[:1] if pki_paths.exists() else []


def _load_certificate_file(path) -> bytes:
    from asn1crypto import pem

    data = open(path, "rb").read()  # noqa: SIM115
    if pem.detect(data):
        _kind, _headers, data = pem.unarmor(data)
    return data


def validation_context(*, fetching: bool, extra_certs=()):
    from asn1crypto import x509
    from pyhanko_certvalidator import ValidationContext

    return ValidationContext(
        trust_roots=[x509.Certificate.load(c) for c in _trust_roots()],
        other_certs=[x509.Certificate.load(c) for c in (*_intermediates(), *extra_certs)],
        allow_fetching=fetching, revocation_mode="hard-fail" if fetching else "soft-fail")


_revocation_cache: dict[str, float] = {}
_revocation_lock = threading.Lock()


def check_certificate_status(certificate_der: bytes, *, use_cache: bool = True) -> None:
    """Refuse a revoked, expired or untrusted certificate; OCSP/CRL unreachable → Unavailable.

    A good answer is remembered for :data:`REVOCATION_CACHE_SECONDS` (an OCSP response is
    itself valid for minutes), so a burst of signatures asks the responder once.
    """
    from asn1crypto import x509
    from pyhanko_certvalidator import CertificateValidator
    from pyhanko_certvalidator.errors import (
        ExpiredError,
        InsufficientRevinfoError,
        PathBuildingError,
        PathValidationError,
        RevokedError,
    )

    fingerprint = hashlib.sha256(certificate_der).hexdigest()
    if use_cache:
        with _revocation_lock:
            if _revocation_cache.get(fingerprint, 0) > time.monotonic():
                return
    cert = x509.Certificate.load(certificate_der)
    context = validation_context(fetching=True)

    async def validate():
        try:
            validator = CertificateValidator(cert, validation_context=context)
            await validator.async_validate_usage({"non_repudiation"})
        finally:
            await context.aclose()

    try:
        run_async(validate)
    except RevokedError as exc:
        raise Conflict(_("The certificate has been revoked."), code="certificate_revoked") from exc
    except ExpiredError as exc:
        raise Conflict(_("The certificate has expired."), code="certificate_expired") from exc
    except InsufficientRevinfoError as exc:
        raise Unavailable(_("The certificate status service (OCSP/CRL) cannot be reached. "
                            "Nothing was signed; try again."), code="ocsp_unavailable") from exc
    except (PathBuildingError, PathValidationError) as exc:
        raise Conflict(_("The certificate is not trusted by this system."),
                       code="certificate_untrusted") from exc
    with _revocation_lock:
        _revocation_cache[fingerprint] = time.monotonic() + REVOCATION_CACHE_SECONDS


def _refuse_locked(key: SigningKey) -> None:
    if key.locked:
        raise Conflict(_("This key is locked after too many wrong PINs. An administrator "
                         "must unlock it."), code="pin_locked")


def _count_wrong_pin(key: SigningKey) -> Forbidden:
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


def _pin_ok(key: SigningKey) -> None:
    if key.pin_failures:
        key.pin_failures = 0
        db.session.flush()


def unlock(key: SigningKey, *, by: User | None = None) -> None:
    key.pin_failures = 0
    key.locked_at = None
    db.session.flush()
    audit.record("signing.key_unlocked", actor=by, target=key)


# --- signers -------------------------------------------------------------------------------------

class _WrongPin(Exception):
    pass


def _certificates(key: SigningKey):
    from asn1crypto import x509

    return (x509.Certificate.load(key.certificate),
            [x509.Certificate.load(c) for c in _intermediates()])


class _OpenedKey:
    """A pyHanko signer for a key, with its PKCS#11 session (if any) to close afterwards."""

    def __init__(self, key: SigningKey, pin: str):
        self.key, self.pin, self.session = key, pin, None

    def __enter__(self):
        cert, chain = _certificates(self.key)
        if self.key.store == KeyStore.PKCS12.value:
            return self._pkcs12_signer(cert, chain)
        return self._pkcs11_signer(cert, chain)

    def _pkcs12_signer(self, cert, chain):
        from pyhanko.sign.signers import SimpleSigner

        try:
            signer = SimpleSigner.load_pkcs12_data(self.key.pkcs12, other_certs=chain,
                                                   passphrase=self.pin.encode())
        except ValueError as exc:
            raise _WrongPin() from exc
        if signer is None:
            raise _WrongPin()
        return signer

    def _pkcs11_signer(self, cert, chain):
        import pkcs11
        from pyhanko.sign.pkcs11 import PKCS11Signer

        module = current_app.config["PKCS11_MODULE"]
        tokens.use_softhsm_conf(current_app.config.get("SOFTHSM2_CONF"))
        try:
            token = tokens.find_token(module, self.key.token_label)
        except pkcs11.NoSuchToken as exc:
            raise Conflict(_("The key's token is missing from the key store."),
                           code="token_missing") from exc
        self._counter = tokens.counted_session()
        self._counter.__enter__()
        try:
            self.session = token.open(user_pin=self.pin)
        except (pkcs11.PinIncorrect, pkcs11.PinLenRange, pkcs11.PinInvalid) as exc:
            self._counter.__exit__(None, None, None)
            raise _WrongPin() from exc
        except pkcs11.PinLocked as exc:
            self._counter.__exit__(None, None, None)
            raise Conflict(_("The token has locked this PIN."), code="pin_locked") from exc
        return PKCS11Signer(self.session, cert_label=self.key.key_label,
                            key_label=self.key.key_label, signing_cert=cert, ca_chain=chain)

    def __exit__(self, *exc):
        if self.session is not None:
            try:
                self.session.close()
            finally:
                self._counter.__exit__(None, None, None)


_timestampers: dict[str, object] = {}
_tls_context = None


def _shared_tls_context():
    """One TLS context per process: building one loads the system's CA bundle (~50 ms), and
    pyHanko's time-stamper would build one per request."""
    global _tls_context
    if _tls_context is None:
        import ssl

        _tls_context = ssl.create_default_context()
    return _tls_context


def _timestamper(url: str):
    """One time-stamper per URL and process: pyHanko caches on it the sample token it uses
    to size the signature, which saves a request per signature. Its HTTP session is made per
    request (each signature runs its own event loop) over the shared TLS context."""
    import aiohttp
    from pyhanko.sign.timestamps import HTTPTimeStamper

    class TimeStamper(HTTPTimeStamper):
        @asynccontextmanager
        async def _acquire_session(self):  # pyHanko 0.38's hook (the version is pinned)
            connector = aiohttp.TCPConnector(ssl=_shared_tls_context())
            async with aiohttp.ClientSession(connector=connector) as session:
                yield session

    stamper = _timestampers.get(url)
    if stamper is None:
        stamper = _timestampers[url] = TimeStamper(url, timeout=10)
    return stamper


def _signature_meta(field_name: str, level: str, certify: bool, reason: str | None,
                    context):
    from pyhanko.sign import fields, signers

    return signers.PdfSignatureMetadata(
        field_name=field_name, md_algorithm="sha256", reason=reason, location="Hà Nội",
        subfilter=fields.SigSeedSubFilter.PADES, certify=certify,
        docmdp_permissions=fields.MDPPerm.FILL_FORMS,
        signer_key_usage={"non_repudiation"},
        validation_context=context,
        embed_validation_info=level in ("B-LT", "B-LTA"),
        use_pades_lta=level == "B-LTA")


def _writer(pdf: bytes):
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    try:
        return IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    except Exception as exc:  # noqa: BLE001 - any parser failure means the same to the caller
        raise Invalid(_("This file is not a PDF that can be signed."), code="bad_pdf") from exc


def _field_spec(writer, field_name: str, box, page: int):
    from pyhanko.sign import fields

    if box is None:
        return None
    pages = int(writer.root["/Pages"]["/Count"])
    if not 0 <= page < pages:
        raise Invalid(_("The document has no page %(page)s.", page=page + 1), code="bad_page")
    return fields.SigFieldSpec(sig_field_name=field_name, on_page=page,
                               box=tuple(int(round(v)) for v in box))


def _check_level(level: str) -> None:
    if level not in LEVELS:
        raise Invalid(_("Unknown signature level %(level)s; expected one of %(levels)s.",
                        level=level, levels=", ".join(LEVELS)),
                      code="bad_level")


def add_revocation_info(pdf: bytes) -> bytes:
    """``pdf`` with the validation material of each of its signatures (chains, OCSP responses,
    CRLs, the time stamp's too) added to its DSS in an incremental update — what makes a B-T
    signature long-term. Called before a later signature that embeds its own: validators read
    the DSS of the final document for every signature, and one that finds only the later
    signer's responses there refuses the earlier signer's certificate rather than fetch.
    The responders unreachable: :class:`Unavailable`, as when signing."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation.dss import async_add_validation_info

    context = validation_context(fetching=True)

    async def add() -> bytes:
        try:
            data = pdf
            count = len(PdfFileReader(io.BytesIO(data)).embedded_signatures)
            for index in range(count):
                signature = PdfFileReader(io.BytesIO(data)).embedded_signatures[index]
                data = (await async_add_validation_info(signature, context)).getvalue()
            return data
        finally:
            await context.aclose()

    try:
        return run_async(add)
    except Exception as exc:
        translated = _translate_signing_error(exc)
        if translated is None:
            raise
        raise translated from exc


def _translate_signing_error(exc: BaseException):
    """pyHanko's failures, as the errors of our contract."""
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
        return Conflict(_("The certificate has been revoked."), code="certificate_revoked")
    if any(isinstance(e, InsufficientRevinfoError | aiohttp.ClientError | OSError)
           for e in chain):
        return Unavailable(_("The certificate status service (OCSP/CRL) cannot be reached. "
                             "Nothing was signed; try again."), code="ocsp_unavailable")
    if any(isinstance(e, pkcs11.PKCS11Error) for e in chain):
        return Unavailable(_("The key store failed while signing. Nothing was signed; try again."),
                           code="token_error")
    if isinstance(exc, SigningError):
        return Invalid(_("The document cannot be signed here."), code="bad_pdf")
    return None


def add_signature_fields(pdf: bytes, fields: list[tuple[str, int, tuple]]) -> bytes:
    """Empty signature fields ``(name, page, (x1, y1, x2, y2))`` added in one incremental
    update.

    A certification signature allowing form filling (DocMDP 2) allows later signatures only
    in fields that exist when it is made: create the seal's field (and the attachments')
    before the first signature, then sign into them by name.
    """
    from pyhanko.sign import fields as pdf_fields

    writer = _writer(pdf)
    for name, page, box in fields:
        pdf_fields.append_signature_field(writer, _field_spec(writer, name, box, page))
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def sign_pdf(pdf: bytes, *, key: SigningKey, pin: str, field_name: str, level: str = "B-LT",
             appearance: Appearance | None = None,
             box: tuple[float, float, float, float] | None = None, page: int = 0,
             certify: bool = False, reason: str | None = None) -> bytes:
    """Sign ``pdf`` with ``key`` (unlocked by ``pin``) in an incremental update; return it.

    ``box`` is ``(x1, y1, x2, y2)`` in PDF points from the bottom left of page ``page``
    (0-based); the field is created there unless the document has one named ``field_name``.
    ``certify`` makes a certification signature allowing form filling and later signatures
    — in fields that exist before it: see :func:`add_signature_fields`.

    Raises: Forbidden ``wrong_pin`` (counted), ``certificate_not_enrolled`` (a personal key
    whose certificate is not enrolled for its owner); Conflict ``pin_locked``,
    ``certificate_revoked``, ``certificate_expired``; Unavailable ``tsa_unavailable`` /
    ``ocsp_unavailable`` (nothing changed, retry later); Invalid ``bad_pdf``, ``bad_level``.

    The PIN is never stored nor logged. Nothing is committed: a wrong PIN flushes its counter
    and an audit entry, so call this inside :func:`ecabinet.database.audited_attempt` for the
    count to survive the refusal. Two calls with one key take turns (a lock per key).
    """
    from pyhanko.sign import signers

    _check_level(level)
    _refuse_locked(key)
    _refuse_expired(key)
    if key.user_id is not None:
        # A personal key signs in its owner's name: only with a certificate enrolled for them.
        certificates.require_enrolled(key.user, key.certificate, step="sign")
    check_certificate_status(key.certificate)
    writer = _writer(pdf)
    spec = _field_spec(writer, field_name, box, page)
    moment = datetime.now(UTC)
    from ecabinet.signing.appearance import stamp_style

    style, text_params = stamp_style(appearance, moment)
    timestamper = _timestamper(current_app.config["TSA_URL"]) if level != "B-B" else None
    context = (validation_context(fetching=True) if level in ("B-LT", "B-LTA") else None)
    meta = _signature_meta(field_name, level, certify, reason, context)
    lock_name = f"key-{key.id}-{key.token_label or 'p12'}"

    with tokens.key_lock(lock_name):
        try:
            with _OpenedKey(key, pin) as signer:
                pdf_signer = signers.PdfSigner(meta, signer, timestamper=timestamper,
                                               stamp_style=style, new_field_spec=spec)

                async def sign():
                    try:
                        return await pdf_signer.async_sign_pdf(
                            writer, appearance_text_params=text_params or None,
                            output=io.BytesIO())
                    finally:
                        if context is not None:
                            await context.aclose()

                output = run_async(sign)
        except _WrongPin:
            raise _count_wrong_pin(key) from None
        except (Conflict, Invalid, Unavailable, Forbidden):
            raise
        except Exception as exc:
            translated = _translate_signing_error(exc)
            if translated is None:
                raise
            raise translated from exc
    _pin_ok(key)
    return output.getvalue()


# --- external signer (the key on the signer's own device) ----------------------------------------

def prepare_external(pdf: bytes, *, user: User, certificate: bytes, field_name: str,
                     level: str = "B-LT", appearance: Appearance | None = None,
                     box: tuple[float, float, float, float] | None = None,
                     page: int = 0, certify: bool = False,
                     reason: str | None = None) -> PendingExternal:
    """Prepare ``pdf`` for a signature made on ``user``'s device with ``certificate`` (DER);
    ``certify``: a certification signature (DocMDP: only form filling and more signatures may
    follow), as :func:`sign_pdf` makes it.

    The device signs ``data_to_sign`` (the DER of the CMS signed attributes) with
    ``signature_algorithm`` over ``digest_algorithm`` and sends the raw signature value to
    :func:`finish_external`. The prepared document and pyHanko's state stay in the database,
    expiring after ``EXTERNAL_SIGNATURE_TTL_SECONDS``. Flushes; does not commit.

    The certificate must be enrolled for ``user`` (Forbidden ``certificate_not_enrolled``,
    audited: commit the refusal with :func:`ecabinet.database.audited_attempt`), valid now and
    from a trusted CA, not revoked.
    """
    from asn1crypto import x509
    from pyhanko.sign import signers
    from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    _check_level(level)
    cert, certificate = certificates.parse(certificate)
    certificates.require_enrolled(user, certificate, step="prepare")
    if cert.not_valid_after <= datetime.now(UTC):
        raise Conflict(_("The certificate has expired."), code="certificate_expired")
    check_certificate_status(certificate)
    writer = _writer(pdf)
    spec = _field_spec(writer, field_name, box, page)
    moment = datetime.now(UTC)
    from ecabinet.signing.appearance import stamp_style

    style, text_params = stamp_style(appearance, moment)
    timestamper = _timestamper(current_app.config["TSA_URL"]) if level != "B-B" else None
    context = validation_context(fetching=True) if level in ("B-LT", "B-LTA") else None
    meta = _signature_meta(field_name, level, certify, reason, context)
    chain = [x509.Certificate.load(c) for c in _intermediates()]
    placeholder = signers.ExternalSigner(
        signing_cert=cert, cert_registry=SimpleCertificateStore.from_certs(chain),
        signature_value=bytes(cert.public_key.byte_size))
    pdf_signer = signers.PdfSigner(meta, placeholder, timestamper=timestamper,
                                   stamp_style=style, new_field_spec=spec)

    async def prepare():
        try:
            digest, tbs, output = await pdf_signer.async_digest_doc_for_signing(
                writer, appearance_text_params=text_params or None)
            attributes = await placeholder.signed_attrs(
                digest.document_digest, "sha256", use_pades=True,
                attr_settings=PdfCMSSignedAttributes(signing_time=moment))
            return digest, tbs.post_sign_instructions, output, attributes
        finally:
            if context is not None:
                await context.aclose()

    try:
        digest, instructions, output, attributes = run_async(prepare)
    except (Conflict, Invalid, Unavailable):
        raise
    except Exception as exc:
        translated = _translate_signing_error(exc)
        if translated is None:
            raise
        raise translated from exc
    mechanism = placeholder.get_signature_mechanism_for_digest("sha256")
    ttl = timedelta(seconds=current_app.config["EXTERNAL_SIGNATURE_TTL_SECONDS"])
    row = PendingExternalSignature(
        user_id=user.id, field_name=field_name, level=level, certificate=certificate,
        prepared_pdf=output.getvalue(),
        # Sealed (encrypted and authenticated) under the data key, which is not in the
        # database: unpickling what a database holder wrote would run their code.
        state=at_rest.seal_bytes(pickle.dumps({
            "digest": digest, "instructions": instructions, "attributes": attributes.dump(),
            "mechanism": mechanism.dump()})),
        expires_at=moment + ttl)
    db.session.add(row)
    # Expired preparations are of no use to anyone: drop those a day past their expiry.
    db.session.execute(delete(PendingExternalSignature).where(
        PendingExternalSignature.expires_at < moment - timedelta(days=1)))
    db.session.flush()
    return PendingExternal(
        id=row.id, data_to_sign=base64.b64encode(attributes.dump()).decode(),
        digest_algorithm="sha256", signature_algorithm=mechanism["algorithm"].native,
        expires_at=row.expires_at)


def finish_external(pending_id: int, signature: bytes, *, user: User,
                    prepared_from: bytes | None = None,
                    certificate: bytes | None = None) -> bytes:
    """Embed the device's signature value and return the signed PDF.

    Refuses a pending signature that is someone else's or unknown (NotFound), finished
    (Conflict ``already_finished``) or expired (Conflict ``expired``), one that was not
    prepared on ``prepared_from`` when given — another document, or an earlier text of this one
    (Conflict ``document_changed``) — and a signature value that does not verify against the
    certificate (Invalid ``bad_signature``). The prepared certificate must still be enrolled
    for ``user`` (Forbidden ``certificate_not_enrolled``) and be ``certificate`` when the device
    names one (Forbidden ``certificate_mismatch``); the CMS made is checked to name it and to
    verify over its signed attributes before it goes into the document. Refusals are audited.
    """
    from asn1crypto import algos, cms, x509
    from pyhanko.sign import signers
    from pyhanko.sign.signers.pdf_signer import PdfTBSDocument
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    row = db.session.get(PendingExternalSignature, pending_id, with_for_update=True)
    if row is None or row.user_id != user.id:
        raise NotFound(_("No such pending signature."), code="not_found")
    if row.finished_at is not None:
        raise Conflict(_("This signature was already finished."), code="already_finished")
    if row.expires_at <= datetime.now(UTC):
        raise Conflict(_("This prepared signature expired; prepare it again."), code="expired")
    # The prepared PDF is an incremental update: it starts with the bytes it was prepared on.
    if prepared_from is not None and not row.prepared_pdf.startswith(prepared_from):
        raise Conflict(_("The document changed since this signature was prepared; prepare it "
                         "again."), code="document_changed")
    certificates.require_enrolled(user, row.certificate, step="finish")
    enrolled = certificates.fingerprint(row.certificate)
    if certificate is not None:
        certificates.refuse_mismatch(
            user, enrolled, certificates.fingerprint(certificates.parse(certificate)[1]),
            step="finish")
    sealed = at_rest.unseal_bytes(row.state)
    if sealed is None:  # not written by this server: never unpickled
        log.warning("pending external signature %s: state not sealed by this server", row.id)
        raise Conflict(_("This prepared signature cannot be used; prepare it again."),
                       code="state_invalid")
    state = pickle.loads(sealed)  # noqa: S301 - authenticated above: written by this server
    cert = x509.Certificate.load(row.certificate)
    attributes = cms.CMSAttributes.load(state["attributes"])
    mechanism = algos.SignedDigestAlgorithm.load(state["mechanism"])
    _verify_raw_signature(cert, mechanism, attributes.dump(), signature)
    chain = [x509.Certificate.load(c) for c in _intermediates()]
    external = signers.ExternalSigner(
        signing_cert=cert, cert_registry=SimpleCertificateStore.from_certs(chain),
        signature_value=signature, signature_mechanism=mechanism)
    timestamper = _timestamper(current_app.config["TSA_URL"]) if row.level != "B-B" else None
    context = validation_context(fetching=True) if row.level in ("B-LT", "B-LTA") else None
    output = io.BytesIO(row.prepared_pdf)

    async def finish():
        try:
            signed = await external.async_sign_prescribed_attributes(
                "sha256", signed_attrs=attributes, timestamper=timestamper)
            certificates.check_cms_signer(signed["content"], enrolled)
            await PdfTBSDocument.async_finish_signing(
                output, prepared_digest=state["digest"], signature_cms=signed,
                post_sign_instr=state["instructions"], validation_context=context)
        finally:
            if context is not None:
                await context.aclose()

    try:
        run_async(finish)
    except (Forbidden, Invalid):
        raise
    except Exception as exc:
        translated = _translate_signing_error(exc)
        if translated is None:
            raise
        raise translated from exc
    row.finished_at = datetime.now(UTC)
    db.session.flush()
    return output.getvalue()


def _verify_raw_signature(cert, mechanism, data: bytes, signature: bytes) -> None:
    """Check the device's answer before it goes into the document: a wrong value would make
    a signed PDF that fails validation, and the pending state would be spent for nothing."""
    from cryptography.exceptions import InvalidSignature
    from pyhanko_certvalidator.sig_validate import DefaultSignatureValidator

    try:
        DefaultSignatureValidator().validate_signature(signature, data, cert.public_key,
                                                       mechanism)
    except (InvalidSignature, ValueError, TypeError) as exc:
        raise Invalid(_("The signature value does not match the certificate and the data sent."),
                      code="bad_signature") from exc


# --- validation ----------------------------------------------------------------------------------

def validate_pdf(pdf: bytes, *, trust: list[bytes] | None = None) -> dict:
    """The validation report of every signature in ``pdf`` (see :mod:`.validation`).

    Trusts ``trust`` (DER or PEM certificates) or else the configured roots (the demo root).
    Never fetches anything over the network: revocation data comes from the document.
    """
    from ecabinet.signing.validation import report

    roots = trust if trust is not None else _trust_roots()
    return report(pdf, trust_roots=roots, other_certs=_intermediates(),
                  max_bytes=current_app.config["SIGNING_VALIDATE_MAX_BYTES"])
