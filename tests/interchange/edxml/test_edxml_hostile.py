"""The attacker's tests: every way a package can lie or attack the reader is refused, with the
reason the receiving side sends back in its status 02 — and quickly, without reading anything
from the network or the disk, nor building huge trees."""

from __future__ import annotations

import base64
import socket
import time

import pytest
from lxml import etree

from ecabinet.interchange import edxml
from ecabinet.interchange.edxml import errors
from ecabinet.interchange.edxml.builder import package_tree
from ecabinet.interchange.edxml.signature import sign
from tests.interchange.edxml.conftest import FINANCE, make_package, make_status

E = "{http://www.mic.gov.vn/TBT/QCVN_102_2016}"


def refused(error_class, data: bytes, trust=None, **kwargs) -> errors.PackageRefused:
    with pytest.raises(error_class) as caught:
        edxml.parse(data, trust=trust, **kwargs)
    assert caught.value.code == f"edxml_{caught.value.reason}"
    assert caught.value.details["reason"] == caught.value.reason
    return caught.value


def signed_tree(test_pki, change=None, signer=None) -> bytes:
    """A package as a sender with a trusted key built it, after ``change(root)``."""
    root = package_tree(make_package())
    if change:
        change(root)
    root = sign(root, signer or test_pki.gov_office)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


# --- the signature -----------------------------------------------------------------------------

def test_a_changed_header_field_is_refused(test_pki):
    data = edxml.build(make_package(), signer=test_pki.gov_office)
    tampered = data.replace("chuyển đổi số".encode(), "chuyển nhượng".encode())
    assert tampered != data
    refused(errors.BadSignature, tampered, test_pki.trust())


def test_a_changed_recipient_is_refused(test_pki):
    data = edxml.build(make_package(), signer=test_pki.gov_office)
    tampered = data.replace(FINANCE.encode(), b"000.00.00.H41", 1)
    refused(errors.BadSignature, tampered, test_pki.trust())


def test_one_changed_attachment_byte_is_refused(test_pki):
    data = edxml.build(make_package(), signer=test_pki.gov_office)
    root = etree.fromstring(data)
    encoded = root.find(f"{E}AttachmentEncoded/{E}Attachment/{E}ContentTransferEncoded")
    pdf = bytearray(base64.b64decode(encoded.text))
    pdf[100] ^= 0x01
    encoded.text = base64.b64encode(bytes(pdf)).decode()
    refused(errors.BadSignature, etree.tostring(root), test_pki.trust())


def test_a_signature_by_another_key_than_the_certificate_is_refused(test_pki):
    liar = edxml.KeySigner(test_pki.finance.private_key, test_pki.gov_office.certificate,
                           test_pki.gov_office.chain)
    refused(errors.BadSignature, edxml.build(make_package(), signer=liar), test_pki.trust())


def test_a_certificate_from_an_untrusted_authority_is_refused(test_pki):
    data = edxml.build(make_package(), signer=test_pki.stranger)
    refused(errors.UntrustedCertificate, data, test_pki.trust())


def test_an_expired_certificate_is_refused(test_pki):
    data = edxml.build(make_package(), signer=test_pki.expired)
    refused(errors.UntrustedCertificate, data, test_pki.trust())


def test_an_unsigned_package_is_refused(test_pki):
    refused(errors.Unsigned, edxml.build(make_package()), test_pki.trust())


def test_a_signature_stripped_from_a_signed_package_is_refused(test_pki):
    root = etree.fromstring(edxml.build(make_package(), signer=test_pki.gov_office))
    signature = root.find(".//{http://www.w3.org/2000/09/xmldsig#}Signature")
    signature.getparent().remove(signature)
    refused(errors.Unsigned, etree.tostring(root), test_pki.trust())


def test_another_organisations_seal_is_refused(test_pki):
    """The Ministry of Finance's valid seal on a package that says it comes from the
    Government Office."""
    data = edxml.build(make_package(), signer=test_pki.finance)
    refused(errors.SignerMismatch, data, test_pki.trust())


def test_a_certificate_the_directory_does_not_know_for_the_sender_is_refused(test_pki):
    data = edxml.build(make_package(), signer=test_pki.anonymous)
    trust = test_pki.trust(known_certificates=lambda organ_id: [test_pki.gov_office.certificate])
    refused(errors.SignerMismatch, data, trust)


