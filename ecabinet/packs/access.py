"""What a pack holds for whom, and who follows the reading: the rules of meetings and
documents, applied once here for the pack, its build and the reads report.

- A reader's pack holds the agenda items they see (:func:`ecabinet.meetings.access.sees_item`)
  and, in each, the documents they read (:func:`ecabinet.docs.access.can_read`); the pack of a
  meeting one may not see does not exist (404).
- The reads report is the organisers' (:func:`ecabinet.meetings.access.is_organiser`); it
  lists, for each document, the participants who read it through the meeting
  (:func:`ecabinet.docs.access.reads`), computed from the loaded participants.
"""

from __future__ import annotations

from ecabinet.docs import access as docs_access
from ecabinet.docs.models import Document
from ecabinet.identity.models import User
from ecabinet.meetings import access as meeting_access
from ecabinet.meetings.models import AgendaItem, Meeting, Participant, ParticipantRole

#: Participants whose reading the secretariat follows (the meeting's secretaries are staff).
READERS = (ParticipantRole.CHAIR, ParticipantRole.MEMBER, ParticipantRole.GUEST)


def meeting_for(user: User, meeting_id: int) -> Meeting:
    """The meeting whose pack (or reads report) is asked for, if ``user`` may see it; or 404."""
    return meeting_access.meeting_for(user, meeting_id)


def items_in_pack(user: User, meeting: Meeting) -> list[AgendaItem]:
    """The items of ``user``'s pack, in agenda order."""
    return sorted(meeting_access.visible_items(user, meeting), key=lambda item: item.position)


def in_pack(user: User, document: Document) -> bool:
    """Whether a document of an item in ``user``'s pack goes into it."""
    return docs_access.can_read(user, document)


def require_reads_report(user: User, meeting: Meeting) -> None:
    meeting_access.require_organiser(user, meeting)


def reader_of(participant: Participant, document: Document, item: AgendaItem,
              secretariat: set[int]) -> bool:
    """Whether a participant of the report reads ``document`` through ``item``
    (``secretariat``: who among the participants is of the secretariat, looked up at once —
    a meeting of 500 would otherwise cost 500 queries per document). Reading grants of other
    features (a written poll's dossier) are left out: the report is about the meeting's
    readers. tests/packs checks this against ``can_read``."""
    return docs_access.reads(document, item, participant, participant.user_id in secretariat)
