"""PAdES signatures made by the server's keys: :func:`sign_pdf`, with what comes before and
after it (empty signature fields for later signatures, revocation data for earlier ones).

Levels B-B to B-LTA: B-T adds a time-stamp from ``TSA_URL``, B-LT the revocation data of the
chain (fetched now, embedded), B-LTA a document time-stamp over it all. Errors are
``ecabinet.errors`` subclasses with stable codes (see :func:`sign_pdf`).
"""

from __future__ import annotations

import io
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from flask import current_app
from flask_babel import gettext as _

from ecabinet.asyncio_bridge import run_async
from ecabinet.errors import Invalid
from ecabinet.signing import certificates, keys, tokens
from ecabinet.signing.appearance import Appearance, stamp_style
from ecabinet.signing.failures import During, WrongPin, translated
from ecabinet.signing.trust import check_certificate_status, fetching_context, validation_context

if TYPE_CHECKING:  # pragma: no cover
    from ecabinet.signing.models import SigningKey

LEVELS = ("B-B", "B-T", "B-LT", "B-LTA")


# --- the time-stamping service -------------------------------------------------------------------

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


def timestamper_for(level: str):
    """The configured TSA's time-stamper for a signature of ``level``; None for B-B."""
    return _timestamper(current_app.config["TSA_URL"]) if level != "B-B" else None


@asynccontextmanager
async def closing(context):
    """Close a validation context (its HTTP sessions) after the block; None is nothing."""
    try:
        yield
    finally:
        if context is not None:
            await context.aclose()


# --- the document and the field ------------------------------------------------------------------

def check_level(level: str) -> None:
    if level not in LEVELS:
        raise Invalid(_("Unknown signature level %(level)s; expected one of %(levels)s.",
                        level=level, levels=", ".join(LEVELS)),
                      code="bad_level")


def _writer(pdf: bytes):
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    with translated(During.OPENING_PDF):
        return IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)


def _field_spec(writer, field_name: str, box, page: int):
    from pyhanko.sign import fields

    if box is None:
        return None
    pages = int(writer.root["/Pages"]["/Count"])
    if not 0 <= page < pages:
        raise Invalid(_("The document has no page %(page)s.", page=page + 1), code="bad_page")
    return fields.SigFieldSpec(sig_field_name=field_name, on_page=page,
                               box=tuple(int(round(v)) for v in box))


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


@dataclass(frozen=True)
class Setup:
    """One signature of one field, ready for a signer: see :func:`set_up`."""

    writer: object  # the incremental update being written
    moment: datetime  # the signing time shown in the stamp
    text_params: dict | None  # the stamp's text parameters
    context: object  # the fetching validation context (B-LT, B-LTA), closed after signing
    spec: object  # the new field, or None for an existing one
    style: object  # the stamp, or None for an invisible signature
    timestamper: object
    meta: object

    def pdf_signer(self, signer):
        """A pyHanko signer whose signing time is :attr:`moment`, the one the stamp shows.

        pyHanko reads the clock again when its signing session starts (for the signed
        ``signingTime`` attribute and the signature's /M), after the stamp's text was made —
        a second or more later when the font is loaded in between — so the seal showed a
        time the signature did not claim. The session takes ours instead."""
        from pyhanko.sign import signers

        moment = self.moment

        class AtMoment(signers.PdfSigner):
            def init_signing_session(self, pdf_out, existing_fields_only=False):
                session = super().init_signing_session(
                    pdf_out, existing_fields_only=existing_fields_only)
                session.system_time = moment
                return session

        return AtMoment(self.meta, signer, timestamper=self.timestamper,
                        stamp_style=self.style, new_field_spec=self.spec)


def set_up(pdf: bytes, *, field_name: str, level: str, appearance: Appearance | None,
           box, page: int, certify: bool, reason: str | None) -> Setup:
    """Open ``pdf`` for a signature in ``field_name`` (created at ``box`` on ``page`` unless
    it exists) at ``level``, with its stamp, time-stamper and validation context."""
    writer = _writer(pdf)
    spec = _field_spec(writer, field_name, box, page)
    # Whole seconds: the stamp shows seconds, and the signature claims this very time.
    moment = datetime.now(UTC).replace(microsecond=0)
    style, text_params = stamp_style(appearance, moment)
    timestamper = timestamper_for(level)
    context = fetching_context(level)
    meta = _signature_meta(field_name, level, certify, reason, context)
    return Setup(writer=writer, moment=moment, text_params=text_params or None,
                 context=context, spec=spec, style=style, timestamper=timestamper, meta=meta)


# --- before and after a signature ----------------------------------------------------------------

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
        async with closing(context):
            data = pdf
            count = len(PdfFileReader(io.BytesIO(data)).embedded_signatures)
            for index in range(count):
                signature = PdfFileReader(io.BytesIO(data)).embedded_signatures[index]
                data = (await async_add_validation_info(signature, context)).getvalue()
            return data

    with translated(During.SIGNING):
        return run_async(add)


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


# --- signing -------------------------------------------------------------------------------------

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
    check_level(level)
    keys.refuse_locked(key)
    keys.refuse_expired(key)
    if key.user_id is not None:
        # A personal key signs in its owner's name: only with a certificate enrolled for them.
        certificates.require_enrolled(key.user, key.certificate, step="sign")
    check_certificate_status(key.certificate)
    setup = set_up(pdf, field_name=field_name, level=level, appearance=appearance, box=box,
                   page=page, certify=certify, reason=reason)
    lock_name = f"key-{key.id}-{key.token_label or 'p12'}"

    with tokens.key_lock(lock_name):
        try:
            with translated(During.SIGNING), keys.OpenedKey(key, pin) as signer:
                pdf_signer = setup.pdf_signer(signer)

                async def sign():
                    async with closing(setup.context):
                        return await pdf_signer.async_sign_pdf(
                            setup.writer, appearance_text_params=setup.text_params,
                            output=io.BytesIO())

                output = run_async(sign)
        except WrongPin:
            raise keys.count_wrong_pin(key) from None
    keys.pin_ok(key)
    return output.getvalue()
