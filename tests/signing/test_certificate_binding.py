"""A signature is attributed to a person only with a certificate enrolled for that person.

Every official holds a certificate from the same CA, so "trusted" is not enough: another
official's certificate (or a certificate swapped in between prepare and finish) is refused,
the refusal leaves an audit line and nothing else changes. Enrolling a certificate takes the
password and a fresh TOTP code, or an administrator (audited)."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.serialization import Encoding, pkcs12
from sqlalchemy import func, select

from ecabinet.audit.models import AuditEntry
from ecabinet.database import audited_attempt, unit_of_work
from ecabinet.errors import Forbidden
from ecabinet.extensions import db
from ecabinet.identity.models import User
from ecabinet.signing import certificates, external, keys, pades, pki
from ecabinet.signing.models import EnrolledCertificate, PendingExternalSignature, SigningKey
from tests.conftest import PASSWORD, bearer, csrf_from, unused_code
from tests.pki import PIN, blank_pdf

DEVICE_PASSWORD = b"device-secret"


@pytest.fixture(scope="module")
def officials(demo_pki):
    """Two officials' device keys from the same demo signing CA: the Prime Minister's and a
    minister's. Both certificates are equally trusted; only enrolment tells them apart."""
    from flask import Flask

    app = Flask("officials")
    app.config.update(demo_pki.config)
    devices = {}
    with app.app_context():
        for who, name in (("pm", "Thủ tướng (thiết bị)"), ("minister", "Bộ trưởng (thiết bị)")):
            p12 = pki.issue_for_file_key(pki.paths(app.config), label=f"binding-{who}",
                                         common_name=name, password=DEVICE_PASSWORD)
            key, cert, _chain = pkcs12.load_key_and_certificates(p12, DEVICE_PASSWORD)
            devices[who] = (key, cert.public_bytes(Encoding.DER))
    return devices


def _fingerprint(der: bytes) -> str:
    return hashlib.sha256(der).hexdigest()


def _enrol(app, user_id: int, der: bytes) -> int:
    with app.app_context(), unit_of_work():
        user = db.session.get(User, user_id)
        return certificates.enrol(user, der, by=None, method="cli").id


def _audit(app, action: str) -> list[dict]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                  .order_by(AuditEntry.id)).all()
        return [{"actor_id": r.actor_id, "object_id": r.object_id, **json.loads(r.details)}
                for r in rows]


def _pending_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(PendingExternalSignature.id)))


def _prepare(app, user_id, der):
    with app.app_context(), audited_attempt():
        return external.prepare_external(
            blank_pdf(), user=db.session.get(User, user_id), certificate=der,
            field_name="ChuKy", level="B-B", box=(300, 500, 500, 600))


def _finish(app, pending_id, signature, user_id, certificate=None):
    with app.app_context(), audited_attempt():
        return external.finish_external(pending_id, signature,
                                        user=db.session.get(User, user_id),
                                        certificate=certificate)


