"""What this server trusts, and whether a certificate may sign now.

The trusted roots are the configured ones (``SIGNING_TRUST_ROOTS``) or else the demo PKI's root;
the PKI's signing CA is the intermediate offered with every chain. Before a key signs,
:func:`check_certificate_status` asks OCSP/CRL about its certificate, remembering a good answer
for a minute.
"""

from __future__ import annotations

import hashlib
import threading
import time

from flask import current_app

from ecabinet.asyncio_bridge import run_async
from ecabinet.signing import pki
from ecabinet.signing.failures import During, translated

#: A certificate found good by OCSP is not asked about again for this long (seconds).
REVOCATION_CACHE_SECONDS = 60


def trust_roots() -> list[bytes]:
    """The roots trusted by this server (DER)."""
    configured = current_app.config.get("SIGNING_TRUST_ROOTS")
    if configured:
        return [_load_certificate_file(path) for path in configured]
    pki_paths = pki.paths(current_app.config)
    if pki_paths.exists():
        return [pki.root_certificate(pki_paths)]
    return []


def intermediates() -> list[bytes]:
    """The demo PKI's signing CA (DER), when there is a demo PKI."""
    pki_paths = pki.paths(current_app.config)
    return pki.chain(pki_paths)[:1] if pki_paths.exists() else []


def intermediate_certificates():
    """:func:`intermediates`, parsed (asn1crypto)."""
    from asn1crypto import x509

    return [x509.Certificate.load(c) for c in intermediates()]


def _load_certificate_file(path) -> bytes:
    from asn1crypto import pem

    with open(path, "rb") as file:
        data = file.read()
    if pem.detect(data):
        _kind, _headers, data = pem.unarmor(data)
    return data


def validation_context(*, fetching: bool, extra_certs=()):
    from asn1crypto import x509
    from pyhanko_certvalidator import ValidationContext

    return ValidationContext(
        trust_roots=[x509.Certificate.load(c) for c in trust_roots()],
        other_certs=[x509.Certificate.load(c) for c in (*intermediates(), *extra_certs)],
        allow_fetching=fetching, revocation_mode="hard-fail" if fetching else "soft-fail")


def fetching_context(level: str):
    """The context that fetches revocation data for a signature of ``level`` to embed (B-LT,
    B-LTA); None for the levels that embed none."""
    return validation_context(fetching=True) if level in ("B-LT", "B-LTA") else None


_revocation_cache: dict[str, float] = {}
_revocation_lock = threading.Lock()


def check_certificate_status(certificate_der: bytes, *, use_cache: bool = True) -> None:
    """Refuse a revoked, expired or untrusted certificate; OCSP/CRL unreachable → Unavailable.

    A good answer is remembered for :data:`REVOCATION_CACHE_SECONDS` (an OCSP response is
    itself valid for minutes), so a burst of signatures asks the responder once.
    """
    from asn1crypto import x509
    from pyhanko_certvalidator import CertificateValidator

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

    with translated(During.STATUS):
        run_async(validate)
    with _revocation_lock:
        _revocation_cache[fingerprint] = time.monotonic() + REVOCATION_CACHE_SECONDS
