"""A small PKI for the edXML tests, made once per session with ``cryptography`` (no server, no
token: the PKCS#11 path has its own test on the demo PKI): a root, a signing CA under it, two
organisations' seal certificates carrying their identifier (organizationIdentifier), one
without any, one expired, and a stranger's self-made root with a certificate under it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from ecabinet.interchange import edxml

GOV_OFFICE = "000.00.00.G22"
FINANCE = "000.00.00.G12"


def _key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _certificate(subject_key, name: x509.Name, issuer_key, issuer: x509.Name, *, ca: bool,
                 not_after: datetime | None = None) -> bytes:
    now = datetime.now(UTC)
    usage = x509.KeyUsage(digital_signature=True, content_commitment=not ca, key_encipherment=False,
                          data_encipherment=False, key_agreement=False, key_cert_sign=ca,
                          crl_sign=ca, encipher_only=False, decipher_only=False)
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(issuer)
               .public_key(subject_key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - timedelta(days=30))
               .not_valid_after(not_after or now + timedelta(days=365))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
               .add_extension(usage, critical=True))
    return builder.sign(issuer_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def _name(common_name: str, organ_id: str | None = None) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                  x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organ_id:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, organ_id))
    return x509.Name(attributes)


@dataclass
class TestPki:
    root: bytes
    ca: bytes
    gov_office: edxml.KeySigner  # carries 000.00.00.G22
    finance: edxml.KeySigner  # carries 000.00.00.G12
    anonymous: edxml.KeySigner  # no identifier in its certificate
    expired: edxml.KeySigner
    stranger: edxml.KeySigner  # under a root nobody trusts

    def trust(self, **kwargs) -> edxml.Trust:
        return edxml.Trust(roots=(self.root,), intermediates=(self.ca,), **kwargs)


@pytest.fixture(scope="session")
def test_pki() -> TestPki:
    root_key, ca_key, stranger_root_key = _key(), _key(), _key()
    root_name, ca_name = _name("Test Root CA"), _name("Test Signing CA")
    root = _certificate(root_key, root_name, root_key, root_name, ca=True)
    ca = _certificate(ca_key, ca_name, root_key, root_name, ca=True)

    def seal(common_name, organ_id=None, *, issuer_key=ca_key, issuer_name=ca_name,
             chain=None, not_after=None):
        key = _key()
        cert = _certificate(key, _name(common_name, organ_id), issuer_key, issuer_name,
                            ca=False, not_after=not_after)
        return edxml.KeySigner(key, cert, (ca,) if chain is None else chain)

    stranger_name = _name("Stranger Root")
    stranger_root = _certificate(stranger_root_key, stranger_name, stranger_root_key,
                                 stranger_name, ca=True)
    return TestPki(
        root=root, ca=ca,
        gov_office=seal("Văn phòng Chính phủ", GOV_OFFICE),
        finance=seal("Bộ Tài chính", FINANCE),
        anonymous=seal("Con dấu không định danh"),
        expired=seal("Hết hạn", GOV_OFFICE,
                     not_after=datetime.now(UTC) - timedelta(days=1)),
        stranger=seal("Kẻ lạ", GOV_OFFICE, issuer_key=stranger_root_key,
                      issuer_name=stranger_name, chain=(stranger_root,)),
    )


PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"


def make_package(**changes) -> edxml.Package:
    """A decision of the Government Office to the Ministry of Finance, with its PDF."""
    sender = edxml.Organisation(
        organ_id=GOV_OFFICE, organ_name="Văn phòng Chính phủ",
        organization_in_charge="Chính phủ", organ_add="1 Hoàng Hoa Thám, Ba Đình, Hà Nội",
        email="vanthu@chinhphu.vn", telephone="080 43162", fax="080 44130",
        website="https://vpcp.chinhphu.vn")
    values = dict(
        from_=sender,
        to=(edxml.Organisation(organ_id=FINANCE, organ_name="Bộ Tài chính"),),
        document_id=edxml.DocumentId(GOV_OFFICE, date(2026, 12, 4), "1234", "QĐ-TTg"),
        code=edxml.Code("1234", "QĐ-TTg"),
        promulgation=edxml.PromulgationInfo("Hà Nội", date(2026, 12, 4)),
        document_type=edxml.DocumentType(1, 2, "Quyết định"),
        subject="Về việc phê duyệt Đề án chuyển đổi số năm 2027",
        content="Phê duyệt Đề án & giao nhiệm vụ <cho> các bộ.",
        signer=edxml.SignerInfo("KT.", "Phó Thủ tướng", "Nguyễn Văn Ký"),
        due_date=date(2026, 12, 31),
        other_info=edxml.OtherInfo(priority=1, sphere_of_promulgation="Toàn quốc",
                                   typer_notation="NVK", promulgation_amount=3,
                                   page_amount=2, appendixes=("Phụ lục I", "Phụ lục II")),
        steering_type=1,
        to_places=("Bộ Tài chính", "Lưu: VT"),
        response_for=(edxml.ResponseFor(FINANCE, "88/TTr-BTC", date(2026, 11, 20),
                                        f"{FINANCE},2026/11/20,88/TTr-BTC"),),
        trace=(edxml.TraceHeader(GOV_OFFICE, datetime(2026, 12, 4, 9, 30, 5, tzinfo=UTC)),),
        business=edxml.Business(0, "Văn bản mới", 0,
                                edxml.StaffInfo("Phòng Hành chính", "Văn thư", "", "")),
        attachments=(edxml.Attachment("qd-1234", "QD-1234-TTg.pdf", "application/pdf", PDF,
                                      "Quyết định đã ký số"),),
    )
    values.update(changes)
    return edxml.Package(**values)


def make_status(code: edxml.StatusCode = edxml.StatusCode.RECEIVED, **changes) -> edxml.Status:
    values = dict(
        response_for=edxml.ResponseFor(GOV_OFFICE, "1234/QĐ-TTg", date(2026, 12, 4),
                                       f"{GOV_OFFICE},2026/12/04,1234/QĐ-TTg"),
        from_=edxml.Organisation(organ_id=FINANCE, organ_name="Bộ Tài chính"),
        status_code=code,
        timestamp=datetime(2026, 12, 4, 10, 0, 0, tzinfo=UTC),
        description="Đã nhận văn bản",
        staff=edxml.StaffInfo("Văn phòng Bộ", "Trần Thị Văn Thư", "0912 345 678",
                              "vanthu@mof.gov.vn"),
    )
    values.update(changes)
    return edxml.Status(**values)
