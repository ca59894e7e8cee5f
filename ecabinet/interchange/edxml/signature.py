"""The XML signature of a package (XML-DSig, enveloped, RSA-SHA256, X509Data), with signxml.

**Signing.** signxml signs with "a private key": it calls ``key.sign(data, padding,
algorithm)`` on what it is given and never looks inside it. An organisation's seal key lives in
a PKCS#11 token (SoftHSM2 here, an HSM in production) and cannot leave it, so the key handed to
signxml is :class:`_DelegatedKey`, which answers ``sign`` by asking an :class:`XmlSigner` for a
raw PKCS#1 v1.5 signature over the bytes signxml canonicalised. Two signers:

- :class:`KeySigner` — a ``cryptography`` private key (tests, keys kept in files);
- :class:`PyHankoSigner` — any pyHanko signer, in particular the ``PKCS11Signer`` that
  :class:`ecabinet.signing.keys.OpenedKey` opens for a decision's seal (PIN checks, lockout
  and token sessions stay where they are); the token computes the signature.

The XML-DSig processing (canonicalisation, digests, references, KeyInfo) stays signxml's, and
the RSA operation the token's: nothing cryptographic is written here.

**Verifying.** The certificate path is validated with pyhanko-certvalidator against the
configured roots (the engine that validates the PDFs' signatures, with the same revocation
options); signxml then checks the signature against that certificate only
(``x509_cert``), and the package is read from what signxml says was signed (``signed_xml``,
"see what is signed"), never from the document as received.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from lxml import etree

from ecabinet.interchange.edxml import errors
from ecabinet.interchange.edxml.models import NAMESPACE, ORGAN_ID, SignatureInfo

DS = "http://www.w3.org/2000/09/xmldsig#"
#: Subject attributes where a certificate may carry an organisation's identifier:
#: organizationIdentifier (2.5.4.97), UID and serialNumber.
_IDENTIFIER_OIDS = ("2.5.4.97", "0.9.2342.19200300.100.1.1", "2.5.4.5")
#: A signer's certificate and its CAs: a handful; more is an attempt to make us work.
MAX_CERTIFICATES = 10


class XmlSigner(Protocol):
    certificate: bytes  # the signer's certificate, DER
    chain: tuple[bytes, ...]  # intermediate CA certificates (DER), put in X509Data after it

    def sign_raw(self, data: bytes) -> bytes:
        """RSA PKCS#1 v1.5 signature of ``data`` with SHA-256."""


@dataclass(frozen=True)
class KeySigner:
    """Signs with a ``cryptography`` RSA private key."""

    private_key: object
    certificate: bytes
    chain: tuple[bytes, ...] = ()

    def sign_raw(self, data: bytes) -> bytes:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        return self.private_key.sign(data, padding.PKCS1v15(), hashes.SHA256())


class PyHankoSigner:
    """Signs with a pyHanko ``Signer`` (``PKCS11Signer`` for a token, ``SimpleSigner`` for a
    PKCS#12): the same object that seals the decision's PDF signs its package."""

    def __init__(self, signer):
        mechanism = signer.get_signature_mechanism_for_digest("sha256").signature_algo
        if mechanism not in ("sha256_rsa", "rsassa_pkcs1v15"):
            # XML-DSig's rsa-sha256 is PKCS#1 v1.5; a PSS or EC key would need another method.
            raise ValueError(f"unsupported signature mechanism {mechanism}")
        self.signer = signer
        self.certificate = signer.signing_cert.dump()
        self.chain = tuple(cert.dump() for cert in signer.cert_registry
                           if cert.dump() != self.certificate)

    def sign_raw(self, data: bytes) -> bytes:
        from ecabinet.asyncio_bridge import run_async

        return run_async(lambda: self.signer.async_sign_raw(data, "sha256"))


