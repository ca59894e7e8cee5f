"""What a tablet's room script starts from (a JSON block: the CSP runs no inline script): the
meeting room page, and the room's panels over the document viewer (the current item, the floor
and the vote, shown over a document opened from the room). One place, so both read the same
rights, rules and words."""

from __future__ import annotations

from flask import url_for

from ecabinet.identity.models import User
from ecabinet.meetings import access, sitting, state, verifiable
from ecabinet.meetings.forms import room_words
from ecabinet.meetings.models import Meeting


def room_config(user: User, meeting: Meeting, snapshot: dict | None = None) -> dict:
    """``snapshot``: the user's state of the meeting (:func:`state.snapshot_for`), read here
    when not given."""
    return {
        "meetingId": meeting.id,
        "userId": user.id,
        "isChair": access.is_chair(user, meeting),
        "isOrganiser": access.is_organiser(user, meeting),
        "isVoter": access.is_voting_member(user, meeting),
        "isParticipant": meeting.participant(user.id) is not None,
        "state": snapshot if snapshot is not None else state.snapshot_for(user, meeting),
        "urls": {
            "positions": url_for("meetings_api.set_position", item_id=0).replace("/0/", "/{id}/"),
            "transition": url_for("meetings_api.transition", meeting_id=meeting.id),
            "adopt": url_for("meetings_api.adopt_uncontested", meeting_id=meeting.id),
        },
        # The chair's console proposes these as a verifiable vote's trustees, by name.
        "trustees": [{"user_id": u.id, "name": u.name}
                     for u in verifiable.default_trustees(meeting)]
        if access.is_chair(user, meeting) else [],
        "rules": room_rules(),
        "words": room_words(),
    }


def sees_votes(user: User, meeting: Meeting) -> bool:
    """Whether the vote panel is on the user's page at all: those who vote and the organisers
    (which vote reaches a tablet is decided again for each item, by its audience room)."""
    return access.is_voting_member(user, meeting) or access.is_organiser(user, meeting)


def room_rules() -> dict:
    """The server's rules the room's script shows the page by, rendered from the rules themselves
    so the script never restates them (the server enforces them all the same)."""
    return {
        "checkInOpen": sorted(status.value for status in sitting.CHECK_IN_OPEN),
        "live": sorted(status.value for status in sitting.LIVE),
        "speakerLimitSeconds": state.SPEAKER_LIMIT_SECONDS,
    }
