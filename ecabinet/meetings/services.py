"""Preparing meetings: create, change, invite, build the agenda, move through the lifecycle.

Services take the acting user, check what only they can know (the state of the meeting),
flush and audit; the caller commits. Access to the meeting itself is checked by the caller
through :mod:`ecabinet.meetings.access`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app
from flask_babel import gettext as _

from ecabinet.audit import services as audit
from ecabinet.errors import Conflict, Invalid, NotFound
from ecabinet.extensions import db
from ecabinet.identity.models import User
from ecabinet.meetings import access, rooms, signals
from ecabinet.meetings.models import (
    TRANSITIONS,
    VOTING_ROLES,
    AgendaItem,
    ItemInvitee,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Participant,
    ParticipantRole,
    QuorumRule,
)

#: Once the session has started the agenda is the record of what happened: it stays as it is.
EDITABLE = {MeetingStatus.DRAFT, MeetingStatus.PUBLISHED}


def _now() -> datetime:
    return datetime.now(UTC)


def _choice(enum_type, value: str, field: str):
    try:
        return enum_type(value)
    except ValueError:
        allowed = ", ".join(member.value for member in enum_type)
        raise Invalid(_("%(value)s is not one of: %(allowed)s.", value=value, allowed=allowed),
                      details={field: [value]}) from None


def _require_editable(meeting: Meeting) -> None:
    if meeting.status not in EDITABLE:
        raise Conflict(_("The session has started: its agenda and invitations can no longer "
                         "change."), code="meeting_locked")


# --- meetings ------------------------------------------------------------------------------------

def meetings_query(user: User):
    """The meetings the user may see, newest first (the SQL twin of
    :func:`access.can_see_meeting`: the list and the check cannot disagree)."""
    return access.visible_meetings(user).order_by(Meeting.starts_at.desc(), Meeting.id.desc())


def list_meetings(user: User) -> list[Meeting]:
    """The meetings the user may see, newest first."""
    return list(db.session.scalars(meetings_query(user)).unique())


def create_meeting(actor: User, *, title: str, starts_at: datetime, kind: str = "regular",
                   location: str | None = None, quorum_rule: str = "two_thirds") -> Meeting:
    access.require_organiser(actor)
    title = (title or "").strip()
    if not title:
        raise Invalid(_("A meeting needs a title."), details={"title": ["missing"]})
    meeting = Meeting(title=title, starts_at=starts_at, location=location,
                      kind=_choice(MeetingKind, kind, "kind").value,
                      quorum_rule=_choice(QuorumRule, quorum_rule, "quorum_rule").value,
                      created_by_id=actor.id)
    db.session.add(meeting)
    db.session.flush()
    audit.record("meeting.create", actor=actor, target=meeting,
                 details={"title": title, "starts_at": starts_at.isoformat(), "kind": kind})
    return meeting


def update_meeting(actor: User, meeting: Meeting, **changes) -> Meeting:
    access.require_organiser(actor, meeting)
    _require_editable(meeting)
    done = {}
    for field in ("title", "starts_at", "location", "kind", "quorum_rule"):
        if field not in changes or changes[field] is None:
            continue
        value = changes[field]
        if field == "kind":
            value = _choice(MeetingKind, value, "kind").value
        if field == "quorum_rule":
            value = _choice(QuorumRule, value, "quorum_rule").value
        if getattr(meeting, field) != value:
            setattr(meeting, field, value)
            done[field] = value.isoformat() if isinstance(value, datetime) else value
    if done:
        db.session.flush()
        audit.record("meeting.update", actor=actor, target=meeting, details=done)
    return meeting


def transition(actor: User, meeting: Meeting, to: str) -> Meeting:
    """draft → published → in_session ⇄ adjourned → closed. The chair runs the session and
    closes it (the secretariat closes the record afterwards by locking the minutes); the
    secretariat publishes."""
    from ecabinet.meetings.forms import STATUS_LABELS, label

    target = _choice(MeetingStatus, to, "to")
    current = MeetingStatus(meeting.status)
    if target not in TRANSITIONS[current]:
        raise Conflict(_("A meeting cannot go from “%(a)s” to “%(b)s”.",
                         a=label(STATUS_LABELS, current), b=label(STATUS_LABELS, target)),
                       code="invalid_transition")
    if target in (MeetingStatus.IN_SESSION, MeetingStatus.ADJOURNED, MeetingStatus.CLOSED):
        if not access.is_organiser(actor, meeting):  # the chair opens, adjourns and closes
            access.require_chair(actor, meeting)
    else:
        access.require_organiser(actor, meeting)
    if target == MeetingStatus.PUBLISHED:
        _check_publishable(meeting)
        meeting.published_at = _now()
    if target == MeetingStatus.IN_SESSION and meeting.started_at is None:
        meeting.started_at = _now()
    if target == MeetingStatus.CLOSED:
        from ecabinet.meetings.queries import open_vote_of

        if open_vote_of(meeting) is not None:
            raise Conflict(_("Close the open vote first."), code="vote_open")
        meeting.closed_at = _now()
        # The meeting ended: no item is under discussion any more, on any tablet or after a
        # reload (the state and its broadcast below name none). Adjourning keeps it: the
        # session resumes where it stopped, and the tablets show it as live only in session.
        meeting.current_item_id = None
    meeting.status = target.value
    db.session.flush()
    audit.record("meeting.transition", actor=actor, target=meeting,
                 details={"from": current.value, "to": target.value})
    rooms.broadcast_state(meeting)
    if target == MeetingStatus.PUBLISHED:
        signals.meeting_published.send(meeting, actor=actor)
    return meeting


def _check_publishable(meeting: Meeting) -> None:
    if meeting.chair is None:
        raise Conflict(_("Invite the chair before publishing."), code="no_chair")
    if not meeting.items:
        raise Conflict(_("Add at least one agenda item before publishing."), code="no_agenda")


# --- participants --------------------------------------------------------------------------------

def invite(actor: User, meeting: Meeting, *, user_id: int, role: str) -> Participant:
    access.require_organiser(actor, meeting)
    _require_editable(meeting)
    role_value = _choice(ParticipantRole, role, "role")
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        raise NotFound(_("No such user."))
    if meeting.participant(user_id) is not None:
        raise Conflict(_("%(name)s is invited already.", name=user.name), code="already_invited")
    if role_value == ParticipantRole.CHAIR and meeting.chair is not None:
        raise Conflict(_("The meeting has a chair already."), code="chair_exists")
    participant = Participant(meeting=meeting, user=user, role=role_value.value)
    db.session.add(participant)
    db.session.flush()
    audit.record("meeting.invite", actor=actor, target=meeting,
                 details={"user_id": user.id, "role": role_value.value})
    if role_value in VOTING_ROLES:
        _members_changed(meeting)
    return participant


def uninvite(actor: User, meeting: Meeting, user_id: int) -> None:
    access.require_organiser(actor, meeting)
    _require_editable(meeting)
    participant = meeting.participant(user_id)
    if participant is None:
        raise NotFound(_("This user is not invited."))
    heard_in = rooms.rooms_of(participant.user, meeting)  # before they lose sight of it
    meeting.participants.remove(participant)
    db.session.flush()
    audit.record("meeting.uninvite", actor=actor, target=meeting,
                 details={"user_id": participant.user_id})
    if not access.can_see_meeting(participant.user, meeting):
        rooms.leave(participant.user_id, heard_in)  # their open tablets hear no more of it
    if participant.role in VOTING_ROLES:
        _members_changed(meeting)


def _audiences_changing(meeting: Meeting) -> None:
    """The agenda changes, so who sees which item may: followers of a published meeting join
    again. (An invitation changes only the audience of the one invited, who was not
    following; :func:`uninvite` takes the uninvited out of their rooms.)"""
    if meeting.status != MeetingStatus.DRAFT:
        rooms.audiences_changing(meeting)


def _members_changed(meeting: Meeting) -> None:
    from ecabinet.meetings import sitting

    meeting.forget_participants()  # the tallies count the members again
    sitting.broadcast_tallies(meeting)


# --- agenda --------------------------------------------------------------------------------------

def add_item(actor: User, meeting: Meeting, *, title: str, presenter_id: int | None = None,
             presenting_agency: str | None = None, duration_min: int | None = None,
             position: int | None = None, confidential: bool = False,
             invitee_ids: list[int] | None = None) -> AgendaItem:
    access.require_organiser(actor, meeting)
    _require_editable(meeting)
    title = (title or "").strip()
    if not title:
        raise Invalid(_("An agenda item needs a title."), details={"title": ["missing"]})
    if duration_min is not None and not 1 <= duration_min <= 600:
        raise Invalid(_("Time allotted is between 1 and 600 minutes."),
                      details={"duration_min": [duration_min]})
    if presenter_id is not None and db.session.get(User, presenter_id) is None:
        raise NotFound(_("No such presenter."))
    _require_room_on_agenda(meeting)
    _audiences_changing(meeting)
    item = AgendaItem(meeting=meeting, title=title, presenter_id=presenter_id,
                      presenting_agency=presenting_agency, duration_min=duration_min,
                      confidential=confidential, position=len(meeting.items) + 1)
    db.session.add(item)
    db.session.flush()
    for user_id in invitee_ids or []:
        item.invitees.append(ItemInvitee(user_id=user_id))
    if position is not None:
        _move(meeting, item, position)
    db.session.flush()
    audit.record("agenda.add", actor=actor, target=item,
                 details={"meeting_id": meeting.id, "title": title, "position": item.position,
                          "confidential": confidential})
    return item


def _require_room_on_agenda(meeting: Meeting) -> None:
    """An agenda has at most ``AGENDA_MAX_ITEMS`` items (default 300): a cabinet meeting has a
    few dozen, and every tablet draws, and every pack typesets, the whole agenda."""
    limit = int(current_app.config.get("AGENDA_MAX_ITEMS", 300))
    if len(meeting.items) >= limit:
        raise Invalid(_("An agenda holds at most %(limit)s items.", limit=limit),
                      code="agenda_too_long", details={"agenda": [f"at most {limit} items"]})


def _move(meeting: Meeting, item: AgendaItem, position: int) -> None:
    ordered = [i for i in sorted(meeting.items, key=lambda i: i.position) if i.id != item.id]
    position = max(1, min(position, len(ordered) + 1))
    ordered.insert(position - 1, item)
    for number, each in enumerate(ordered, start=1):
        each.position = number


def reorder(actor: User, meeting: Meeting, item_ids: list[int]) -> None:
    """Set the order of the whole agenda at once (what drag and drop sends)."""
    access.require_organiser(actor, meeting)
    _require_editable(meeting)
    current = {item.id: item for item in meeting.items}
    if sorted(item_ids) != sorted(current):
        raise Invalid(_("The new order must list every item of the agenda once."),
                      details={"item_ids": item_ids})
    for number, item_id in enumerate(item_ids, start=1):
        current[item_id].position = number
    db.session.flush()
    audit.record("agenda.reorder", actor=actor, target=meeting, details={"order": item_ids})


def remove_item(actor: User, item: AgendaItem) -> None:
    meeting = item.meeting
    access.require_organiser(actor, meeting)
    _require_editable(meeting)
    _audiences_changing(meeting)
    meeting.items.remove(item)
    for number, each in enumerate(sorted(meeting.items, key=lambda i: i.position), start=1):
        each.position = number
    db.session.flush()
    audit.record("agenda.remove", actor=actor, target=meeting,
                 details={"item_id": item.id, "title": item.title,
                          "confidential": item.confidential})


def invite_to_item(actor: User, item: AgendaItem, user_id: int) -> None:
    access.require_organiser(actor, item.meeting)
    if user_id not in item.invitee_ids:
        _audiences_changing(item.meeting)
        item.invitees.append(ItemInvitee(user_id=user_id))
        db.session.flush()
        audit.record("agenda.invite", actor=actor, target=item, details={"user_id": user_id})
