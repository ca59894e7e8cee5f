"""The meeting invitation (giấy mời) as an iCalendar event (RFC 5545)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event, vCalAddress, vText

from ecabinet.i18n import vietnamese_date
from ecabinet.meetings.models import Meeting

DEFAULT_LENGTH = timedelta(hours=3)


def _length(meeting: Meeting) -> timedelta:
    minutes = sum(item.duration_min or 0 for item in meeting.items)
    return timedelta(minutes=minutes) if minutes else DEFAULT_LENGTH


def invitation_ics(meeting: Meeting, *, organiser_email: str, host: str,
                   sequence: int = 0, cancelled: bool = False) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//ecabinet//Phien hop Chinh phu//VI")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    event = Event()
    event.add("uid", f"meeting-{meeting.id}@{host}")
    event.add("sequence", sequence)
    event.add("dtstamp", datetime.now(UTC))
    event.add("dtstart", meeting.starts_at.astimezone(UTC))
    event.add("dtend", (meeting.starts_at + _length(meeting)).astimezone(UTC))
    event.add("summary", meeting.title)
    if meeting.location:
        event.add("location", meeting.location)
    event.add("description", _description(meeting))
    organiser = vCalAddress(f"mailto:{organiser_email}")
    organiser.params["cn"] = vText("Văn phòng Chính phủ")
    event.add("organizer", organiser)
    for participant in meeting.participants:
        attendee = vCalAddress(f"mailto:{participant.user.email}")
        attendee.params["cn"] = vText(participant.user.name)
        attendee.params["role"] = vText("CHAIR" if participant.role == "chair"
                                        else "REQ-PARTICIPANT")
        event.add("attendee", attendee, encode=0)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical()


def _description(meeting: Meeting) -> str:
    lines = [f"{meeting.title}, {vietnamese_date(meeting.starts_at, 'Hà Nội')}.",
             "Chương trình họp được gửi trên hệ thống e-Cabinet."]
    return "\n".join(lines)
