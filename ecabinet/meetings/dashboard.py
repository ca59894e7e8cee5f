"""The dashboard's "My meetings" section: the meetings to come or under way, those with news for
the user (an invitation not opened yet, changes not seen) first, then the soonest; and the
badge beside "Meetings" in the top bar."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from ecabinet.dashboard.sections import DashboardItem
from ecabinet.i18n import page_datetime
from ecabinet.meetings import access, notices, services
from ecabinet.meetings.forms import STATUS_LABELS, label
from ecabinet.meetings.models import Meeting, MeetingStatus

#: How many meetings the section lists (the meetings page has them all).
LIMIT = 5


def _news(user, meeting) -> str:
    """What is new for the invitee: the invitation, or changes since they last looked."""
    participant = meeting.participant(user.id)
    if participant is None or meeting.status == MeetingStatus.DRAFT \
            or meeting.published_at is None:
        return ""
    if notices.opened_at(participant, meeting) is None:
        return _("New invitation")
    if notices.unseen_change(participant) is not None:
        return _("Agenda changed")
    return ""


def my_meetings(user) -> list[DashboardItem]:
    meetings = [m for m in services.list_meetings(user) if m.status != MeetingStatus.CLOSED]
    Meeting.remember_seats(meetings, user.id)  # the news and the links ask each meeting
    news = {m.id: _news(user, m) for m in meetings}
    meetings.sort(key=lambda m: (not news[m.id], m.starts_at))  # news first: never cut off
    items = []
    for meeting in meetings[:LIMIT]:
        detail = page_datetime(meeting.starts_at)
        if meeting.location:
            detail += f" · {meeting.location}"
        preparing = meeting.status == MeetingStatus.DRAFT and access.is_organiser(user, meeting)
        url = url_for("meetings.prepare" if preparing else "meetings.room", meeting_id=meeting.id)
        items.append(DashboardItem(title=meeting.title, url=url, detail=detail,
                                   badge=news[meeting.id] or label(STATUS_LABELS,
                                                                   meeting.status)))
    return items


def meeting_news() -> dict:
    """For every page: how many meetings hold news for the signed-in user (the top bar's badge)."""
    if not getattr(current_user, "is_authenticated", False):
        return {"meeting_news": 0}
    return {"meeting_news": notices.pending_count(current_user)}
