"""Two signing requests at once, signing several documents with one confirmation, drafting from
a closed vote, and the pages of the signing inbox."""

from __future__ import annotations

import threading

from ecabinet.decisions import pdf as fields_pdf
from tests.conftest import csrf_from
from tests.decisions.conftest import PIN, code_for, headers


def test_two_signing_requests_at_once_exactly_one_wins(app, client, people, drafted,
                                                       fake_signing):
    did = drafted()["id"]
    otp = code_for(app, people.signer)
    statuses, start = [], threading.Barrier(2)

    def attempt():
        local = app.test_client()
        start.wait(timeout=30)
        response = local.post(f"/api/v1/decisions/{did}/signatures",
                              json={"pin": PIN, "otp": otp}, headers=headers(people, "signer"))
        statuses.append(response.status_code)

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(statuses) == [201, 409]
    decision = client.get(f"/api/v1/decisions/{did}", headers=headers(people, "signer")).get_json()
    assert [s["role"] for s in decision["signatures"]] == ["signer"]
    assert len([c for c in fake_signing.calls if c["field_name"] == fields_pdf.SIGNER_FIELD]) == 1


def test_batch_signing_reports_each_document(app, client, people, drafted, fake_signing):
    first, second = drafted()["id"], drafted()["id"]
    # The second is signed meanwhile (another tablet): the batch reports it, signs the first.
    assert client.post(f"/api/v1/decisions/{second}/signatures",
                       json={"pin": PIN, "otp": code_for(app, people.signer)},
                       headers=headers(people, "signer")).status_code == 201
    response = client.post("/api/v1/decisions/signatures",
                           json={"ids": [first, second], "pin": PIN,
                                 "otp": code_for(app, people.signer)},
                           headers=headers(people, "signer"))
    assert response.status_code == 200, response.get_json()
    results = {r["id"]: r for r in response.get_json()}
    assert results[first]["ok"] and results[first]["state"] == "signed"
    assert not results[second]["ok"]
    assert results[second]["error"]["code"] == "already_signed"


def test_batch_stops_at_a_wrong_pin(app, client, people, drafted, fake_signing):
    first, second = drafted()["id"], drafted()["id"]
    response = client.post("/api/v1/decisions/signatures",
                           json={"ids": [first, second], "pin": "999",
                                 "otp": code_for(app, people.signer)},
                           headers=headers(people, "signer"))
    results = response.get_json()
    assert [r["error"]["code"] for r in results] == ["wrong_pin", "not_attempted"]
    assert len(fake_signing.calls) == 1  # one wrong PIN counted, not two


def test_batch_with_a_wrong_code_signs_nothing(app, client, people, drafted, fake_signing):
    did = drafted()["id"]
    response = client.post("/api/v1/decisions/signatures",
                           json={"ids": [did], "pin": PIN, "otp": "000000"},
                           headers=headers(people, "signer"))
    assert response.status_code == 403
    assert fake_signing.calls == []


