"""Signatures made on the signer's own device (the key never reaches the server), in two steps.

:func:`prepare_external` prepares the document and answers what the device must sign (the DER
of the CMS signed attributes); the device signs it and :func:`finish_external` embeds its
signature value. Between the two, the prepared document and pyHanko's state wait in the
database, sealed under the data key, for ``EXTERNAL_SIGNATURE_TTL_SECONDS``.
"""

from __future__ import annotations

import base64
import io
import logging
import pickle  # noqa: S403 - only our own state, written by this server into its database
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete

from ecabinet.asyncio_bridge import run_async
from ecabinet.errors import Conflict, NotFound
from ecabinet.extensions import db
from ecabinet.identity import at_rest
from ecabinet.signing import certificates
from ecabinet.signing.appearance import Appearance
from ecabinet.signing.failures import During, translated
from ecabinet.signing.models import PendingExternalSignature
from ecabinet.signing.pades import check_level, closing, set_up, timestamper_for
from ecabinet.signing.trust import (
    check_certificate_status,
    fetching_context,
    intermediate_certificates,
)

if TYPE_CHECKING:  # pragma: no cover
    from ecabinet.identity.models import User

log = logging.getLogger(__name__)


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


def _external_signer(cert, **signature):
    """pyHanko's signer for a signature value made elsewhere, with the PKI's chain."""
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    return signers.ExternalSigner(
        signing_cert=cert,
        cert_registry=SimpleCertificateStore.from_certs(intermediate_certificates()),
        **signature)


def prepare_external(pdf: bytes, *, user: User, certificate: bytes, field_name: str,
                     level: str = "B-LT", appearance: Appearance | None = None,
                     box: tuple[float, float, float, float] | None = None,
                     page: int = 0, certify: bool = False,
                     reason: str | None = None) -> PendingExternal:
    """Prepare ``pdf`` for a signature made on ``user``'s device with ``certificate`` (DER);
    ``certify``: a certification signature (DocMDP: only form filling and more signatures may
    follow), as :func:`ecabinet.signing.pades.sign_pdf` makes it.

    The device signs ``data_to_sign`` (the DER of the CMS signed attributes) with
    ``signature_algorithm`` over ``digest_algorithm`` and sends the raw signature value to
    :func:`finish_external`. The prepared document and pyHanko's state stay in the database,
    expiring after ``EXTERNAL_SIGNATURE_TTL_SECONDS``. Flushes; does not commit.

    The certificate must be enrolled for ``user`` (Forbidden ``certificate_not_enrolled``,
    audited: commit the refusal with :func:`ecabinet.database.audited_attempt`), valid now and
    from a trusted CA, not revoked.
    """
    from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes

    check_level(level)
    cert, certificate = certificates.parse(certificate)
    certificates.require_enrolled(user, certificate, step="prepare")
    if cert.not_valid_after <= datetime.now(UTC):
        raise Conflict(_("The certificate has expired."), code="certificate_expired")
    check_certificate_status(certificate)
    setup = set_up(pdf, field_name=field_name, level=level, appearance=appearance, box=box,
                   page=page, certify=certify, reason=reason)
    moment = setup.moment
    placeholder = _external_signer(cert, signature_value=bytes(cert.public_key.byte_size))
    pdf_signer = setup.pdf_signer(placeholder)

    async def prepare():
        async with closing(setup.context):
            digest, tbs, output = await pdf_signer.async_digest_doc_for_signing(
                setup.writer, appearance_text_params=setup.text_params)
            attributes = await placeholder.signed_attrs(
                digest.document_digest, "sha256", use_pades=True,
                attr_settings=PdfCMSSignedAttributes(signing_time=moment))
            return digest, tbs.post_sign_instructions, output, attributes

    with translated(During.SIGNING):
        digest, instructions, output, attributes = run_async(prepare)
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
    from pyhanko.sign.signers.pdf_signer import PdfTBSDocument

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
    external = _external_signer(cert, signature_value=signature, signature_mechanism=mechanism)
    timestamper = timestamper_for(row.level)
    context = fetching_context(row.level)
    output = io.BytesIO(row.prepared_pdf)

    async def finish():
        async with closing(context):
            signed = await external.async_sign_prescribed_attributes(
                "sha256", signed_attrs=attributes, timestamper=timestamper)
            certificates.check_cms_signer(signed["content"], enrolled)
            await PdfTBSDocument.async_finish_signing(
                output, prepared_digest=state["digest"], signature_cms=signed,
                post_sign_instr=state["instructions"], validation_context=context)

    with translated(During.SIGNING):
        run_async(finish)
    row.finished_at = datetime.now(UTC)
    db.session.flush()
    return output.getvalue()


def _verify_raw_signature(cert, mechanism, data: bytes, signature: bytes) -> None:
    """Check the device's answer before it goes into the document: a wrong value would make
    a signed PDF that fails validation, and the pending state would be spent for nothing."""
    from pyhanko_certvalidator.sig_validate import DefaultSignatureValidator

    with translated(During.SIGNATURE_VALUE):
        DefaultSignatureValidator().validate_signature(signature, data, cert.public_key,
                                                       mechanism)
