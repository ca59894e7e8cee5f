"""Who gets a pack: participants of a published meeting (a guest only their items); nobody else
learns that the meeting exists. The pages: the download and the secretariat's report."""

from __future__ import annotations

import io

from pypdf import PdfReader

from tests.packs.conftest import fetch_pack, pack_of


def test_an_outsider_gets_404(client, cabinet, dossier):
    response = pack_of(client, cabinet, "outsider")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_no_such_meeting_is_404(client, cabinet):
    response = client.get("/api/v1/meetings/987654/pack", headers=cabinet.headers("m1"))
    assert response.status_code == 404


def test_without_credentials_it_is_401(client, cabinet):
    assert client.get(f"/api/v1/meetings/{cabinet.meeting_id}/pack").status_code == 401


def test_a_draft_meeting_is_hidden_from_members(client, cabinet, api, dossier):
    status, _ = api(cabinet, "POST", f"/api/v1/meetings/{cabinet.meeting_id}/transition",
                    {"to": "draft"}, who="secretariat")
    assert status == 200
    assert pack_of(client, cabinet, "m1").status_code == 404
    assert pack_of(client, cabinet, "guest").status_code == 404
    assert pack_of(client, cabinet, "secretariat").status_code == 200


def test_everyone_invited_gets_a_pack_of_what_they_see(client, cabinet, dossier):
    pages = {who: len(PdfReader(io.BytesIO(pack_of(client, cabinet, who).data)).pages)
             for who in ("secretariat", "chair", "m1", "m2", "guest")}
    assert pages == {"secretariat": 9, "chair": 7, "m1": 9, "m2": 7, "guest": 5}


def test_the_pages_download_and_report(app, client, cabinet, dossier, auth, make_user):
    secretariat = cabinet.users["secretariat"]
    auth.login(secretariat)
    response = fetch_pack(client, f"/meetings/{cabinet.meeting_id}/pack.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    page = client.get(f"/meetings/{cabinet.meeting_id}/reads")
    assert page.status_code == 200
    assert "Phương án nhân sự" in page.text
    assert cabinet.users["m2"].name in page.text
    prepare = client.get(f"/meetings/{cabinet.meeting_id}/prepare")
    assert f"/meetings/{cabinet.meeting_id}/reads" in prepare.text
    room = client.get(f"/meetings/{cabinet.meeting_id}")
    assert f"/meetings/{cabinet.meeting_id}/pack.pdf" in room.text
    auth.logout()

    auth.login(cabinet.users["m2"])
    assert client.get(f"/meetings/{cabinet.meeting_id}/reads").status_code == 403
    assert fetch_pack(client, f"/meetings/{cabinet.meeting_id}/pack.pdf").status_code == 200
    auth.logout()
    auth.login(cabinet.users["outsider"])
    assert client.get(f"/meetings/{cabinet.meeting_id}/pack.pdf").status_code == 404
    assert client.get(f"/meetings/{cabinet.meeting_id}/reads").status_code == 404


def test_signed_out_pages_go_to_the_login(client, cabinet):
    response = client.get(f"/meetings/{cabinet.meeting_id}/pack.pdf")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_api_is_described(client, cabinet):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/meetings/{meeting_id}/pack" in spec["paths"]
    assert "/api/v1/meetings/{meeting_id}/reads" in spec["paths"]
