"""The dashboard's "My meetings" section: the meetings to come or under way, soonest first."""

from __future__ import annotations

from flask import url_for

from ecabinet.dashboard.sections import DashboardItem
from ecabinet.i18n import page_datetime
from ecabinet.meetings import access, services
from ecabinet.meetings.forms import STATUS_LABELS, label
from ecabinet.meetings.models import MeetingStatus

#: How many meetings the section lists (the meetings page has them all).
LIMIT = 5


def my_meetings(user) -> list[DashboardItem]:
    meetings = [m for m in services.list_meetings(user) if m.status != MeetingStatus.CLOSED]
    meetings.sort(key=lambda m: m.starts_at)
    items = []
    for meeting in meetings[:LIMIT]:
        detail = page_datetime(meeting.starts_at)
        if meeting.location:
            detail += f" · {meeting.location}"
        preparing = meeting.status == MeetingStatus.DRAFT and access.is_organiser(user, meeting)
        url = url_for("meetings.prepare" if preparing else "meetings.room", meeting_id=meeting.id)
        items.append(DashboardItem(title=meeting.title, url=url, detail=detail,
                                   badge=label(STATUS_LABELS, meeting.status)))
    return items
