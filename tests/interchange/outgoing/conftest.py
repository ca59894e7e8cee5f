"""The Government Office's installation on the axis with the demo PKI's seal (SoftHSM2), and a
signed decision ready to issue, made without the converter (a blank page with the number,
date and seal fields), so that each test issues it for real in well under a second.

Recipients: the Ministry of Finance and the Ministry of Home Affairs (other installations,
reached through the axis) and the Ministry of Justice (in this installation, no identifier).
The exchange service's address is never called here (nothing sends); tests that talk to a
service use tests/interchange/axis's fixtures."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from ecabinet import storage
from ecabinet.database import unit_of_work
from ecabinet.extensions import db
from ecabinet.identity.models import Organisation
from tests.pki import PIN

GOV, FINANCE, HOME, JUSTICE_NAME = "000.00.00.G22", "000.00.00.G12", "000.00.00.G10", "Bộ Tư pháp"


def axis_settings(**overrides) -> dict:
    return {"AXIS_URL": "http://127.0.0.1:9/unused", "AXIS_SYSTEM_ID": "vpcp",
            "AXIS_SECRET": "s", "AXIS_ORGAN_ID": GOV, "AXIS_SEAL_PIN": PIN,
            "AXIS_FETCH_REVOCATION": False, "AXIS_POLL_INTERVAL_SECONDS": 0,
            "DECISION_SEAL_LEVEL": "B-B", **overrides}


@pytest.fixture
def app(make_app, demo_pki):
    return make_app(**demo_pki.config, **axis_settings())


@dataclass
class Office:
    gov_id: int
    finance_id: int
    home_id: int
    justice_id: int
    clerk: object
    signer: object
    secretariat: object
    member: object


@pytest.fixture
def office(app, demo_pki, make_user) -> Office:
    from ecabinet.signing.images import demo_seal
    from ecabinet.signing.models import SignatureImage, SigningKey

    with app.app_context(), unit_of_work():
        gov = Organisation(name="Văn phòng Chính phủ", code="VPCP", identifier=GOV,
                           address="1 Hoàng Hoa Thám, Hà Nội")
        finance = Organisation(name="Bộ Tài chính", code="BTC", identifier=FINANCE)
        home = Organisation(name="Bộ Nội vụ", code="BNV", identifier=HOME)
        justice = Organisation(name=JUSTICE_NAME, code="BTP")
        db.session.add_all([gov, finance, home, justice])
        db.session.flush()
        db.session.add(SigningKey(organisation_id=gov.id, pin_failures=0, **demo_pki.seal))
        db.session.add(SignatureImage(kind="seal", organisation_id=gov.id,
                                      png=demo_seal(gov.name)))
        ids = gov.id, finance.id, home.id, justice.id
    return Office(*ids,
                  clerk=make_user("clerk", name="Bùi Đức Long", organisation="VPCP"),
                  signer=make_user("member", "signer", name="Nguyễn Văn Ký",
                                   organisation="VPCP", title="Thứ trưởng"),
                  secretariat=make_user("secretariat", name="Vũ Thị Lan", organisation="VPCP"),
                  member=make_user("member", name="Phạm Quốc Bảo", organisation="BTC"))


def _page_with_fields() -> tuple[bytes, str]:
    from pypdf import PdfWriter

    from ecabinet.decisions import pdf as fields_pdf

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    found = fields_pdf.Fields(number=(90, 760, 130, 775), day=(400, 740, 420, 755),
                              month=(440, 740, 460, 755), year=(480, 740, 520, 755),
                              signature_page=0, signature=(340, 200, 490, 300),
                              seal=(290, 200, 390, 300))
    return fields_pdf.prepare(out.getvalue(), found), found.to_json()


@pytest.fixture
def signed_decision(app, office):
    """signed_decision(*organisation_ids) -> the id of a decision signed and ready to issue,
    addressed to those organisations (default: Finance, Home Affairs, Justice)."""
    from ecabinet.decisions import distribution
    from ecabinet.decisions.models import Decision, DecisionState, RenderState

    def make(*organisation_ids) -> int:
        organisation_ids = organisation_ids or (office.finance_id, office.home_id,
                                                office.justice_id)
        pdf, fields_json = _page_with_fields()
        with app.app_context(), unit_of_work():
            decision = Decision(
                kind="quyet_dinh", summary="Về việc phê duyệt Đề án chuyển đổi số",
                body="Điều 1. Phê duyệt.", issuer_id=office.gov_id,
                authority="KT. BỘ TRƯỞNG, CHỦ NHIỆM\nTHỨ TRƯỞNG", place="Hà Nội",
                signer_id=office.signer.id, created_by_id=office.secretariat.id,
                render_state=RenderState.READY.value, pdf_sha256=storage.put(pdf),
                fields_json=fields_json, level="B-B", state=DecisionState.SIGNED.value,
                signed_at=datetime.now(UTC))
            decision.recipients = distribution.build("Lưu: VT", list(organisation_ids))
            db.session.add(decision)
            db.session.flush()
            return decision.id

    return make


def issue(app, office, decision_id: int):
    """The clerk issues it (the PIN of the demo seal), as the API does: a refusal is committed
    with its audit lines and raised."""
    from ecabinet.database import audited_attempt
    from ecabinet.decisions import workflow
    from ecabinet.decisions.models import Decision
    from ecabinet.identity.models import User

    with app.app_context():
        with audited_attempt():
            decision = db.session.get(Decision, decision_id)
            workflow.issue(db.session.get(User, office.clerk.id), decision, pin=PIN, otp=None,
                           otp_checked=True)
        db.session.remove()


def rows(app, model, *where):
    with app.app_context():
        found = list(db.session.scalars(select(model).where(*where)))
        db.session.expunge_all()
        return found


# --- statuses coming back ------------------------------------------------------------------------

from tests.interchange.edxml.conftest import test_pki  # noqa: E402,F401 - the stranger's key

_remote_ids = iter(range(1, 1_000_000))


def sent_to(app, organ_id: str):
    """The ExchangeOutgoing row of the (only) decision sent to ``organ_id``."""
    from ecabinet.interchange.outgoing.models import ExchangeOutgoing

    return rows(app, ExchangeOutgoing, ExchangeOutgoing.organ_id == organ_id)[-1]


def status_bytes(app, *, document_id: str, code: str, from_: str = FINANCE,
                 description: str = "", signer="seal", staff=None) -> bytes:
    """A status about ``document_id`` written as ``from_``; signed with the demo seal (a
    certificate the installation trusts, naming no identifier), or by ``signer`` (a KeySigner),
    or unsigned (None)."""
    from ecabinet.interchange import edxml
    from ecabinet.signing import keys
    from ecabinet.signing.keys import OpenedKey

    with app.app_context():
        parsed = edxml.DocumentId.parse(document_id)
        status = edxml.Status(
            response_for=edxml.ResponseFor(parsed.organ_id, f"{parsed.number}/{parsed.symbol}",
                                           parsed.date, document_id),
            from_=edxml.Organisation(from_, "Bộ Tài chính"),
            status_code=edxml.StatusCode(code), timestamp=datetime.now(UTC),
            description=description, staff=staff)
        if signer != "seal":
            return edxml.build_status(status, signer=signer)
        gov = db.session.scalar(select(Organisation).where(Organisation.identifier == GOV))
        with OpenedKey(keys.seal_key(gov), PIN) as opened:
            data = edxml.build_status(status, signer=edxml.PyHankoSigner(opened))
        db.session.remove()
        return data


def receive(app, data: bytes, *, sender: str = FINANCE):
    """The axis inbox got ``data`` from ``sender`` (as the service authenticated it): stored,
    then handed over to the "status" receiver, as the poller does."""
    from ecabinet.interchange.axis import services as axis
    from ecabinet.interchange.axis.models import AxisIncoming

    with app.app_context():
        with unit_of_work():
            row = AxisIncoming(remote_id=f"st-{next(_remote_ids)}", sender=sender,
                               messagetype="status", package_sha256=storage.put(data),
                               size=len(data))
            db.session.add(row)
            db.session.flush()
            row_id = row.id
        report = axis.hand_over_pending()
        db.session.remove()
    assert row_id in report.handed_over, report  # applied or refused: never stuck
    return row_id
