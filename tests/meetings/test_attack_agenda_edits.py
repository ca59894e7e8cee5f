"""Attacks on the agenda editable until the meeting closes (PATCH, the item edit page, the change
notices, who opened the invitation): a member, a guest invited to one item, a stranger, a
signed-out visitor and a careless secretariat each try to read or change what is not theirs.
A passing test is a promise that holds."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from ecabinet.audit.models import AuditEntry
from ecabinet.database import unit_of_work
from ecabinet.extensions import db
from ecabinet.identity.services import get_user
from ecabinet.meetings import services
from ecabinet.meetings.models import AgendaItem, Meeting, Participant
from tests.conftest import csrf_from

SECRET = "Phương án nhân sự (mật)"


def _item(app, item_id) -> AgendaItem:
    with app.app_context():
        item = db.session.get(AgendaItem, item_id)
        db.session.expunge(item)
        return item


def _as(app, cabinet, who, fn):
    with app.app_context():
        with unit_of_work():
            return fn(get_user(cabinet.users[who].id))


def _updates(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "agenda.update"))


def _edit_url(cabinet, item_id, meeting_id=None):
    return f"/meetings/{meeting_id or cabinet.meeting_id}/items/{item_id}/edit"


# --- the item edit page ---------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["m2", "guest", "outsider"])
def test_the_edit_page_shows_a_confidential_item_to_nobody_else(app, client, auth, cabinet, who):
    """Neither a member not invited, a guest, nor a stranger reads the confidential item's title
    through its edit page, nor changes it with a hand-made post."""
    auth.login(cabinet.users[who])
    url = _edit_url(cabinet, cabinet.confidential_item)
    page = client.get(url)
    assert page.status_code in (403, 404) and SECRET not in page.text
    token = auth.csrf()
    sent = client.post(url, data={"title": "Đổi tên", "csrf_token": token})
    assert sent.status_code in (403, 404) and SECRET not in sent.text
    assert _item(app, cabinet.confidential_item).title == SECRET


def test_an_invited_member_may_read_the_item_but_not_edit_it(app, client, auth, cabinet):
    auth.login(cabinet.users["m1"])  # invited to the confidential item: sees it, prepares nothing
    url = _edit_url(cabinet, cabinet.confidential_item)
    assert client.get(url).status_code == 403
    assert client.post(url, data={"title": "Của tôi", "csrf_token": auth.csrf()}
                       ).status_code == 403
    assert _item(app, cabinet.confidential_item).title == SECRET


def test_signed_out_visitors_are_sent_to_sign_in(app, client, cabinet):
    page = client.get(_edit_url(cabinet, cabinet.confidential_item))
    assert page.status_code in (302, 401) and SECRET not in page.text
    assert client.patch(f"/api/v1/agenda-items/{cabinet.confidential_item}",
                        json={"title": "x"}).status_code == 401
    assert _item(app, cabinet.confidential_item).title == SECRET


def test_an_item_of_another_meeting_under_this_meetings_address(app, client, auth, api, cabinet):
    """The secretariat sees every meeting, so only the pairing guards meeting B's item under
    meeting A's address: page and API both answer 404 and change nothing."""
    with app.app_context():
        with unit_of_work():
            actor = get_user(cabinet.users["secretariat"].id)
            other = services.create_meeting(actor, title="Phiên khác",
                                            starts_at=db.session.get(Meeting, cabinet.meeting_id)
                                            .starts_at)
            foreign = services.add_item(actor, other, title="Nội dung của phiên khác").id
    status, _body = api(cabinet, "PATCH", f"/api/v1/meetings/{cabinet.meeting_id}/items/{foreign}",
                        {"title": "Đổi"}, who="secretariat")
    assert status == 404
    auth.login(cabinet.users["secretariat"])
    assert client.get(_edit_url(cabinet, foreign)).status_code == 404
    assert client.post(_edit_url(cabinet, foreign), data={
        "title": "Đổi", "csrf_token": auth.csrf()}).status_code == 404
    assert _item(app, foreign).title == "Nội dung của phiên khác"