def _self_signed_pem(common_name: str) -> bytes:
    """A certificate no trusted CA issued."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30)).sign(key, hashes.SHA256()))
    return cert.public_bytes(Encoding.PEM)


def _signs(key, data_to_sign: str) -> bytes:
    return key.sign(base64.b64decode(data_to_sign), padding.PKCS1v15(), hashes.SHA256())


def test_another_officials_certificate_is_refused_at_prepare(pki_app, make_user, officials):
    pm, minister = make_user("signer"), make_user("signer")
    _enrol(pki_app, pm.id, officials["pm"][1])
    _enrol(pki_app, minister.id, officials["minister"][1])
    # The minister sends the Prime Minister's certificate (same CA, valid, trusted).
    with pytest.raises(Forbidden) as caught:
        _prepare(pki_app, minister.id, officials["pm"][1])
    assert caught.value.code == "certificate_not_enrolled"
    assert _pending_count(pki_app) == 0
    [line] = _audit(pki_app, "signing.certificate_refused")
    assert line["actor_id"] == minister.id
    assert line["fingerprint"] == _fingerprint(officials["pm"][1])
    # A user with no enrolment at all is refused the same way.
    nobody = make_user("signer")
    with pytest.raises(Forbidden):
        _prepare(pki_app, nobody.id, officials["minister"][1])
    # Their own certificate goes through.
    assert _prepare(pki_app, minister.id, officials["minister"][1]).id


def test_a_swapped_certificate_at_finish_is_refused(pki_app, make_user, officials):
    pm_key, pm_der = officials["pm"]
    minister_key, minister_der = officials["minister"]
    pm = make_user("signer")
    enrolment_id = _enrol(pki_app, pm.id, pm_der)
    _enrol(pki_app, pm.id, minister_der)  # even a second certificate of the same person
    pending = _prepare(pki_app, pm.id, pm_der)
    # The finish names another certificate than the one prepared: refused.
    with pytest.raises(Forbidden) as caught:
        _finish(pki_app, pending.id, _signs(pm_key, pending.data_to_sign), pm.id,
                certificate=minister_der)
    assert caught.value.code == "certificate_mismatch"
    # A value signed by another key does not verify against the prepared certificate.
    with pytest.raises(Exception) as caught:
        _finish(pki_app, pending.id, _signs(minister_key, pending.data_to_sign), pm.id)
    assert caught.value.code == "bad_signature"
    # The certificate's enrolment revoked in between: the finish is refused too.
    with pki_app.app_context(), unit_of_work():
        certificates.revoke(db.session.get(EnrolledCertificate, enrolment_id), by=None)
    with pytest.raises(Forbidden) as caught:
        _finish(pki_app, pending.id, _signs(pm_key, pending.data_to_sign), pm.id)
    assert caught.value.code == "certificate_not_enrolled"
    with pki_app.app_context():
        assert db.session.get(PendingExternalSignature, pending.id).finished_at is None
    assert len(_audit(pki_app, "signing.certificate_refused")) == 2


def test_the_cms_signer_is_checked_against_the_enrolment(pki_app, make_user, officials):
    """The signed CMS itself names the enrolled certificate, and its value verifies over the
    signed attributes (checked on what goes into the PDF, not only on what was sent)."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    pm_key, pm_der = officials["pm"]
    pm = make_user("signer")
    _enrol(pki_app, pm.id, pm_der)
    pending = _prepare(pki_app, pm.id, pm_der)
    signed = _finish(pki_app, pending.id, _signs(pm_key, pending.data_to_sign), pm.id,
                     certificate=pm_der)
    import io

    [embedded] = PdfFileReader(io.BytesIO(signed)).embedded_signatures
    assert _fingerprint(embedded.signer_cert.dump()) == _fingerprint(pm_der)
    with pki_app.app_context():
        certificates.check_cms_signer(embedded.signed_data, _fingerprint(pm_der))
        with pytest.raises(Forbidden) as caught:
            certificates.check_cms_signer(embedded.signed_data,
                                          _fingerprint(officials["minister"][1]))
    assert caught.value.code == "certificate_mismatch"


def test_a_server_key_signs_only_for_the_user_it_is_enrolled_for(pki_app, signing_keys):
    with pki_app.app_context(), unit_of_work():
        enrolment = db.session.scalars(select(EnrolledCertificate).where(
            EnrolledCertificate.user_id == signing_keys.signer_id)).one()
        certificates.revoke(enrolment, by=None)
    with pki_app.app_context():
        key = db.session.get(SigningKey, signing_keys.personal_id)
        with pytest.raises(Forbidden) as caught, audited_attempt():
            pades.sign_pdf(blank_pdf(), key=key, pin=PIN, field_name="A", level="B-B")
    assert caught.value.code == "certificate_not_enrolled"
    assert _audit(pki_app, "signing.certificate_refused")


