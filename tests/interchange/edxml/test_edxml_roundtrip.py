"""What a built package is: it reads back equal, follows the XSD, and its structure can be read
with lxml alone (another implementation sees what we meant); status messages likewise."""

from __future__ import annotations

import base64
from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree

from ecabinet.interchange import edxml
from tests.interchange.edxml.conftest import FINANCE, GOV_OFFICE, PDF, make_package, make_status

NS = {"e": "http://www.mic.gov.vn/TBT/QCVN_102_2016", "ds": "http://www.w3.org/2000/09/xmldsig#",
      "xlink": "http://www.w3.org/1999/xlink"}
XSD_DIR = Path(edxml.__file__).parent


def test_a_signed_package_reads_back_equal(test_pki):
    package = make_package()
    data = edxml.build(package, signer=test_pki.gov_office)

    read = edxml.parse(data, trust=test_pki.trust())

    assert read == package
    assert read.attachments[0].data == PDF
    assert read.signature.organisation_matched
    assert read.signature.certificate == test_pki.gov_office.certificate


def test_a_minimal_package_reads_back_equal(test_pki):
    package = make_package(content="", due_date=None, other_info=None, steering_type=None,
                           to_places=(), response_for=(), trace=(), business=None,
                           attachments=())
    assert edxml.parse(edxml.build(package, signer=test_pki.gov_office),
                       trust=test_pki.trust()) == package


def test_several_recipients_and_attachments_keep_their_order(test_pki):
    second = edxml.Attachment("phu-luc", "Phu luc.docx", "application/vnd.openxmlformats-"
                              "officedocument.wordprocessingml.document", b"PK\x03\x04" * 50)
    package = make_package(
        to=(edxml.Organisation(FINANCE, "Bộ Tài chính"),
            edxml.Organisation("000.00.00.H41", "UBND tỉnh Nghệ An")),
        attachments=(*make_package().attachments, second))
    assert edxml.parse(edxml.build(package, signer=test_pki.gov_office),
                       trust=test_pki.trust()) == package


def test_the_built_package_validates_against_the_xsd_files():
    schema = etree.XMLSchema(etree.parse(str(XSD_DIR / "edxml.xsd")))
    document = etree.fromstring(edxml.build(make_package()))
    assert schema.validate(document), schema.error_log


def test_the_built_package_is_read_with_lxml_alone(test_pki):
    data = edxml.build(make_package(), signer=test_pki.gov_office)
    root = etree.fromstring(data)

    def one(path):
        (found,) = root.xpath(path, namespaces=NS)
        return found

    assert root.tag == "{http://www.mic.gov.vn/TBT/QCVN_102_2016}edXML"
    header = "/e:edXML/e:edXMLEnvelope/e:edXMLHeader"
    assert one(f"{header}/e:MessageHeader/e:From/e:OrganId/text()") == GOV_OFFICE
    assert one(f"{header}/e:MessageHeader/e:To/e:OrganId/text()") == FINANCE
    assert one(f"{header}/e:MessageHeader/e:DocumentId/text()") == \
        "000.00.00.G22,2026/12/04,1234/QĐ-TTg"
    assert one(f"{header}/e:MessageHeader/e:Code/e:CodeNumber/text()") == "1234"
    assert one(f"{header}/e:MessageHeader/e:PromulgationInfo/e:PromulgationDate/text()") == \
        "2026/12/04"
    assert one(f"{header}/e:MessageHeader/e:SignerInfo/e:FullName/text()") == "Nguyễn Văn Ký"
    # 09:30:05 UTC is 16:30:05 in Vietnam, the zone the standard's timestamps are in
    assert one(f"{header}/e:TraceHeaderList/e:TraceHeader/e:Timestamp/text()") == \
        "2026/12/04 16:30:05"
    assert one(f"{header}/e:TraceHeaderList/e:Bussiness/e:BussinessDocType/text()") == "0"
    manifest = "/e:edXML/e:edXMLEnvelope/e:edXMLBody/e:edXMLManifest/e:Reference"
    assert one(f"{manifest}/e:ContentId/text()") == "qd-1234"
    assert one(f"{manifest}/e:AttachmentName/text()") == "QD-1234-TTg.pdf"
    assert one(f"{manifest}/e:ContentType/text()") == "application/pdf"
    assert one(f"{manifest}/@xlink:href") == "cid:qd-1234"
    attachment = "/e:edXML/e:AttachmentEncoded/e:Attachment"
    assert one(f"{attachment}/e:ContentId/text()") == "qd-1234"
    assert base64.b64decode(one(f"{attachment}/e:ContentTransferEncoded/text()")) == PDF
    signature = one(f"{header}/ds:Signature")
    assert signature.getprevious().tag.endswith("TraceHeaderList")
    assert one(f"{header}/ds:Signature/ds:SignedInfo/ds:Reference/@URI") == ""
    assert len(root.xpath(f"{header}/ds:Signature/ds:KeyInfo/ds:X509Data/ds:X509Certificate",
                          namespaces=NS)) == 2  # the seal's certificate and its CA


