"""Writing a package or a status message as edXML bytes (lxml), signed when a signer is given.

The layout (see edxml.xsd and docs/interchange.md): ``edXML › edXMLEnvelope › edXMLHeader``
(MessageHeader, TraceHeaderList, the signature), ``edXMLBody › edXMLManifest`` (one Reference
per attachment), then ``AttachmentEncoded`` outside the envelope with the bytes in base64. Every
element is in the standard's namespace under the ``edXML`` prefix, as the SDK samples write it.
"""

from __future__ import annotations

import base64

from lxml import etree

from ecabinet.interchange.edxml.models import (
    NAMESPACE,
    Business,
    Organisation,
    Package,
    ResponseFor,
    StaffInfo,
    Status,
    format_date,
    format_timestamp,
)
from ecabinet.interchange.edxml.signature import sign

XLINK = "http://www.w3.org/1999/xlink"
_NSMAP = {"edXML": NAMESPACE}


def _q(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


def _add(parent, name: str, text: str | int | None = None):
    element = etree.SubElement(parent, _q(name))
    if text is not None:
        element.text = str(text)
    return element


def _organisation(parent, name: str, organisation: Organisation) -> None:
    element = _add(parent, name)
    _add(element, "OrganId", organisation.organ_id)
    _add(element, "OrganizationInCharge", organisation.organization_in_charge)
    _add(element, "OrganName", organisation.organ_name)
    for tag, value in (("OrganAdd", organisation.organ_add), ("Email", organisation.email),
                       ("Telephone", organisation.telephone), ("Fax", organisation.fax),
                       ("Website", organisation.website)):
        _add(element, tag, value)


def _response_for(parent, response: ResponseFor) -> None:
    element = _add(parent, "ResponseFor")
    _add(element, "OrganId", response.organ_id)
    _add(element, "Code", response.code)
    _add(element, "PromulgationDate", format_date(response.promulgation_date))
    _add(element, "DocumentId", response.document_id)


def _message_header(header, package: Package) -> None:
    message = _add(header, "MessageHeader")
    _organisation(message, "From", package.from_)
    for recipient in package.to:
        _organisation(message, "To", recipient)
    for response in package.response_for:
        _response_for(message, response)
    code = _add(message, "Code")
    _add(code, "CodeNumber", package.code.number)
    _add(code, "CodeNotation", package.code.notation)
    promulgation = _add(message, "PromulgationInfo")
    _add(promulgation, "Place", package.promulgation.place)
    _add(promulgation, "PromulgationDate", format_date(package.promulgation.date))
    kind = _add(message, "DocumentType")
    _add(kind, "Type", package.document_type.type)
    _add(kind, "TypeDetail", package.document_type.type_detail)
    _add(kind, "TypeName", package.document_type.type_name)
    _add(message, "Subject", package.subject)
    _add(message, "Content", package.content)
    signer = _add(message, "SignerInfo")
    _add(signer, "Competence", package.signer.competence)
    _add(signer, "Position", package.signer.position)
    _add(signer, "FullName", package.signer.full_name)
    if package.due_date is not None:
        _add(message, "DueDate", format_date(package.due_date))
    if package.to_places:
        places = _add(message, "ToPlaces")
        for place in package.to_places:
            _add(places, "Place", place)
    if package.other_info is not None:
        other = package.other_info
        info = _add(message, "OtherInfo")
        _add(info, "Priority", other.priority)
        _add(info, "SphereOfPromulgation", other.sphere_of_promulgation)
        _add(info, "TyperNotation", other.typer_notation)
        _add(info, "PromulgationAmount", other.promulgation_amount)
        _add(info, "PageAmount", other.page_amount)
        appendixes = _add(info, "Appendixes")
        for appendix in other.appendixes:
            _add(appendixes, "Appendix", appendix)
    if package.steering_type is not None:
        _add(message, "SteeringType", package.steering_type)
    _add(message, "DocumentId", str(package.document_id))


def _staff(parent, staff: StaffInfo) -> None:
    element = _add(parent, "StaffInfo")
    _add(element, "Department", staff.department)
    _add(element, "Staff", staff.staff)
    _add(element, "Mobile", staff.mobile)
    _add(element, "Email", staff.email)


def _business(parent, business: Business) -> None:
    # The SDK sample's order: BussinessDocType, BussinessDocReason, StaffInfo, Paper.
    element = _add(parent, "Bussiness")
    _add(element, "BussinessDocType", business.doc_type)
    _add(element, "BussinessDocReason", business.reason)
    if business.staff is not None:
        _staff(element, business.staff)
    _add(element, "Paper", business.paper)


def package_tree(package: Package) -> etree._Element:
    """The unsigned document as an lxml tree (the signer adds ``ds:Signature`` to it)."""
    root = etree.Element(_q("edXML"), nsmap=_NSMAP)
    envelope = _add(root, "edXMLEnvelope")
    header = _add(envelope, "edXMLHeader")
    _message_header(header, package)
    if package.trace or package.business:
        trace = _add(header, "TraceHeaderList")
        for hop in package.trace:
            entry = _add(trace, "TraceHeader")
            _add(entry, "OrganId", hop.organ_id)
            _add(entry, "Timestamp", format_timestamp(hop.timestamp))
        if package.business is not None:
            _business(trace, package.business)
    body = _add(envelope, "edXMLBody")
    manifest = _add(body, "edXMLManifest")
    manifest.set("version", "1.0")
    for attachment in package.attachments:
        reference = _add(manifest, "Reference")
        reference.set(f"{{{XLINK}}}href", f"cid:{attachment.content_id}")
        reference.set(f"{{{XLINK}}}type", "simple")
        _add(reference, "Description", attachment.description)
        _add(reference, "AttachmentName", attachment.name)
        _add(reference, "ContentType", attachment.content_type)
        _add(reference, "ContentId", attachment.content_id)
    if package.attachments:
        encoded = _add(root, "AttachmentEncoded")
        for attachment in package.attachments:
            item = _add(encoded, "Attachment")
            _add(item, "ContentType", attachment.content_type)
            _add(item, "ContentId", attachment.content_id)
            _add(item, "Description", attachment.description)
            _add(item, "ContentTransferEncoded", base64.b64encode(attachment.data).decode())
            _add(item, "AttachmentName", attachment.name)
    return root


def status_tree(status: Status) -> etree._Element:
    root = etree.Element(_q("edXML"), nsmap=_NSMAP)
    envelope = _add(root, "edXMLEnvelope")
    header = _add(envelope, "edXMLHeader")
    element = _add(header, "Status")
    _response_for(element, status.response_for)
    _organisation(element, "From", status.from_)
    _add(element, "StatusCode", status.status_code.value)
    _add(element, "Description", status.description)
    _add(element, "Timestamp", format_timestamp(status.timestamp))
    if status.staff is not None:
        _staff(element, status.staff)
    _add(envelope, "edXMLBody")
    return root


def _serialise(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def build(package: Package, *, signer=None) -> bytes:
    """The package as edXML bytes; with ``signer`` (:mod:`.signature`), signed by it."""
    root = package_tree(package)
    if signer is not None:
        root = sign(root, signer)
    return _serialise(root)


def build_status(status: Status, *, signer=None) -> bytes:
    """The status message as edXML bytes; signed when ``signer`` is given."""
    root = status_tree(status)
    if signer is not None:
        root = sign(root, signer)
    return _serialise(root)