def test_a_second_signature_wrapped_in_is_refused(test_pki):
    data = edxml.build(make_package(), signer=test_pki.gov_office)
    root = etree.fromstring(data)
    header = root.find(f"{E}edXMLEnvelope/{E}edXMLHeader")
    signature = header.find("{http://www.w3.org/2000/09/xmldsig#}Signature")
    header.append(etree.fromstring(etree.tostring(signature)))
    with pytest.raises(errors.PackageRefused):  # the XSD or the verifier, either refuses
        edxml.parse(etree.tostring(root), trust=test_pki.trust())


def test_a_signed_status_with_a_changed_code_is_refused(test_pki):
    data = edxml.build_status(make_status(edxml.StatusCode.REFUSED), signer=test_pki.finance)
    tampered = data.replace(b">02<", b">03<")
    assert tampered != data
    with pytest.raises(errors.BadSignature):
        edxml.parse_status(tampered, trust=test_pki.trust())


# --- what a trusted but careless (or hostile) sender can sign ----------------------------------

def test_an_attachment_missing_from_the_manifest_is_refused(test_pki):
    def drop_reference(root):
        reference = root.find(f"{E}edXMLEnvelope/{E}edXMLBody/{E}edXMLManifest/{E}Reference")
        reference.getparent().remove(reference)

    refused(errors.ManifestMismatch, signed_tree(test_pki, drop_reference), test_pki.trust())


def test_a_manifest_reference_without_its_attachment_is_refused(test_pki):
    def drop_attachment(root):
        root.remove(root.find(f"{E}AttachmentEncoded"))

    refused(errors.ManifestMismatch, signed_tree(test_pki, drop_attachment), test_pki.trust())


def test_a_manifest_naming_another_file_is_refused(test_pki):
    def rename(root):
        name = root.find(f"{E}edXMLEnvelope/{E}edXMLBody/{E}edXMLManifest/{E}Reference/"
                         f"{E}AttachmentName")
        name.text = "khac.pdf"

    refused(errors.ManifestMismatch, signed_tree(test_pki, rename), test_pki.trust())


def test_an_attachment_that_is_not_base64_is_refused(test_pki):
    def garble(root):
        root.find(f".//{E}ContentTransferEncoded").text = "JVBERi0x*not base64*"

    refused(errors.BadAttachment, signed_tree(test_pki, garble), test_pki.trust())


def test_an_attachment_over_the_limit_is_refused_before_decoding(test_pki, monkeypatch):
    data = signed_tree(test_pki)
    decoded = []
    monkeypatch.setattr(base64, "b64decode",
                        lambda *a, **k: decoded.append(1) or b"")  # must not be reached
    refused(errors.TooLarge, data, None, limits=edxml.Limits(max_attachment_bytes=1000))
    assert not decoded


def test_a_document_id_of_another_issuer_is_refused(test_pki):
    def other_issuer(root):
        root.find(f".//{E}MessageHeader/{E}DocumentId").text = \
            "000.00.00.G12,2026/12/04,1234/QĐ-TTg"

    refused(errors.BadIdentifier, signed_tree(test_pki, other_issuer), test_pki.trust())


def test_a_document_id_that_disagrees_with_the_code_is_refused():
    package = make_package(code=edxml.Code("1235", "QĐ-TTg"))
    refused(errors.BadIdentifier, edxml.build(package))


def test_a_business_type_that_is_not_a_number_is_refused():
    root = package_tree(make_package())
    root.find(f".//{E}Bussiness/{E}BussinessDocType").text = "mới"
    refused(errors.SchemaInvalid, etree.tostring(root))


def test_a_package_off_the_schema_is_refused():
    root = package_tree(make_package())
    subject = root.find(f".//{E}MessageHeader/{E}Subject")
    subject.getparent().remove(subject)
    refused(errors.SchemaInvalid, etree.tostring(root))


def test_a_malformed_organisation_identifier_is_refused():
    package = make_package(to=(edxml.Organisation("G12", "Bộ Tài chính"),))
    refused(errors.SchemaInvalid, edxml.build(package))


def test_a_status_given_as_a_package_is_refused():
    refused(errors.SchemaInvalid, edxml.build_status(make_status()))


def test_an_unknown_status_code_is_refused():
    data = edxml.build_status(make_status()).replace(b">01<", b">99<")
    with pytest.raises(errors.SchemaInvalid):
        edxml.parse_status(data)


