"""Real packages for bench/axis.py: what the incoming register is handed when a ministry polls.

- a small PKI made here with ``cryptography`` (a root, the Government Office's seal carrying
  000.00.00.G22, the Ministry of Finance's carrying 000.00.00.G12, both under the root);
- each installation's seal as a ``SigningKey`` row in its own database (a PKCS#12 encrypted
  with ``AXIS_SEAL_PIN``), so that sealing goes through :func:`installation.package_signer`,
  the code path of production (only the key store differs: no PKCS#11 token here);
- the receiving installation configured as tests/interchange/incoming/conftest.py does it:
  ``AXIS_ORGAN_ID``, ``AXIS_SEAL_PIN``, ``AXIS_FETCH_REVOCATION`` off, the root as its only
  trust root, both organisations in its directory;
- per package, a distinct PDF (a page and a random attachment of ``size`` bytes, so nothing
  compresses and content-addressed storage keeps each one) signed by the Government Office
  (PAdES, pyHanko), in an edXML package with its own DocumentId and number, built with
  :func:`edxml.build` and sealed.
"""

from __future__ import annotations

import io
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

GOV, MINISTRY = "000.00.00.G22", "000.00.00.G12"
PIN = "bench-seal-pin"
SYMBOL = "VPCP-BENCH"


@dataclass
class Seal:
    private_key: object
    certificate: bytes  # DER
    organ_id: str
    name: str


@dataclass
class Pki:
    root: bytes
    gov: Seal
    ministry: Seal


def _name(common_name: str, organ_id: str | None = None):
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                  x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organ_id:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, organ_id))
    return x509.Name(attributes)


def _certificate(key, name, issuer_key, issuer_name, *, ca: bool) -> bytes:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization

    now = datetime.now(UTC)
    usage = x509.KeyUsage(digital_signature=True, content_commitment=not ca,
                          key_encipherment=False, data_encipherment=False, key_agreement=False,
                          key_cert_sign=ca, crl_sign=ca, encipher_only=False,
                          decipher_only=False)
    return (x509.CertificateBuilder().subject_name(name).issuer_name(issuer_name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(usage, critical=True)
            .sign(issuer_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER))


def make_pki() -> Pki:
    from cryptography.hazmat.primitives.asymmetric import rsa

    def key():
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)

    root_key, root_name = key(), _name("Bench Root CA")
    root = _certificate(root_key, root_name, root_key, root_name, ca=True)

    def seal(name: str, organ_id: str) -> Seal:
        private = key()
        return Seal(private, _certificate(private, _name(name, organ_id), root_key, root_name,
                                          ca=False), organ_id, name)

    return Pki(root, seal("Văn phòng Chính phủ", GOV), seal("Bộ Tài chính", MINISTRY))


def config(folder: Path, pki: Pki, own: str) -> dict:
    """The settings of an installation that seals as ``own`` and trusts the bench's root."""
    root_file = folder / "bench-root.der"
    root_file.write_bytes(pki.root)
    return {"AXIS_ORGAN_ID": own, "AXIS_SEAL_PIN": PIN, "AXIS_FETCH_REVOCATION": False,
            "SIGNING_TRUST_ROOTS": [str(root_file)]}


def set_up(app, pki: Pki, own: Seal) -> None:
    """Both organisations in the directory, and ``own``'s seal key (PKCS#12) in the database."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

    from ecabinet.database import unit_of_work
    from ecabinet.extensions import db
    from ecabinet.organisations import services as organisations
    from ecabinet.signing.models import KeyPurpose, KeyStore, SigningKey

    certificate = x509.load_der_x509_certificate(own.certificate)
    blob = pkcs12.serialize_key_and_certificates(
        b"seal", own.private_key, certificate, None, BestAvailableEncryption(PIN.encode()))
    with app.app_context(), unit_of_work():
        ids = {}
        for seal, code in ((pki.gov, "VPCP"), (pki.ministry, "BTC")):
            ids[seal.organ_id] = organisations.create(
                identifier=seal.organ_id, code=code, name=seal.name).id
        db.session.add(SigningKey(
            purpose=KeyPurpose.SEAL.value, organisation_id=ids[own.organ_id],
            store=KeyStore.PKCS12.value, pkcs12=blob, certificate=own.certificate,
            subject=certificate.subject.rfc4514_string(), serial=f"{certificate.serial_number:x}",
            not_before=certificate.not_valid_before_utc,
            not_after=certificate.not_valid_after_utc, pin_failures=0))


def signed_pdf(seal: Seal, size: int) -> bytes:
    """A one-page PDF carrying ``size`` random bytes (an attached file), signed by ``seal``."""
    from asn1crypto import keys, x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_attachment("phu-luc.bin", os.urandom(size))
    unsigned = io.BytesIO()
    writer.write(unsigned)
    key = keys.PrivateKeyInfo.load(seal.private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    signer = signers.SimpleSigner(signing_cert=x509.Certificate.load(seal.certificate),
                                  signing_key=key, cert_registry=None)
    out = io.BytesIO()
    signers.sign_pdf(IncrementalPdfFileWriter(unsigned),
                     signers.PdfSignatureMetadata(field_name="ChuKy"), signer=signer, output=out)
    return out.getvalue()


def package(number: int, pdf: bytes):
    """The Government Office's ``number``-th decision to the Ministry, with ``pdf``."""
    from ecabinet.interchange import edxml

    day = date.today()
    return edxml.Package(
        from_=edxml.Organisation(organ_id=GOV, organ_name="Văn phòng Chính phủ",
                                 organization_in_charge="Chính phủ",
                                 organ_add="1 Hoàng Hoa Thám, Ba Đình, Hà Nội"),
        to=(edxml.Organisation(organ_id=MINISTRY, organ_name="Bộ Tài chính"),),
        document_id=edxml.DocumentId(GOV, day, str(number), SYMBOL),
        code=edxml.Code(str(number), SYMBOL),
        promulgation=edxml.PromulgationInfo("Hà Nội", day),
        document_type=edxml.DocumentType(1, 2, "Quyết định"),
        subject=f"Về việc thử tải trục liên thông, văn bản số {number}",
        signer=edxml.SignerInfo("KT.", "Phó Thủ tướng", "Nguyễn Văn Ký"),
        trace=(edxml.TraceHeader(GOV, datetime.now(UTC)),),
        attachments=(edxml.Attachment(f"vb-{number}", f"{number}-{SYMBOL}.pdf",
                                      "application/pdf", pdf, "Quyết định đã ký số"),))


