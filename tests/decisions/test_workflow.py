"""The legal order: draft → signed (the competent person) → issued (the clerk), with the bad
paths: wrong role, wrong PIN or code, a replayed code, the TSA down, double submits."""

from __future__ import annotations

import io
import json

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from sqlalchemy import select

from ecabinet.audit.models import AuditEntry
from ecabinet.decisions import pdf as fields_pdf
from ecabinet.extensions import db
from ecabinet.i18n import VIETNAM
from tests.decisions.conftest import PIN, code_for, headers


def _sign(client, people, app, decision_id, *, who="signer", pin=PIN, otp=None, user=None):
    user = user or getattr(people, who)
    otp = otp or code_for(app, user)
    return client.post(f"/api/v1/decisions/{decision_id}/signatures",
                       json={"pin": pin, "otp": otp}, headers=headers(people, who))


def _issue(client, people, app, decision_id, *, who="clerk", pin=PIN, otp=None):
    otp = otp or code_for(app, getattr(people, who))
    return client.post(f"/api/v1/decisions/{decision_id}/issue", json={"pin": pin, "otp": otp},
                       headers=headers(people, who))


def _pdf(client, people, decision_id, who="secretariat") -> bytes:
    response = client.get(f"/api/v1/decisions/{decision_id}/pdf", headers=headers(people, who))
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    return response.data


def _validate(pdf: bytes, trust: list[bytes]):
    """pyHanko's own validation of every signature, trusting the test keys."""
    from asn1crypto import pem, x509

    from ecabinet.asyncio_bridge import run_async

    roots = [x509.Certificate.load(pem.unarmor(data)[2]) for data in trust]
    reader = PdfFileReader(io.BytesIO(pdf))
    context = ValidationContext(trust_roots=roots)
    return [(s.field_name, run_async(lambda s=s: async_validate_pdf_signature(s, context)))
            for s in reader.embedded_signatures]


def test_draft_is_rendered_with_its_fields(client, people, drafted, fake_signing):
    decision = drafted()
    assert decision["state"] == "draft" and decision["render_state"] == "ready"
    assert decision["number"] is None and decision["signatures"] == []
    pdf = _pdf(client, people, decision["id"])
    values = fields_pdf.field_values(pdf)
    assert set(values) == {fields_pdf.NUMBER_FIELD, fields_pdf.DAY_FIELD,
                           fields_pdf.MONTH_FIELD, fields_pdf.YEAR_FIELD}
    assert all(value == "" for value in values.values())
    # The competent person sees it in their inbox; the outsider does not know it exists.
    assert client.get(f"/api/v1/decisions/{decision['id']}",
                      headers=headers(people, "signer")).status_code == 200
    assert client.get(f"/api/v1/decisions/{decision['id']}",
                      headers=headers(people, "outsider")).status_code == 404


def test_signed_then_issued_validates_with_the_first_signature_intact(
        app, client, people, drafted, fake_signing):
    decision = drafted()
    did = decision["id"]
    response = _sign(client, people, app, did)
    assert response.status_code == 201, response.get_json()
    signed = response.get_json()
    assert signed["state"] == "signed" and signed["level"] == "B-LT"
    assert [s["role"] for s in signed["signatures"]] == ["signer"]
    first_call = fake_signing.calls[-1]
    assert first_call["certify"] is True and first_call["field_name"] == fields_pdf.SIGNER_FIELD
    assert first_call["appearance"].kind == "person"

    response = _issue(client, people, app, did)
    assert response.status_code == 200, response.get_json()
    issued = response.get_json()
    assert issued["state"] == "issued"
    assert issued["number"] == 1 and issued["symbol"] == "01/QĐ-TTg"
    assert issued["number_line"] == "Số: 01/QĐ-TTg"
    seal_call = fake_signing.calls[-1]
    assert seal_call["certify"] is False and seal_call["appearance"].kind == "seal"
    assert seal_call["field_name"] == fields_pdf.SEAL_FIELD

    pdf = _pdf(client, people, did)
    values = fields_pdf.field_values(pdf)
    from datetime import datetime

    today = datetime.now(VIETNAM)
    assert values[fields_pdf.NUMBER_FIELD] == "01"
    assert values[fields_pdf.DAY_FIELD] == f"{today.day:02d}"
    assert values[fields_pdf.YEAR_FIELD] == str(today.year)
    results = _validate(pdf, fake_signing.trust)
    assert [name for name, _ in results] == [fields_pdf.SIGNER_FIELD, fields_pdf.SEAL_FIELD]
    leader = results[0][1]
    assert leader.intact and leader.valid and leader.trusted
    assert leader.docmdp_ok
    assert leader.modification_level == ModificationLevel.FORM_FILLING
    assert results[1][1].bottom_line

    # Issued: immutable, and its hash is in the audit trail.
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "decision.issue"))
        details = entry.details if isinstance(entry.details, dict) else json.loads(entry.details)
        assert details["pdf_sha256"] == issued["pdf_sha256"]
        assert details["symbol"] == "01/QĐ-TTg"
    assert _issue(client, people, app, did).status_code == 409
    assert _sign(client, people, app, did).status_code == 409


