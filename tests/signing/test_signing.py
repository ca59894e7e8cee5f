"""Signing with keys in SoftHSM2 (and PKCS#12), against the real demo PKI served over HTTP.

Every PDF signed here is checked three ways: pyHanko's validation (our report), ``pdfsig``
for integrity and coverage, and ``qpdf --check`` for structure.
"""

from __future__ import annotations

import threading

import aiohttp
import pytest
from sqlalchemy import func, select

from ecabinet.database import audited_attempt, unit_of_work
from ecabinet.errors import Conflict, Forbidden, Invalid, Unavailable
from ecabinet.extensions import db
from ecabinet.identity.models import Organisation, User
from ecabinet.signing import images, keys, pades, trust, validation
from ecabinet.signing.appearance import Appearance
from ecabinet.signing.models import MAX_PIN_FAILURES, SigningKey
from tests.pki import P12_PASSWORD, PIN, blank_pdf, pdfsig, qpdf_check

SIGNATURE_BOX = (300, 500, 500, 600)
SEAL_BOX = (260, 480, 420, 610)


def _person(signer):
    return Appearance("person", image=images.signature_image(signer))


def _seal(organisation):
    return Appearance("seal", image=images.seal_image(organisation),
                               organisation=organisation.name)


def _check_referees(tmp_path, pdf: bytes, name: str, expected_signatures: int) -> str:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    check = qpdf_check(path)
    assert check.returncode == 0, check.stdout + check.stderr
    report = pdfsig(path)
    assert report.count("Signature Validation: Signature is Valid.") == expected_signatures, report
    return report


@pytest.mark.parametrize("level", ["B-B", "B-T", "B-LT", "B-LTA"])
def test_each_level_signs_and_validates(pki_app, signing_keys, tmp_path, level):
    with pki_app.app_context():
        signer = db.session.get(User, signing_keys.signer_id)
        key = keys.personal_key(signer)
        with audited_attempt():
            signed = pades.sign_pdf(blank_pdf(), key=key, pin=PIN, field_name="ChuKy",
                                       level=level, appearance=_person(signer),
                                       box=SIGNATURE_BOX)
        report = validation.validate_pdf(signed)
    [entry] = [e for e in report["signatures"] if e["type"] == "signature"]
    assert entry["level"] == level
    assert entry["valid"], entry["reasons"]
    assert entry["integrity"] == {"intact": True, "valid": True}
    assert entry["trust"]["trusted"]
    assert entry["signer"]["name"] == "Nguyễn Văn Ký"
    assert entry["signing_time"].endswith("+07:00")
    assert (entry["timestamp"] is None) == (level == "B-B")
    if level in ("B-LT", "B-LTA"):
        assert entry["trust"]["revocation_data_embedded"]
    timestamps = [e for e in report["signatures"] if e["type"] == "document_timestamp"]
    assert len(timestamps) == (1 if level == "B-LTA" else 0)
    assert report["valid"]
    pdfsig_report = _check_referees(tmp_path, signed, level, 1)
    if level in ("B-B", "B-T"):
        assert "Total document signed" in pdfsig_report
    else:  # the DSS (and LTA timestamp) come after the signature: expected
        assert "Not total document signed" in pdfsig_report