def test_draft_from_a_closed_vote_links_back(app, client, people, session_open, api):
    cabinet = session_open
    status, vote = api(cabinet, "POST", f"/api/v1/agenda-items/{cabinet.items[0]}/votes",
                       {"question": "Thông qua dự án Luật Tổ chức chính quyền địa phương (sửa "
                                    "đổi)", "secret": False, "rule": "majority_of_all"},
                       who="chair")
    assert status in (200, 201), vote
    # Open votes cannot be the basis of a decision.
    response = client.post("/api/v1/decisions", json={
        "kind": "nghi_quyet", "summary": "Về dự án Luật", "signer_id": people.signer.id,
        "vote_id": vote["id"]}, headers=bearer_of(cabinet))
    assert response.status_code == 409
    for who in ("chair", "m1", "m2", "m3"):
        assert api(cabinet, "POST", f"/api/v1/votes/{vote['id']}/ballots", {"choice": "yes"},
                   who=who)[0] in (200, 201)
    assert api(cabinet, "POST", f"/api/v1/votes/{vote['id']}/close", who="chair")[0] in (200, 201)
    response = client.post("/api/v1/decisions", json={
        "kind": "nghi_quyet", "summary": "Về dự án Luật Tổ chức chính quyền địa phương",
        "signer_id": people.signer.id, "vote_id": vote["id"]}, headers=bearer_of(cabinet))
    assert response.status_code == 201, response.get_json()
    decision = response.get_json()
    assert decision["vote_id"] == vote["id"]
    assert decision["meeting_id"] == cabinet.meeting_id
    assert "4 tán thành" in decision["body"] and "Điều 1." in decision["body"]
    from tests.decisions.conftest import wait_ready

    wait_ready(client, bearer_of(cabinet), decision["id"])
    # The meeting's page links to the decisions drafted from it, which that page lists.
    assert api(cabinet, "POST", f"/api/v1/meetings/{cabinet.meeting_id}/transition",
               {"to": "adjourned"}, who="chair")[0] == 200
    from tests.conftest import PASSWORD

    page = client.get("/login")
    client.post("/login", data={"email": cabinet.users["secretariat"].email,
                                "password": PASSWORD, "csrf_token": csrf_from(page.text)})
    room = client.get(f"/meetings/{cabinet.meeting_id}").text
    assert f"/decisions?meeting_id={cabinet.meeting_id}" in room
    listing = client.get(f"/decisions?meeting_id={cabinet.meeting_id}").text
    assert "Về dự án Luật Tổ chức chính quyền địa phương" in listing


def bearer_of(cabinet):
    return cabinet.headers("secretariat")


def test_inbox_page_signs_the_selected_documents(app, client, auth, people, drafted,
                                                 fake_signing):
    first, second = drafted()["id"], drafted(summary="Về việc thứ hai")["id"]
    auth.login(people.signer)
    page = client.get("/decisions")
    assert page.status_code == 200
    assert "Về việc thứ hai" in page.text and 'name="ids"' in page.text
    response = client.post("/decisions/sign", data={
        "ids": [str(first), str(second)], "pin": PIN, "otp": code_for(app, people.signer),
        "csrf_token": csrf_from(page.text)}, follow_redirects=True)
    assert response.status_code == 200
    for did in (first, second):
        assert client.get(f"/api/v1/decisions/{did}").get_json()["state"] == "signed"
    # Nothing left to sign: the count says 0 without the red that asks for attention.
    listing = client.get("/decisions").text
    assert 'name="ids"' not in listing
    assert '<span class="count count-zero">0</span>' in listing


def test_clerk_issues_from_the_decision_page(app, client, auth, people, drafted, fake_signing):
    did = drafted()["id"]
    assert client.post(f"/api/v1/decisions/{did}/signatures",
                       json={"pin": PIN, "otp": code_for(app, people.signer)},
                       headers=headers(people, "signer")).status_code == 201
    auth.login(people.clerk)
    page = client.get(f"/decisions/{did}")
    assert page.status_code == 200 and 'id="issue"' in page.text
    response = client.post(f"/decisions/{did}/issue", data={
        "pin": PIN, "otp": code_for(app, people.clerk), "csrf_token": csrf_from(page.text)},
        follow_redirects=True)
    assert response.status_code == 200
    assert "01/QĐ-TTg" in response.text
    # The dashboard section of a signer lists what awaits them.


def test_dashboard_lists_documents_to_sign(app, client, auth, people, drafted, fake_signing):
    drafted(summary="Về việc cần ký gấp")
    auth.login(people.signer)
    assert "Về việc cần ký gấp" in client.get("/").text


