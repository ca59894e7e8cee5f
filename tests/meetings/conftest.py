"""A prepared cabinet meeting: the secretariat, a chair, members, a guest, and an agenda."""

from dataclasses import dataclass

import pytest

from tests.conftest import bearer


@dataclass
class Cabinet:
    meeting_id: int
    items: list[int]
    confidential_item: int
    tokens: dict  # name -> bearer token
    users: dict  # name -> UserRef

    def headers(self, who: str) -> dict:
        return bearer(self.tokens[who])


@pytest.fixture
def api(client):
    """call("secretariat", "POST", "/api/v1/...", json) -> (status, body)"""

    def call(cabinet_or_token, method, path, json=None, who=None):
        headers = cabinet_or_token.headers(who) if who else bearer(cabinet_or_token)
        response = client.open(path, method=method, json=json, headers=headers)
        return response.status_code, response.get_json(silent=True)

    return call


@pytest.fixture
def cabinet(client, make_user, token_for):
    """Published meeting: chair (Thủ tướng), four members, a guest, a secretary; three items,
    the last one confidential with one member invited."""
    users = {
        "secretariat": make_user("secretariat", name="Vũ Thị Lan"),
        "chair": make_user("member", name="Trần Minh Quang"),
        "m1": make_user("member", name="Phạm Quốc Bảo"),
        "m2": make_user("member", name="Nguyễn Thu Hà"),
        "m3": make_user("member", name="Đỗ Văn Khánh"),
        "m4": make_user("member", name="Hoàng Anh Tuấn"),
        "guest": make_user("guest", name="Đinh Công Sơn"),
        "outsider": make_user("member", name="Người ngoài"),
    }
    tokens = {name: token_for(user) for name, user in users.items()}

    def post(path, body, who="secretariat"):
        response = client.post(path, json=body, headers=bearer(tokens[who]))
        assert response.status_code in (200, 201), (path, response.get_json())
        return response.get_json()

    meeting = post("/api/v1/meetings", {"title": "Phiên họp Chính phủ thường kỳ tháng 11",
                                        "starts_at": "2026-11-30T08:00:00+07:00",
                                        "location": "Trụ sở Chính phủ"})
    mid = meeting["id"]
    post(f"/api/v1/meetings/{mid}/participants", {"user_id": users["chair"].id, "role": "chair"})
    for name in ("m1", "m2", "m3", "m4"):
        post(f"/api/v1/meetings/{mid}/participants", {"user_id": users[name].id, "role": "member"})
    post(f"/api/v1/meetings/{mid}/participants", {"user_id": users["guest"].id, "role": "guest"})
    items = [
        post(f"/api/v1/meetings/{mid}/agenda-items", {
            "title": "Dự án Luật Tổ chức chính quyền địa phương (sửa đổi)",
            "presenting_agency": "Bộ Nội vụ", "duration_min": 30,
            "invitee_ids": [users["guest"].id]})["id"],
        post(f"/api/v1/meetings/{mid}/agenda-items", {
            "title": "Báo cáo tình hình kinh tế - xã hội tháng 11",
            "presenting_agency": "Bộ Kế hoạch và Đầu tư", "duration_min": 45})["id"],
        post(f"/api/v1/meetings/{mid}/agenda-items", {
            "title": "Phương án nhân sự (mật)", "confidential": True,
            "invitee_ids": [users["m1"].id]})["id"],
    ]
    post(f"/api/v1/meetings/{mid}/transition", {"to": "published"})
    return Cabinet(mid, items, items[2], tokens, users)


@pytest.fixture
def session_open(cabinet, api):
    """The cabinet in session: everyone but m4 checked in, the chair on item 1."""
    mid = cabinet.meeting_id
    for who in ("chair", "m1", "m2", "m3"):
        assert api(cabinet, "POST", f"/api/v1/meetings/{mid}/checkin", who=who)[0] == 200
    assert api(cabinet, "POST", f"/api/v1/meetings/{mid}/transition", {"to": "in_session"},
               who="chair")[0] == 200
    assert api(cabinet, "POST", f"/api/v1/meetings/{mid}/current-item",
               {"agenda_item_id": cabinet.items[0]}, who="chair")[0] == 200
    return cabinet


def connect_tablets(app, tokens: dict):
    """One connected /live test client per person (a generator fixture body: yields them,
    then disconnects those still connected)."""
    from ecabinet.extensions import socketio
    from ecabinet.live.namespace import NAMESPACE

    clients = {}
    for who, token in tokens.items():
        client = socketio.test_client(app, namespace=NAMESPACE, auth={"token": token})
        assert client.is_connected(NAMESPACE)
        clients[who] = client
    yield clients
    for client in clients.values():
        if client.is_connected(NAMESPACE):
            client.disconnect(namespace=NAMESPACE)
