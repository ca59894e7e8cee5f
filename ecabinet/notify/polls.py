"""E-mail about written polls: the reminder to members who have not answered."""

from __future__ import annotations

from ecabinet.i18n import vietnamese_datetime
from ecabinet.notify.mail import Mail, letters, public_link, send_after_commit
from ecabinet.polls.models import Poll


def reminder_mails(poll: Poll, users) -> list[Mail]:
    return letters(
        users, f"Nhắc trả lời phiếu lấy ý kiến: {poll.question}",
        f"Văn phòng Chính phủ xin nhắc đồng chí cho ý kiến về: {poll.question}\n"
        f"Thời hạn trả lời: {vietnamese_datetime(poll.deadline)}.\n"
        f"Trả lời tại: {public_link(f'/polls/{poll.id}')}\n")


def send_reminders(poll: Poll, users) -> None:
    """After the commit, when SMTP is configured; the dashboard shows the poll either way."""
    send_after_commit(reminder_mails(poll, users))
