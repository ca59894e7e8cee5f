"""Validation through the API, the command line and the page; hostile input gets a 4xx."""

from __future__ import annotations

import io
import json

import pytest

from ecabinet.database import audited_attempt
from ecabinet.extensions import db
from ecabinet.identity.models import User
from ecabinet.signing import keys, pades, validation
from tests.conftest import bearer, csrf_from
from tests.pki import PIN, blank_pdf


@pytest.fixture
def signed_pdf(pki_app, signing_keys) -> bytes:
    with pki_app.app_context():
        signer = db.session.get(User, signing_keys.signer_id)
        with audited_attempt():
            return pades.sign_pdf(blank_pdf(), key=keys.personal_key(signer), pin=PIN,
                                     field_name="ChuKy", level="B-LT")


@pytest.fixture
def member_token(pki_app, make_user, token_for):
    return token_for(make_user("member"))


def test_api_validates_a_pdf_body(pki_app, signed_pdf, member_token):
    client = pki_app.test_client()
    response = client.post("/api/v1/signatures/validate", data=signed_pdf,
                           content_type="application/pdf", headers=bearer(member_token))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["valid"] and body["signed"]
    [entry] = body["signatures"]
    assert entry["level"] == "B-LT" and entry["signer"]["name"] == "Nguyễn Văn Ký"
    assert entry["coverage"] == "entire_revision"
    assert entry["modification_level"] == "lta_updates"


def test_api_validates_a_multipart_upload(pki_app, signed_pdf, member_token):
    client = pki_app.test_client()
    response = client.post("/api/v1/signatures/validate",
                           data={"file": (io.BytesIO(signed_pdf), "qd.pdf")},
                           content_type="multipart/form-data", headers=bearer(member_token))
    assert response.status_code == 200
    assert response.get_json()["valid"]


def test_api_needs_a_signed_in_caller(pki_app, signed_pdf):
    response = pki_app.test_client().post("/api/v1/signatures/validate", data=signed_pdf,
                                          content_type="application/pdf")
    assert response.status_code == 401


def test_other_trust_roots_make_it_untrusted(pki_app, signed_pdf, tmp_path):
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "Other root")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(7).not_valid_before(now)
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    with pki_app.app_context():
        report = validation.validate_pdf(signed_pdf, trust=[cert.public_bytes(
            serialization.Encoding.PEM)])
    entry = report["signatures"][0]
    assert entry["integrity"]["intact"] and not entry["trust"]["trusted"]
    assert "untrusted" in entry["reasons"] and not report["valid"]


HOSTILE = {
    "empty": b"",
    "not_a_pdf": b"GIF89a this is not a PDF",
    "header_only": b"%PDF-1.7\n",
    "garbage_xref": b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
                    b"xref\n0 999999999\ntrailer\n<< /Root 1 0 R /Size 999999999 >>\n"
                    b"startxref\n9\n%%EOF\n",
    "loop": b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 1 0 R >>\nendobj\n"
            b"trailer\n<< /Root 1 0 R >>\n%%EOF\n",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_input_gets_a_4xx_or_a_report(pki_app, member_token, name):
    response = pki_app.test_client().post(
        "/api/v1/signatures/validate", data=HOSTILE[name], content_type="application/pdf",
        headers=bearer(member_token))
    assert response.status_code in (200, 422), response.data[:300]
    body = response.get_json()
    if response.status_code == 200:
        assert body["valid"] is False
    else:
        assert body["error"]["code"] == "bad_pdf"


def test_truncated_signed_pdf(pki_app, signed_pdf, member_token):
    response = pki_app.test_client().post(
        "/api/v1/signatures/validate", data=signed_pdf[: len(signed_pdf) // 2],
        content_type="application/pdf", headers=bearer(member_token))
    assert response.status_code in (200, 422)
    if response.status_code == 200:
        assert response.get_json()["valid"] is False


def test_too_large_is_413(make_app, demo_pki, make_user, token_for):
    app = make_app(**demo_pki.config, SIGNING_VALIDATE_MAX_BYTES=10_000)
    token = token_for(make_user("member"))
    response = app.test_client().post(
        "/api/v1/signatures/validate", data=b"%PDF-1.7\n" + b"0" * 20_000,
        content_type="application/pdf", headers=bearer(token))
    assert response.status_code == 413
    # Far over the limit: refused before the body is read.
    response = app.test_client().post(
        "/api/v1/signatures/validate", data=b"%PDF-1.7\n" + b"0" * (3 * 1024 * 1024),
        content_type="application/pdf", headers=bearer(token))
    assert response.status_code == 413


def test_wrong_media_type_is_415(pki_app, member_token):
    response = pki_app.test_client().post(
        "/api/v1/signatures/validate", data=b"{}", content_type="application/json",
        headers=bearer(member_token))
    assert response.status_code == 415


def test_unsigned_pdf_reports_no_signature(pki_app):
    with pki_app.app_context():
        report = validation.validate_pdf(blank_pdf())
    assert report == {**report, "signatures": [], "signed": False, "valid": False}


def test_cli_validate(pki_app, signed_pdf, demo_pki, tmp_path):
    path = tmp_path / "qd.pdf"
    path.write_bytes(signed_pdf)
    runner = pki_app.test_cli_runner()
    result = runner.invoke(args=["validate", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["valid"]
    result = runner.invoke(args=["validate", str(path), "--trust", str(demo_pki.root_pem)])
    assert result.exit_code == 0 and "Bottom line: valid" in result.output
    assert "B-LT" in result.output
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"not a pdf")
    result = runner.invoke(args=["validate", str(broken), "--json"])
    assert result.exit_code == 2 and json.loads(result.output)["error"]["code"] == "bad_pdf"


def test_validation_page_in_vietnamese(pki_app, signed_pdf, make_user):
    from tests.conftest import AuthActions

    client = pki_app.test_client()
    user = make_user("member")
    AuthActions(pki_app, client).login(user)
    page = client.get("/signatures/validate")
    assert page.status_code == 200
    response = client.post("/signatures/validate", data={
        "csrf_token": csrf_from(page.text), "file": (io.BytesIO(signed_pdf), "qd.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 200
    assert "Nguyễn Văn Ký" in response.text and "B-LT" in response.text
    assert "verdict-valid" in response.text
    response = client.post("/signatures/validate", data={
        "csrf_token": csrf_from(page.text), "file": (io.BytesIO(b"junk"), "x.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 422
    assert "flash-error" in response.text


def test_the_certificate_s_names_are_labelled_for_a_vietnamese_reader(pki_app, signed_pdf,
                                                                     make_user):
    """Labels translated, values as the certificate has them; no "Common Name: …"."""
    from tests.conftest import AuthActions

    client = pki_app.test_client()
    AuthActions(pki_app, client).login(make_user("member"))
    page = client.get("/signatures/validate")
    response = client.post("/signatures/validate", data={
        "csrf_token": csrf_from(page.text), "file": (io.BytesIO(signed_pdf), "qd.pdf")},
        content_type="multipart/form-data")
    assert "Họ và tên: Nguyễn Văn Ký" in response.text, response.text
    for english in ("Common Name", "Organization", "Country"):
        assert english not in response.text
    assert "Tổ chức: " in response.text and "Quốc gia: VN" in response.text
