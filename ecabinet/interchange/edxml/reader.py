"""Reading a package or a status message that came from outside: every step a refusal with a
reason (:mod:`.errors`), in the order that spends the least on a hostile input.

1. the size and the number of tags and attributes, before anything is parsed;
2. lxml with no network, no DTD loading, no entity substitution and libxml2's default limits
   (``huge_tree`` off: no text node over 10 MB, no nesting over 256 levels) — then any DOCTYPE
   or entity left in the tree is refused: edXML needs neither, and they carry XXE and billion
   laughs;
3. the XSD (edxml.xsd / edxml-status.xsd);
4. the XML signature (:mod:`.signature`), and from then on only what it signed is read;
5. the attachments: each base64 text measured before it is decoded, decoded strictly, and the
   manifest's references matched one to one with the attachments;
6. the identifiers: DocumentId agrees with From, Code and PromulgationDate.
"""

from __future__ import annotations

import base64
import binascii
import threading
from dataclasses import dataclass, replace
from pathlib import Path

from lxml import etree

from ecabinet.interchange.edxml import errors
from ecabinet.interchange.edxml.models import (
    NAMESPACE,
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
    SignerInfo,
    StaffInfo,
    Status,
    StatusCode,
    TraceHeader,
    parse_date,
    parse_timestamp,
)
from ecabinet.interchange.edxml.signature import Trust, check_signer, verify

#: A package larger than this is refused unread (a 5 MB PDF is ~6.7 MB of base64).
MAX_PACKAGE_BYTES = 20 * 1024 * 1024
MAX_STATUS_BYTES = 64 * 1024
#: At most this many ``<`` and ``=`` in a document (tags and attributes), counted before
#: parsing: 20 MB of ``<a/>`` is five million elements, which libxml2 builds in ~600 MB and 4 s,
#: and 1 MB of attributes on one element took 1.2 s and 120 MB. A package has a few hundred
#: (18 per recipient); base64 has no ``<`` and ``=`` only as its last padding.
MAX_MARKUP = 50_000
_HERE = Path(__file__).resolve().parent
_N = f"{{{NAMESPACE}}}"


@dataclass(frozen=True)
class Limits:
    """Bounds on the attachments. libxml2 refuses a text node over 10,000,000 characters
    without ``huge_tree`` (which we keep off), so one attachment cannot exceed ~7.4 MB."""

    max_attachments: int = 20
    max_attachment_bytes: int = 7 * 1024 * 1024
    max_total_bytes: int = 14 * 1024 * 1024


def _parser() -> etree.XMLParser:
    # A new parser per call: an lxml parser is not safe to share between threads.
    # Processing instructions and comments are kept: they may be part of what was signed.
    # UTF-8 whatever the declaration says (edXML is UTF-8): a document in UTF-32 or EBCDIC
    # could otherwise hide its DOCTYPE from the scan of the bytes (_refuse_declarations).
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False, collect_ids=False,
                           encoding="utf-8")


_schemas = threading.local()


def _schema(name: str) -> etree.XMLSchema:
    """Our own XSD files, compiled once per thread (the include, edxml-types.xsd, is resolved
    beside them): lxml does not promise that one validator may validate in two threads."""
    cached = getattr(_schemas, name, None)
    if cached is None:
        cached = etree.XMLSchema(etree.parse(str(_HERE / name)))
        setattr(_schemas, name, cached)
    return cached


#: Markup that only a DTD uses. Found anywhere in the bytes (even in a comment or CDATA, which
#: edXML does not need either), the document is refused before libxml2 sees it: libxml2 would
#: otherwise try to load an external DTD (which ``no_network`` turns into a parse error, not a
#: refusal for the right reason) and expand entities up to its amplification limit. The parser
#: reads UTF-8 only, so these bytes are the only way to write them.
_DTD_MARKUP = (b"<!DOCTYPE", b"<!ENTITY")


def _refuse_declarations(data: bytes) -> None:
    for marker in _DTD_MARKUP:
        if marker in data:
            raise errors.ForbiddenDtd(marker.decode())


def _load(data: bytes, max_bytes: int, schema: str) -> tuple[etree._Element, etree.XMLParser]:
    if not isinstance(data, bytes | bytearray):
        raise TypeError("edXML is read from bytes")
    data = bytes(data)
    if len(data) > max_bytes:
        raise errors.TooLarge(f"{len(data)} bytes, at most {max_bytes}")
    if data.count(b"<") + data.count(b"=") > MAX_MARKUP:
        raise errors.TooLarge(f"more than {MAX_MARKUP} tags and attributes")
    _refuse_declarations(data)
    parser = _parser()
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        if "limit" in str(exc).lower() or "huge" in str(exc).lower():
            raise errors.TooLarge(str(exc)) from exc
        raise errors.NotWellFormed(str(exc)) from exc
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise errors.ForbiddenDtd(docinfo.doctype or "DTD")
    if next(root.iter(etree.Entity), None) is not None:
        raise errors.ForbiddenDtd("entity reference")
    xsd = _schema(schema)
    if not xsd.validate(root):
        error = xsd.error_log.last_error
        raise errors.SchemaInvalid(f"line {error.line}: {error.message}")
    return root, parser


