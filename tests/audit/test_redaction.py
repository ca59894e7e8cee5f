"""The audit page tells an administrator that something happened to a confidential item without
telling what: the item's title, its votes' questions and what was said stay with its invitees."""

from __future__ import annotations

from tests.meetings.conftest import api, cabinet, session_open  # noqa: F401 - fixtures

QUESTION = "Thông qua phương án nhân sự Bộ trưởng?"
TITLE = "Phương án nhân sự (mật)"


def _confidential_vote(api, cab):  # noqa: F811 - the fixture
    status, vote = api(cab, "POST", f"/api/v1/agenda-items/{cab.confidential_item}/votes",
                       {"question": QUESTION, "secret": False, "rule": "majority_of_all"},
                       who="chair")
    assert status == 201, vote
    assert api(cab, "POST", f"/api/v1/votes/{vote['id']}/ballots", {"choice": "yes"},
               who="m1")[0] == 201
    assert api(cab, "POST", f"/api/v1/votes/{vote['id']}/close", who="chair")[0] == 200
    return vote


def test_an_admin_sees_a_redacted_line_for_a_confidential_item(
        client, auth, make_user, session_open, api):  # noqa: F811
    cab = session_open
    _confidential_vote(api, cab)
    api(cab, "POST", f"/api/v1/meetings/{cab.meeting_id}/current-item",
        {"agenda_item_id": cab.confidential_item}, who="chair")
    auth.login(make_user("admin", name="Quản trị"))
    page = client.get("/admin/audit")
    assert page.status_code == 200
    assert TITLE not in page.text and QUESTION not in page.text
    assert "confidential item" in page.text.lower() or "nội dung mật" in page.text.lower()
    # The line is still there (who, what action, when), and the other items are not redacted.
    assert "vote.open" in page.text and "ballot.cast" in page.text
    assert "Báo cáo tình hình kinh tế - xã hội tháng 11" in page.text


def test_an_admin_of_the_secretariat_sees_the_whole_line(
        client, auth, make_user, session_open, api):  # noqa: F811
    cab = session_open
    _confidential_vote(api, cab)
    auth.login(make_user("admin", "secretariat", name="Quản trị và Văn phòng"))
    page = client.get("/admin/audit")
    assert page.status_code == 200
    assert QUESTION in page.text and TITLE in page.text
