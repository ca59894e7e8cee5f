"""What the secretariat is told about the e-mailed invitations (issue 9, point 3): what was
actually done when publishing (in-app to every invitee, e-mail queued), then per invitee what
became of the e-mail — queued, sent or failed, with when — beside who has opened it, on the
meeting's page and in the API; never to the members."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from ecabinet.database import unit_of_work
from ecabinet.extensions import db
from ecabinet.identity.services import get_user
from ecabinet.meetings import services as meetings
from ecabinet.meetings.models import Meeting
from tests.conftest import AuthActions, bearer, csrf_from
from tests.consultation.test_api import actions
from tests.fixtures import ports
from tests.fixtures.mail import mail_config
from tests.notify.test_invitations import _prepare


def _publish_on_the_page(app, secretariat, meeting_id) -> str:
    pages = app.test_client()
    AuthActions(app, pages).login(secretariat)
    prepare = pages.get(f"/meetings/{meeting_id}/prepare")
    done = pages.post(f"/meetings/{meeting_id}/status", data={
        "to": "published", "back": "prepare", "csrf_token": csrf_from(prepare.text)},
        follow_redirects=True)
    assert done.status_code == 200
    return done.text


def _mail_states(client, token, meeting_id, *, timeout: float = 10) -> dict:
    """user id -> the invitation's e-mail as the organisers' read shows it, once none is
    queued any more (the sender works in the background after the commit)."""
    deadline = time.monotonic() + timeout
    while True:
        body = client.get(f"/api/v1/meetings/{meeting_id}", headers=bearer(token)).get_json()
        states = {row["user_id"]: row["email"] for row in body["invitations"]}
        if all(s and s["state"] != "queued" for s in states.values()) \
                or time.monotonic() > deadline:
            return states
        time.sleep(0.05)


def test_smtp_down_shows_failed_to_the_secretariat(make_app, make_user, token_for):
    # The server's account is in the URL: no reason shown may carry its password.
    app = make_app(SMTP_URL=f"smtp://vpcp:Mat%40khau9@127.0.0.1:{ports.free_port()}",
                   MAIL_FROM="vpcp@ecabinet.gov.vn")  # nobody listens there
    meeting_id, actor_id = _prepare(app, make_user, datetime.now(UTC) + timedelta(days=3))
    with app.app_context():
        secretariat = get_user(actor_id)
        db.session.expunge(secretariat)
    said = _publish_on_the_page(app, secretariat, meeting_id)
    # What was done, not what was hoped: in-app to both invitees, e-mail only queued.
    assert "trên trang chủ của 2 người được mời" in said, said
    assert "đưa vào hàng đợi" in said and "đã được gửi qua thư điện tử" not in said
    states = _mail_states(app.test_client(), token_for(secretariat), meeting_id)
    assert len(states) == 2
    for state in states.values():
        assert state["state"] == "failed", state
        assert state["attempted_at"] and state["reason"].startswith("unreachable")
        assert "Mat@khau9" not in state["reason"] and "khau" not in state["reason"]
    # The meeting's page says it beside each invitee, with when.
    pages = app.test_client()
    AuthActions(app, pages).login(secretariat)
    page = pages.get(f"/meetings/{meeting_id}/prepare").text
    assert page.count('class="mail-state mail-failed"') == 2
    assert "Không gửi được thư" in page and "khau" not in page
    assert 'class="mail-state mail-sent"' not in page


def test_a_working_mail_server_shows_sent(make_app, make_user, token_for, smtp):
    controller, inbox = smtp
    app = make_app(**mail_config(controller))
    meeting_id, actor_id = _prepare(app, make_user, datetime.now(UTC) + timedelta(days=3))
    with app.app_context(), unit_of_work():
        meetings.transition(get_user(actor_id), db.session.get(Meeting, meeting_id),
                            "published")
    assert len(inbox.wait_for(2)) == 2
    with app.app_context():
        secretariat = get_user(actor_id)
        db.session.expunge(secretariat)
    states = _mail_states(app.test_client(), token_for(secretariat), meeting_id)
    assert [s["state"] for s in states.values()] == ["sent", "sent"], states
    assert all(s["attempted_at"] and s["reason"] is None for s in states.values())
    pages = app.test_client()
    AuthActions(app, pages).login(secretariat)
    page = pages.get(f"/meetings/{meeting_id}/prepare").text
    assert page.count('class="mail-state mail-sent"') == 2
    assert "Đã gửi thư" in page
    # The batch's outcome is on record: one audit line.
    delivered, = [details for action, details in actions(app, "mail.")
                  if action == "mail.delivered"]
    assert delivered == {"kind": "meeting.invitation", "sent": 2, "failed": [], "reasons": []}


def test_members_do_not_see_anyones_delivery_state(make_app, make_user, token_for, smtp):
    controller, inbox = smtp
    app = make_app(**mail_config(controller))
    meeting_id, actor_id = _prepare(app, make_user, datetime.now(UTC) + timedelta(days=3))
    with app.app_context(), unit_of_work():
        meeting = db.session.get(Meeting, meeting_id)
        meetings.transition(get_user(actor_id), meeting, "published")
        member = next(p.user for p in meeting.participants if p.role == "member")
        db.session.expunge(member)
    inbox.wait_for(2)
    client = app.test_client()
    body = client.get(f"/api/v1/meetings/{meeting_id}", headers=bearer(token_for(member)))
    assert body.status_code == 200
    assert "invitations" not in body.get_json() and "email" not in body.text
    AuthActions(app, client).login(member)
    room = client.get(f"/meetings/{meeting_id}").text
    assert "mail-state" not in room
    assert client.get(f"/meetings/{meeting_id}/prepare").status_code == 403


def test_a_delivery_moves_the_organisers_etag(make_app, make_user):
    """The organisers' conditional read must not answer 304 with a stale "queued": writing
    the outcome moves the meeting's version."""
    from ecabinet.notify import deliveries
    from ecabinet.notify.mail import Mail

    app = make_app(SMTP_URL=f"smtp://127.0.0.1:{ports.free_port()}")
    meeting_id, actor_id = _prepare(app, make_user, datetime.now(UTC) + timedelta(days=3))
    with app.app_context():
        with unit_of_work():
            mail = Mail(to="x@example.gov.vn", subject="s", text="t", kind="meeting.invitation",
                        about=("meetings", meeting_id), user_id=actor_id)
            deliveries.queue([mail])
        before = db.session.get(Meeting, meeting_id).version
        db.session.remove()
        with unit_of_work():
            deliveries.record_attempt(mail.delivery_id, None)
        assert db.session.get(Meeting, meeting_id).version > before


def test_a_reason_never_carries_the_mail_account_s_password():
    import smtplib

    from ecabinet.notify.deliveries import reason_code, reason_of

    url = "smtps://vpcp:Mat%40khau9@mail.chinhphu.vn:465"
    refused = reason_of(smtplib.SMTPAuthenticationError(535, b"5.7.8 Mat@khau9 rejected"), url)
    assert refused.startswith("login_refused: ") and "khau9" not in refused
    unreachable = reason_of(OSError(f"cannot open {url}"), url)
    assert reason_code(unreachable) == "unreachable" and "khau9" not in unreachable
    assert len(reason_of(OSError("x" * 1000), url)) <= 200