@dataclass
class Built:
    data: list[bytes] = field(default_factory=list)
    document_ids: list[str] = field(default_factory=list)
    pdf_seconds: list[float] = field(default_factory=list)
    build_seconds: list[float] = field(default_factory=list)  # edxml.build + opening the
    # key + the XML signature, per package


def build_all(sender, pki: Pki, count: int, pdf_size: int) -> Built:
    """``count`` sealed packages, built in the sender's app (its seal row, its PIN)."""
    from ecabinet.interchange import edxml, installation

    built = Built()
    with sender.app_context():
        for number in range(1, count + 1):
            started = time.perf_counter()
            pdf = signed_pdf(pki.gov, pdf_size)
            built.pdf_seconds.append(time.perf_counter() - started)
            started = time.perf_counter()
            document = package(number, pdf)
            with installation.package_signer() as signer:
                built.data.append(edxml.build(document, signer=signer))
            built.build_seconds.append(time.perf_counter() - started)
            built.document_ids.append(str(document.document_id))
    return built


@contextmanager
def receivers_off():
    """The transport alone: received messages are only marked, nobody reads them."""
    from ecabinet.interchange.installation import RECEIVERS

    saved = dict(RECEIVERS)
    RECEIVERS.clear()
    try:
        yield
    finally:
        RECEIVERS.update(saved)


@contextmanager
def timed_receiver(times: list[float]):
    """The "edoc" receiver as registered, each call's time appended to ``times``."""
    from ecabinet.interchange.installation import RECEIVERS

    receive = RECEIVERS["edoc"]

    def timed(message, data):
        started = time.perf_counter()
        try:
            return receive(message, data)
        finally:
            times.append(time.perf_counter() - started)

    RECEIVERS["edoc"] = timed
    try:
        yield
    finally:
        RECEIVERS["edoc"] = receive


def check_registered(receiver, pki: Pki, document_ids: list[str]) -> str:
    """Every package registered once, numbered 1..N in the order sent, nothing quarantined,
    nothing left stored, one status 01 queued per document, sealed by the Ministry (checked
    against the bench's root, as the Government Office would). Raises AssertionError."""
    from sqlalchemy import func, select

    from ecabinet import storage
    from ecabinet.extensions import db
    from ecabinet.interchange import edxml
    from ecabinet.interchange.axis.models import AxisIncoming, AxisOutgoing
    from ecabinet.interchange.axis.models import IncomingState as AxisState
    from ecabinet.interchange.incoming.models import IncomingDocument, IncomingQuarantine

    with receiver.app_context():
        rows = db.session.execute(select(IncomingDocument.number, IncomingDocument.document_id)
                                  .order_by(IncomingDocument.number)).all()
        quarantined = db.session.execute(select(IncomingQuarantine.reason,
                                                IncomingQuarantine.detail)).all()
        stuck = db.session.scalar(select(func.count()).select_from(AxisIncoming).where(
            AxisIncoming.state != AxisState.RECEIVED))
        assert not quarantined, f"quarantined: {quarantined}"
        assert not stuck, f"{stuck} messages not received"
        trust = edxml.Trust(roots=(pki.root,))
        statuses = [edxml.parse_status(storage.get(row.package_sha256), trust=trust)
                    for row in db.session.scalars(select(AxisOutgoing).where(
                        AxisOutgoing.messagetype == "status").order_by(AxisOutgoing.id))]
    numbers = [number for number, _ in rows]
    assert numbers == list(range(1, len(document_ids) + 1)), numbers
    assert sorted(d for _, d in rows) == sorted(document_ids), "another set of documents"
    assert [s.status_code for s in statuses] == [edxml.StatusCode.RECEIVED] * len(rows)
    assert sorted(s.response_for.document_id for s in statuses) == sorted(document_ids)
    assert all(s.signature and s.signature.organisation_matched for s in statuses)
    return (f"{len(rows)} registered once, numbers 1..{len(rows)}, none quarantined, "
            f"{len(statuses)} statuses 01 queued, sealed by the Ministry")
