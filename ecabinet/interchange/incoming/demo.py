"""The demo's incoming documents (``ecabinet seed-demo``): real packages, sealed and signed by
ministries' keys from the demo PKI, handed to the "edoc" receiver exactly as the poller hands
them, so that the clerk finds them registered, acknowledged (01 in the outbox) and waiting.

The demo installation is the Government Office (000.00.00.G22) unless ECABINET_AXIS_ORGAN_ID
says otherwise; its seal is the demo PKI's, opened with the demo PIN when
ECABINET_AXIS_SEAL_PIN is not set. Revocation is not fetched while seeding: the demo PKI's OCSP
server only runs beside the app.
"""

from __future__ import annotations

import io
from contextlib import contextmanager
from datetime import UTC, date, datetime

from flask import current_app
from sqlalchemy import select

from ecabinet import storage
from ecabinet.extensions import db
from ecabinet.interchange import edxml
from ecabinet.interchange.axis import services as axis
from ecabinet.interchange.axis.models import AxisIncoming
from ecabinet.interchange.incoming.models import IncomingDocument

GOV_OFFICE = "000.00.00.G22"
#: (sender's identifier, name, number, symbol, type, subject, days before today)
PACKAGES = [
    ("000.00.00.G10", "Bộ Kế hoạch và Đầu tư", "812", "BC-BKHĐT", "Báo cáo",
     "Báo cáo tình hình kinh tế - xã hội tháng 11 và 11 tháng năm 2026", 3),
    ("000.00.00.G09", "Bộ Nội vụ", "245", "TTr-BNV", "Tờ trình",
     "Về dự án Luật Tổ chức chính quyền địa phương (sửa đổi)", 2),
    ("000.00.00.G13", "Bộ Tư pháp", "377", "BC-BTP", "Báo cáo",
     "Báo cáo thẩm định dự thảo Nghị định quy định chi tiết Luật Đầu tư công", 1),
]


@contextmanager
def _as_demo_installation():
    config = current_app.config
    saved = {k: config.get(k) for k in ("AXIS_ORGAN_ID", "AXIS_SEAL_PIN",
                                        "AXIS_FETCH_REVOCATION")}
    from ecabinet.signing import pki

    config["AXIS_ORGAN_ID"] = saved["AXIS_ORGAN_ID"] or GOV_OFFICE
    config["AXIS_SEAL_PIN"] = saved["AXIS_SEAL_PIN"] or pki.DEMO_PIN
    config["AXIS_FETCH_REVOCATION"] = False
    try:
        yield config["AXIS_ORGAN_ID"]
    finally:
        config.update(saved)


def _ministry_signer(name: str, label: str):
    """A key of the ministry's seal as a file, certified by the demo signing CA."""
    from pyhanko.sign import signers

    from ecabinet.signing import pki

    password = b"demo-ministry"
    p12 = pki.issue_for_file_key(pki.paths(current_app.config), label=label,
                                 common_name=name, password=password)
    return signers.SimpleSigner.load_pkcs12_data(p12, other_certs=[], passphrase=password)


def _signed(pdf: bytes, signer) -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    from ecabinet.asyncio_bridge import run_async

    out = io.BytesIO()
    # pyHanko's sync wrapper calls asyncio.run, which fails where a loop already runs (a
    # browser test's Playwright): the bridge every signing path of the app uses.
    run_async(lambda: signers.async_sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(pdf)),
        signers.PdfSignatureMetadata(field_name="ChuKyCoQuan"), signer=signer, output=out))
    return out.getvalue()


def _package(own: str, organ_id: str, name: str, number: str, symbol: str, kind: str,
             subject: str, day: date, pdf: bytes, signer) -> bytes:
    package = edxml.Package(
        from_=edxml.Organisation(organ_id=organ_id, organ_name=name),
        to=(edxml.Organisation(organ_id=own, organ_name="Văn phòng Chính phủ"),),
        document_id=edxml.DocumentId(organ_id, day, number, symbol),
        code=edxml.Code(number, symbol), promulgation=edxml.PromulgationInfo("Hà Nội", day),
        document_type=edxml.DocumentType(1, 1, kind), subject=subject,
        signer=edxml.SignerInfo("", "Bộ trưởng", name),
        trace=(edxml.TraceHeader(organ_id, datetime.now(UTC)),),
        attachments=(edxml.Attachment("vb", f"{number}-{symbol}.pdf", "application/pdf", pdf,
                                      subject),))
    return edxml.build(package, signer=edxml.PyHankoSigner(signer))


def ensure_demo_incoming() -> list[str]:
    """Once: the demo PKI must exist (``ecabinet pki init``) and the register be empty."""
    from ecabinet.demo.report import report_pdf
    from ecabinet.signing import pki

    if not pki.paths(current_app.config).exists() or \
            db.session.scalar(select(IncomingDocument.id).limit(1)) is not None:
        return []
    created = []
    pdf = report_pdf()
    with _as_demo_installation() as own:
        for organ_id, name, number, symbol, kind, subject, days in PACKAGES:
            signer = _ministry_signer(name, f"demo-seal-{organ_id}")
            day = date.fromordinal(date.today().toordinal() - days)
            data = _package(own, organ_id, name, number, symbol, kind, subject, day,
                            _signed(pdf, signer), signer)
            message = AxisIncoming(remote_id=f"demo-{organ_id}-{number}", sender=organ_id,
                                   messagetype="edoc", package_sha256=storage.put(data),
                                   size=len(data))
            db.session.add(message)
            db.session.flush()
            axis.on_received(message)  # the receiver, as the poller calls it
            created.append(f"incoming document {number}/{symbol}")
    return created