@pytest.mark.parametrize("code", list(edxml.StatusCode))
def test_status_messages_read_back_equal(code):
    status = make_status(code)
    data = edxml.build_status(status)
    schema = etree.XMLSchema(etree.parse(str(XSD_DIR / "edxml-status.xsd")))
    assert schema.validate(etree.fromstring(data)), schema.error_log
    assert edxml.parse_status(data) == status


def test_a_signed_status_reads_back_with_its_signer(test_pki):
    status = make_status(edxml.StatusCode.REFUSED, description="Sai định dạng", staff=None)
    read = edxml.parse_status(edxml.build_status(status, signer=test_pki.finance),
                              trust=test_pki.trust())
    assert read == status
    assert read.signature.organisation_matched


def test_a_status_is_read_with_lxml_alone():
    root = etree.fromstring(edxml.build_status(make_status(edxml.StatusCode.ASSIGNED)))
    status = "/e:edXML/e:edXMLEnvelope/e:edXMLHeader/e:Status"
    assert root.xpath(f"{status}/e:StatusCode/text()", namespaces=NS) == ["04"]
    assert root.xpath(f"{status}/e:ResponseFor/e:DocumentId/text()", namespaces=NS) == \
        ["000.00.00.G22,2026/12/04,1234/QĐ-TTg"]
    assert root.xpath(f"{status}/e:From/e:OrganId/text()", namespaces=NS) == [FINANCE]


def test_document_id_text_form():
    document_id = edxml.DocumentId.parse("000.00.00.G22,2015/09/30,7816/VPCP-TTĐT")
    assert (document_id.organ_id, document_id.number, document_id.symbol) == \
        ("000.00.00.G22", "7816", "VPCP-TTĐT")
    assert str(document_id) == "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT"
    for bad in ("000.00.00.G22,2015/09/30,7816", "G22,2015/09/30,1/A", "x"):
        with pytest.raises(ValueError):
            edxml.DocumentId.parse(bad)


def test_a_directory_certificate_ties_an_anonymous_seal_to_its_organisation(test_pki):
    data = edxml.build(make_package(), signer=test_pki.anonymous)
    unknown = edxml.parse(data, trust=test_pki.trust())
    assert not unknown.signature.organisation_matched  # nothing to tell: said so, not refused
    known = edxml.parse(data, trust=test_pki.trust(
        known_certificates=lambda organ_id: [test_pki.anonymous.certificate]))
    assert known.signature.organisation_matched
    assert replace(known, signature=None) == make_package()


def test_the_signature_is_checked_by_hand_with_lxml_and_cryptography(test_pki):
    """Another implementation can verify it: C14N 1.0 of the document without its signature
    gives the digest, and the seal's public key verifies the canonical SignedInfo — no signxml."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    root = etree.fromstring(edxml.build(make_package(), signer=test_pki.gov_office))
    (signature,) = root.xpath("//ds:Signature", namespaces=NS)
    algorithms = [e.get("Algorithm") for e in signature.iter() if e.get("Algorithm")]
    assert algorithms == ["http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
                          "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
                          "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
                          "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
                          "http://www.w3.org/2001/04/xmlenc#sha256"]
    signed_info = etree.tostring(signature.find("ds:SignedInfo", NS), method="c14n")
    value = base64.b64decode(signature.findtext("ds:SignatureValue", namespaces=NS))
    certificate = base64.b64decode(signature.findtext("ds:KeyInfo/ds:X509Data/ds:X509Certificate",
                                                      namespaces=NS))
    x509.load_der_x509_certificate(certificate).public_key().verify(
        value, signed_info, padding.PKCS1v15(), hashes.SHA256())  # raises if wrong

    signature.getparent().remove(signature)
    digest = hashes.Hash(hashes.SHA256())
    digest.update(etree.tostring(root, method="c14n"))
    assert base64.b64encode(digest.finalize()).decode() == \
        etree.fromstring(signed_info).findtext("ds:Reference/ds:DigestValue", namespaces=NS)