def test_numbers_follow_the_register_per_issuer(app, client, people, drafted, fake_signing):
    symbols = []
    for _ in range(2):
        did = drafted()["id"]
        assert _sign(client, people, app, did).status_code == 201
        response = _issue(client, people, app, did)
        assert response.status_code == 200, response.get_json()
        symbols.append(response.get_json()["symbol"])
    assert symbols == ["01/QĐ-TTg", "02/QĐ-TTg"]


def test_only_the_named_signer_signs(app, client, people, drafted, fake_signing):
    did = drafted()["id"]
    # The secretariat and a clerk see the draft but may not sign it: 403. Another signer and
    # an outsider do not see a draft that is not theirs: 404.
    assert _sign(client, people, app, did, who="other_signer").status_code == 404
    response = client.post(f"/api/v1/decisions/{did}/signatures",
                           json={"pin": PIN, "otp": "123456"}, headers=headers(people, "clerk"))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "not_the_signer"
    response = client.post(f"/api/v1/decisions/{did}/signatures",
                           json={"pin": PIN, "otp": "123456"},
                           headers=headers(people, "secretariat"))
    assert response.status_code == 403
    response = client.post(f"/api/v1/decisions/{did}/signatures",
                           json={"pin": PIN, "otp": "123456"},
                           headers=headers(people, "outsider"))
    assert response.status_code == 404
    assert fake_signing.calls == []


def test_wrong_code_replayed_code_and_wrong_pin(app, client, people, drafted, fake_signing):
    did = drafted()["id"]
    response = _sign(client, people, app, did, otp="000000")
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "invalid_otp"
    code = code_for(app, people.signer)
    response = _sign(client, people, app, did, pin="0000", otp=code)
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "wrong_pin"
    # The code of the refused attempt was used: it cannot be replayed.
    response = _sign(client, people, app, did, otp=code)
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "invalid_otp"
    state = client.get(f"/api/v1/decisions/{did}", headers=headers(people, "signer")).get_json()
    assert state["state"] == "draft" and state["signatures"] == []


def test_tsa_down_leaves_it_awaiting_signature_and_retry_works(
        app, client, people, drafted, fake_signing):
    did = drafted()["id"]
    fake_signing.down = True
    response = _sign(client, people, app, did)
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "tsa_unavailable"
    assert client.get(f"/api/v1/decisions/{did}",
                      headers=headers(people, "signer")).get_json()["state"] == "draft"
    fake_signing.down = False
    assert _sign(client, people, app, did).status_code == 201


def test_issue_needs_the_signature_first_and_a_clerk(app, client, people, drafted,
                                                     fake_signing):
    did = drafted()["id"]
    response = _issue(client, people, app, did)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "not_signed"
    assert _sign(client, people, app, did).status_code == 201
    response = client.post(f"/api/v1/decisions/{did}/issue", json={"pin": PIN, "otp": "1"},
                           headers=headers(people, "signer"))
    assert response.status_code == 403