def test_user_enrols_with_password_and_a_fresh_code(pki_app, make_user, token_for, officials):
    pm = make_user("signer")
    headers = bearer(token_for(pm))
    client = pki_app.test_client()
    body = {"certificate": base64.b64encode(officials["pm"][1]).decode(), "password": PASSWORD}
    # A wrong code: refused, nothing enrolled, audited.
    response = client.post("/api/v1/me/certificates", json={**body, "otp": "000000"},
                           headers=headers)
    assert response.status_code == 403, response.get_json()
    assert response.get_json()["error"]["code"] == "invalid_credentials"
    assert _audit(pki_app, "auth.totp_failed")
    # The wrong password with a right code: refused.
    response = client.post("/api/v1/me/certificates",
                           json={**body, "password": "wrong-password",
                                 "otp": unused_code(pki_app, pm.email)}, headers=headers)
    assert response.status_code == 403
    # the same answer as a wrong code: the answer does not tell when the password is right
    assert response.get_json()["error"]["code"] == "invalid_credentials"
    assert client.get("/api/v1/me/certificates", headers=headers).get_json() == []
    code = unused_code(pki_app, pm.email)
    response = client.post("/api/v1/me/certificates", json={**body, "otp": code},
                           headers=headers)
    assert response.status_code == 201, response.get_json()
    enrolled = response.get_json()
    assert enrolled["fingerprint"] == _fingerprint(officials["pm"][1])
    assert enrolled["method"] == "self" and enrolled["revoked_at"] is None
    assert "Thủ tướng" in enrolled["subject"] and enrolled["issuer"]
    # The same code again (a replay) is refused.
    pem = ("-----BEGIN CERTIFICATE-----\n"
           + base64.encodebytes(officials["minister"][1]).decode()
           + "-----END CERTIFICATE-----\n")
    response = client.post("/api/v1/me/certificates",
                           json={"certificate": pem, "password": PASSWORD, "otp": code},
                           headers=headers)
    assert response.status_code == 403
    assert [c["fingerprint"] for c in client.get("/api/v1/me/certificates",
                                                 headers=headers).get_json()] == \
        [enrolled["fingerprint"]]
    [line] = _audit(pki_app, "signing.certificate_enrolled")
    assert line["method"] == "self" and line["fingerprint"] == enrolled["fingerprint"]


def test_an_untrusted_or_foreign_certificate_is_not_enrolled(pki_app, make_user, officials):
    pm, minister = make_user("signer"), make_user("signer")
    _enrol(pki_app, pm.id, officials["pm"][1])
    with pki_app.app_context():
        with pytest.raises(Exception) as caught, unit_of_work():
            certificates.enrol(db.session.get(User, minister.id), officials["pm"][1],
                               by=None, method="cli")
        assert caught.value.code == "certificate_enrolled_elsewhere"
        pem = _self_signed_pem("Người lạ")
        with pytest.raises(Exception) as caught, unit_of_work():
            certificates.enrol(db.session.get(User, minister.id), pem, by=None, method="cli")
        assert caught.value.code == "certificate_untrusted"
        with pytest.raises(Exception) as caught, unit_of_work():
            certificates.enrol(db.session.get(User, minister.id), b"garbage", by=None,
                               method="cli")
        assert caught.value.code == "bad_certificate"
        assert certificates.for_user(db.session.get(User, minister.id)) == []


def test_admin_enrolment_is_audited(pki_app, make_user, token_for, officials):
    admin, pm, member = make_user("admin"), make_user("signer"), make_user("member")
    client = pki_app.test_client()
    body = {"certificate": base64.b64encode(officials["pm"][1]).decode()}
    response = client.post(f"/api/v1/users/{pm.id}/certificates", json=body,
                           headers=bearer(token_for(member)))
    assert response.status_code == 403
    response = client.post(f"/api/v1/users/{pm.id}/certificates", json=body,
                           headers=bearer(token_for(admin)))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["method"] == "admin"
    [line] = _audit(pki_app, "signing.certificate_enrolled")
    assert line["actor_id"] == admin.id and line["method"] == "admin"
    assert line["user_id"] == pm.id
    assert line["fingerprint"] == _fingerprint(officials["pm"][1])
    response = client.post("/api/v1/users/999999/certificates", json=body,
                           headers=bearer(token_for(admin)))
    assert response.status_code == 404


def test_account_page_lists_the_fingerprints(pki_app, make_user, officials):
    pm = make_user("signer")
    _enrol(pki_app, pm.id, officials["pm"][1])
    client = pki_app.test_client()
    from tests.conftest import AuthActions

    AuthActions(pki_app, client).login(pm)
    page = client.get("/account")
    assert page.status_code == 200
    fingerprint = _fingerprint(officials["pm"][1]).upper()
    grouped = ":".join(fingerprint[i:i + 2] for i in range(0, 64, 2))
    assert grouped in page.text
    assert "Thủ tướng (thiết bị)" in page.text
    assert csrf_from(page.text)


