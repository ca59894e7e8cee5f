"""The meetings pages with the test client: who may open what, and the secretariat's forms."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest

from ecabinet.extensions import db
from ecabinet.meetings.models import Meeting
from tests.conftest import csrf_from

#: (path, who, status) — "{id}" is the cabinet's published meeting.
ACCESS = [
    ("/meetings", "secretariat", 200),
    ("/meetings", "m1", 200),
    ("/meetings", "guest", 200),
    ("/meetings", "outsider", 200),
    ("/meetings/new", "secretariat", 200),
    ("/meetings/new", "chair", 403),
    ("/meetings/new", "m1", 403),
    ("/meetings/new", "guest", 403),
    ("/meetings/{id}", "secretariat", 200),
    ("/meetings/{id}", "chair", 200),
    ("/meetings/{id}", "m1", 200),
    ("/meetings/{id}", "guest", 200),
    ("/meetings/{id}", "outsider", 404),
    ("/meetings/{id}/prepare", "secretariat", 200),
    ("/meetings/{id}/prepare", "chair", 403),
    ("/meetings/{id}/prepare", "m1", 403),
    ("/meetings/{id}/prepare", "guest", 403),
    ("/meetings/{id}/prepare", "outsider", 404),
    ("/meetings/{id}/edit", "secretariat", 200),
    ("/meetings/{id}/edit", "chair", 403),
    ("/meetings/{id}/edit", "outsider", 404),
    ("/meetings/99999", "secretariat", 404),
    ("/meetings/99999/prepare", "secretariat", 404),
]


@pytest.mark.parametrize("path,who,status", ACCESS)
def test_who_may_open_which_page(client, auth, cabinet, path, who, status):
    auth.login(cabinet.users[who])
    assert client.get(path.format(id=cabinet.meeting_id)).status_code == status


@pytest.mark.parametrize("path", ["/meetings", "/meetings/new", "/meetings/1",
                                  "/meetings/1/prepare"])
def test_pages_ask_to_sign_in_first(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("who,action", [
    ("m1", "items"), ("chair", "items"), ("guest", "participants"), ("chair", "participants"),
    ("m1", "items/{item}/remove"), ("m1", "items/{item}/move"),
    ("chair", "participants/{user}/remove"),
])
def test_only_the_secretariat_changes_the_agenda(client, auth, cabinet, who, action):
    auth.login(cabinet.users[who])
    path = f"/meetings/{cabinet.meeting_id}/" + action.format(
        item=cabinet.items[0], user=cabinet.users["m2"].id)
    response = client.post(path, data={"csrf_token": auth.csrf(), "title": "x",
                                       "user_id": cabinet.users["m4"].id, "role": "member"})
    assert response.status_code == 403


def test_outsiders_cannot_post_to_a_meeting_they_cannot_see(client, auth, cabinet):
    auth.login(cabinet.users["outsider"])
    response = client.post(f"/meetings/{cabinet.meeting_id}/status",
                           data={"csrf_token": auth.csrf(), "to": "draft"})
    assert response.status_code == 404


def test_a_member_cannot_change_the_status(client, auth, cabinet):
    auth.login(cabinet.users["m1"])
    response = client.post(f"/meetings/{cabinet.meeting_id}/status",
                           data={"csrf_token": auth.csrf(), "to": "draft"})
    assert response.status_code == 403


def test_forms_need_the_csrf_token(client, auth, cabinet):
    auth.login(cabinet.users["secretariat"])
    response = client.post(f"/meetings/{cabinet.meeting_id}/items", data={"title": "x"})
    assert response.status_code == 400


def test_drafts_are_hidden_from_members(app, client, auth, cabinet):
    auth.login(cabinet.users["secretariat"])
    page = client.get("/meetings/new")
    response = client.post("/meetings/new", data={
        "csrf_token": csrf_from(page.text), "title": "Phiên họp chuyên đề về xây dựng pháp luật",
        "kind": "thematic", "starts_at": "2026-12-05T14:00", "location": ""})
    draft_id = int(re.search(r"/meetings/(\d+)/prepare", response.headers["Location"]).group(1))
    auth.logout()
    auth.login(cabinet.users["m1"])
    assert client.get(f"/meetings/{draft_id}").status_code == 404
    assert "chuyên đề về xây dựng" not in client.get("/meetings").text
    assert "thường kỳ tháng 11" in client.get("/meetings").text


# --- the secretariat prepares a meeting ----------------------------------------------------------

def test_the_secretariat_prepares_and_publishes_a_meeting(app, client, auth, cabinet):
    users = cabinet.users
    auth.login(users["secretariat"])
    listing = client.get("/meetings")
    assert 'href="/meetings/new"' in listing.text

    # Create: the date-time typed in is Viet Nam's time.
    page = client.get("/meetings/new")
    response = client.post("/meetings/new", data={
        "csrf_token": csrf_from(page.text), "title": "Phiên họp Chính phủ thường kỳ tháng 12",
        "kind": "regular", "starts_at": "2026-12-28T08:30", "location": "Trụ sở Chính phủ"})
    assert response.status_code == 302
    mid = int(re.search(r"/meetings/(\d+)/prepare", response.headers["Location"]).group(1))
    with app.app_context():
        meeting = db.session.get(Meeting, mid)
        assert meeting.status == "draft" and meeting.kind == "regular"
        assert meeting.starts_at == datetime(2026, 12, 28, 1, 30, tzinfo=UTC)
    prepare = client.get(f"/meetings/{mid}/prepare")
    assert prepare.status_code == 200
    token = csrf_from(prepare.text)

    # Publishing an empty meeting is refused with the service's reason.
    response = client.post(f"/meetings/{mid}/status", data={
        "csrf_token": token, "to": "published", "back": "prepare"}, follow_redirects=True)
    assert response.status_code == 200
    assert "flash-error" in response.text
    with app.app_context():
        assert db.session.get(Meeting, mid).status == "draft"

    # Invite the chair and two members; inviting someone twice is refused on the page.
    for who, role in (("chair", "chair"), ("m1", "member"), ("guest", "guest")):
        response = client.post(f"/meetings/{mid}/participants", data={
            "csrf_token": token, "user_id": users[who].id, "role": role})
        assert response.status_code == 302, response.text
    again = client.post(f"/meetings/{mid}/participants", data={
        "csrf_token": token, "user_id": users["m1"].id, "role": "member"})
    assert again.status_code == 422
    assert 'class="error"' in again.text
    assert client.post(f"/meetings/{mid}/participants", data={
        "csrf_token": token, "user_id": users["m2"].id, "role": "member"}).status_code == 302

    # Add items: one confidential, with one invitee.
    response = client.post(f"/meetings/{mid}/items", data={
        "csrf_token": token, "title": "Dự thảo Nghị định về quản lý đầu tư công",
        "presenting_agency": "Bộ Tài chính", "presenter_id": str(users["m1"].id),
        "duration_min": "40"})
    assert response.status_code == 302
    response = client.post(f"/meetings/{mid}/items", data={
        "csrf_token": token, "title": "Phương án nhân sự", "presenter_id": "",
        "duration_min": "", "confidential": "y", "invitee_ids": [str(users["m1"].id)]})
    assert response.status_code == 302
    with app.app_context():
        meeting = db.session.get(Meeting, mid)
        first, second = sorted(meeting.items, key=lambda i: i.position)
        assert first.presenter_id == users["m1"].id and first.duration_min == 40
        assert second.confidential and second.invitee_ids == {users["m1"].id}
        ids = [first.id, second.id]

    # Move the second up with the arrow; remove nothing.
    response = client.post(f"/meetings/{mid}/items/{ids[1]}/move", data={
        "csrf_token": token, "direction": "up"})
    assert response.status_code == 302
    with app.app_context():
        meeting = db.session.get(Meeting, mid)
        assert [i.id for i in sorted(meeting.items, key=lambda i: i.position)] == ids[::-1]

    # The drag and drop's call: the API with the session cookie and the page's CSRF token.
    response = client.put(f"/api/v1/meetings/{mid}/agenda-order", json={"item_ids": ids},
                          headers={"X-CSRFToken": token})
    assert response.status_code == 200
    assert client.put(f"/api/v1/meetings/{mid}/agenda-order",
                      json={"item_ids": ids[::-1]}).status_code == 400  # no token

    page = client.get(f"/meetings/{mid}/prepare")
    assert page.text.index("Dự thảo Nghị định") < page.text.index("Phương án nhân sự")
    assert f'data-order-url="/api/v1/meetings/{mid}/agenda-order"' in page.text

    # Publish: the meeting goes to its participants.
    response = client.post(f"/meetings/{mid}/status", data={
        "csrf_token": token, "to": "published", "back": "prepare"}, follow_redirects=True)
    assert "flash-success" in response.text
    with app.app_context():
        assert db.session.get(Meeting, mid).status == "published"
    auth.logout()
    auth.login(users["m2"])
    room = client.get(f"/meetings/{mid}")
    assert room.status_code == 200
    assert "Dự thảo Nghị định" in room.text and "Phương án nhân sự" not in room.text
    dashboard = client.get("/")
    assert f'href="/meetings/{mid}"' in dashboard.text


def test_form_errors_are_shown(client, auth, cabinet):
    auth.login(cabinet.users["secretariat"])
    page = client.get("/meetings/new")
    response = client.post("/meetings/new", data={
        "csrf_token": csrf_from(page.text), "title": "", "kind": "regular", "starts_at": ""})
    assert response.status_code == 422
    assert response.text.count('class="error"') == 2  # title and date

    mid = cabinet.meeting_id
    token = csrf_from(client.get(f"/meetings/{mid}/prepare").text)
    response = client.post(f"/meetings/{mid}/items", data={
        "csrf_token": token, "title": "Nội dung", "duration_min": "900"})
    assert response.status_code == 422
    assert "has-error" in response.text
    response = client.post(f"/meetings/{mid}/participants", data={
        "csrf_token": token, "user_id": "", "role": "member"})
    assert response.status_code == 422


def test_edit_a_meeting(app, client, auth, cabinet):
    auth.login(cabinet.users["secretariat"])
    mid = cabinet.meeting_id
    page = client.get(f"/meetings/{mid}/edit")
    assert 'value="2026-11-30T08:00"' in page.text  # shown in Viet Nam's time
    response = client.post(f"/meetings/{mid}/edit", data={
        "csrf_token": csrf_from(page.text), "title": "Phiên họp Chính phủ thường kỳ tháng 11 (đổi)",
        "kind": "regular", "starts_at": "2026-11-30T14:00", "location": "Nhà Quốc hội"})
    assert response.status_code == 302
    with app.app_context():
        meeting = db.session.get(Meeting, mid)
        assert meeting.title.endswith("(đổi)") and meeting.location == "Nhà Quốc hội"
        assert meeting.starts_at == datetime(2026, 11, 30, 7, 0, tzinfo=UTC)


def test_the_agenda_is_locked_once_the_session_has_started(client, auth, session_open):
    auth.login(session_open.users["secretariat"])
    mid = session_open.meeting_id
    page = client.get(f"/meetings/{mid}/prepare")
    assert page.status_code == 200
    assert f'action="/meetings/{mid}/items"' not in page.text
    response = client.post(f"/meetings/{mid}/items/{session_open.items[0]}/remove",
                           data={"csrf_token": csrf_from(page.text)}, follow_redirects=True)
    assert "flash-error" in response.text


# --- the meeting room ----------------------------------------------------------------------------

def _room_data(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="meeting-data">(.*?)</script>', html,
                      re.S)
    assert match, "no meeting data on the page"
    return json.loads(match.group(1))


def test_the_room_shows_each_person_their_part(client, auth, session_open):
    cab = session_open
    mid = cab.meeting_id

    auth.login(cab.users["chair"])
    page = client.get(f"/meetings/{mid}").text
    assert 'id="chair-console"' in page and 'id="vote-panel"' in page
    data = _room_data(page)
    assert data["isChair"] and data["state"]["current_item_id"] == cab.items[0]
    assert [i["id"] for i in data["state"]["items"]] == cab.items
    assert data["words"]["rule"]["majority_of_all"]
    auth.logout()

    auth.login(cab.users["m2"])
    page = client.get(f"/meetings/{mid}").text
    assert 'id="chair-console"' not in page and 'id="vote-panel"' in page
    assert "data-positions" in page
    assert "Phương án nhân sự" not in page  # confidential, m2 not invited
    data = _room_data(page)
    assert not data["isChair"] and data["isVoter"]
    auth.logout()

    auth.login(cab.users["guest"])
    page = client.get(f"/meetings/{mid}").text
    assert 'id="vote-panel"' not in page and "data-positions" not in page
    assert "Báo cáo tình hình kinh tế" not in page  # a guest sees only their items
    assert len(_room_data(page)["state"]["items"]) == 1


def test_the_room_shows_past_results_and_the_open_ballot(client, auth, session_open, api):
    cab = session_open
    status, vote = api(cab, "POST", f"/api/v1/agenda-items/{cab.items[0]}/votes", {
        "question": "Thông qua dự án Luật?", "secret": False, "rule": "majority_of_present"},
        who="chair")
    assert status == 201
    api(cab, "POST", f"/api/v1/votes/{vote['id']}/ballots", {"choice": "no"}, who="m2")
    auth.login(cab.users["m2"])
    data = _room_data(client.get(f"/meetings/{cab.meeting_id}").text)
    assert data["state"]["open_vote"]["mine"] == {"eligible": True, "voted": True,
                                                  "choice": "no"}
    auth.logout()  # the API calls below carry the chair's token, not m2's cookie
    assert api(cab, "POST", f"/api/v1/votes/{vote['id']}/close", who="chair")[0] == 200
    auth.login(cab.users["m2"])
    page = client.get(f"/meetings/{cab.meeting_id}").text
    assert "result-line outcome-" in page and "Thông qua dự án Luật?" in page


def test_lists_and_dashboard_speak_vietnamese(client, auth, cabinet):
    auth.login(cabinet.users["m1"])
    listing = client.get("/meetings").text
    assert "Đã gửi giấy mời" in listing and "Phiên họp thường kỳ" in listing
    dashboard = client.get("/").text
    assert "Phiên họp Chính phủ thường kỳ tháng 11" in dashboard
    assert "08:00, ngày 30 tháng 11 năm 2026" in dashboard
    room = client.get(f"/meetings/{cabinet.meeting_id}").text
    assert "Điểm danh" in room and "Tán thành" in room and "Không biểu quyết" in room
