"""E-mail about written polls: the reminder to members who have not answered."""

from __future__ import annotations

from flask import current_app

from ecabinet.i18n import vietnamese_datetime
from ecabinet.notify.mail import Mail, send_after_commit
from ecabinet.polls.models import Poll


def reminder_mails(poll: Poll, users) -> list[Mail]:
    link = f"{current_app.config['PUBLIC_URL'].rstrip('/')}/polls/{poll.id}"
    return [Mail(to=user.email, subject=f"Nhắc trả lời phiếu lấy ý kiến: {poll.question}"[:200],
                 text=(f"Kính gửi đồng chí {user.name},\n\n"
                       f"Văn phòng Chính phủ xin nhắc đồng chí cho ý kiến về: {poll.question}\n"
                       f"Thời hạn trả lời: {vietnamese_datetime(poll.deadline)}.\n"
                       f"Trả lời tại: {link}\n"))
            for user in users]


def send_reminders(poll: Poll, users) -> None:
    """After the commit, when SMTP is configured; the dashboard shows the poll either way."""
    send_after_commit(reminder_mails(poll, users))
