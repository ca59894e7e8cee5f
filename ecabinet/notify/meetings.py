"""E-mail about meetings: the invitation on publication, the reminder the day before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import select

from ecabinet.audit import services as audit
from ecabinet.extensions import db
from ecabinet.i18n import in_vietnam, vietnamese_date
from ecabinet.meetings.models import Meeting, MeetingStatus
from ecabinet.notify.invitations import invitation_ics
from ecabinet.notify.mail import Mail, public_link, send_after_commit

#: The reminder goes out when the meeting starts within this time.
REMIND_BEFORE = timedelta(hours=24)
ICS = "text/calendar"
#: The kinds of tracked mail about a meeting (:mod:`ecabinet.notify.deliveries`); the
#: secretariat's page shows the invitation's.
INVITATION, REMINDER, CHANGE = "meeting.invitation", "meeting.reminder", "meeting.change"


def _host() -> str:
    return current_app.config["MAIL_FROM"].rsplit("@", 1)[-1]


def _link(meeting: Meeting) -> str:
    return public_link(f"/meetings/{meeting.id}")


def invitation_mails(meeting: Meeting) -> list[Mail]:
    ics = invitation_ics(meeting, organiser_email=current_app.config["MAIL_FROM"],
                         host=_host())
    when = vietnamese_date(meeting.starts_at, "Hà Nội")
    local = in_vietnam(meeting.starts_at).strftime("%H giờ %M")
    mails = []
    for participant in meeting.participants:
        text = (f"Kính gửi {participant.user.title or ''} {participant.user.name},\n\n"
                f"Văn phòng Chính phủ trân trọng kính mời dự {meeting.title}, "
                f"vào {local}, {when}, tại {meeting.location or '(sẽ thông báo sau)'}.\n"
                f"Chương trình họp và tài liệu: {_link(meeting)}\n")
        mails.append(Mail(to=participant.user.email, subject=f"Giấy mời: {meeting.title}",
                          text=text, attachments=[("giay-moi.ics", ICS, ics)],
                          kind=INVITATION, about=(Meeting.__tablename__, meeting.id),
                          user_id=participant.user_id))
    return mails


def on_published(meeting: Meeting, actor=None, **_extra) -> None:
    mails = invitation_mails(meeting)
    send_after_commit(mails)
    audit.record("meeting.invitations", actor=actor, target=meeting,
                 details={"recipients": [m.to for m in mails],
                          "email": bool(current_app.config.get("SMTP_URL"))})


def on_agenda_changed(meeting: Meeting, participants=(), actor=None, **_extra) -> None:
    """The agenda or the details changed after publication: one e-mail to each invitee newly
    told (the in-app notice is theirs already). It names no item: a confidential item's title
    never travels by mail."""
    when = vietnamese_date(meeting.starts_at, "Hà Nội")
    local = in_vietnam(meeting.starts_at).strftime("%H giờ %M")
    mails = [Mail(to=p.user.email, subject=f"Điều chỉnh chương trình họp: {meeting.title}",
                  text=(f"Kính gửi {p.user.title or ''} {p.user.name},\n\n"
                        f"Chương trình hoặc thông tin của {meeting.title} ({local}, {when}) "
                        f"vừa được điều chỉnh.\nXin mời xem nội dung cập nhật: {_link(meeting)}\n"),
                  kind=CHANGE, about=(Meeting.__tablename__, meeting.id), user_id=p.user_id)
             for p in participants]
    if not mails:
        return
    send_after_commit(mails)
    audit.record("meeting.change_notices", actor=actor, target=meeting,
                 details={"recipients": [m.to for m in mails],
                          "email": bool(current_app.config.get("SMTP_URL"))})


def remind_upcoming(now: datetime | None = None) -> list[Meeting]:
    """Published meetings starting within a day, reminded once."""
    now = now or datetime.now(UTC)
    stmt = select(Meeting).where(Meeting.status == MeetingStatus.PUBLISHED,
                                 Meeting.reminder_sent_at.is_(None),
                                 Meeting.starts_at > now,
                                 Meeting.starts_at <= now + REMIND_BEFORE)
    reminded = list(db.session.scalars(stmt))
    for meeting in reminded:
        meeting.reminder_sent_at = now
        mails = invitation_mails(meeting)
        for mail in mails:
            mail.subject, mail.kind = f"Nhắc lịch họp: {meeting.title}", REMINDER
        send_after_commit(mails)
        audit.record("meeting.reminder", target=meeting,
                     details={"recipients": [m.to for m in mails]})
    db.session.flush()
    return reminded
