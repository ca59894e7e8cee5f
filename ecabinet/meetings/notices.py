"""What an invitee is told, and what the secretariat learns of it.

- **Opened**: when each invitee first opened the published meeting (its page, its API read,
  its .ics). The secretariat sees it beside the invitee list ("Đã xem lúc …" / "Chưa xem");
  no invitee sees another's. Like the packs' read receipts it is not audited: a receipt of a
  read, written once, is not a change of the meeting.
- **E-mailed**: what became of each invitee's e-mailed invitation of the latest publication
  (queued, sent, failed: :mod:`ecabinet.notify.deliveries`), beside "opened", for the
  organisers only, as opened is.
- **Changed**: a change of the agenda or the meeting's details after publication leaves each
  invitee who sees it an in-app notice (the dashboard's badge, the banner of the meeting page)
  until they open the meeting again, and asks for one e-mail (:data:`signals.agenda_changed`,
  sent by ``ecabinet.notify`` when mail is configured): only the first change since they last
  looked is mailed, so ten edits in a row are one message, not ten.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import case, func, or_, select, update

from ecabinet.extensions import db
from ecabinet.identity.models import User
from ecabinet.meetings import access, signals
from ecabinet.meetings.models import AgendaItem, Meeting, MeetingStatus, Participant

#: Statuses in which invitees are told of a meeting (a draft is nobody's news yet; a closed
#: meeting's page is a record, not an invitation).
ANNOUNCED = (MeetingStatus.PUBLISHED, MeetingStatus.IN_SESSION, MeetingStatus.ADJOURNED)


def _now() -> datetime:
    return datetime.now(UTC)


def _announced(meeting: Meeting) -> bool:
    return meeting.status != MeetingStatus.DRAFT and meeting.published_at is not None


def opened_at(participant: Participant, meeting: Meeting) -> datetime | None:
    """When the invitee opened the meeting as it was last published (None: not yet)."""
    seen = participant.opened_at
    if seen is None or meeting.published_at is None or seen < meeting.published_at:
        return None
    return seen


def invitation_mails(meeting: Meeting) -> dict:
    """user id -> the e-mail of their invitation since the meeting was last published
    (:class:`ecabinet.notify.models.MailDelivery`); nobody's before publication, nor when no
    mail server was configured then. One statement."""
    if not _announced(meeting):
        return {}
    from ecabinet.notify import deliveries  # here: the notifications import the meetings
    from ecabinet.notify.meetings import INVITATION

    return deliveries.latest_by_user(Meeting.__tablename__, meeting.id, INVITATION,
                                     since=meeting.published_at)


def invitations_told(meeting: Meeting) -> tuple[int, int]:
    """What publishing did: (invitees told in-app — every one, on their home page and the
    badge; e-mails queued to them)."""
    return len(meeting.participants), len(invitation_mails(meeting))


def unseen_change(participant: Participant | None) -> datetime | None:
    """Since when the agenda has changed without the invitee having looked (None: nothing)."""
    return participant.changes_unseen_since if participant is not None else None


def needs_recording(user: User, meeting: Meeting) -> bool:
    """Whether opening the meeting now changes anything: asked first, so that a read takes no
    write lock unless it is the invitee's first look (or the first since a change)."""
    if not _announced(meeting):
        return False
    participant = meeting.participant(user.id)
    return participant is not None and (opened_at(participant, meeting) is None
                                        or participant.changes_unseen_since is not None)


def record_opened(user: User, meeting: Meeting) -> None:
    """The invitee opened the meeting: its first open since publication is kept (a concurrent
    second one changes nothing: the condition is in the UPDATE), the notice of changes is
    cleared. Flushes; the caller commits."""
    participant = meeting.participant(user.id) if _announced(meeting) else None
    if participant is None:
        return
    stale = or_(Participant.opened_at.is_(None), Participant.opened_at < meeting.published_at)
    db.session.execute(
        update(Participant).where(Participant.id == participant.id)
        .values(opened_at=case((stale, _now()), else_=Participant.opened_at),
                changes_unseen_since=None)
        .execution_options(synchronize_session=False))
    # The version does not move: a first look shows only in the organisers' read, whose ETag
    # counts the invitees who opened it (``Meeting.opened_count``); a look at changes (the
    # notice cleared) shows in no read. Moving it made every tablet of the hall read the
    # meeting again at each other tablet's look.
    db.session.expire(participant, ["opened_at", "changes_unseen_since"])
    db.session.expire(meeting, ["opened_count"])


def agenda_changed(actor: User, meeting: Meeting, item: AgendaItem | None = None,
                   also: set[int] | frozenset[int] = frozenset()) -> list[Participant]:
    """A change after publication: the invitees who see it (every invitee for the meeting's
    own details; for an item, who sees it under :func:`access.sees_item`, and ``also``: those
    who saw it before the change) get the notice; those without one pending are returned and
    mailed. The one who made the change is not told of it."""
    if not _announced(meeting):
        return []
    now = _now()
    told = []
    for participant in meeting.participants:
        if participant.user_id == actor.id:
            continue
        if item is not None and participant.user_id not in also \
                and not access.sees_item(item, participant, False):
            continue
        if participant.changes_unseen_since is None:
            participant.changes_unseen_since = now
            told.append(participant)
    db.session.flush()
    if told:
        signals.agenda_changed.send(meeting, participants=told, actor=actor)
    return told


def pending_count(user: User) -> int:
    """How many meetings hold news for the user: an invitation not opened yet, or changes
    not seen (the badge beside "Meetings"). One query, on every page."""
    unopened = or_(Participant.opened_at.is_(None), Participant.opened_at < Meeting.published_at)
    return db.session.scalar(
        select(func.count()).select_from(Participant)
        .join(Meeting, Meeting.id == Participant.meeting_id)
        .where(Participant.user_id == user.id,
               Meeting.status.in_([status.value for status in ANNOUNCED]),
               Meeting.published_at.is_not(None),
               or_(unopened, Participant.changes_unseen_since.is_not(None)))) or 0