# --- the parser ---------------------------------------------------------------------------------

def test_not_well_formed_xml_is_refused():
    data = edxml.build(make_package())
    refused(errors.NotWellFormed, data[:-20])
    refused(errors.NotWellFormed, b"")


def test_an_oversized_package_is_refused_before_parsing():
    # Not even XML: the size alone refuses it, so the parser never ran.
    refused(errors.TooLarge, b"<" * 2000, max_bytes=1000)


def test_millions_of_elements_are_refused_before_parsing():
    """20 MB of empty elements would take libxml2 ~600 MB and seconds to build."""
    data = (b'<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">' + b"<a/>" * 4_900_000
            + b"</edXML>")
    assert "tags and attributes" in refused(errors.TooLarge, data).detail


def test_half_a_million_attributes_are_refused_before_parsing():
    """Half a million attributes on one element (5 MB, under libxml2's own limits)."""
    attributes = b"".join(b' a%d=""' % i for i in range(500_000))
    data = b'<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"' + attributes + b"/>"
    assert "tags and attributes" in refused(errors.TooLarge, data).detail


def test_a_huge_base64_attachment_is_refused_quickly():
    """12 million base64 characters in one text node: more than libxml2 holds without
    huge_tree, which stays off."""
    data = edxml.build(make_package())
    encoded = base64.b64encode(make_package().attachments[0].data)
    data = data.replace(encoded, b"A" * 12_000_000)
    started = time.monotonic()
    refused(errors.TooLarge, data, max_bytes=20_000_000)
    assert time.monotonic() - started < 2


def test_an_external_entity_is_not_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    data = edxml.build(make_package()).replace(
        b"<?xml version='1.0' encoding='UTF-8'?>",
        f"<?xml version='1.0' encoding='UTF-8'?><!DOCTYPE edXML:edXML "
        f"[<!ENTITY xxe SYSTEM \"file://{secret}\">]>".encode())
    data = data.replace("chuyển đổi số".encode(), b"&xxe;")
    error = refused(errors.ForbiddenDtd, data)
    assert "TOP-SECRET" not in str(error) and "TOP-SECRET" not in error.detail


def test_a_billion_laughs_is_refused_quickly():
    lol = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    data = (f'<?xml version="1.0"?><!DOCTYPE edXML [<!ENTITY lol0 "lol">{lol}]>'
            f'<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">&lol9;</edXML>').encode()
    started = time.monotonic()
    refused(errors.ForbiddenDtd, data)
    assert time.monotonic() - started < 1


def test_an_external_dtd_is_never_fetched():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.setblocking(False)
        port = listener.getsockname()[1]
        data = (f'<?xml version="1.0"?><!DOCTYPE edXML SYSTEM "http://127.0.0.1:{port}/x.dtd">'
                f'<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"/>').encode()
        refused(errors.ForbiddenDtd, data)
        with pytest.raises(BlockingIOError):
            listener.accept()  # nobody came


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "cp037"])
def test_a_dtd_in_another_encoding_is_refused(tmp_path, encoding):
    """The bytes are scanned for DOCTYPE in UTF-8, and only UTF-8 is read."""
    dtd = tmp_path / "x.dtd"
    dtd.write_text('<!ENTITY e "from the disk">')
    document = (f'<?xml version="1.0" encoding="{encoding}"?>'
                f'<!DOCTYPE edXML SYSTEM "file://{dtd}"><edXML '
                f'xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">&e;</edXML>')
    with pytest.raises((errors.NotWellFormed, errors.ForbiddenDtd)):
        edxml.parse(document.encode(encoding), trust=None)


def test_a_package_declared_in_latin_1_is_read_as_utf_8():
    data = edxml.build(make_package()).replace(b"encoding='UTF-8'", b"encoding='ISO-8859-1'")
    assert edxml.parse(data, trust=None) == make_package()


def test_a_deeply_nested_document_is_refused_without_recursion():
    data = b"<a>" * 100_000 + b"</a>" * 100_000
    with pytest.raises((errors.NotWellFormed, errors.TooLarge)):
        edxml.parse(data, trust=None)


# --- nothing but refusals -----------------------------------------------------------------------

DS = "{http://www.w3.org/2000/09/xmldsig#}"