def test_certified_with_form_filling_then_sealed_stays_valid(pki_app, signing_keys, tmp_path):
    with pki_app.app_context():
        signer = db.session.get(User, signing_keys.signer_id)
        organisation = db.session.get(Organisation, signing_keys.organisation_id)
        prepared = pades.add_signature_fields(blank_pdf(), [("Dau", 0, SEAL_BOX)])
        with audited_attempt():
            certified = pades.sign_pdf(prepared, key=keys.personal_key(signer), pin=PIN,
                                          field_name="ChuKy", level="B-LT", certify=True,
                                          appearance=_person(signer), box=SIGNATURE_BOX)
            sealed = pades.sign_pdf(certified, key=keys.seal_key(organisation), pin=PIN,
                                       field_name="Dau", level="B-LT",
                                       appearance=_seal(organisation))
        report = validation.validate_pdf(sealed)
    first, second = report["signatures"]
    assert first["field"] == "ChuKy" and second["field"] == "Dau"
    assert first["docmdp"]["certification"] and first["docmdp"]["permission"] == "fill_forms"
    assert first["docmdp"]["ok"] is True
    assert first["modification_level"] == "form_filling"
    assert first["coverage"] == "entire_revision"
    assert first["valid"] and second["valid"], (first["reasons"], second["reasons"])
    assert sealed.startswith(certified[:len(certified) - 1])  # an incremental update
    _check_referees(tmp_path, sealed, "sealed", 2)


def test_a_new_field_after_certification_is_reported(pki_app, signing_keys):
    """Adding a field (changing the page) after a form-filling certification breaks it."""
    with pki_app.app_context():
        signer = db.session.get(User, signing_keys.signer_id)
        organisation = db.session.get(Organisation, signing_keys.organisation_id)
        with audited_attempt():
            certified = pades.sign_pdf(blank_pdf(), key=keys.personal_key(signer),
                                          pin=PIN, field_name="ChuKy", level="B-B",
                                          certify=True, appearance=_person(signer),
                                          box=SIGNATURE_BOX)
            sealed = pades.sign_pdf(certified, key=keys.seal_key(organisation), pin=PIN,
                                       field_name="Moi", level="B-B", box=SEAL_BOX,
                                       appearance=_seal(organisation))
        report = validation.validate_pdf(sealed)
    first = report["signatures"][0]
    assert not first["valid"]
    assert "modified" in first["reasons"] or "docmdp" in first["reasons"]
    assert not report["valid"]


def test_modification_after_signing_is_detected(pki_app, signing_keys, tmp_path):
    with pki_app.app_context():
        signer = db.session.get(User, signing_keys.signer_id)
        with audited_attempt():
            signed = pades.sign_pdf(blank_pdf(), key=keys.personal_key(signer), pin=PIN,
                                       field_name="ChuKy", level="B-T",
                                       appearance=_person(signer), box=SIGNATURE_BOX)
        # 1. bytes changed inside the signed range
        position = signed.index(b"/MediaBox")
        tampered = signed[:position] + b"/MediaBoy" + signed[position + 9:]
        report = validation.validate_pdf(tampered)
        entry = report["signatures"][0]
        assert not entry["valid"] and "integrity" in entry["reasons"]
        assert entry["integrity"]["intact"] is False
        # 2. an incremental update that changes the page content after signing
        from io import BytesIO

        from pyhanko.pdf_utils import generic
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

        writer = IncrementalPdfFileWriter(BytesIO(signed))
        page_ref = writer.root["/Pages"]["/Kids"].raw_get(0)  # turn the page sideways
        page_ref.get_object()["/Rotate"] = generic.NumberObject(90)
        writer.mark_update(page_ref)
        out = BytesIO()
        writer.write(out)
        report = validation.validate_pdf(out.getvalue())
    entry = report["signatures"][0]
    assert entry["integrity"]["intact"] is True  # its own revision is untouched…
    assert entry["coverage"] == "entire_revision"
    assert entry["modification_level"] == "other"  # …but the document changed after it
    assert "modified" in entry["reasons"] and not entry["valid"]
    path = tmp_path / "forged.pdf"
    path.write_bytes(out.getvalue())
    assert "Not total document signed" in pdfsig(path)


def test_the_wrong_pin_message_reads_plainly_in_vietnamese(pki_app, signing_keys):
    """"khóa ký số bị khóa" said "the key is locked" with one word for both (issue 9, point
    19): the refusal names the signing key and says it would be suspended."""
    from flask_babel import force_locale

    with pki_app.test_request_context(), force_locale("vi"):
        key = keys.personal_key(db.session.get(User, signing_keys.signer_id))
        with pytest.raises(Forbidden) as caught:
            with audited_attempt():
                pades.sign_pdf(blank_pdf(), key=key, pin="999999", field_name="ChuKy",
                               level="B-B")
    assert caught.value.message == ("Sai mã PIN. Còn 4 lần thử trước khi khóa bí mật dùng để "
                                    "ký bị tạm ngừng.")


