"""The pages without a script: each item's own form (every field, until the meeting closes), the
presenter chosen among everyone active, the quorum rule in the meeting's form."""

from __future__ import annotations

import pytest

from ecabinet.extensions import db
from ecabinet.meetings.models import AgendaItem, Meeting
from tests.conftest import csrf_from


@pytest.mark.parametrize("who,status", [("secretariat", 200), ("m1", 403), ("chair", 403),
                                        ("outsider", 404)])
def test_who_may_open_an_items_form(client, auth, cabinet, who, status):
    auth.login(cabinet.users[who])
    path = f"/meetings/{cabinet.meeting_id}/items/{cabinet.items[0]}/edit"
    assert client.get(path).status_code == status


def test_an_item_is_edited_on_its_page(app, client, auth, cabinet, make_user):
    presenter = make_user("member", name="Thứ trưởng Lê Trình Bày")  # not invited
    auth.login(cabinet.users["secretariat"])
    mid, item_id = cabinet.meeting_id, cabinet.items[1]
    prepare = client.get(f"/meetings/{mid}/prepare").text
    assert "Thứ trưởng Lê Trình Bày" in prepare  # the presenter list is not the invitees'
    assert f'href="/meetings/{mid}/items/{item_id}/edit"' in prepare
    page = client.get(f"/meetings/{mid}/items/{item_id}/edit").text
    response = client.post(f"/meetings/{mid}/items/{item_id}/edit", data={
        "csrf_token": csrf_from(page), "title": "Báo cáo tháng 11 (bản sửa)",
        "presenting_agency": "Bộ Tài chính", "presenter_id": str(presenter.id),
        "duration_min": "25", "confidential": "y",
        "invitee_ids": [str(cabinet.users["m2"].id)]})
    assert response.status_code == 302, response.text
    assert response.headers["Location"].endswith(f"#item-row-{item_id}")
    with app.app_context():
        item = db.session.get(AgendaItem, item_id)
        assert (item.title, item.presenter_id, item.duration_min, item.confidential,
                item.invitee_ids) == ("Báo cáo tháng 11 (bản sửa)", presenter.id, 25, True,
                                      {cabinet.users["m2"].id})
    bad = client.post(f"/meetings/{mid}/items/{item_id}/edit", data={
        "csrf_token": csrf_from(page), "title": "", "duration_min": "0"})
    assert bad.status_code == 422 and 'class="error"' in bad.text


def test_the_quorum_rule_is_in_the_meetings_form(app, client, auth, cabinet):
    auth.login(cabinet.users["secretariat"])
    page = client.get("/meetings/new").text
    assert 'name="quorum_rule"' in page
    response = client.post("/meetings/new", data={
        "csrf_token": csrf_from(page), "title": "Phiên họp chuyên đề pháp luật",
        "kind": "thematic", "starts_at": "2026-12-15T08:00", "location": "",
        "quorum_rule": "majority"})
    assert response.status_code == 302
    mid = int(response.headers["Location"].split("/")[2])
    with app.app_context():
        assert db.session.get(Meeting, mid).quorum_rule == "majority"
    edit = client.get(f"/meetings/{mid}/edit").text
    assert '<option selected value="majority">' in edit
    client.post(f"/meetings/{mid}/edit", data={
        "csrf_token": csrf_from(edit), "title": "Phiên họp chuyên đề pháp luật",
        "kind": "thematic", "starts_at": "2026-12-15T08:00", "quorum_rule": "two_thirds"})
    with app.app_context():
        assert db.session.get(Meeting, mid).quorum_rule == "two_thirds"
