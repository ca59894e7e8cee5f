"""edXML (QCVN 102:2016/BTTTT): the package in which official documents travel between
organisations over the national interchange axis, and the status messages that answer it.

The public API (plain values, no database)::

    build(package, *, signer=None) -> bytes              # builder
    build_status(status, *, signer=None) -> bytes
    parse(data, *, trust, max_bytes=..., limits=...) -> Package          # reader, hardened
    parse_status(data, *, trust=None, max_bytes=...) -> Status
    KeySigner(private_key, certificate, chain) / PyHankoSigner(pyhanko_signer)   # signature
    Trust(roots, intermediates=(), fetch_revocation=False, known_certificates=None)

Every refusal of ``parse``/``parse_status`` is an :class:`errors.PackageRefused` with a
``reason`` code, to quarantine the package and answer status 02 with it.
"""

from ecabinet.interchange.edxml.builder import build, build_status
from ecabinet.interchange.edxml.errors import PackageRefused
from ecabinet.interchange.edxml.models import (
    Attachment,
    Business,
    Code,
    DocumentId,
    DocumentType,
    Organisation,
    OtherInfo,
    Package,
    PromulgationInfo,
    ResponseFor,
    SignatureInfo,
    SignerInfo,
    StaffInfo,
    Status,
    StatusCode,
    TraceHeader,
)
from ecabinet.interchange.edxml.reader import (
    MAX_PACKAGE_BYTES,
    MAX_STATUS_BYTES,
    Limits,
    parse,
    parse_status,
)
from ecabinet.interchange.edxml.signature import KeySigner, PyHankoSigner, Trust, XmlSigner

__all__ = [
    "MAX_PACKAGE_BYTES", "MAX_STATUS_BYTES", "Attachment", "Business", "Code", "DocumentId",
    "DocumentType", "KeySigner", "Limits", "Organisation", "OtherInfo", "Package", "PackageRefused",
    "PromulgationInfo", "PyHankoSigner", "ResponseFor", "SignatureInfo", "SignerInfo",
    "StaffInfo", "Status", "StatusCode", "TraceHeader", "Trust", "XmlSigner", "build",
    "build_status", "parse", "parse_status",
]
