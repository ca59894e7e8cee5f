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
from ecabinet.meetings import access, notices, rooms, signals
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

#: Once the session has started the agenda's shape (its items, their order, the invitations)
#: is the record of what happened: items are no longer added, moved or removed.
EDITABLE = {MeetingStatus.DRAFT, MeetingStatus.PUBLISHED}
#: What each item says (title, presenter, time, confidentiality, invitees) and the meeting's
#: details stay correctable until the meeting is closed: a presenter replaced on the day, a
#: time slot stretched, a guest invited to one item.
CORRECTABLE = {MeetingStatus.DRAFT, MeetingStatus.PUBLISHED, MeetingStatus.IN_SESSION,
               MeetingStatus.ADJOURNED}


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


def _require_correctable(meeting: Meeting) -> None:
    if meeting.status not in CORRECTABLE:
        raise Conflict(_("The meeting has ended: its agenda and details can no longer change."),
                       code="meeting_closed")


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
    """Change the meeting's details, until it is closed; after publication the invitees are
    told (:func:`notices.agenda_changed`) and, in session, the tablets get the new quorum."""
    access.require_organiser(actor, meeting)
    _require_correctable(meeting)
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
        notices.agenda_changed(actor, meeting)
        if "quorum_rule" in done and meeting.status != MeetingStatus.DRAFT:
            rooms.broadcast_state(meeting)  # the quorum every tablet shows
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
    title = _item_title(title)
    _check_duration(duration_min)
    _check_presenter(presenter_id)
    invitee_ids = _invitees(meeting, invitee_ids or [])
    _require_room_on_agenda(meeting)
    _audiences_changing(meeting)
    item = AgendaItem(meeting=meeting, title=title, presenter_id=presenter_id,
                      presenting_agency=presenting_agency, duration_min=duration_min,
                      confidential=confidential, position=len(meeting.items) + 1)
    db.session.add(item)
    db.session.flush()
    for user_id in invitee_ids:
        item.invitees.append(ItemInvitee(user_id=user_id))
    if position is not None:
        _move(meeting, item, position)
    db.session.flush()
    audit.record("agenda.add", actor=actor, target=item,
                 details={"meeting_id": meeting.id, "title": title, "position": item.position,
                          "confidential": confidential})
    return item


def _item_title(title: str | None) -> str:
    title = (title or "").strip()
    if not title:
        raise Invalid(_("An agenda item needs a title."), details={"title": ["missing"]})
    return title


def _check_duration(duration_min: int | None) -> None:
    if duration_min is not None and not 1 <= duration_min <= 600:
        raise Invalid(_("Time allotted is between 1 and 600 minutes."),
                      details={"duration_min": [duration_min]})


def _check_presenter(presenter_id: int | None) -> None:
    """The presenter is anyone active in the directory (a minister, a deputy, an official of
    the presenting agency), invited to the meeting or not."""
    if presenter_id is None:
        return
    presenter = db.session.get(User, presenter_id)
    if presenter is None or not presenter.active:
        raise NotFound(_("No such presenter."))


def _invitees(meeting: Meeting, user_ids: list[int]) -> list[int]:
    """An item's invitees are among the meeting's: only a seat in the meeting lets anyone see
    an item (:func:`access.sees_item`), so an invitee without one would be a dead letter."""
    wanted = list(dict.fromkeys(user_ids))
    # The meeting's seats read once (one query), not one lookup per id asked for.
    seated = {participant.user_id for participant in meeting.participants}
    strangers = [user_id for user_id in wanted if user_id not in seated]
    if strangers:
        raise Invalid(_("Invite them to the meeting first: only its participants can be invited "
                        "to an item."), code="not_a_participant",
                      details={"invitee_ids": strangers})
    return wanted


#: What :func:`update_item` may change.
ITEM_FIELDS = ("title", "presenting_agency", "presenter_id", "duration_min", "confidential",
               "invitee_ids")


def update_item(actor: User, item: AgendaItem, **changes) -> AgendaItem:
    """Correct an item until the meeting is closed: any of :data:`ITEM_FIELDS` given (None
    clears the presenter, the agency or the time). Who sees the item follows from its
    confidentiality and invitees by the one rule (:func:`access.sees_item`): its documents,
    votes and broadcasts with it. After publication the invitees who see it (or saw it) are
    told; followers of a meeting under way join again and see the item as it now is."""
    meeting = item.meeting
    access.require_organiser(actor, meeting)
    _require_correctable(meeting)
    unknown = set(changes) - set(ITEM_FIELDS)
    if unknown:
        raise Invalid(_("These cannot be changed: %(fields)s.", fields=", ".join(sorted(unknown))),
                      details={field: ["unknown"] for field in sorted(unknown)})
    new = dict(changes)
    if "title" in new:
        new["title"] = _item_title(new["title"])
    if "presenting_agency" in new:
        new["presenting_agency"] = (new["presenting_agency"] or "").strip() or None
    if "duration_min" in new:
        _check_duration(new["duration_min"])
    if "presenter_id" in new:
        _check_presenter(new["presenter_id"])
    if new.get("confidential") is None:
        new.pop("confidential", None)
    invitees = None
    if new.get("invitee_ids") is not None:
        invitees = set(_invitees(meeting, new["invitee_ids"]))
    new.pop("invitee_ids", None)

    done = {field: value for field, value in new.items() if getattr(item, field) != value}
    before = set(item.invitee_ids)
    added = sorted(invitees - before) if invitees is not None else []
    removed = sorted(before - invitees) if invitees is not None else []
    audience_changes = "confidential" in done or added or removed
    if not done and not audience_changes:
        return item
    if audience_changes:
        _require_no_open_vote(item)
    saw = {p.user_id for p in meeting.participants if access.sees_item(item, p, False)}
    # Followers join again (before the change: the rooms as they are now are emptied) and read
    # the item as it is now, from the audience it now has.
    _audiences_changing(meeting)
    for field, value in done.items():
        setattr(item, field, value)
    for invitee in [i for i in item.invitees if i.user_id in removed]:
        item.invitees.remove(invitee)
    for user_id in added:
        item.invitees.append(ItemInvitee(user_id=user_id))
    db.session.flush()
    details = {"meeting_id": meeting.id, "changed": sorted([*done, *(["invitee_ids"]
                                                                    if added or removed else [])])}
    details.update({field: value for field, value in done.items()
                    if field in ("title", "presenter_id", "duration_min", "confidential")})
    if added or removed:
        details.update({"invitees_added": added, "invitees_removed": removed})
    if item.confidential or "confidential" in done:  # the audit page hides it as it hides the item
        details["confidential"] = True
    audit.record("agenda.update", actor=actor, target=item, details=details)
    notices.agenda_changed(actor, meeting, item, also=saw)
    return item


def _require_no_open_vote(item: AgendaItem) -> None:
    """Who votes on an item is fixed while its vote is open: its audience waits for the close."""
    from ecabinet.meetings.queries import open_vote_of

    vote = open_vote_of(item.meeting)
    if vote is not None and vote.item_id == item.id:
        raise Conflict(_("A vote is open on this item: its confidentiality and invitees can "
                         "change once the vote is closed."), code="vote_open")


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
