"""Every invitee gets the invitation as an .ics from the meeting page and the API, and the
secretariat is told truthfully what was sent (issue 9, point 3; CONTRACT.md)."""

from __future__ import annotations

from icalendar import Calendar

from tests.conftest import AuthActions, csrf_from


def test_every_invitee_downloads_the_ics(client, cabinet, api):
    cab = cabinet
    path = f"/api/v1/meetings/{cab.meeting_id}/invitation.ics"
    for who in ("chair", "m1", "guest", "secretariat"):
        response = client.get(path, headers=cab.headers(who))
        assert response.status_code == 200, who
        assert response.mimetype == "text/calendar"
        event = Calendar.from_ical(response.data).walk("VEVENT")[0]
        assert str(event["summary"]) == api(cab, "GET", f"/api/v1/meetings/{cab.meeting_id}",
                                            who=who)[1]["title"]
    assert client.get(path, headers=cab.headers("outsider")).status_code == 404
    assert client.get("/api/v1/meetings/99999/invitation.ics",
                      headers=cab.headers("m1")).status_code == 404


def test_the_meeting_page_offers_it(app, cabinet):
    pages = app.test_client()
    AuthActions(app, pages).login(cabinet.users["m1"])
    page = pages.get(f"/meetings/{cabinet.meeting_id}")
    assert page.status_code == 200
    assert f"/api/v1/meetings/{cabinet.meeting_id}/invitation.ics" in page.text


def test_publishing_says_what_was_sent(app, make_user):
    """Without SMTP no e-mail leaves: the message says the invitations are in the app only."""
    from datetime import UTC, datetime, timedelta

    from ecabinet.database import unit_of_work
    from ecabinet.identity.services import get_user
    from ecabinet.meetings import services as meetings

    secretariat = make_user("secretariat")
    chair = make_user("member", name="Trần Minh Quang")
    with app.app_context(), unit_of_work():
        actor = get_user(secretariat.id)
        meeting = meetings.create_meeting(actor, title="Phiên họp thường kỳ",
                                          starts_at=datetime.now(UTC) + timedelta(days=3))
        meetings.invite(actor, meeting, user_id=chair.id, role="chair")
        meetings.add_item(actor, meeting, title="Báo cáo")
        meeting_id = meeting.id
    pages = app.test_client()
    AuthActions(app, pages).login(secretariat)
    prepare = pages.get(f"/meetings/{meeting_id}/prepare")
    done = pages.post(f"/meetings/{meeting_id}/status", data={
        "to": "published", "back": "prepare", "csrf_token": csrf_from(prepare.text)},
        follow_redirects=True)
    assert "trên trang chủ" in done.text and "không gửi thư điện tử" in done.text
    assert "giấy mời đã được gửi" not in done.text.lower()


def test_publishing_with_a_mail_server_says_the_invitations_are_queued(make_app, make_user):
    """With SMTP the message names both ways as they are when it is shown: in-app done, e-mail
    queued (it leaves after the commit; tests/notify/test_delivery_states.py shows what became
    of it); and the mails do leave (the .ics attached)."""
    from datetime import UTC, datetime, timedelta

    from aiosmtpd.controller import Controller

    from tests.notify.test_invitations import Inbox, _free_port, _prepare

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        app = make_app(SMTP_URL=f"smtp://127.0.0.1:{controller.port}",
                       MAIL_FROM="vpcp@ecabinet.gov.vn", PUBLIC_URL="https://ecabinet.gov.vn")
        meeting_id, actor_id = _prepare(app, make_user, datetime.now(UTC) + timedelta(days=3))
        with app.app_context():
            from ecabinet.extensions import db
            from ecabinet.identity.models import User

            secretariat = db.session.get(User, actor_id)
        pages = app.test_client()
        AuthActions(app, pages).login(secretariat)
        prepare = pages.get(f"/meetings/{meeting_id}/prepare")
        done = pages.post(f"/meetings/{meeting_id}/status", data={
            "to": "published", "back": "prepare", "csrf_token": csrf_from(prepare.text)},
            follow_redirects=True)
        assert "trên trang chủ của 2 người được mời" in done.text
        assert "thư điện tử gửi 2 người đã được đưa vào hàng đợi" in done.text
        assert "không gửi thư điện tử" not in done.text
        messages = inbox.wait_for(2)
        assert len(messages) == 2
        assert all(any(p.get_content_type() == "text/calendar" for p in m.walk())
                   for m in messages)
    finally:
        controller.stop()