def test_wrong_pin_is_counted_and_locks_after_five(pki_app, signing_keys):
    with pki_app.app_context():
        signer = db.session.get(User, signing_keys.signer_id)
        for attempt in range(1, MAX_PIN_FAILURES + 1):
            key = keys.personal_key(signer)
            with pytest.raises((Forbidden, Conflict)) as caught:
                with audited_attempt():
                    pades.sign_pdf(blank_pdf(), key=key, pin="999999", field_name="ChuKy",
                                      level="B-B")
            expected = "pin_locked" if attempt == MAX_PIN_FAILURES else "wrong_pin"
            assert caught.value.code == expected
            assert "999999" not in caught.value.message
        key = keys.personal_key(signer)
        assert key.pin_failures == MAX_PIN_FAILURES and key.locked
        # Locked: even the right PIN is refused, without touching the token.
        with pytest.raises(Conflict) as caught:
            pades.sign_pdf(blank_pdf(), key=key, pin=PIN, field_name="ChuKy", level="B-B")
        assert caught.value.code == "pin_locked"
        from ecabinet.audit.models import AuditEntry

        entries = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "signing.wrong_pin")).all()
        assert len(entries) == MAX_PIN_FAILURES
        assert all("999999" not in str(e.details) for e in entries)
    # The administrator's command unlocks it.
    result = pki_app.test_cli_runner().invoke(args=["pki", "unlock", "--email",
                                                    "ky@chinhphu.vn"])
    assert result.exit_code == 0, result.output
    with pki_app.app_context():
        key = keys.personal_key(db.session.get(User, signing_keys.signer_id))
        assert not key.locked and key.pin_failures == 0
        with audited_attempt():
            assert pades.sign_pdf(blank_pdf(), key=key, pin=PIN, field_name="ChuKy",
                                     level="B-B")


def test_a_right_pin_resets_the_counter(pki_app, signing_keys):
    with pki_app.app_context():
        key = db.session.get(SigningKey, signing_keys.personal_id)
        with pytest.raises(Forbidden), audited_attempt():
            pades.sign_pdf(blank_pdf(), key=key, pin="000000", field_name="A", level="B-B")
        key = db.session.get(SigningKey, signing_keys.personal_id)
        assert key.pin_failures == 1
        with audited_attempt():
            pades.sign_pdf(blank_pdf(), key=key, pin=PIN, field_name="A", level="B-B")
        assert db.session.get(SigningKey, signing_keys.personal_id).pin_failures == 0


def _p12_key(app, signer_id: int, p12: bytes) -> int:
    from ecabinet.signing import enrolment

    with app.app_context(), unit_of_work():
        key = enrolment.add_pkcs12_key(pkcs12=p12, password=P12_PASSWORD,
                                       user=db.session.get(User, signer_id))
        return key.id


def test_pkcs12_key_signs(pki_app, signing_keys, demo_pki, tmp_path):
    key_id = _p12_key(pki_app, signing_keys.signer_id, demo_pki.file_key_p12)
    with pki_app.app_context():
        key = db.session.get(SigningKey, key_id)
        assert key.store == "pkcs12"
        signer = db.session.get(User, signing_keys.signer_id)
        assert keys.personal_key(signer).id == key_id  # the newest key replaced the old
        with pytest.raises(Forbidden), audited_attempt():
            pades.sign_pdf(blank_pdf(), key=key, pin="wrong-password", field_name="A",
                              level="B-B")
        key = db.session.get(SigningKey, key_id)
        with audited_attempt():
            signed = pades.sign_pdf(blank_pdf(), key=key, pin=P12_PASSWORD,
                                       field_name="ChuKy", level="B-LT")
        report = validation.validate_pdf(signed)
    assert report["valid"] and report["signatures"][0]["level"] == "B-LT"
    assert report["signatures"][0]["signer"]["name"] == "Người ký ngoài (tệp PKCS#12)"
    _check_referees(tmp_path, signed, "p12", 1)


