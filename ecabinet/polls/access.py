"""Who sees, answers and reads what in written polls: the rules, written once.

A poll someone may not see answers 404. The secretariat runs polls (sends, attaches the
dossier, reminds, closes) and sees every one; a poll's recipients see it and answer it; its
chair and the secretariat read every answer at any time, the recipients the consolidated result
once it is closed. The recipients read the documents of its dossier (a rule given to the
documents feature, with its SQL twin: :func:`reads_through_poll`,
:func:`documents_read_through_polls`).
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import Select, exists, select

from ecabinet.errors import Forbidden, NotFound
from ecabinet.extensions import db
from ecabinet.identity.models import Role, User
from ecabinet.polls.models import Poll, PollDocument, PollRecipient, PollResponse, PollStatus


def runs_polls(user: User) -> bool:
    return user.has_role(Role.SECRETARIAT)


def require_runner(user: User) -> None:
    if not runs_polls(user):
        raise Forbidden(_("Only the secretariat can do this."))


def is_recipient(user: User, poll: Poll) -> bool:
    return poll.recipient(user.id) is not None


def require_recipient(user: User, poll: Poll) -> None:
    if not is_recipient(user, poll):
        raise Forbidden(_("This poll was not sent to you."), code="not_recipient")


def can_see(user: User, poll: Poll) -> bool:
    """The secretariat and the poll's recipients. Its SQL twin: :func:`visible_polls`."""
    return runs_polls(user) or is_recipient(user, poll)


def visible_polls(user: User) -> Select:
    """A select of the polls ``user`` may see: :func:`can_see` as SQL."""
    query = select(Poll)
    if runs_polls(user):
        return query
    return query.where(exists().where(PollRecipient.poll_id == Poll.id,
                                      PollRecipient.user_id == user.id))


def reads_all_answers(user: User, poll: Poll) -> bool:
    """The secretariat and the poll's chair read every answer, at any time."""
    return runs_polls(user) or (poll.chair_id is not None and poll.chair_id == user.id)


def responses_for(user: User, poll: Poll) -> list[PollResponse]:
    """The answers the user reads: all for the chair and the secretariat, otherwise their own."""
    if reads_all_answers(user, poll):
        return list(poll.responses)
    return [response for response in poll.responses if response.user_id == user.id]


def reads_ballot(user: User, member_id: int) -> bool:
    """A signed ballot: its member and the secretariat."""
    return user.id == member_id or runs_polls(user)


def sees_result(user: User, poll: Poll) -> bool:
    """The consolidated result: the chair and the secretariat at any time, the recipients once
    the poll is closed (the Government's practice: nobody answers knowing the others')."""
    return reads_all_answers(user, poll) or (
        poll.status == PollStatus.CLOSED and is_recipient(user, poll))


def require_result(user: User, poll: Poll) -> None:
    if not sees_result(user, poll):
        raise Forbidden(_("The consolidated result goes to the members once the poll is "
                          "closed."), code="result_not_published")


def reads_through_poll(user: User, document) -> bool:
    """A poll's recipients read the documents of its dossier (a rule given to the documents
    feature: :func:`ecabinet.docs.access.grant_reading`)."""
    return db.session.scalar(
        select(PollDocument.id).join(PollRecipient, PollRecipient.poll_id == PollDocument.poll_id)
        .where(PollDocument.document_id == document.id, PollRecipient.user_id == user.id)
        .limit(1)) is not None


def documents_read_through_polls(user: User) -> Select:
    """:func:`reads_through_poll` as SQL: the ids of the dossier documents of the polls
    ``user`` receives."""
    return (select(PollDocument.document_id)
            .join(PollRecipient, PollRecipient.poll_id == PollDocument.poll_id)
            .where(PollRecipient.user_id == user.id))


def poll_for(user: User, poll_id: int) -> Poll:
    """Load a poll the user may see (:func:`can_see`), or 404."""
    poll = db.session.get(Poll, poll_id)
    if poll is None or not can_see(user, poll):
        raise NotFound(_("No such poll."))
    return poll
