"""Who sees and does what in a meeting: the rules, written once for pages, API and sockets.

A meeting (or item) the user may not see answers 404, not 403: its existence is not disclosed.
"""

from __future__ import annotations

from flask_babel import gettext as _

from ecabinet.errors import Forbidden, NotFound
from ecabinet.extensions import db
from ecabinet.identity.models import Role, User
from ecabinet.meetings.models import (
    VOTING_ROLES,
    AgendaItem,
    Meeting,
    MeetingStatus,
    ParticipantRole,
)


def is_organiser(user: User, meeting: Meeting | None = None) -> bool:
    """The secretariat, or the meeting's own secretary, prepares and runs the paperwork."""
    if user.has_role(Role.SECRETARIAT):
        return True
    if meeting is not None:
        participant = meeting.participant(user.id)
        return participant is not None and participant.role == ParticipantRole.SECRETARY
    return False


def is_chair(user: User, meeting: Meeting) -> bool:
    participant = meeting.participant(user.id)
    return participant is not None and participant.role == ParticipantRole.CHAIR


def is_voting_member(user: User, meeting: Meeting) -> bool:
    participant = meeting.participant(user.id)
    return participant is not None and participant.role in VOTING_ROLES


def can_see_meeting(user: User, meeting: Meeting) -> bool:
    if is_organiser(user, meeting):
        return True
    return meeting.participant(user.id) is not None and meeting.status != MeetingStatus.DRAFT


def can_see_item(user: User, item: AgendaItem) -> bool:
    meeting = item.meeting
    if is_organiser(user, meeting) or is_chair(user, meeting):
        return True
    participant = meeting.participant(user.id)
    if participant is None:
        return False
    if item.confidential or participant.role == ParticipantRole.GUEST:
        return user.id in item.invitee_ids
    return True


def visible_items(user: User, meeting: Meeting) -> list[AgendaItem]:
    return [item for item in meeting.items if can_see_item(user, item)]


def meeting_for(user: User, meeting_id: int) -> Meeting:
    """Load a meeting the user may see, or 404."""
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or not can_see_meeting(user, meeting):
        raise NotFound(_("No such meeting."))
    return meeting


def item_for(user: User, item_id: int) -> AgendaItem:
    item = db.session.get(AgendaItem, item_id)
    if item is None or not can_see_meeting(user, item.meeting) or not can_see_item(user, item):
        raise NotFound(_("No such agenda item."))
    return item


def require_organiser(user: User, meeting: Meeting | None = None) -> None:
    if not is_organiser(user, meeting):
        raise Forbidden(_("Only the secretariat can do this."))


def can_see_tally(user: User, meeting: Meeting) -> bool:
    """The chair, the secretariat and the meeting's secretary see the tally of positions (and
    hear ``positions.changed``)."""
    return is_organiser(user, meeting) or is_chair(user, meeting)


def require_chair(user: User, meeting: Meeting) -> None:
    if not is_chair(user, meeting):
        raise Forbidden(_("Only the chair can do this."))


def require_voting_member(user: User, meeting: Meeting) -> None:
    if not is_voting_member(user, meeting):
        raise Forbidden(_("Only members of the Government in this meeting can do this."))