# --- small readers over a validated tree ----------------------------------------------------

def _text(parent, name: str) -> str:
    element = parent.find(_N + name)
    return (element.text or "") if element is not None else ""


def _int(parent, name: str, default: int | None = None) -> int | None:
    element = parent.find(_N + name)
    return int(element.text) if element is not None and element.text else default


def _organisation(element) -> Organisation:
    return Organisation(
        organ_id=_text(element, "OrganId"), organ_name=_text(element, "OrganName"),
        organization_in_charge=_text(element, "OrganizationInCharge"),
        organ_add=_text(element, "OrganAdd"), email=_text(element, "Email"),
        telephone=_text(element, "Telephone"), fax=_text(element, "Fax"),
        website=_text(element, "Website"))


def _date(text: str, what: str):
    try:
        return parse_date(text)
    except ValueError as exc:  # the XSD's pattern lets 2026/13/45 through
        raise errors.SchemaInvalid(f"{what}: {text!r} is not a date") from exc


def _response_for(element) -> ResponseFor:
    return ResponseFor(organ_id=_text(element, "OrganId"), code=_text(element, "Code"),
                       promulgation_date=_date(_text(element, "PromulgationDate"),
                                               "ResponseFor/PromulgationDate"),
                       document_id=_text(element, "DocumentId"))


def _timestamp(text: str, what: str):
    try:
        return parse_timestamp(text)
    except ValueError as exc:
        raise errors.SchemaInvalid(f"{what}: {text!r} is not a timestamp") from exc


def _other_info(element) -> OtherInfo | None:
    if element is None:
        return None
    appendixes = element.find(_N + "Appendixes")
    return OtherInfo(
        priority=_int(element, "Priority", 0),
        sphere_of_promulgation=_text(element, "SphereOfPromulgation"),
        typer_notation=_text(element, "TyperNotation"),
        promulgation_amount=_int(element, "PromulgationAmount", 1),
        page_amount=_int(element, "PageAmount", 1),
        appendixes=tuple(a.text or "" for a in appendixes.iter(_N + "Appendix"))
        if appendixes is not None else ())


def _staff(element) -> StaffInfo | None:
    if element is None:
        return None
    return StaffInfo(_text(element, "Department"), _text(element, "Staff"),
                     _text(element, "Mobile"), _text(element, "Email"))


def _business(element) -> Business | None:
    """Bussiness's content is not in the XSD (the SDKs add elements to it for updates), so
    the parts read here are checked here."""
    if element is None:
        return None
    try:
        return Business(doc_type=int(_text(element, "BussinessDocType")),
                        reason=_text(element, "BussinessDocReason")[:2000],
                        paper=int(_text(element, "Paper") or 0),
                        staff=_staff(element.find(_N + "StaffInfo")))
    except ValueError as exc:
        raise errors.SchemaInvalid(f"Bussiness: {exc}") from exc


def _decode(encoded: str, content_id: str, limits: Limits) -> bytes:
    # Measured before decoding: base64 is 4 characters per 3 bytes, plus line breaks.
    if len(encoded) > limits.max_attachment_bytes * 4 // 3 * 1.1 + 1024:
        raise errors.TooLarge(f"attachment {content_id}: {len(encoded)} base64 characters")
    compact = "".join(encoded.split())
    try:
        data = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise errors.BadAttachment(f"attachment {content_id} is not base64: {exc}") from exc
    if len(data) > limits.max_attachment_bytes:
        raise errors.TooLarge(f"attachment {content_id}: {len(data)} bytes")
    return data


def _attachments(root, envelope, limits: Limits) -> tuple[Attachment, ...]:
    """The attachments, each matched with the manifest's reference of the same ContentId."""
    references = envelope.findall(f"{_N}edXMLBody/{_N}edXMLManifest/{_N}Reference")
    items = root.findall(f"{_N}AttachmentEncoded/{_N}Attachment")
    if len(items) > limits.max_attachments:
        raise errors.TooLarge(f"{len(items)} attachments, at most {limits.max_attachments}")

    def cid(text: str) -> str:
        return text[4:] if text.startswith("cid:") else text

    manifest = {}
    for reference in references:
        key = cid(_text(reference, "ContentId"))
        if key in manifest:
            raise errors.ManifestMismatch(f"ContentId {key} referenced twice")
        manifest[key] = (_text(reference, "AttachmentName"), _text(reference, "ContentType"))
    attachments, total = [], 0
    for item in items:
        key = cid(_text(item, "ContentId"))
        name, content_type = _text(item, "AttachmentName"), _text(item, "ContentType")
        if key not in manifest:
            raise errors.ManifestMismatch(f"attachment {key} is not in the manifest")
        if manifest.pop(key) != (name, content_type):
            raise errors.ManifestMismatch(f"attachment {key}: name or type differs")
        data = _decode(_text(item, "ContentTransferEncoded"), key, limits)
        total += len(data)
        if total > limits.max_total_bytes:
            raise errors.TooLarge(f"attachments total over {limits.max_total_bytes} bytes")
        attachments.append(Attachment(content_id=key, name=name, content_type=content_type,
                                      data=data, description=_text(item, "Description")))
    if manifest:
        raise errors.ManifestMismatch(f"no attachment for {sorted(manifest)}")
    return tuple(attachments)


