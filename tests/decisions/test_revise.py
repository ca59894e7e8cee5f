"""Correcting a draft before it is signed: a new version of its .docx, rendered again; nobody
signs the earlier text; only the secretariat, only a draft; a bad correction changes nothing."""

from __future__ import annotations

import json
import subprocess

from sqlalchemy import func, select

from ecabinet.audit.models import AuditEntry
from ecabinet.decisions import drafting
from ecabinet.decisions.models import Decision
from ecabinet.docs.models import DocumentVersion
from ecabinet.extensions import db
from tests.conftest import csrf_from
from tests.decisions.conftest import PIN, code_for, headers, wait_ready


def _patch(client, people, decision_id, who="secretariat", **changes):
    return client.patch(f"/api/v1/decisions/{decision_id}", json=changes,
                        headers=headers(people, who))


def _text(client, people, decision_id) -> str:
    pdf = client.get(f"/api/v1/decisions/{decision_id}/pdf",
                     headers=headers(people, "secretariat")).data
    return subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf,  # noqa: S607
                          capture_output=True, check=True).stdout.decode()


def _versions(app, document_id) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(DocumentVersion)
                                 .where(DocumentVersion.document_id == document_id))


def test_a_draft_is_corrected_and_rendered_again(app, client, people, drafted, fake_signing):
    decision = drafted()
    did = decision["id"]
    assert "chuyển đổi số" in _text(client, people, did)

    response = _patch(client, people, did, summary="Về việc phê duyệt Đề án Chính phủ số",
                      body="Điều 1. Phê duyệt Đề án Chính phủ số.\nĐiều 2. Thi hành.",
                      signer_id=people.other_signer.id)
    assert response.status_code == 200, response.get_json()
    corrected = response.get_json()
    # Until the new PDF is ready there is none to sign: the earlier text is never signed.
    assert corrected["render_state"] == "rendering" and corrected["pdf_sha256"] is None
    assert corrected["signer"]["id"] == people.other_signer.id

    ready = wait_ready(client, headers(people, "secretariat"), did)
    assert ready["render_state"] == "ready"
    text = _text(client, people, did)
    assert "Chính phủ số" in text and "Lê Thị Hồng Vân" in text
    assert "chuyển đổi số" not in text
    assert _versions(app, decision["document_id"]) == 2  # the first text is kept

    # The new competent person signs it; the one first named no longer sees it at all.
    assert client.post(f"/api/v1/decisions/{did}/signatures",
                       json={"pin": PIN, "otp": code_for(app, people.signer)},
                       headers=headers(people, "signer")).status_code == 404
    assert client.post(f"/api/v1/decisions/{did}/signatures",
                       json={"pin": PIN, "otp": code_for(app, people.other_signer)},
                       headers=headers(people, "other_signer")).status_code == 201

    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "decision.revise"))
        assert entry.actor_id == people.secretariat.id
        details = json.loads(entry.details)
        assert sorted(details["changed"]) == ["body", "signer_id", "summary"]
        assert details["version"] == 2


def test_an_earlier_rendering_finishing_late_changes_nothing(app, client, people, drafted,
                                                            fake_signing):
    decision = drafted()
    did = decision["id"]
    assert _patch(client, people, did, summary="Về việc bản sửa").status_code == 200
    ready = wait_ready(client, headers(people, "secretariat"), did)
    with app.app_context():
        first = db.session.scalar(select(DocumentVersion).where(
            DocumentVersion.document_id == decision["document_id"],
            DocumentVersion.number == 1))
        drafting.on_version_ready(first)
        db.session.commit()
        assert db.session.get(Decision, did).pdf_sha256 == ready["pdf_sha256"]


def test_only_the_secretariat_corrects_and_only_a_draft(app, client, people, drafted,
                                                       fake_signing):
    decision = drafted()
    did = decision["id"]
    assert _patch(client, people, did, who="signer", summary="Về việc khác").status_code == 403
    assert _patch(client, people, did, who="clerk", summary="Về việc khác").status_code == 403
    assert _patch(client, people, did, who="outsider", summary="Về việc khác").status_code == 404
    assert client.post(f"/api/v1/decisions/{did}/signatures",
                       json={"pin": PIN, "otp": code_for(app, people.signer)},
                       headers=headers(people, "signer")).status_code == 201

    signed = client.get(f"/api/v1/decisions/{did}", headers=headers(people, "secretariat"))
    response = _patch(client, people, did, summary="Về việc khác")
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "not_a_draft"
    after = client.get(f"/api/v1/decisions/{did}", headers=headers(people, "secretariat"))
    assert after.get_json() == signed.get_json()
    assert _versions(app, decision["document_id"]) == 1


def test_a_bad_correction_changes_nothing(app, client, people, drafted, fake_signing):
    decision = drafted()
    did = decision["id"]
    assert _patch(client, people, did, summary="   ").status_code == 422
    assert _patch(client, people, did, body="x" * 100_001).status_code == 422
    assert _patch(client, people, did, signer_id=people.member.id).status_code == 422
    assert _patch(client, people, did, state="issued").status_code == 422  # not a field
    # The same text again is no new version.
    assert _patch(client, people, did, summary=decision["summary"]).status_code == 200
    now = client.get(f"/api/v1/decisions/{did}", headers=headers(people, "secretariat"))
    assert now.get_json()["render_state"] == "ready"
    assert now.get_json()["pdf_sha256"] == decision["pdf_sha256"]
    assert _versions(app, decision["document_id"]) == 1


def test_the_draft_page_corrects_a_draft(app, client, auth, people, drafted, fake_signing):
    did = drafted()["id"]
    auth.login(people.secretariat)
    page = client.get(f"/decisions/{did}")
    assert f"/decisions/{did}/edit" in page.text
    form = client.get(f"/decisions/{did}/edit")
    assert form.status_code == 200 and "chuyển đổi số" in form.text
    response = client.post(f"/decisions/{did}/edit", data={
        "summary": " ", "body": "Điều 1. Sửa.", "signer_id": str(people.signer.id),
        "csrf_token": csrf_from(form.text)})
    assert response.status_code == 422 and 'role="alert"' in response.text
    response = client.post(f"/decisions/{did}/edit", data={
        "summary": "Về việc đã sửa trên trang", "body": "Điều 1. Sửa.",
        # a Deputy Prime Minister signs on behalf of the Prime Minister (never the PM himself)
        "signer_id": str(people.other_signer.id), "authority": "KT. THỦ TƯỚNG\nPHÓ THỦ TƯỚNG",
        "recipients": "Như Điều 1", "csrf_token": csrf_from(form.text)})
    assert response.status_code == 302
    corrected = wait_ready(client, headers(people, "secretariat"), did)
    assert corrected["summary"] == "Về việc đã sửa trên trang"
    assert corrected["authority"] == ["KT. THỦ TƯỚNG", "PHÓ THỦ TƯỚNG"]
    assert corrected["recipients"] == ["Như Điều 1", "Lưu: VT"]

    # The signer sees no way to correct it, and the page refuses them.
    auth.logout()
    auth.login(people.signer)
    assert f"/decisions/{did}/edit" not in client.get(f"/decisions/{did}").text
    assert client.get(f"/decisions/{did}/edit").status_code == 403
