"""The external-signer flow: the key is on the signer's device (here: a PKCS#12 made in the test,
never given to the server); the server prepares, the "device" signs, the server finishes."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.serialization import Encoding, pkcs12

from ecabinet.database import unit_of_work
from ecabinet.errors import Conflict, Invalid, NotFound
from ecabinet.extensions import db
from ecabinet.identity.models import User
from ecabinet.signing import external, pki, validation
from ecabinet.signing.models import PendingExternalSignature
from tests.pki import blank_pdf, pdfsig, qpdf_check

PASSWORD = b"device-secret"


@pytest.fixture(scope="module")
def device(demo_pki):
    """A key that exists only "on the device": a PKCS#12 generated here, certified by the
    demo signing CA (the served OCSP responder learns of it)."""
    from flask import Flask

    app = Flask("device-enrolment")
    app.config.update(demo_pki.config)
    with app.app_context():
        p12 = pki.issue_for_file_key(pki.paths(app.config), label="device-signer",
                                     common_name="Bộ trưởng (ký trên thiết bị)",
                                     password=PASSWORD)
    key, cert, _chain = pkcs12.load_key_and_certificates(p12, PASSWORD)
    return key, cert.public_bytes(Encoding.DER)


@pytest.fixture(autouse=True)
def _device_enrolled(pki_app, signing_keys, device):
    """The device's certificate is the signer's (enrolled as an administrator would)."""
    _enrol(pki_app, signing_keys.signer_id, device[1])


def _enrol(app, user_id, certificate, *, check=True):
    from ecabinet.signing import certificates

    with app.app_context(), unit_of_work():
        certificates.enrol(db.session.get(User, user_id), certificate, by=None,
                           method="admin", check=check)


def device_signs(key, data_to_sign: str) -> bytes:
    """What the device does with what it is sent: RSA PKCS#1 v1.5 over SHA-256."""
    return key.sign(base64.b64decode(data_to_sign), padding.PKCS1v15(), hashes.SHA256())


def _prepare(app, user_id, certificate, level="B-LT"):
    with app.app_context(), unit_of_work():
        user = db.session.get(User, user_id)
        return external.prepare_external(
            blank_pdf(), user=user, certificate=certificate, field_name="ChuKy", level=level,
            box=(300, 500, 500, 600))


def _finish(app, pending_id, signature, user_id):
    with app.app_context(), unit_of_work():
        return external.finish_external(pending_id, signature,
                                        user=db.session.get(User, user_id))


@pytest.mark.parametrize("level", ["B-T", "B-LT"])
def test_external_signature_round_trip(pki_app, signing_keys, device, tmp_path, level):
    key, certificate = device
    pending = _prepare(pki_app, signing_keys.signer_id, certificate, level)
    body = pending.as_json()
    assert body["digest_algorithm"] == "sha256"
    assert body["signature_algorithm"] == "sha256_rsa"
    assert datetime.fromisoformat(body["expires_at"]) > datetime.now(UTC)
    with pki_app.app_context():
        row = db.session.get(PendingExternalSignature, pending.id)
        # the state stays here, not with the client
        assert row.user_id == signing_keys.signer_id and row.state
        assert row.prepared_pdf.startswith(b"%PDF") and row.finished_at is None
    signed = _finish(pki_app, pending.id, device_signs(key, pending.data_to_sign),
                     signing_keys.signer_id)
    with pki_app.app_context():
        report = validation.validate_pdf(signed)
    [entry] = report["signatures"]
    assert entry["valid"], entry["reasons"]
    assert entry["level"] == level
    assert entry["signer"]["name"] == "Bộ trưởng (ký trên thiết bị)"
    path = tmp_path / "external.pdf"
    path.write_bytes(signed)
    assert qpdf_check(path).returncode == 0
    assert "Signature is Valid." in pdfsig(path)
    # Finishing twice is refused.
    with pytest.raises(Conflict) as caught:
        _finish(pki_app, pending.id, device_signs(key, pending.data_to_sign),
                signing_keys.signer_id)
    assert caught.value.code == "already_finished"


def test_someone_elses_pending_signature_is_not_found(pki_app, signing_keys, device):
    key, certificate = device
    pending = _prepare(pki_app, signing_keys.signer_id, certificate, "B-B")
    with pytest.raises(NotFound):
        _finish(pki_app, pending.id, device_signs(key, pending.data_to_sign),
                signing_keys.clerk_id)
    with pytest.raises(NotFound):
        _finish(pki_app, 987654, b"x", signing_keys.signer_id)


def test_expired_pending_signature_is_refused(pki_app, signing_keys, device):
    key, certificate = device
    pending = _prepare(pki_app, signing_keys.signer_id, certificate, "B-B")
    with pki_app.app_context(), unit_of_work():
        row = db.session.get(PendingExternalSignature, pending.id)
        row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    with pytest.raises(Conflict) as caught:
        _finish(pki_app, pending.id, device_signs(key, pending.data_to_sign),
                signing_keys.signer_id)
    assert caught.value.code == "expired"


def test_a_wrong_signature_value_is_refused_and_the_pending_one_kept(pki_app, signing_keys,
                                                                      device):
    key, certificate = device
    pending = _prepare(pki_app, signing_keys.signer_id, certificate, "B-B")
    with pytest.raises(Invalid) as caught:
        _finish(pki_app, pending.id, device_signs(key, base64.b64encode(b"other data")),
                signing_keys.signer_id)
    assert caught.value.code == "bad_signature"
    signed = _finish(pki_app, pending.id, device_signs(key, pending.data_to_sign),
                     signing_keys.signer_id)
    with pki_app.app_context():
        assert validation.validate_pdf(signed)["valid"]


def test_revoked_or_garbage_certificate_is_refused(pki_app, signing_keys, demo_pki):
    _key, revoked, _ = pkcs12.load_key_and_certificates(demo_pki.revoked_p12, b"p12-secret")
    # Enrolled before it was revoked: the revocation is what refuses it now.
    _enrol(pki_app, signing_keys.signer_id, revoked.public_bytes(Encoding.DER), check=False)
    with pytest.raises(Conflict) as caught:
        _prepare(pki_app, signing_keys.signer_id, revoked.public_bytes(Encoding.DER), "B-B")
    assert caught.value.code == "certificate_revoked"
    with pytest.raises(Invalid):
        _prepare(pki_app, signing_keys.signer_id, b"not a certificate", "B-B")