class _DelegatedKey:
    """What signxml takes for an RSA private key: ``sign`` is delegated to an XmlSigner."""

    def __init__(self, signer: XmlSigner):
        from cryptography import x509

        self.signer = signer
        self._public = x509.load_der_x509_certificate(signer.certificate).public_key()
        self.key_size = self._public.key_size

    def public_key(self):
        return self._public

    def sign(self, data: bytes, padding, algorithm) -> bytes:
        from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15

        if not isinstance(padding, PKCS1v15) or algorithm.name != "sha256":
            raise ValueError("only rsa-sha256 (PKCS#1 v1.5) is delegated")
        return self.signer.sign_raw(data)


def sign(root: etree._Element, signer: XmlSigner) -> etree._Element:
    """``root`` (an unsigned package or status) signed: an enveloped signature over the whole
    document (reference URI ""), placed last in edXMLHeader, with the certificate chain."""
    from cryptography import x509
    from signxml import CanonicalizationMethod, DigestAlgorithm, SignatureMethod, XMLSigner
    from signxml.algorithms import SignatureConstructionMethod

    header = root.find(f"{{{NAMESPACE}}}edXMLEnvelope/{{{NAMESPACE}}}edXMLHeader")
    etree.SubElement(header, f"{{{DS}}}Signature", Id="placeholder", nsmap={"ds": DS})
    certificates = [x509.load_der_x509_certificate(c) for c in (signer.certificate, *signer.chain)]
    xml_signer = XMLSigner(method=SignatureConstructionMethod.enveloped,
                           signature_algorithm=SignatureMethod.RSA_SHA256,
                           digest_algorithm=DigestAlgorithm.SHA256,
                           # C14N 1.0, not signxml's default 1.1: the exchange service's SDKs
                           # are .NET and Java, and .NET's SignedXml has no C14N 1.1.
                           c14n_algorithm=CanonicalizationMethod.CANONICAL_XML_1_0)
    return xml_signer.sign(root, key=_DelegatedKey(signer), cert=certificates)


# --- verifying ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Trust:
    """What a package's signature must chain to.

    ``known_certificates(organ_id)`` (optional) gives the certificates (DER) the organisations
    directory holds for a sender: used to tie the signer to the From organisation when the
    certificate itself carries no identifier.
    """

    roots: tuple[bytes, ...]
    intermediates: tuple[bytes, ...] = ()
    #: Ask OCSP/CRL (hard-fail) about the signer's certificate; off, revocation is not checked.
    fetch_revocation: bool = False
    known_certificates: Callable[[str], Iterable[bytes]] | None = None


def _certificates(signature: etree._Element) -> list[bytes]:
    texts = signature.findall(f"{{{DS}}}KeyInfo/{{{DS}}}X509Data/{{{DS}}}X509Certificate")
    try:
        return [base64.b64decode("".join((t.text or "").split()), validate=True) for t in texts]
    except ValueError as exc:
        raise errors.BadSignature("an X509Certificate is not base64") from exc


def _validate_path(leaf: bytes, others: list[bytes], trust: Trust) -> None:
    from asn1crypto import x509
    from pyhanko_certvalidator import CertificateValidator, ValidationContext
    from pyhanko_certvalidator import errors as path_errors

    from ecabinet.asyncio_bridge import run_async

    try:
        certificate = x509.Certificate.load(leaf)
        context = ValidationContext(
            trust_roots=[x509.Certificate.load(c) for c in trust.roots],
            other_certs=[x509.Certificate.load(c) for c in (*others, *trust.intermediates)],
            allow_fetching=trust.fetch_revocation,
            revocation_mode="hard-fail" if trust.fetch_revocation else "soft-fail")
        certificate.native  # noqa: B018 - parse it all now: a broken certificate is refused here
    except ValueError as exc:
        raise errors.BadSignature(f"a certificate cannot be read: {exc}") from exc

    async def validate():
        try:
            validator = CertificateValidator(certificate, validation_context=context)
            await validator.async_validate_usage({"digital_signature"})
        finally:
            await context.aclose()

    try:
        run_async(validate)
    except (path_errors.PathError, path_errors.ValidationError) as exc:
        raise errors.UntrustedCertificate(str(exc)) from exc