def test_revoked_certificate_is_refused(pki_app, signing_keys, demo_pki):
    key_id = _p12_key(pki_app, signing_keys.signer_id, demo_pki.revoked_p12)
    with pki_app.app_context():
        key = db.session.get(SigningKey, key_id)
        with pytest.raises(Conflict) as caught:
            pades.sign_pdf(blank_pdf(), key=key, pin=P12_PASSWORD, field_name="A",
                              level="B-B")
    assert caught.value.code == "certificate_revoked"


def test_expired_certificate_is_refused(pki_app, signing_keys, demo_pki):
    key_id = _p12_key(pki_app, signing_keys.signer_id, demo_pki.expired_p12)
    with pki_app.app_context():
        signer = db.session.get(User, signing_keys.signer_id)
        with pytest.raises(Conflict) as caught:
            keys.personal_key(signer)
        assert caught.value.code == "certificate_expired"
        with pytest.raises(Conflict) as caught:
            pades.sign_pdf(blank_pdf(), key=db.session.get(SigningKey, key_id),
                              pin=P12_PASSWORD, field_name="A", level="B-B")
    assert caught.value.code == "certificate_expired"


def test_tsa_down_is_unavailable_and_changes_nothing(make_app, demo_pki, signing_keys,
                                                     tmp_path):
    from tests.pki import free_port

    app = make_app(**{**demo_pki.config, "TSA_URL": f"http://127.0.0.1:{free_port()}/tsa"})
    from ecabinet.audit.models import AuditEntry

    original = blank_pdf()
    kept = bytes(original)
    with app.app_context():
        entries_before = db.session.scalar(select(func.count(AuditEntry.id)))
        key = db.session.get(SigningKey, signing_keys.personal_id)
        with pytest.raises(Unavailable) as caught, audited_attempt():
            pades.sign_pdf(original, key=key, pin=PIN, field_name="A", level="B-T")
        assert caught.value.code == "tsa_unavailable"
        assert original == kept
        key = db.session.get(SigningKey, signing_keys.personal_id)
        assert key.pin_failures == 0
        assert db.session.scalar(select(func.count(AuditEntry.id))) == entries_before


def test_ocsp_down_is_unavailable(pki_app, signing_keys, demo_pki):
    with pki_app.app_context():
        key = db.session.get(SigningKey, signing_keys.personal_id)
        trust._revocation_cache.clear()
        demo_pki.server.stop()
        try:
            with pytest.raises(Unavailable) as caught:
                pades.sign_pdf(blank_pdf(), key=key, pin=PIN, field_name="A", level="B-B")
        finally:
            demo_pki.server.start()
        assert caught.value.code == "ocsp_unavailable"
        with audited_attempt():  # and retrying works once it is back
            assert pades.sign_pdf(blank_pdf(), key=key, pin=PIN, field_name="A",
                                     level="B-T")


def test_two_signatures_with_one_key_at_once(pki_app, signing_keys):
    results, errors = {}, []

    def sign(index: int):
        try:
            with pki_app.app_context():
                key = db.session.get(SigningKey, signing_keys.personal_id)
                results[index] = pades.sign_pdf(blank_pdf(), key=key, pin=PIN,
                                                   field_name=f"S{index}", level="B-T")
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=sign, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    with pki_app.app_context():
        for index, signed in results.items():
            report = validation.validate_pdf(signed)
            assert report["valid"], report["signatures"][0]["reasons"]
            assert report["signatures"][0]["field"] == f"S{index}"
    assert len(results) == 4