def test_the_edit_form_needs_its_csrf_token(app, client, auth, cabinet):
    auth.login(cabinet.users["secretariat"])
    url = _edit_url(cabinet, cabinet.items[1])
    assert client.post(url, data={"title": "Giả mạo"}).status_code == 400
    assert client.post(url, data={"title": "Giả mạo", "csrf_token": "forged"}).status_code == 400
    assert _item(app, cabinet.items[1]).title == "Báo cáo tình hình kinh tế - xã hội tháng 11"


def test_the_api_patch_from_a_browser_session_needs_the_csrf_header(app, client, auth, cabinet):
    """A cross-site page cannot PATCH with the secretariat's cookie: only a bearer token or the
    CSRF header the app's own script sends."""
    auth.login(cabinet.users["secretariat"])
    path = f"/api/v1/agenda-items/{cabinet.items[1]}"
    assert client.patch(path, json={"title": "Giả mạo"}).status_code == 400
    token = csrf_from(client.get(f"/meetings/{cabinet.meeting_id}/prepare").text)
    ok = client.patch(path, json={"title": "Đúng"}, headers={"X-CSRFToken": token})
    assert ok.status_code == 200
    assert _item(app, cabinet.items[1]).title == "Đúng"


def test_a_closed_meetings_item_is_not_changed_by_its_page(app, client, auth, api, cabinet):
    mid = cabinet.meeting_id
    for step in ("in_session", "closed"):
        assert api(cabinet, "POST", f"/api/v1/meetings/{mid}/transition", {"to": step},
                   who="chair")[0] == 200
    auth.login(cabinet.users["secretariat"])
    url = _edit_url(cabinet, cabinet.items[0])
    sent = client.post(url, data={"title": "Muộn", "csrf_token": auth.csrf()})
    assert sent.status_code in (409, 422)
    assert _item(app, cabinet.items[0]).title.startswith("Dự án Luật")
    assert _updates(app) == 0


def test_an_item_title_is_never_markup(app, client, auth, api, cabinet):
    evil = '"><img src=x onerror=alert(1)><script>alert(2)</script>'
    status, _body = api(cabinet, "PATCH",
                        f"/api/v1/meetings/{cabinet.meeting_id}/items/{cabinet.items[1]}",
                        {"title": evil, "presenting_agency": "</li><script>x()</script>"},
                        who="secretariat")
    assert status == 200
    auth.login(cabinet.users["secretariat"])
    for url in (f"/meetings/{cabinet.meeting_id}/prepare", _edit_url(cabinet, cabinet.items[1]),
                f"/meetings/{cabinet.meeting_id}"):
        page = client.get(url).text
        assert "<script>alert(2)" not in page and "<img src=x" not in page, url
        assert "<script>x()" not in page, url


# --- PATCH bodies ---------------------------------------------------------------------------------

@pytest.mark.parametrize("body", [
    {"meeting_id": 999}, {"position": 1}, {"id": 5}, {"title": "x", "votes": []},
    {"title": 123}, {"title": ["a"]}, {"title": None}, {"title": "x" * 501},
    {"presenting_agency": "x" * 201}, {"duration_min": -5}, {"duration_min": 0},
    {"duration_min": 601}, {"duration_min": 1.5}, {"duration_min": True},
    {"duration_min": 2 ** 40}, {"confidential": None}, {"confidential": "yes please"},
    {"invitee_ids": None}, {"invitee_ids": "1"}, {"invitee_ids": [None]},
    {"invitee_ids": [-1]}, {"invitee_ids": [2 ** 40]}, {"presenter_id": -1},
    {"title": "a\u0000b"}, [], "title", 42,
])
def test_malformed_patch_bodies_are_refused_and_change_nothing(app, api, cabinet, body):
    item_id = cabinet.items[1]
    before = _item(app, item_id)
    status, answer = api(cabinet, "PATCH", f"/api/v1/agenda-items/{item_id}", body,
                         who="secretariat")
    assert status in (400, 404, 422), (body, status, answer)
    after = _item(app, item_id)
    assert (after.title, after.duration_min, after.confidential, after.presenting_agency,
            after.meeting_id, after.position) == (before.title, before.duration_min,
                                                  before.confidential, before.presenting_agency,
                                                  before.meeting_id, before.position)
    assert _updates(app) == 0


