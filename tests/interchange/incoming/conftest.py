"""One installation (the Ministry of Finance, 000.00.00.G12) receiving packages from the
Government Office (000.00.00.G22), sealed by the edXML tests' small PKI (no token: the seal in
SoftHSM2 is tested by tests/interchange/edxml/test_edxml_pkcs11.py).

Packages are delivered the way the poller delivers them: kept as an inbox row with their bytes
in storage, then handed over by :func:`axis.services.hand_over_pending`, which calls the
registered "edoc" receiver in the transaction marking the message received.
"""

from __future__ import annotations

import io
import itertools
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from ecabinet import storage
from ecabinet.database import unit_of_work
from ecabinet.extensions import db
from ecabinet.interchange import edxml, installation
from ecabinet.interchange.axis import services as axis
from ecabinet.interchange.axis.models import AxisIncoming, AxisOutgoing
from tests.interchange.edxml.conftest import (  # noqa: F401 - the fixture, shared
    FINANCE,
    GOV_OFFICE,
    make_package,
    test_pki,
)
from tests.pki import blank_pdf

_remote_ids = itertools.count(1)


def sign_pdf(signer: edxml.KeySigner, pdf: bytes | None = None) -> bytes:
    """A PDF with a PAdES signature by ``signer`` (pyHanko, a cryptography key)."""
    from asn1crypto import keys, x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    from ecabinet.asyncio_bridge import run_async

    key = keys.PrivateKeyInfo.load(signer.private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    pyhanko_signer = signers.SimpleSigner(
        signing_cert=x509.Certificate.load(signer.certificate), signing_key=key,
        cert_registry=SimpleCertificateStore.from_certs(
            [x509.Certificate.load(c) for c in signer.chain]))
    out = io.BytesIO()
    # Not pyHanko's sync wrapper (asyncio.run): a browser test earlier in this worker may have
    # left Playwright's loop running in this thread.
    run_async(lambda: signers.async_sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(pdf or blank_pdf())),
        signers.PdfSignatureMetadata(field_name="ChuKy"), signer=pyhanko_signer, output=out))
    return out.getvalue()


@dataclass
class Pdfs:
    signed: bytes  # by the Government Office's seal, under the trusted root
    untrusted: bytes  # by the stranger, under a root nobody trusts
    unsigned: bytes


@pytest.fixture(scope="session")
def pdfs(test_pki) -> Pdfs:  # noqa: F811 - the fixture
    return Pdfs(sign_pdf(test_pki.gov_office), sign_pdf(test_pki.stranger), blank_pdf())


@pytest.fixture(scope="session")
def root_file(test_pki, tmp_path_factory):  # noqa: F811 - the fixture
    path = tmp_path_factory.mktemp("incoming-trust") / "root.der"
    path.write_bytes(test_pki.root)
    return str(path)


@pytest.fixture
def ministry(make_app, root_file, test_pki, monkeypatch):  # noqa: F811 - the fixture
    """The installation, its organisation and the sender's in the directory, its seal."""
    from ecabinet.organisations import services as organisations

    app = make_app(AXIS_ORGAN_ID=FINANCE, SIGNING_TRUST_ROOTS=[root_file],
                   AXIS_FETCH_REVOCATION=False, AXIS_SEAL_PIN="not-used-here")

    @contextmanager
    def seal():
        yield test_pki.finance

    monkeypatch.setattr(installation, "package_signer", seal)
    with app.app_context(), unit_of_work():
        organisations.create(identifier=FINANCE, code="BTC", name="Bộ Tài chính")
        organisations.create(identifier=GOV_OFFICE, code="VPCP", name="Văn phòng Chính phủ")
    return app


def package_bytes(test_pki, pdf: bytes, *, signer=None, **changes) -> bytes:  # noqa: F811 - the fixture
    attachment = edxml.Attachment("vb-1", "van-ban.pdf", "application/pdf", pdf, "Văn bản")
    package = make_package(attachments=(attachment,), **changes)
    return edxml.build(package, signer=signer or test_pki.gov_office)


def numbered(test_pki, pdf: bytes, number: int, **changes) -> bytes:  # noqa: F811 - the fixture
    """The n-th document of the Government Office (its own number and DocumentId)."""
    from datetime import date

    issuer = changes["from_"].organ_id if "from_" in changes else GOV_OFFICE
    changes.setdefault("document_id", edxml.DocumentId(issuer, date(2026, 12, 4), str(number),
                                                       "VPCP-KTTH"))
    return package_bytes(test_pki, pdf, code=edxml.Code(str(number), "VPCP-KTTH"), **changes)


def deliver(app, data: bytes, *, sender: str = GOV_OFFICE) -> int:
    """Kept in the inbox as the poller keeps a message (not handed over yet)."""
    with app.app_context(), unit_of_work():
        row = AxisIncoming(remote_id=f"remote-{next(_remote_ids)}", sender=sender,
                           messagetype="edoc", package_sha256=storage.put(data),
                           size=len(data))
        db.session.add(row)
        db.session.flush()
        return row.id


def hand_over(app) -> axis.PollReport:
    with app.app_context():
        try:
            return axis.hand_over_pending()
        finally:
            db.session.remove()


def statuses_sent(app, test_pki=None, *, trust: edxml.Trust | None = None  # noqa: F811 - the fixture
                  ) -> list[tuple[str, edxml.Status]]:
    """(recipient, status) of every status message in the outbox, in order, read back with
    the edXML reader and checked against the seal."""
    import json

    with app.app_context():
        rows = db.session.scalars(select(AxisOutgoing).where(
            AxisOutgoing.messagetype == "status").order_by(AxisOutgoing.id)).all()
        found = []
        for row in rows:
            status = edxml.parse_status(storage.get(row.package_sha256),
                                        trust=trust or test_pki.trust())
            found.extend((to, status) for to in json.loads(row.recipients))
        return found