def test_drafting_page_creates_a_draft(app, client, auth, people, fake_signing):
    auth.login(people.secretariat)
    page = client.get("/decisions/new")
    assert page.status_code == 200 and 'name="summary"' in page.text
    response = client.post("/decisions/new", data={
        "kind": "nghi_quyet", "summary": "Về phiên họp Chính phủ thường kỳ tháng 11",
        "body": "Điều 1. Thông qua.", "signer_id": str(people.signer.id),
        "authority": "TM. CHÍNH PHỦ\nTHỦ TƯỚNG", "csrf_token": csrf_from(page.text)})
    assert response.status_code == 302
    listing = client.get("/api/v1/decisions").get_json()
    assert listing[0]["kind"] == "nghi_quyet"
    assert listing[0]["authority"] == ["TM. CHÍNH PHỦ", "THỦ TƯỚNG"]
    # A missing summary is shown on the form, nothing is created.
    response = client.post("/decisions/new", data={
        "kind": "nghi_quyet", "summary": " ", "body": "x", "signer_id": str(people.signer.id),
        "csrf_token": csrf_from(page.text)})
    assert response.status_code == 422
    assert len(client.get("/api/v1/decisions").get_json()) == 1


def test_bad_drafts_are_refused(client, people):
    def post(who="secretariat", **overrides):
        body = {"kind": "quyet_dinh", "summary": "Về việc thử", "body": "Điều 1. Thử.",
                "signer_id": people.signer.id, **overrides}
        return client.post("/api/v1/decisions", json=body, headers=headers(people, who))

    assert post(who="member").status_code == 403
    assert post(who="signer").status_code == 403
    assert post(kind="chi_thi").status_code == 422
    assert post(signer_id=people.member.id).status_code == 422  # not a signer
    assert post(signer_id=999_999).status_code == 422
    assert post(summary="").status_code == 422
    assert post(body="x" * 100_001).status_code == 422
    assert post(vote_id=999_999, body="").status_code == 404
    assert post(issuer_id=999_999).status_code == 422
    assert client.get("/api/v1/decisions/999999",
                      headers=headers(people, "secretariat")).status_code == 404


def test_openapi_describes_the_decisions(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/decisions", "/api/v1/decisions/{decision_id}/signatures",
                 "/api/v1/decisions/{decision_id}/issue", "/api/v1/decisions/{decision_id}/pdf",
                 "/api/v1/decisions/{decision_id}/signatures/external/prepare",
                 "/api/v1/decisions/{decision_id}/signatures/external/finish"):
        assert path in spec["paths"], path


def test_the_draft_is_among_the_documents_of_its_signer_and_the_clerks(client, auth, people,
                                                                       drafted, fake_signing):
    """The documents list knows the decisions' reading grant: the competent person and the
    clerks find the draft's .docx there; another signer and a member do not."""
    document_id = drafted()["document_id"]
    link = f'/documents/{document_id}"'
    for who, listed in (("signer", True), ("clerk", True), ("other_signer", False),
                        ("member", False)):
        auth.login(getattr(people, who))
        assert (link in client.get("/documents").text) is listed, who
        auth.logout()


def test_a_draft_s_page_waits_for_its_pdf_by_itself(app, client, auth, people, drafted,
                                                    fake_signing):
    """Walk: "Reload in a moment" and nothing happened. The page names the decision's JSON for
    documents.js to poll (with backoff) and reloads itself once ``render_state`` moves on."""
    from ecabinet.database import unit_of_work
    from ecabinet.decisions.models import Decision
    from ecabinet.extensions import db

    did = drafted()["id"]
    with app.app_context(), unit_of_work():  # as just after drafting: the worker not done
        decision = db.session.get(Decision, did)
        decision.render_state, decision.pdf_sha256 = "rendering", None
    auth.login(people.secretariat)
    page = client.get(f"/decisions/{did}").text
    status_url = f"/api/v1/decisions/{did}"
    assert f'data-render-wait data-status-url="{status_url}"' in page
    assert "js/documents.js" in page
    assert "Reload in a moment" not in page
    assert client.get(status_url).get_json()["render_state"] in ("rendering", "ready")
