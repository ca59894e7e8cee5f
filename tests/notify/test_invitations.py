"""Publishing a meeting e-mails the invitation with an .ics file; reminders the day before.
A real SMTP server (aiosmtpd) listens on loopback and keeps what it receives."""

import email
import time
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from ecabinet.database import unit_of_work
from ecabinet.extensions import db
from ecabinet.identity.services import get_user
from ecabinet.meetings import services as meetings
from ecabinet.meetings.models import Meeting
from ecabinet.notify.meetings import remind_upcoming
from tests.fixtures import ports
from tests.fixtures.mail import Inbox, mail_config  # noqa: F401 - Inbox: imported from here


def _free_port() -> int:
    return ports.free_port()  # below the ephemeral range (tests/fixtures/ports.py)


@pytest.fixture
def mail_app(make_app, smtp):
    controller, _ = smtp
    return make_app(**mail_config(controller))


def _prepare(app, make_user, starts_at):
    secretariat = make_user("secretariat")
    chair = make_user("member", name="Trần Minh Quang", email="pm@ecabinet.gov.vn")
    member = make_user("member", name="Phạm Quốc Bảo", email="btp@ecabinet.gov.vn")
    with app.app_context(), unit_of_work():
        actor = get_user(secretariat.id)
        meeting = meetings.create_meeting(actor, title="Phiên họp Chính phủ thường kỳ",
                                          starts_at=starts_at, location="Trụ sở Chính phủ")
        meetings.invite(actor, meeting, user_id=chair.id, role="chair")
        meetings.invite(actor, meeting, user_id=member.id, role="member")
        meetings.add_item(actor, meeting, title="Báo cáo kinh tế - xã hội", duration_min=90)
        return meeting.id, actor.id


def test_publishing_sends_invitations_with_ics(mail_app, make_user, smtp):
    _, inbox = smtp
    starts = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)  # 08:00 in Ha Noi
    meeting_id, actor_id = _prepare(mail_app, make_user, starts)
    with mail_app.app_context(), unit_of_work():
        meetings.transition(get_user(actor_id), db.session.get(Meeting, meeting_id),
                            "published")
    messages = inbox.wait_for(2)
    assert sorted(m["To"] for m in messages) == ["btp@ecabinet.gov.vn", "pm@ecabinet.gov.vn"]
    message = next(m for m in messages if m["To"] == "btp@ecabinet.gov.vn")
    assert "Giấy mời" in str(email.header.make_header(email.header.decode_header(
        message["Subject"])))
    body = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    text = body.get_payload(decode=True).decode()
    assert "08 giờ 00, Hà Nội, ngày 07 tháng 12 năm 2026" in text
    assert f"https://ecabinet.gov.vn/meetings/{meeting_id}" in text
    ics = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    event = Calendar.from_ical(ics.get_payload(decode=True)).walk("VEVENT")[0]
    assert str(event["summary"]) == "Phiên họp Chính phủ thường kỳ"
    assert event.decoded("dtstart") == starts
    assert event.decoded("dtend") == starts + timedelta(minutes=90)
    assert len(event["attendee"]) == 2


def test_a_failed_publication_sends_nothing(mail_app, make_user, smtp):
    _, inbox = smtp
    meeting_id, actor_id = _prepare(mail_app, make_user, datetime.now(UTC) + timedelta(days=3))
    with mail_app.app_context():
        with pytest.raises(RuntimeError), unit_of_work():
            meetings.transition(get_user(actor_id), db.session.get(Meeting, meeting_id),
                                "published")
            raise RuntimeError("crash after publishing, before the commit")
    time.sleep(0.5)
    assert inbox.messages == []


def test_smtp_down_does_not_stop_publication(make_app, make_user):
    app = make_app(SMTP_URL=f"smtp://127.0.0.1:{_free_port()}")  # nobody listens there
    meeting_id, actor_id = _prepare(app, make_user, datetime.now(UTC) + timedelta(days=3))
    with app.app_context(), unit_of_work():
        meeting = db.session.get(Meeting, meeting_id)
        meetings.transition(get_user(actor_id), meeting, "published")
    with app.app_context():
        assert db.session.get(Meeting, meeting_id).status == "published"


def test_reminder_once_the_day_before(mail_app, make_user, smtp):
    _, inbox = smtp
    soon = datetime.now(UTC) + timedelta(hours=20)
    meeting_id, actor_id = _prepare(mail_app, make_user, soon)
    with mail_app.app_context(), unit_of_work():
        meetings.transition(get_user(actor_id), db.session.get(Meeting, meeting_id),
                            "published")
    inbox.wait_for(2)
    runner = mail_app.test_cli_runner()
    first = runner.invoke(args=["remind"])
    assert f"meeting {meeting_id}" in first.output
    messages = inbox.wait_for(4)
    assert len(messages) == 4 and "Nhắc lịch họp" in str(email.header.make_header(
        email.header.decode_header(messages[-1]["Subject"])))
    assert "No meeting" in runner.invoke(args=["remind"]).output
    with mail_app.app_context():
        assert remind_upcoming() == []
