"""Who has opened the invitation: each invitee's first look at the published meeting (its page,
the API read, the .ics) recorded once, shown to the secretariat and never to members; the
in-app notice (the dashboard, the top bar's badge) reaching every invitee."""

from __future__ import annotations

import re

from ecabinet.database import unit_of_work
from ecabinet.extensions import db
from ecabinet.identity.services import get_user
from ecabinet.meetings import services
from ecabinet.meetings.models import AgendaItem, Meeting


def _opened(api, cabinet) -> dict:
    """user name -> opened_at, as the secretariat reads it from the API."""
    status, body = api(cabinet, "GET", f"/api/v1/meetings/{cabinet.meeting_id}",
                       who="secretariat")
    assert status == 200, body
    by_id = {user.id: name for name, user in cabinet.users.items()}
    return {by_id[row["user_id"]]: row["opened_at"] for row in body["invitations"]}


def test_the_first_open_is_recorded_once_and_shown_to_the_secretariat(cabinet, api, client, auth):
    assert set(_opened(api, cabinet).values()) == {None}
    mid = cabinet.meeting_id
    # The API read, the .ics, the page: each counts as opening.
    member_view = api(cabinet, "GET", f"/api/v1/meetings/{mid}", who="m1")[1]
    assert "invitations" not in member_view  # members never learn who else opened it
    first = _opened(api, cabinet)["m1"]
    assert first is not None
    api(cabinet, "GET", f"/api/v1/meetings/{mid}", who="m1")
    assert _opened(api, cabinet)["m1"] == first  # once: a later look changes nothing
    assert client.get(f"/api/v1/meetings/{mid}/invitation.ics",
                      headers=cabinet.headers("m2")).status_code == 200
    auth.login(cabinet.users["guest"])
    assert client.get(f"/meetings/{mid}").status_code == 200
    auth.logout()  # the API calls below carry a bearer token alone
    opened = _opened(api, cabinet)
    assert opened["m2"] and opened["guest"] and opened["m3"] is None and opened["chair"] is None

    # The secretariat's page shows it beside the invitee list.
    auth.login(cabinet.users["secretariat"])
    page = client.get(f"/meetings/{mid}/prepare").text
    assert page.count('class="opened is-opened"') == 3
    assert page.count('class="opened not-opened"') == 3  # the chair, m3 and m4
    # A member's view of the room says nothing of anyone's.
    auth.logout()
    auth.login(cabinet.users["m3"])
    assert "opened is-opened" not in client.get(f"/meetings/{mid}").text


def test_published_again_means_not_opened_yet(app, cabinet, api):
    mid = cabinet.meeting_id
    api(cabinet, "GET", f"/api/v1/meetings/{mid}", who="m1")
    assert _opened(api, cabinet)["m1"] is not None
    for step in ("draft", "published"):
        assert api(cabinet, "POST", f"/api/v1/meetings/{mid}/transition", {"to": step},
                   who="secretariat")[0] == 200
    assert _opened(api, cabinet)["m1"] is None
    api(cabinet, "GET", f"/api/v1/meetings/{mid}", who="m1")
    assert _opened(api, cabinet)["m1"] is not None


def _badge(client) -> int:
    found = re.search(r'class="nav-badge"[^>]*>(\d+)<', client.get("/").text)
    return int(found.group(1)) if found else 0


def test_the_notice_reaches_every_invitee_and_clears_when_opened(app, cabinet, client, auth,
                                                                 make_user):
    mid = cabinet.meeting_id
    auth.login(cabinet.users["m2"])
    home = client.get("/").text
    assert "Phiên họp Chính phủ thường kỳ tháng 11" in home
    assert _badge(client) == 1
    client.get(f"/meetings/{mid}")
    assert _badge(client) == 0

    # A change after publication: the notice is back, and the room says what happened.
    with app.app_context():
        with unit_of_work():
            actor = get_user(cabinet.users["secretariat"].id)
            services.update_item(actor, db.session.get(AgendaItem, cabinet.items[1]),
                                 duration_min=50)
    assert _badge(client) == 1
    assert "agenda-changed" in client.get(f"/meetings/{mid}").text
    assert _badge(client) == 0
    assert "agenda-changed" not in client.get(f"/meetings/{mid}").text

    # A clerk invited to a meeting (a role the home page shows no meetings to) is told too.
    clerk = make_user("clerk", name="Văn thư mời dự")
    with app.app_context():
        with unit_of_work():
            actor = get_user(cabinet.users["secretariat"].id)
            meeting = db.session.get(Meeting, mid)
            services.transition(actor, meeting, "draft")
            services.invite(actor, meeting, user_id=clerk.id, role="guest")
            services.transition(actor, meeting, "published")
    auth.logout()
    auth.login(clerk)
    assert "Phiên họp Chính phủ thường kỳ tháng 11" in client.get("/").text
    assert _badge(client) == 1


def test_the_published_card_says_the_date_once(app, cabinet, client, auth):
    """"Đã phát hành ngày ngày 05 tháng 12 …" was on the page (found walking the meeting day):
    the date filter says "ngày" itself."""
    auth.login(cabinet.users["secretariat"])
    page = client.get(f"/meetings/{cabinet.meeting_id}/prepare").text
    assert "ngày ngày" not in page
    assert re.search(r"Đã phát hành ngày \d\d tháng \d+ năm \d{4}", page)