def test_a_huge_invitee_list_is_refused_quickly(app, api, cabinet):
    ids = list(range(1, 20_001))
    status, answer = api(cabinet, "PATCH", f"/api/v1/agenda-items/{cabinet.items[1]}",
                         {"invitee_ids": ids}, who="secretariat")
    assert status == 422
    assert _updates(app) == 0


def test_duplicate_invitees_are_one_invitation(app, api, cabinet):
    m2 = cabinet.users["m2"].id
    status, body = api(cabinet, "PATCH", f"/api/v1/agenda-items/{cabinet.items[1]}",
                       {"invitee_ids": [m2, m2, m2]}, who="secretariat")
    assert status == 200 and body["invitee_ids"] == [m2]
    entry = _last_update(app)
    assert entry["invitees_added"] == [m2]


def _last_update(app) -> dict:
    with app.app_context():
        return json.loads(db.session.scalars(select(AuditEntry.details).where(
            AuditEntry.action == "agenda.update").order_by(AuditEntry.seq.desc())).first())


def test_a_double_submission_changes_and_audits_once(app, api, cabinet):
    path = f"/api/v1/agenda-items/{cabinet.items[1]}"
    body = {"title": "Báo cáo (sửa)", "duration_min": 50, "invitee_ids": [cabinet.users["m3"].id]}
    assert api(cabinet, "PATCH", path, body, who="secretariat")[0] == 200
    assert api(cabinet, "PATCH", path, body, who="secretariat")[0] == 200
    assert _updates(app) == 1


def test_invitees_of_an_item_under_vote_wait_for_the_close(app, api, cabinet, session_open):
    """Who votes is fixed while the vote is open: adding or removing an invitee (a guest, who
    sees only the items they are invited to) is refused, the title may still be corrected."""
    item_id = cabinet.items[1]  # open to members, not to the guest
    assert api(cabinet, "POST", f"/api/v1/agenda-items/{item_id}/votes",
               {"question": "Tán thành?", "rule": "majority_of_all"}, who="chair")[0] == 201
    path = f"/api/v1/meetings/{cabinet.meeting_id}/items/{item_id}"
    status, body = api(cabinet, "PATCH", path, {"invitee_ids": [cabinet.users["guest"].id]},
                       who="secretariat")
    assert status == 409 and body["error"]["code"] == "vote_open"
    assert _item(app, item_id).invitee_ids == set()
    assert api(cabinet, "PATCH", path, {"title": "Báo cáo (sửa)"}, who="secretariat")[0] == 200


def test_the_meetings_own_secretary_edits_only_their_meeting(app, api, cabinet, make_user,
                                                              token_for):
    """A meeting's secretary (not of the secretariat) prepares that meeting, not another."""
    secretary = make_user("member", name="Thư ký phiên họp")
    with app.app_context():
        with unit_of_work():
            actor = get_user(cabinet.users["secretariat"].id)
            meeting = db.session.get(Meeting, cabinet.meeting_id)
            other = services.create_meeting(actor, title="Phiên khác",
                                            starts_at=meeting.starts_at)
            services.invite(actor, other, user_id=secretary.id, role="secretary")
            services.invite(actor, other, user_id=cabinet.users["chair"].id, role="chair")
            services.add_item(actor, other, title="Nội dung")
            services.invite(actor, other, user_id=cabinet.users["m1"].id, role="member")
            services.transition(actor, other, "published")
    token = token_for(secretary)
    assert api(token, "PATCH", f"/api/v1/agenda-items/{cabinet.items[1]}",
               {"title": "x"})[0] == 404
    assert api(token, "PATCH", f"/api/v1/agenda-items/{cabinet.confidential_item}",
               {"title": "x"})[0] == 404
    assert _item(app, cabinet.confidential_item).title == SECRET