def verify(root: etree._Element, trust: Trust, parser) -> tuple[etree._Element, SignatureInfo]:
    """Check the one enveloped signature of ``root``; return what it signed and who signed.

    Refuses (:mod:`.errors`): no signature (Unsigned), several, one that does not cover the
    whole document, a broken one (BadSignature), a certificate that does not chain to
    ``trust`` (UntrustedCertificate).
    """
    from cryptography import x509 as crypto_x509
    from signxml import SignatureConfiguration, SignatureMethod, XMLVerifier
    from signxml.exceptions import SignXMLException

    signatures = root.findall(f".//{{{DS}}}Signature")
    if not signatures:
        raise errors.Unsigned()
    if len(signatures) > 1:
        raise errors.BadSignature("more than one ds:Signature")
    certificates = _certificates(signatures[0])
    if not certificates:
        raise errors.BadSignature("no X509Certificate in the signature's KeyInfo")
    if len(certificates) > MAX_CERTIFICATES:  # each one is parsed and offered to path building
        raise errors.BadSignature(f"{len(certificates)} certificates in X509Data")
    # By convention (and as signxml writes it) the signer's certificate comes first.
    leaf, others = certificates[0], certificates[1:]
    _validate_path(leaf, others, trust)
    config = SignatureConfiguration(
        location=f"./{{{NAMESPACE}}}edXMLEnvelope/{{{NAMESPACE}}}edXMLHeader/",
        expect_references=1,
        signature_methods=frozenset({SignatureMethod.RSA_SHA256, SignatureMethod.RSA_SHA384,
                                     SignatureMethod.RSA_SHA512}))
    try:
        result = XMLVerifier().verify(root, x509_cert=crypto_x509.load_der_x509_certificate(leaf),
                                      parser=parser, expect_config=config)
    except SignXMLException as exc:
        raise errors.BadSignature(str(exc)) from exc
    except Exception as exc:
        # signxml lets lxml's and its own lookups fail on a signature missing a part
        # (DocumentInvalid, TypeError on a missing value…): on hostile input, any failure of
        # the verifier is a refusal — fail closed, with the class in the detail for the log.
        raise errors.BadSignature(f"{type(exc).__name__}: {exc}") from exc
    references = result.signature_xml.findall(f"{{{DS}}}SignedInfo/{{{DS}}}Reference")
    if len(references) != 1 or references[0].get("URI") != "":
        raise errors.BadSignature("the signature must cover the whole document (URI=\"\")")
    signed = result.signed_xml
    if signed is None or signed.tag != root.tag:
        raise errors.BadSignature("the signed data is not the package")
    subject = crypto_x509.load_der_x509_certificate(leaf).subject.rfc4514_string()
    return signed, SignatureInfo(certificate=leaf, subject=subject, organisation_matched=False)


def identifiers_in(certificate: bytes) -> set[str]:
    """The organisation identifiers (mã định danh) found in the certificate's subject."""
    from cryptography import x509

    subject = x509.load_der_x509_certificate(certificate).subject
    found = set()
    for attribute in subject:
        if attribute.oid.dotted_string in _IDENTIFIER_OIDS:
            found.update(re.findall(ORGAN_ID.pattern, str(attribute.value)))
    return found


def check_signer(info: SignatureInfo, organ_id: str, trust: Trust) -> SignatureInfo:
    """Tie the signer to the sending organisation where possible: an identifier in the
    certificate must be the sender's; else a certificate the directory knows for the sender
    must be this one. With neither, the result says it could not be checked."""
    found = identifiers_in(info.certificate)
    if found:
        if organ_id not in found:
            raise errors.SignerMismatch(f"certificate of {sorted(found)}, sender {organ_id}")
        return SignatureInfo(info.certificate, info.subject, organisation_matched=True)
    known = list(trust.known_certificates(organ_id)) if trust.known_certificates else []
    if known:
        if info.certificate not in known:
            raise errors.SignerMismatch(f"not a certificate known for {organ_id}")
        return SignatureInfo(info.certificate, info.subject, organisation_matched=True)
    return info