def test_the_enroll_command_enrols_the_keys_certificate(pki_app, make_user, officials,
                                                        tmp_path):
    user = make_user("signer", name="Lê Văn Mới")
    result = pki_app.test_cli_runner().invoke(
        args=["pki", "enroll", "--email", user.email, "--pin", "135246"])
    assert result.exit_code == 0, result.output + repr(result.exception)
    path = tmp_path / "device.der"
    path.write_bytes(officials["minister"][1])
    result = pki_app.test_cli_runner().invoke(
        args=["pki", "enroll", "--email", user.email, "--certificate", str(path)])
    assert result.exit_code == 0, result.output + repr(result.exception)
    assert _fingerprint(officials["minister"][1]) in result.output
    with pki_app.app_context():
        rows = certificates.for_user(db.session.get(User, user.id))
        key = keys.personal_key(db.session.get(User, user.id))
    assert {(r.fingerprint, r.method) for r in rows} == {
        (_fingerprint(key.certificate), "key"),
        (_fingerprint(officials["minister"][1]), "cli")}


def test_enrolment_from_the_account_page(pki_app, make_user, officials):
    """The account page's form: the file, the password and a fresh code."""
    import io

    from tests.conftest import AuthActions

    pm = make_user("signer")
    client = pki_app.test_client()
    AuthActions(pki_app, client).login(pm)

    def post(otp):
        page = client.get("/account")
        return client.post("/signatures/certificates", data={
            "file": (io.BytesIO(officials["pm"][1]), "pm.cer"), "password": PASSWORD,
            "otp": otp, "csrf_token": csrf_from(page.text)},
            content_type="multipart/form-data", follow_redirects=True)

    refused = post("000000")
    assert refused.status_code == 200
    with pki_app.app_context():
        assert certificates.for_user(db.session.get(User, pm.id)) == []
    done = post(unused_code(pki_app, pm.email))
    with pki_app.app_context():
        [row] = certificates.for_user(db.session.get(User, pm.id))
    assert row.fingerprint == _fingerprint(officials["pm"][1]) and row.method == "self"
    assert certificates.grouped(row.fingerprint) in done.text


def test_the_upgrade_enrols_the_certificates_of_the_keys_users_hold(make_app, tmp_path,
                                                                     demo_pki):
    """An existing installation keeps signing: the certificates of its users' current keys
    are enrolled for them by the migration (retired keys are not)."""
    from datetime import UTC, datetime

    from flask_migrate import downgrade, upgrade
    from sqlalchemy import insert, text

    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/upgrade.db")
    retired_p12 = pkcs12.load_key_and_certificates(demo_pki.file_key_p12, b"p12-secret")[1]
    with app.app_context():
        upgrade(revision="e1a0c0f00003")
        downgrade(revision="-1")
        db.session.execute(text(
            "INSERT INTO users (id, email, name, locale, active, session_version, created_at) "
            "VALUES (7, 'pm@chinhphu.vn', 'Thủ tướng', 'vi', 1, 1, '2026-01-01 00:00:00')"))
        now = datetime.now(UTC)
        for certificate, retired in ((demo_pki.personal["certificate"], None),
                                     (retired_p12.public_bytes(Encoding.DER), now)):
            db.session.execute(insert(SigningKey.__table__).values(
                purpose="personal", user_id=7, store="pkcs11", certificate=certificate,
                subject="x", serial="1", not_before=now, not_after=now, pin_failures=0,
                retired_at=retired, created_at=now))
        db.session.commit()
        upgrade(revision="e1a0c0f00003")
        rows = db.session.execute(text(
            "SELECT user_id, fingerprint, method, issuer FROM enrolled_certificates")).all()
        db.session.remove()
        db.engine.dispose()
    [(user_id, fingerprint, method, issuer)] = rows
    assert (user_id, fingerprint, method) == (
        7, _fingerprint(demo_pki.personal["certificate"]), "key")
    assert "Signing CA" in issuer