def test_sign_pdf_works_inside_a_running_event_loop(pki_app, signing_keys):
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    async def caller():
        with pki_app.app_context():
            key = db.session.get(SigningKey, signing_keys.personal_id)
            return pades.sign_pdf(blank_pdf(), key=key, pin=PIN, field_name="A",
                                     level="B-B")

    # In a thread of its own: Playwright's sync API (the browser tests) leaves a loop marked as
    # running in the main thread, where asyncio.run itself would refuse to start.
    with ThreadPoolExecutor(1) as thread:
        signed = thread.submit(asyncio.run, caller()).result()
    with pki_app.app_context():
        assert validation.validate_pdf(signed)["valid"]


@pytest.mark.parametrize("data", [b"", b"not a pdf at all", b"%PDF-1.7\n1 0 obj <<",
                                  b"%PDF-1.4\n" + b"A" * 5000])
def test_bad_pdf_to_sign_is_invalid(pki_app, signing_keys, data):
    with pki_app.app_context():
        key = db.session.get(SigningKey, signing_keys.personal_id)
        with pytest.raises(Invalid) as caught:
            pades.sign_pdf(data, key=key, pin=PIN, field_name="A", level="B-B")
    assert caught.value.code == "bad_pdf"


def test_bad_level_and_page(pki_app, signing_keys):
    with pki_app.app_context():
        key = db.session.get(SigningKey, signing_keys.personal_id)
        with pytest.raises(Invalid):
            pades.sign_pdf(blank_pdf(), key=key, pin=PIN, field_name="A", level="B-X")
        with pytest.raises(Invalid):
            pades.sign_pdf(blank_pdf(), key=key, pin=PIN, field_name="A", level="B-B",
                              box=SIGNATURE_BOX, page=3)


def test_no_key_is_not_found(pki_app, make_user):
    from ecabinet.errors import NotFound

    user = make_user("signer")
    with pki_app.app_context():
        with pytest.raises(NotFound) as caught:
            keys.personal_key(db.session.get(User, user.id))
    assert caught.value.code == "no_signing_key"


def test_enroll_command_gives_a_new_key_that_signs_at_b_lt(pki_app, make_user, tmp_path):
    """A key generated in a new token by a process whose PKCS#11 library is already loaded,
    certified by the signing CA; the running responder learns of it (B-LT needs its OCSP)."""
    user = make_user("signer", name="Phạm Minh Mới")
    result = pki_app.test_cli_runner().invoke(
        args=["pki", "enroll", "--email", user.email, "--pin", "135246"])
    assert result.exit_code == 0, result.output + repr(result.exception)
    with pki_app.app_context():
        key = keys.personal_key(db.session.get(User, user.id))
        assert key.store == "pkcs11" and key.token_label.startswith(f"u{user.id}-")
        with audited_attempt():
            signed = pades.sign_pdf(blank_pdf(), key=key, pin="135246", field_name="K",
                                       level="B-LT")
        report = validation.validate_pdf(signed)
    assert report["valid"] and report["signatures"][0]["signer"]["name"] == "Phạm Minh Mới"
    _check_referees(tmp_path, signed, "enrolled", 1)
    result = pki_app.test_cli_runner().invoke(
        args=["pki", "enroll", "--email", "nobody@example.gov.vn", "--pin", "135246"])
    assert result.exit_code != 0 and "No user" in result.output


@pytest.mark.parametrize("failure", [TimeoutError(), aiohttp.ServerTimeoutError(),
                                     aiohttp.ServerDisconnectedError()])
def test_a_status_service_that_hangs_is_unavailable_not_an_internal_error(failure):
    """Found by CI on a loaded machine: the CRL fetch timed out inside pyHanko's validator and
    the signer got a 500 instead of "the status service cannot be reached, try again"."""
    from ecabinet.signing.failures import During, translated

    with pytest.raises(Unavailable) as caught, translated(During.STATUS):
        raise failure
    assert caught.value.code == "ocsp_unavailable"