def test_failed_issue_uses_no_number(app, client, people, drafted, fake_signing):
    first, second = drafted()["id"], drafted()["id"]
    for did in (first, second):
        assert _sign(client, people, app, did).status_code == 201
    fake_signing.down = True
    assert _issue(client, people, app, first).status_code == 503
    assert _issue(client, people, app, first, pin="0000").status_code == 403
    fake_signing.down = False
    state = client.get(f"/api/v1/decisions/{first}", headers=headers(people, "clerk")).get_json()
    assert state["state"] == "signed" and state["number"] is None
    assert _issue(client, people, app, second).get_json()["symbol"] == "01/QĐ-TTg"
    assert _issue(client, people, app, first).get_json()["symbol"] == "02/QĐ-TTg"


def test_recipients_see_it_once_issued(app, client, people, drafted, fake_signing):
    did = drafted(recipient_user_ids=[people.member.id])["id"]
    url = f"/api/v1/decisions/{did}"
    assert client.get(url, headers=headers(people, "member")).status_code == 404
    assert _sign(client, people, app, did).status_code == 201
    assert client.get(url, headers=headers(people, "member")).status_code == 404
    assert _issue(client, people, app, did).status_code == 200
    assert client.get(url, headers=headers(people, "member")).status_code == 200
    assert client.get(f"{url}/pdf", headers=headers(people, "member")).status_code == 200
    assert client.get(url, headers=headers(people, "outsider")).status_code == 404


def test_attachments_are_signed_at_the_top_right_when_issued(app, client, people, drafted,
                                                            fake_signing):
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    upload = client.post("/api/v1/documents", data={
        "file": (io.BytesIO(out.getvalue()), "phu-luc.pdf"), "title": "Phụ lục I",
        "classification": "normal"}, headers=headers(people, "secretariat"),
        content_type="multipart/form-data")
    assert upload.status_code == 201, upload.get_json()
    document_id = upload.get_json()["id"]
    # A document the drafter cannot read is not attached (404), whatever its id.
    response = client.post("/api/v1/decisions", json={
        "kind": "quyet_dinh", "summary": "Về việc thử", "body": "Điều 1. Thử.",
        "signer_id": people.signer.id, "attachment_document_ids": [document_id + 999]},
        headers=headers(people, "secretariat"))
    assert response.status_code == 404
    did = drafted(attachment_document_ids=[document_id])["id"]
    assert _sign(client, people, app, did).status_code == 201
    response = _issue(client, people, app, did)
    assert response.status_code == 200, response.get_json()
    issued = response.get_json()
    assert issued["attachments"][0]["signed"] is True
    call = next(c for c in fake_signing.calls if c["appearance"].kind == "attachment")
    assert call["appearance"].reference == "Số: 01/QĐ-TTg" and call["page"] == 0
    x1, y1, x2, y2 = call["box"]
    assert x1 > 595 / 2 and y1 > 842 * 0.8  # top right
    pdf = client.get(f"/api/v1/decisions/{did}/attachments/1/pdf",
                     headers=headers(people, "secretariat")).data
    [(_name, status)] = _validate(pdf, fake_signing.trust)
    assert status.bottom_line
    assert client.get(f"/api/v1/decisions/{did}/attachments/2/pdf",
                      headers=headers(people, "secretariat")).status_code == 404


def test_the_issued_pdf_is_downloaded_under_its_symbol(client, people, app, drafted,
                                                       fake_signing):
    """"01-QĐ-TTg.pdf", not "01-Q-TTg.pdf": the symbol whole in RFC 6266's filename*, an
    ASCII fallback beside it for old clients (issue 9, point 19)."""
    did = drafted()["id"]
    assert _sign(client, people, app, did).status_code == 201
    assert _issue(client, people, app, did).status_code == 200
    response = client.get(f"/api/v1/decisions/{did}/pdf", headers=headers(people, "clerk"))
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert "filename*=UTF-8''01-Q%C4%90-TTg.pdf" in disposition, disposition
    assert 'filename="01-QD-TTg.pdf"' in disposition, disposition
