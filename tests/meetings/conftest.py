"""A prepared cabinet meeting: the secretariat, a chair, members, a guest, and an agenda."""

from dataclasses import dataclass
from datetime import datetime

import pytest

from ecabinet.database import unit_of_work
from ecabinet.extensions import db
from ecabinet.i18n import VIETNAM
from ecabinet.identity.services import get_user
from ecabinet.meetings import services
from ecabinet.meetings.models import Meeting
from tests.conftest import bearer
from tests.fixtures.users import cabinet_people


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
def cabinet(app, make_user, token_for, scenario):
    """Published meeting: chair (Thủ tướng), four members, a guest, a secretary; three items,
    the last one confidential with one member invited. Built through the services the API
    calls, one unit of work per call as the API commits (a factory: no HTTP round trips), the
    first time in a test process; restored from its snapshot after that
    (tests/fixtures/snapshots.py)."""
    return scenario("cabinet", app, lambda: _build_cabinet(app, make_user, token_for))


def _build_cabinet(app, make_user, token_for) -> Cabinet:
    users = cabinet_people(make_user, outsider=("member", "Người ngoài"))
    tokens = {name: token_for(user) for name, user in users.items()}
    with app.app_context():
        def call(service, *args, **kwargs):
            with unit_of_work():
                actor = get_user(users["secretariat"].id)
                meeting = db.session.get(Meeting, mid) if mid else None
                return service(actor, *([meeting] if meeting else []), *args, **kwargs).id

        mid = None
        mid = call(services.create_meeting, title="Phiên họp Chính phủ thường kỳ tháng 11",
                   starts_at=datetime(2026, 11, 30, 8, tzinfo=VIETNAM),
                   location="Trụ sở Chính phủ")
        call(services.invite, user_id=users["chair"].id, role="chair")
        for name in ("m1", "m2", "m3", "m4"):
            call(services.invite, user_id=users[name].id, role="member")
        call(services.invite, user_id=users["guest"].id, role="guest")
        items = [
            call(services.add_item, title="Dự án Luật Tổ chức chính quyền địa phương (sửa đổi)",
                 presenting_agency="Bộ Nội vụ", duration_min=30,
                 invitee_ids=[users["guest"].id]),
            call(services.add_item, title="Báo cáo tình hình kinh tế - xã hội tháng 11",
                 presenting_agency="Bộ Kế hoạch và Đầu tư", duration_min=45),
            call(services.add_item, title="Phương án nhân sự (mật)", confidential=True,
                 invitee_ids=[users["m1"].id]),
        ]
        call(services.transition, "published")
        db.session.remove()
    return Cabinet(mid, items, items[2], tokens, users)


@pytest.fixture
def session_open(app, cabinet, api, scenario):
    """The cabinet in session: everyone but m4 checked in, the chair on item 1 (through the
    API the first time in a test process, then restored from its snapshot). The same object
    as ``cabinet``: nothing of it changes."""
    scenario("session_open", app, lambda: _open_session(cabinet, api))
    return cabinet


def _open_session(cabinet, api) -> None:
    mid = cabinet.meeting_id
    for who in ("chair", "m1", "m2", "m3"):
        assert api(cabinet, "POST", f"/api/v1/meetings/{mid}/checkin", who=who)[0] == 200
    assert api(cabinet, "POST", f"/api/v1/meetings/{mid}/transition", {"to": "in_session"},
               who="chair")[0] == 200
    assert api(cabinet, "POST", f"/api/v1/meetings/{mid}/current-item",
               {"agenda_item_id": cabinet.items[0]}, who="chair")[0] == 200


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