@pytest.mark.parametrize("path", [
    f"{DS}SignedInfo", f"{DS}SignatureValue", f"{DS}KeyInfo",
    f"{DS}SignedInfo/{DS}Reference", f"{DS}SignedInfo/{DS}Reference/{DS}DigestValue",
    f"{DS}KeyInfo/{DS}X509Data/{DS}X509Certificate",
])
def test_a_signature_missing_a_part_is_refused(test_pki, path):
    root = etree.fromstring(edxml.build(make_package(), signer=test_pki.gov_office))
    part = root.find(f".//{DS}Signature/{path}")
    part.getparent().remove(part)
    with pytest.raises(errors.PackageRefused):
        edxml.parse(etree.tostring(root), trust=test_pki.trust())


@pytest.mark.parametrize("path,text", [
    (f"{DS}SignatureValue", "bm90IGEgc2lnbmF0dXJl"),
    (f"{DS}SignatureValue", "*"),
    (f"{DS}SignedInfo/{DS}Reference/{DS}DigestValue", "AAAA"),
    (f"{DS}KeyInfo/{DS}X509Data/{DS}X509Certificate", "bm90IGEgY2VydGlmaWNhdGU="),
    (f"{DS}KeyInfo/{DS}X509Data/{DS}X509Certificate", "%%%"),
])
def test_a_garbled_signature_is_refused(test_pki, path, text):
    root = etree.fromstring(edxml.build(make_package(), signer=test_pki.gov_office))
    root.find(f".//{DS}Signature/{path}").text = text
    with pytest.raises(errors.PackageRefused):
        edxml.parse(etree.tostring(root), trust=test_pki.trust())


def test_a_pile_of_certificates_is_refused(test_pki):
    root = etree.fromstring(edxml.build(make_package(), signer=test_pki.gov_office))
    x509_data = root.find(f".//{DS}Signature/{DS}KeyInfo/{DS}X509Data")
    for _ in range(20):
        x509_data.append(etree.fromstring(etree.tostring(x509_data[-1])))
    error = refused(errors.BadSignature, etree.tostring(root), test_pki.trust())
    assert "certificates" in error.detail


def test_a_signature_over_part_of_the_document_is_refused(test_pki):
    """A reference to one element (not the whole document) would leave the rest unsigned."""
    from cryptography import x509
    from signxml import DigestAlgorithm, SignatureMethod, XMLSigner
    from signxml.algorithms import SignatureConstructionMethod

    from ecabinet.interchange.edxml.signature import _DelegatedKey

    root = package_tree(make_package())
    # TraceHeaderList takes any attribute (the SDK's id, version, actor…): the XSD lets it by.
    root.find(f"{E}edXMLEnvelope/{E}edXMLHeader/{E}TraceHeaderList").set("Id", "trace")
    header = root.find(f"{E}edXMLEnvelope/{E}edXMLHeader")
    etree.SubElement(header, f"{DS}Signature", Id="placeholder")
    signer = XMLSigner(method=SignatureConstructionMethod.enveloped,
                       signature_algorithm=SignatureMethod.RSA_SHA256,
                       digest_algorithm=DigestAlgorithm.SHA256)
    signed = signer.sign(root, key=_DelegatedKey(test_pki.gov_office), reference_uri="#trace",
                         cert=[x509.load_der_x509_certificate(test_pki.gov_office.certificate)])
    error = refused(errors.BadSignature, etree.tostring(signed), test_pki.trust())
    assert "whole document" in error.detail


def test_removing_any_one_element_gives_a_refusal_or_a_package():
    """No element's absence makes the reader fail with anything but a refusal."""
    data = edxml.build(make_package())
    count = len(etree.fromstring(data).xpath("//*")) - 1
    outcomes = set()
    for index in range(1, count + 1):
        root = etree.fromstring(data)
        element = root.xpath("//*")[index]
        element.getparent().remove(element)
        try:
            edxml.parse(etree.tostring(root), trust=None)
            outcomes.add("read")
        except errors.PackageRefused as exc:
            outcomes.add(exc.reason)
    assert {"read", "schema_invalid", "manifest_mismatch"} <= outcomes


def test_emptying_any_one_element_gives_a_refusal_or_a_package():
    data = edxml.build(make_package())
    count = len(etree.fromstring(data).xpath("//*"))
    for index in range(count):
        root = etree.fromstring(data)
        element = root.xpath("//*")[index]
        element.text = "x" if len(element) else ""
        try:
            edxml.parse(etree.tostring(root), trust=None)
        except errors.PackageRefused:
            pass
