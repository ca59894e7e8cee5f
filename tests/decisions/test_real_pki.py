"""End to end with the real signing core: the demo PKI (SoftHSM2 keys, a TSA, OCSP and CRLs
served over HTTP by `ecabinet pki serve`), the real converter, B-LT signatures. The issued PDF
is checked with the signing core's validator (pyHanko), pdfsig and qpdf, and rendered to PNG
under tests/screenshots/ to be looked at."""

from __future__ import annotations

import io
import subprocess
import time
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import select

from ecabinet.database import unit_of_work
from ecabinet.extensions import db
from ecabinet.identity import services as identity
from ecabinet.identity.models import User
from tests.conftest import PASSWORD, totp_clock
from tests.docs.conftest import _jobs_finish_within_the_test  # noqa: F401
from tests.pki import PIN

# Its subject is the signing core against a real PKI, not the database (the workflow's database
# side runs on both in test_workflow.py): the SQLite pass runs it.
pytestmark = pytest.mark.one_database

SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"


def _code(secret: str, used: set) -> str:
    """A code not used yet by this user (the server's clock moves to the next 30 s step when
    the steps it accepts now are used)."""
    current = int(totp_clock() // 30)
    step = next((s for s in (current - 1, current, current + 1)
                 if s not in used and s > max(used, default=-1)), None)
    if step is None:
        step = max(used) + 1
        totp_clock.advance_to_step(step)
    used.add(step)
    return pyotp.TOTP(secret).at(step * 30)


@pytest.fixture
def office(pki_app, demo_pki):
    """Secretariat, a signer and a clerk of "Văn phòng Chính phủ" (code VPCP) with the demo
    PKI's keys and images; bearer tokens for each."""
    from datetime import timedelta

    from ecabinet.signing import certificates
    from ecabinet.signing.images import demo_seal, demo_signature
    from ecabinet.signing.models import SignatureImage, SigningKey

    secrets = {"signer": pyotp.random_base32(), "clerk": pyotp.random_base32()}
    used = {"signer": set(), "clerk": set()}
    with pki_app.app_context(), unit_of_work():
        organisation = identity.organisation_named("Văn phòng Chính phủ", create=True)
        organisation.code = "VPCP"
        secretariat = identity.create_user(email="thuky@vpcp.vn", name="Vũ Thị Lan",
                                           roles=["secretariat"], password=PASSWORD,
                                           organisation="VPCP")
        signer = identity.create_user(email="bt@vpcp.vn", name="Nguyễn Văn Ký",
                                      roles=["signer"], password=PASSWORD, organisation="VPCP",
                                      title="Bộ trưởng, Chủ nhiệm",
                                      totp_secret=secrets["signer"])
        clerk = identity.create_user(email="vt@vpcp.vn", name="Bùi Đức Long", roles=["clerk"],
                                     password=PASSWORD, organisation="VPCP",
                                     totp_secret=secrets["clerk"])
        personal = SigningKey(user_id=signer.id, pin_failures=0, **demo_pki.personal)
        db.session.add_all([
            personal,
            SigningKey(organisation_id=organisation.id, pin_failures=0, **demo_pki.seal),
            SignatureImage(kind="signature", user_id=signer.id,
                           png=demo_signature(signer.name)),
            SignatureImage(kind="seal", organisation_id=organisation.id,
                           png=demo_seal(organisation.name))])
        db.session.flush()
        certificates.enrol_key(personal, by=None)  # as `ecabinet pki enroll` does
        ids = {"secretariat": secretariat.id, "signer": signer.id, "clerk": clerk.id}
        tokens = {}
        for who, email in (("secretariat", "thuky@vpcp.vn"), ("signer", "bt@vpcp.vn"),
                           ("clerk", "vt@vpcp.vn")):
            otp = _code(secrets[who], used[who]) if who in secrets else None
            tokens[who] = identity.issue_token(email=email, password=PASSWORD, otp=otp,
                                               ttl=timedelta(hours=1))[0]

    class Office:
        def headers(self, who):
            return {"Authorization": f"Bearer {tokens[who]}"}

        def code(self, who):
            return _code(secrets[who], used[who])

    office = Office()
    office.ids = ids
    return office


def _annex_pdf(config) -> bytes:
    """A one-page attachment with text, made by the shared LibreOffice like any upload."""
    from ecabinet.docs import converter
    from tests.docs.corpus import docx_bytes

    text = ("PHỤ LỤC", "QUY CHẾ LÀM VIỆC ĐIỆN TỬ CỦA VĂN PHÒNG CHÍNH PHỦ",
            "Điều 1. Phạm vi điều chỉnh và đối tượng áp dụng.")
    return converter.for_config(config).convert(docx_bytes(*text), timeout=120)


def _run(*command) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603


@pytest.mark.usefixtures("_jobs_finish_within_the_test")
def test_drafted_signed_sealed_issued_and_valid_as_b_lt(pki_app, office, tmp_path):
    client = pki_app.test_client()
    annex = client.post("/api/v1/documents", data={
        "file": (io.BytesIO(_annex_pdf(pki_app.config)), "phu-luc.pdf"),
        "title": "Phụ lục: Quy chế",
        "classification": "normal"}, headers=office.headers("secretariat"),
        content_type="multipart/form-data")
    assert annex.status_code == 201, annex.get_json()
    response = client.post("/api/v1/decisions", json={
        "attachment_document_ids": [annex.get_json()["id"]],
        "kind": "quyet_dinh",
        "summary": "Về việc ban hành Quy chế làm việc điện tử của Văn phòng Chính phủ",
        "body": "Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về "
                "công tác văn thư;\nBỘ TRƯỞNG, CHỦ NHIỆM VĂN PHÒNG CHÍNH PHỦ\nQUYẾT ĐỊNH:\n"
                "Điều 1. Ban hành kèm theo Quyết định này Quy chế làm việc điện tử.\n"
                "Điều 2. Quyết định này có hiệu lực kể từ ngày ký ban hành.",
        "signer_id": office.ids["signer"], "authority": "BỘ TRƯỞNG, CHỦ NHIỆM",
        "recipients": "Các Vụ, Cục, đơn vị thuộc VPCP\nLưu: VT, TCCB"},
        headers=office.headers("secretariat"))
    assert response.status_code == 201, response.get_json()
    did = response.get_json()["id"]
    deadline = time.monotonic() + 120
    while client.get(f"/api/v1/decisions/{did}", headers=office.headers("signer")
                     ).get_json()["render_state"] == "rendering":
        assert time.monotonic() < deadline
        time.sleep(0.2)

    response = client.post(f"/api/v1/decisions/{did}/signatures",
                           json={"pin": PIN, "otp": office.code("signer")},
                           headers=office.headers("signer"))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["level"] == "B-LT"
    response = client.post(f"/api/v1/decisions/{did}/issue",
                           json={"pin": PIN, "otp": office.code("clerk")},
                           headers=office.headers("clerk"))
    assert response.status_code == 200, response.get_json()
    issued = response.get_json()
    assert issued["symbol"] == "01/QĐ-VPCP" and issued["state"] == "issued"

    pdf = client.get(f"/api/v1/decisions/{did}/pdf", headers=office.headers("clerk")).data
    with pki_app.app_context():
        from ecabinet.signing.validation import validate_pdf

        report = validate_pdf(pdf)
    leader, seal = report["signatures"]
    assert leader["valid"] and seal["valid"], (leader["reasons"], seal["reasons"])
    assert leader["docmdp"]["certification"] and leader["docmdp"]["ok"] is True
    assert leader["modification_level"] == "form_filling"
    assert leader.get("level", "B-LT") in ("B-LT", "PAdES-B-LT")

    path = tmp_path / "issued.pdf"
    path.write_bytes(pdf)
    pdfsig = _run("pdfsig", str(path)).stdout
    assert pdfsig.count("Signature is Valid.") == 2, pdfsig
    assert _run("qpdf", "--check", str(path)).returncode == 0
    text = _run("pdftotext", "-layout", str(path), "-").stdout
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Điều 1." in text
    SCREENSHOTS.mkdir(exist_ok=True)
    (SCREENSHOTS / "decision-issued.pdf").write_bytes(pdf)
    _run("pdftoppm", "-r", "110", "-png", "-f", "1", "-l", "1", str(path),
         str(SCREENSHOTS / "decision-issued"))
    annex_pdf = client.get(f"/api/v1/decisions/{did}/attachments/1/pdf",
                           headers=office.headers("clerk")).data
    with pki_app.app_context():
        [annex_signature] = validate_pdf(annex_pdf)["signatures"]
    assert annex_signature["valid"], annex_signature["reasons"]
    annex_path = tmp_path / "annex.pdf"
    annex_path.write_bytes(annex_pdf)
    assert _run("qpdf", "--check", str(annex_path)).returncode == 0
    _run("pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", str(annex_path),
         str(SCREENSHOTS / "decision-annex-issued"))


def _wait_rendered(client, office, did):
    deadline = time.monotonic() + 120
    while client.get(f"/api/v1/decisions/{did}", headers=office.headers("signer")
                     ).get_json()["render_state"] == "rendering":
        assert time.monotonic() < deadline
        time.sleep(0.2)


@pytest.mark.usefixtures("_jobs_finish_within_the_test")
def test_external_signer_prepares_and_finishes_from_a_script(pki_app, office, demo_pki):
    """The device holds the key (a PKCS#12 here): it signs what it is sent; the server
    finishes. Only the decision's signer may do either; a bad signature is refused."""
    import base64

    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding
    from cryptography.hazmat.primitives.serialization import pkcs12

    from ecabinet.signing import certificates, pki
    from tests.pki import P12_PASSWORD

    key, cert, _chain = pkcs12.load_key_and_certificates(demo_pki.file_key_p12,
                                                         P12_PASSWORD.encode())
    certificate = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()
    # Another official's device, certified by the same CA: enrolled for a minister, not for
    # the signer of this document.
    with pki_app.app_context(), unit_of_work():
        minister = identity.create_user(email="bt2@vpcp.vn", name="Trần Văn Khác",
                                        roles=["signer"], password=PASSWORD)
        other_p12 = pki.issue_for_file_key(pki.paths(pki_app.config), label="other-official",
                                           common_name="Trần Văn Khác",
                                           password=P12_PASSWORD.encode())
        _k, other_cert, _c = pkcs12.load_key_and_certificates(other_p12, P12_PASSWORD.encode())
        other_der = other_cert.public_bytes(serialization.Encoding.DER)
        certificates.enrol(minister, other_der, by=None, method="admin")
        certificates.enrol(db.session.get(User, office.ids["signer"]),
                           cert.public_bytes(serialization.Encoding.DER), by=None,
                           method="admin")
    client = pki_app.test_client()
    response = client.post("/api/v1/decisions", json={
        "kind": "cong_van", "summary": "Về việc góp ý dự thảo Quy chế",
        "body": "Kính gửi: Các Bộ, cơ quan ngang bộ.\nVăn phòng Chính phủ đề nghị góp ý.",
        "signer_id": office.ids["signer"], "authority": "BỘ TRƯỞNG, CHỦ NHIỆM"},
        headers=office.headers("secretariat"))
    assert response.status_code == 201, response.get_json()
    did = response.get_json()["id"]
    _wait_rendered(client, office, did)
    url = f"/api/v1/decisions/{did}/signatures/external"
    assert client.post(f"{url}/prepare", json={"certificate": certificate,
                                               "otp": office.code("clerk")},
                       headers=office.headers("clerk")).status_code == 403
    # Without a code: refused by the schema.
    response = client.post(f"{url}/prepare", json={"certificate": certificate},
                           headers=office.headers("signer"))
    assert response.status_code == 422, response.get_json()
    # Another official's certificate (same CA, valid, trusted): refused and audited.
    code = office.code("signer")
    response = client.post(f"{url}/prepare", json={
        "certificate": base64.b64encode(other_der).decode(), "otp": code},
        headers=office.headers("signer"))
    assert response.status_code == 403, response.get_json()
    assert response.get_json()["error"]["code"] == "certificate_not_enrolled"
    with pki_app.app_context():
        from ecabinet.audit.models import AuditEntry

        assert db.session.scalar(select(AuditEntry.id).where(
            AuditEntry.action == "signing.certificate_refused",
            AuditEntry.actor_id == office.ids["signer"])) is not None
    # The same code again (a replay): refused.
    response = client.post(f"{url}/prepare", json={"certificate": certificate, "otp": code},
                           headers=office.headers("signer"))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "invalid_otp"
    response = client.post(f"{url}/prepare", json={"certificate": certificate, "level": "B-LT",
                                                   "otp": office.code("signer")},
                           headers=office.headers("signer"))
    assert response.status_code == 201, response.get_json()
    pending = response.get_json()
    data = base64.b64decode(pending["data_to_sign"])
    bad = base64.b64encode(b"\x00" * 256).decode()
    response = client.post(f"{url}/finish", json={"pending_id": pending["id"], "signature": bad},
                           headers=office.headers("signer"))
    assert response.status_code in (400, 403, 409, 422), response.get_json()
    # The device: RSA PKCS#1 v1.5 with SHA-256 over the signed attributes.
    assert "sha256" in pending["digest_algorithm"].lower()
    signature = key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    # A finish naming another certificate than the prepared one: refused, nothing signed.
    response = client.post(f"{url}/finish", json={
        "pending_id": pending["id"], "signature": base64.b64encode(signature).decode(),
        "certificate": base64.b64encode(other_der).decode()}, headers=office.headers("signer"))
    assert response.status_code == 403, response.get_json()
    assert response.get_json()["error"]["code"] == "certificate_mismatch"
    assert client.get(f"/api/v1/decisions/{did}", headers=office.headers("signer")
                      ).get_json()["state"] == "draft"
    # Prepared on this document, it cannot finish another one of the same signer.
    response = client.post("/api/v1/decisions", json={
        "kind": "cong_van", "summary": "Về việc khác", "body": "Kính gửi: Bộ Tư pháp.",
        "signer_id": office.ids["signer"], "authority": "BỘ TRƯỞNG, CHỦ NHIỆM"},
        headers=office.headers("secretariat"))
    other = response.get_json()["id"]
    _wait_rendered(client, office, other)
    response = client.post(f"/api/v1/decisions/{other}/signatures/external/finish", json={
        "pending_id": pending["id"], "signature": base64.b64encode(signature).decode()},
        headers=office.headers("signer"))
    assert response.status_code == 409, response.get_json()
    assert response.get_json()["error"]["code"] == "document_changed"
    assert client.get(f"/api/v1/decisions/{other}", headers=office.headers("signer")
                      ).get_json()["state"] == "draft"
    response = client.post(f"{url}/finish", json={
        "pending_id": pending["id"], "signature": base64.b64encode(signature).decode(),
        "level": "B-LT"}, headers=office.headers("signer"))
    assert response.status_code == 201, response.get_json()
    signed = response.get_json()
    assert signed["state"] == "signed" and signed["signatures"][0]["external"] is True
    pdf = client.get(f"/api/v1/decisions/{did}/pdf", headers=office.headers("signer")).data
    with pki_app.app_context():
        from ecabinet.signing.validation import validate_pdf

        report = validate_pdf(pdf)
    assert report["signatures"][0]["valid"], report["signatures"][0]["reasons"]
    # Signed on the device, it is the same legal act: a certification that allows only the
    # number and date to be filled in and the seal to follow.
    assert report["signatures"][0]["docmdp"]["certification"]
    response = client.post(f"/api/v1/decisions/{did}/issue",
                           json={"pin": PIN, "otp": office.code("clerk")},
                           headers=office.headers("clerk"))
    assert response.status_code == 200, response.get_json()
    with pki_app.app_context():
        report = validate_pdf(client.get(f"/api/v1/decisions/{did}/pdf",
                                         headers=office.headers("clerk")).data)
    leader, seal = report["signatures"]
    assert leader["valid"] and seal["valid"], (leader["reasons"], seal["reasons"])
    assert leader["docmdp"]["ok"] is True and leader["modification_level"] == "form_filling"


@pytest.mark.usefixtures("_jobs_finish_within_the_test")
def test_a_b_t_signature_stays_valid_once_the_seal_brings_its_dss(pki_app, office, tmp_path):
    """A competent person's B-T signature (no revocation data of its own), then the seal at
    B-LT: the issued PDF carries the first signer's material too, so a validator reading its
    DSS finds it (without it, pyHanko refused the first certificate as untrusted)."""
    client = pki_app.test_client()
    response = client.post("/api/v1/decisions", json={
        "kind": "cong_van", "summary": "Về việc ký số mức B-T", "body": "Kính gửi: Bộ Tư pháp.",
        "signer_id": office.ids["signer"], "authority": "BỘ TRƯỞNG, CHỦ NHIỆM"},
        headers=office.headers("secretariat"))
    assert response.status_code == 201, response.get_json()
    did = response.get_json()["id"]
    _wait_rendered(client, office, did)
    response = client.post(f"/api/v1/decisions/{did}/signatures", json={
        "pin": PIN, "otp": office.code("signer"), "level": "B-T"},
        headers=office.headers("signer"))
    assert response.status_code == 201, response.get_json()
    response = client.post(f"/api/v1/decisions/{did}/issue",
                           json={"pin": PIN, "otp": office.code("clerk")},
                           headers=office.headers("clerk"))
    assert response.status_code == 200, response.get_json()
    pdf = client.get(f"/api/v1/decisions/{did}/pdf", headers=office.headers("clerk")).data
    with pki_app.app_context():
        from ecabinet.signing.validation import validate_pdf

        leader, seal = validate_pdf(pdf)["signatures"]
    assert leader["valid"] and seal["valid"], (leader["reasons"], seal["reasons"])
    assert leader["docmdp"]["ok"] is True and leader["modification_level"] == "form_filling"
    path = tmp_path / "issued-b-t.pdf"
    path.write_bytes(pdf)
    assert _run("pdfsig", str(path)).stdout.count("Signature is Valid.") == 2
