"""The room over the document viewer (meetings/room_config.py): a member not invited to the
confidential item, or a guest, reading an open document while the session is on the confidential
item (and a vote is open on it) finds neither its title nor the vote's question in the page; the
room is only offered for a meeting the document belongs to."""

from __future__ import annotations

import json
import re

import pytest

from tests.docs.test_pages import _viewer_config, dossier  # noqa: F401 - fixture
from tests.meetings.conftest import session_open  # noqa: F401 - fixture

SECRET = "Phương án nhân sự (mật)"
QUESTION = "Thông qua phương án nhân sự Bộ trưởng Bộ X?"


@pytest.fixture
def on_the_secret(session_open, api):  # noqa: F811
    cab = session_open
    assert api(cab, "POST", f"/api/v1/meetings/{cab.meeting_id}/current-item",
               {"agenda_item_id": cab.confidential_item}, who="chair")[0] == 200
    status, vote = api(cab, "POST", f"/api/v1/agenda-items/{cab.confidential_item}/votes",
                       {"question": QUESTION, "rule": "majority_of_all"}, who="chair")
    assert status == 201, vote
    return cab


@pytest.mark.parametrize("who", ["m2", "guest"])
def test_the_viewers_room_names_no_confidential_item(client, auth, dossier, on_the_secret,  # noqa: F811
                                                     who):
    cab = on_the_secret
    auth.login(cab.users[who])
    page = client.get(f"/documents/{dossier['normal']}/versions/1/view?meeting={cab.meeting_id}")
    assert page.status_code == 200
    assert SECRET not in page.text and QUESTION not in page.text
    room = _viewer_config(page.text)["room"]
    assert room is not None and room["state"]["current_item_id"] in (None, cab.confidential_item)
    assert cab.confidential_item not in [i["id"] for i in room["state"]["items"]]
    assert not room["state"].get("open_vote") or "question" not in room["state"]["open_vote"]
    if who == "guest":  # no vote on the guest's tablet, nor a vote panel
        assert 'id="vote-panel"' not in page.text


def test_the_invited_member_sees_it_over_the_document(client, auth, dossier, on_the_secret):  # noqa: F811
    cab = on_the_secret
    auth.login(cab.users["m1"])
    page = client.get(f"/documents/{dossier['normal']}/versions/1/view?meeting={cab.meeting_id}")
    room = _viewer_config(page.text)["room"]
    assert cab.confidential_item in [i["id"] for i in room["state"]["items"]]
    assert room["state"]["open_vote"]["question"] == QUESTION
    assert 'id="vote-panel"' in page.text


def test_no_room_for_a_meeting_the_document_is_not_on(app, client, auth, api, cabinet, dossier):  # noqa: F811
    """?meeting= of a meeting the user may not see is a 404; of one where the document is not on
    the agenda, the viewer opens without the room."""
    auth.login(cabinet.users["m2"])
    assert client.get(f"/documents/{dossier['normal']}/versions/1/view?meeting=987654"
                      ).status_code == 404
    page = client.get(f"/documents/{dossier['loose']}/versions/1/view"
                      f"?meeting={cabinet.meeting_id}")
    assert page.status_code in (200, 404)
    if page.status_code == 200:
        assert _viewer_config(page.text)["room"] is None
    auth.logout()
    auth.login(cabinet.users["outsider"])
    page = client.get(f"/documents/{dossier['normal']}/versions/1/view"
                      f"?meeting={cabinet.meeting_id}")
    assert page.status_code == 404 and SECRET not in page.text


def test_the_room_data_is_json_not_markup(app, client, auth, api, dossier, session_open):  # noqa: F811
    cab = session_open
    evil = "</script><script>alert(1)</script>"
    assert api(cab, "PATCH", f"/api/v1/agenda-items/{cab.items[0]}", {"title": evil},
               who="secretariat")[0] == 200
    auth.login(cab.users["m2"])
    page = client.get(f"/documents/{dossier['normal']}/versions/1/view?meeting={cab.meeting_id}")
    assert "<script>alert(1)" not in page.text
    block = re.search(r'<script type="application/json" id="viewer-data">(.*?)</script>',
                      page.text, re.S).group(1)
    titles = [i["title"] for i in json.loads(block)["room"]["state"]["items"]]
    assert evil in titles