def _package(root, limits: Limits) -> Package:
    envelope = root.find(_N + "edXMLEnvelope")
    header = envelope.find(f"{_N}edXMLHeader/{_N}MessageHeader")
    code = header.find(_N + "Code")
    promulgation = header.find(_N + "PromulgationInfo")
    kind = header.find(_N + "DocumentType")
    signer = header.find(_N + "SignerInfo")
    places = header.find(_N + "ToPlaces")
    due = _text(header, "DueDate")
    try:
        document_id = DocumentId.parse(_text(header, "DocumentId"))
    except ValueError as exc:
        raise errors.BadIdentifier(f"DocumentId {_text(header, 'DocumentId')!r}") from exc
    trace = envelope.findall(f"{_N}edXMLHeader/{_N}TraceHeaderList/{_N}TraceHeader")
    package = Package(
        from_=_organisation(header.find(_N + "From")),
        to=tuple(_organisation(e) for e in header.findall(_N + "To")),
        document_id=document_id,
        code=Code(_text(code, "CodeNumber"), _text(code, "CodeNotation")),
        promulgation=PromulgationInfo(_text(promulgation, "Place"),
                                      _date(_text(promulgation, "PromulgationDate"),
                                            "PromulgationDate")),
        document_type=DocumentType(_int(kind, "Type"), _int(kind, "TypeDetail"),
                                   _text(kind, "TypeName")),
        subject=_text(header, "Subject"),
        content=_text(header, "Content"),
        signer=SignerInfo(_text(signer, "Competence"), _text(signer, "Position"),
                          _text(signer, "FullName")),
        due_date=_date(due, "DueDate") if due else None,
        other_info=_other_info(header.find(_N + "OtherInfo")),
        steering_type=_int(header, "SteeringType"),
        to_places=tuple(p.text or "" for p in places.iter(_N + "Place"))
        if places is not None else (),
        response_for=tuple(_response_for(e) for e in header.findall(_N + "ResponseFor")),
        trace=tuple(TraceHeader(_text(t, "OrganId"),
                                _timestamp(_text(t, "Timestamp"), "TraceHeader/Timestamp"))
                    for t in trace),
        business=_business(envelope.find(f"{_N}edXMLHeader/{_N}TraceHeaderList/"
                                         f"{_N}Bussiness")),
        attachments=_attachments(root, envelope, limits),
    )
    _check_identifiers(package)
    return package


def _check_identifiers(package: Package) -> None:
    """DocumentId restates the issuer, the day and the number/symbol: a package where they
    disagree is refused rather than registered under one of them (Decree 30 Art. 21)."""
    document_id = package.document_id
    if document_id.organ_id != package.from_.organ_id:
        raise errors.BadIdentifier(f"DocumentId of {document_id.organ_id}, "
                                   f"sent by {package.from_.organ_id}")
    if (document_id.number, document_id.symbol) != (package.code.number, package.code.notation):
        raise errors.BadIdentifier("DocumentId's number/symbol differs from Code")
    if document_id.date != package.promulgation.date:
        raise errors.BadIdentifier("DocumentId's date differs from PromulgationDate")


def parse(data: bytes, *, trust: Trust | None, max_bytes: int = MAX_PACKAGE_BYTES,
          limits: Limits = Limits()) -> Package:
    """A package received from outside, checked; raises a :class:`.errors.PackageRefused`.

    ``trust`` is required: a package must be signed by a certificate that chains to it and
    belongs to its sender where that can be told (``package.signature`` says). ``None``
    reads an unsigned package without any signature check — for tools and tests only.
    """
    root, parser = _load(data, max_bytes, "edxml.xsd")
    signature = None
    if trust is not None:
        root, signature = verify(root, trust, parser)
    package = _package(root, limits)
    if signature is not None:
        package = replace(package, signature=check_signer(signature, package.from_.organ_id,
                                                          trust))
    return package


def parse_status(data: bytes, *, trust: Trust | None = None,
                 max_bytes: int = MAX_STATUS_BYTES) -> Status:
    """A status message, checked like a package; signed and verified when ``trust`` is given
    (whether the national axis signs status messages we could not confirm)."""
    root, parser = _load(data, max_bytes, "edxml-status.xsd")
    signature = None
    if trust is not None:
        root, signature = verify(root, trust, parser)
    element = root.find(f"{_N}edXMLEnvelope/{_N}edXMLHeader/{_N}Status")
    status = Status(
        response_for=_response_for(element.find(_N + "ResponseFor")),
        from_=_organisation(element.find(_N + "From")),
        status_code=StatusCode(_text(element, "StatusCode")),
        timestamp=_timestamp(_text(element, "Timestamp"), "Timestamp"),
        description=_text(element, "Description"),
        staff=_staff(element.find(_N + "StaffInfo")))
    if signature is not None:
        status = replace(status, signature=check_signer(signature, status.from_.organ_id, trust))
    return status