# --- the notices of a change ----------------------------------------------------------------------

def test_change_notices_never_name_a_confidential_item(app, client, auth, cabinet, monkeypatch):
    """The e-mail and the dashboard say that the agenda changed, never which item: the title of
    a confidential item does not travel to an invitee's inbox, nor to one not invited to it."""
    from ecabinet.extensions import socketio
    from ecabinet.notify import mail

    sent = []
    monkeypatch.setitem(app.config, "SMTP_URL", "smtp://127.0.0.1:1")
    monkeypatch.setattr(mail, "deliver", lambda _app, mails: sent.extend(mails))
    monkeypatch.setattr(socketio, "start_background_task", lambda fn, *args: fn(*args))
    renamed = "Nhân sự Bộ trưởng Bộ X (mật)"
    _as(app, cabinet, "secretariat", lambda actor: services.update_item(
        actor, db.session.get(AgendaItem, cabinet.confidential_item), title=renamed,
        invitee_ids=[cabinet.users["m1"].id, cabinet.users["m2"].id]))
    assert {m.to for m in sent} == {cabinet.users[w].email for w in ("chair", "m1", "m2")}
    for message in sent:
        assert renamed not in message.subject + message.text
        assert SECRET not in message.subject + message.text
    for who in ("m3", "guest", "m2"):
        auth.login(cabinet.users[who])
        page = client.get("/").text
        assert renamed not in page and SECRET not in page
        auth.logout()


def test_an_uninvited_invitee_learns_nothing_of_the_item_they_lost(app, client, auth, cabinet):
    """Taking m1 off the confidential item: m1 may be told the agenda changed, but the meeting
    page, API and dashboard no longer show the item."""
    _as(app, cabinet, "secretariat", lambda actor: services.update_item(
        actor, db.session.get(AgendaItem, cabinet.confidential_item), invitee_ids=[]))
    auth.login(cabinet.users["m1"])
    for url in ("/", f"/meetings/{cabinet.meeting_id}",
                f"/api/v1/meetings/{cabinet.meeting_id}",
                f"/api/v1/meetings/{cabinet.meeting_id}/state"):
        assert SECRET not in client.get(url).text, url


# --- who opened the invitation --------------------------------------------------------------------

@pytest.mark.parametrize("who", ["chair", "m1", "guest"])
def test_only_the_organisers_read_who_opened(app, api, cabinet, who):
    mid = cabinet.meeting_id
    api(cabinet, "GET", f"/api/v1/meetings/{mid}", who="m2")  # someone opened it
    status, body = api(cabinet, "GET", f"/api/v1/meetings/{mid}", who=who)
    assert status == 200 and "invitations" not in body
    assert all(set(p) <= {"user_id", "name", "title", "role", "checked_in_at"}
               for p in body["participants"])
    assert api(cabinet, "GET", f"/api/v1/meetings/{mid}", who="outsider")[0] == 404


def test_the_prepare_page_is_the_organisers(app, client, auth, cabinet):
    for who in ("chair", "m1", "guest", "outsider"):
        auth.login(cabinet.users[who])
        page = client.get(f"/meetings/{cabinet.meeting_id}/prepare")
        assert page.status_code in (403, 404), who
        assert "not-opened" not in page.text and "is-opened" not in page.text
        auth.logout()


def test_the_secretariat_reading_does_not_count_as_an_invitee_opening(app, api, cabinet):
    """Reading the meeting as the secretariat (not invited) records nobody's opening; a
    stranger's attempt records nothing either."""
    mid = cabinet.meeting_id
    api(cabinet, "GET", f"/api/v1/meetings/{mid}", who="secretariat")
    api(cabinet, "GET", f"/api/v1/meetings/{mid}", who="outsider")
    api(cabinet, "GET", f"/api/v1/meetings/{mid}/invitation.ics", who="outsider")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Participant).where(
            Participant.meeting_id == mid, Participant.opened_at.is_not(None))) == 0
