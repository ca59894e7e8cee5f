"""Written polls: sending, answering, reminders, closing and the consolidated result."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import Select, select

from ecabinet.audit import services as audit
from ecabinet.errors import Conflict, Invalid, NotFound
from ecabinet.extensions import db
from ecabinet.identity.models import Role, User, UserRole
from ecabinet.polls import access
from ecabinet.polls.models import (
    Answer,
    MissingAnswer,
    Poll,
    PollDocument,
    PollRecipient,
    PollResponse,
    PollStatus,
)

#: Reminders go out to members who have not answered when the deadline is this close.
REMIND_BEFORE = timedelta(hours=24)


def _now() -> datetime:
    return datetime.now(UTC)


def polls_query(user: User) -> Select:
    """The polls ``user`` may see, latest deadline first (by :func:`access.can_see`'s twin)."""
    return access.visible_polls(user).order_by(Poll.deadline.desc(), Poll.id.desc())


def list_polls(user: User) -> list[Poll]:
    return list(db.session.scalars(polls_query(user)))


def is_overdue(poll: Poll, now: datetime | None = None) -> bool:
    return poll.status == PollStatus.OPEN and (now or _now()) > poll.deadline


def chair_candidates() -> list[User]:
    """Who a poll can report to: the active members."""
    return list(db.session.scalars(
        select(User).join(UserRole).where(UserRole.role == Role.MEMBER.value,
                                          User.active.is_(True)).order_by(User.name)))


def _members() -> list[int]:
    return list(db.session.scalars(
        select(User.id).join(UserRole).where(UserRole.role == Role.MEMBER.value,
                                             User.active.is_(True))))


def create_poll(actor: User, *, question: str, deadline: datetime, summary: str | None = None,
                missing_counts_as: str = "agree", recipient_ids: list[int] | None = None,
                signed_ballots: bool = False, chair_id: int | None = None) -> Poll:
    """Send a question to the members (all active members unless recipients are named)."""
    access.require_runner(actor)
    question = (question or "").strip()
    if not question:
        raise Invalid(_("A poll needs a question."), details={"question": ["missing"]})
    if deadline <= _now():
        raise Invalid(_("The deadline must be in the future."), details={"deadline": ["past"]})
    try:
        missing = MissingAnswer(missing_counts_as)
    except ValueError:
        raise Invalid(_("A missing answer counts as agree or none."),
                      details={"missing_counts_as": [missing_counts_as]}) from None
    recipients = recipient_ids or _members()
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(recipients)))}
    if not recipients or set(recipients) - set(users):
        raise Invalid(_("The recipients must be existing users."),
                      details={"recipient_ids": sorted(set(recipients) - set(users))})
    if signed_ballots:
        _require_keys(list(users.values()))
    if chair_id is not None and db.session.get(User, chair_id) is None:
        raise Invalid(_("The chair must be an existing user."), details={"chair_id": [chair_id]})
    poll = Poll(question=question, summary=summary, deadline=deadline,
                missing_counts_as=missing.value, created_by_id=actor.id,
                signed_ballots=signed_ballots, chair_id=chair_id)
    poll.recipients = [PollRecipient(user_id=user_id) for user_id in sorted(set(recipients))]
    db.session.add(poll)
    db.session.flush()
    audit.record("poll.create", actor=actor, target=poll, details={
        "question": question, "deadline": deadline.isoformat(), "recipients": len(recipients),
        "missing_counts_as": missing.value, "signed_ballots": signed_ballots,
        "chair_id": chair_id})
    return poll


def _require_keys(recipients: list[User]) -> None:
    """A signed-ballot poll would lock out a recipient without a signing key: name them, so
    the secretariat enrols them (``ecabinet pki enroll``) or does not ask for signed ballots."""
    from ecabinet.errors import DomainError
    from ecabinet.signing import keys

    without = []
    for user in recipients:
        try:
            keys.personal_key(user)
        except DomainError:
            without.append(user)
    if without:
        names = ", ".join(user.name for user in sorted(without, key=lambda u: u.name))
        raise Invalid(_("These recipients have no signing key and could not answer a "
                        "signed ballot: %(names)s. Enrol them or do not ask for signed "
                        "ballots.", names=names), code="recipients_without_key",
                      details={"recipient_ids": [user.id for user in without]})


def respond(user: User, poll: Poll, *, answer: str, comment: str | None = None,
            pin: str | None = None) -> PollResponse:
    """Record (or replace) a member's answer. When the poll asks for signed ballots, the answer
    is rendered as a ballot and signed with the member's key, unlocked by `pin`."""
    access.require_recipient(user, poll)
    if poll.status != PollStatus.OPEN:
        raise Conflict(_("This poll is closed."), code="poll_closed")
    if is_overdue(poll):
        raise Conflict(_("The deadline has passed."), code="deadline_passed")
    try:
        answer_value = Answer(answer)
    except ValueError:
        raise Invalid(_("An answer is agree, disagree or other."),
                      details={"answer": [answer]}) from None
    if answer_value == Answer.OTHER and not (comment or "").strip():
        raise Invalid(_("Say what your other opinion is."), details={"comment": ["missing"]})
    answered_at = _now()
    ballot = _signed_ballot(user, poll, answer_value.value, comment, answered_at, pin)
    response = poll.response_of(user.id)
    if response is None:
        response = PollResponse(poll=poll, user_id=user.id, answer=answer_value.value)
        db.session.add(response)
    response.answer, response.comment, response.answered_at, response.ballot_sha256 = \
        answer_value.value, comment, answered_at, ballot
    db.session.flush()
    details = {"answer": answer_value.value}
    if ballot:
        details["ballot_sha256"] = ballot
    audit.record("poll.respond", actor=user, target=poll, details=details)
    return response


def _signed_ballot(user: User, poll: Poll, answer: str, comment: str | None,
                   answered_at: datetime, pin: str | None) -> str | None:
    if not poll.signed_ballots:
        return None
    if not pin:
        raise Invalid(_("This poll asks for signed ballots: enter the PIN of your signing key."),
                      code="pin_required", details={"pin": ["missing"]})
    from ecabinet.polls import ballots

    return ballots.sign_ballot(poll, user, answer=answer, comment=comment,
                               answered_at=answered_at, pin=pin)


# --- the dossier --------------------------------------------------------------------------------

def attach_document(actor: User, poll: Poll, document_id: int) -> PollDocument:
    """Put a document into the poll's dossier; its recipients may then read it."""
    from ecabinet.docs import access as documents

    access.require_runner(actor)
    if poll.status != PollStatus.OPEN:
        raise Conflict(_("This poll is closed."), code="poll_closed")
    document = documents.document_for(actor, document_id)
    if any(link.document_id == document.id for link in poll.dossier):
        raise Conflict(_("The document is in the dossier already."), code="already_attached")
    link = PollDocument(poll=poll, document=document, attached_by_id=actor.id)
    db.session.add(link)
    db.session.flush()
    audit.record("poll.attach_document", actor=actor, target=poll,
                 details={"document_id": document.id, "title": document.title})
    return link


def attachable_documents(actor: User, poll: Poll, limit: int = 200) -> list:
    """The latest documents the secretariat could add to the dossier (newest first)."""
    from ecabinet.docs.models import Document

    present = {link.document_id for link in poll.dossier}
    latest = db.session.scalars(select(Document).order_by(Document.id.desc()).limit(limit))
    return [document for document in latest if document.id not in present]


def dossier_of(poll: Poll) -> list[dict]:
    """The dossier as the API and pages show it, with the state of each latest version."""
    found = []
    for link in poll.dossier:
        latest = link.document.latest
        found.append({"id": link.document.id, "title": link.document.title,
                      "classification": link.document.classification,
                      "version": latest.number if latest else None,
                      "state": latest.state if latest else None})
    return found


# --- signed ballots -------------------------------------------------------------------------------

def ballot_of(actor: User, poll: Poll, user_id: int) -> bytes:
    """A signed ballot: its member and the secretariat may download it."""
    from ecabinet import storage

    if not access.reads_ballot(actor, user_id):
        raise NotFound(_("No such ballot."))
    response = poll.response_of(user_id)
    if response is None or not response.ballot_sha256:
        raise NotFound(_("No such ballot."))
    return storage.get(response.ballot_sha256)


def proof_bundle(actor: User, poll: Poll, result_docx: bytes) -> bytes:
    access.require_runner(actor)
    from ecabinet.polls import ballots

    audit.record("poll.proof_bundle", actor=actor, target=poll)
    return ballots.proof_bundle(poll, result_docx)


def close_poll(actor: User, poll: Poll) -> PollResult:
    access.require_runner(actor)
    if poll.status != PollStatus.OPEN:
        raise Conflict(_("This poll is closed already."), code="poll_closed")
    poll.status, poll.closed_at = PollStatus.CLOSED.value, _now()
    db.session.flush()
    result = result_of(poll)
    audit.record("poll.close", actor=actor, target=poll, details=result.counts)
    return result


@dataclass
class PollResult:
    counts: dict
    missing_user_ids: list[int] = field(default_factory=list)
    #: "agreed", "not_agreed", or "pending" while the poll is open and its deadline ahead.
    outcome: str = ""


def defaults_apply(poll: Poll, now: datetime | None = None) -> bool:
    """A missing answer counts (as agreement, when the poll says so) only once the deadline
    has passed: before it, the member may still answer; a poll closed early counts nobody."""
    return (poll.closed_at or now or _now()) >= poll.deadline


def result_of(poll: Poll, now: datetime | None = None) -> PollResult:
    """The consolidated result (tổng hợp kết quả); a missing answer counts as the poll says,
    after the deadline."""
    counts = {answer.value: 0 for answer in Answer}
    for response in poll.responses:
        counts[response.answer] += 1
    answered = {response.user_id for response in poll.responses}
    missing = [r.user_id for r in poll.recipients if r.user_id not in answered]
    counts["missing"] = len(missing)
    counts["recipients"] = len(poll.recipients)
    by_default = len(missing) if (poll.missing_counts_as == MissingAnswer.AGREE
                                  and defaults_apply(poll, now)) else 0
    counts["agree_by_default"] = by_default
    agree = counts[Answer.AGREE] + by_default
    counts["agree_total"] = agree
    if poll.status == PollStatus.OPEN and not defaults_apply(poll, now):
        outcome = "pending"
    else:
        outcome = "agreed" if 2 * agree > len(poll.recipients) else "not_agreed"
    return PollResult(counts, missing, outcome)


def missing_recipients(poll: Poll) -> list[User]:
    """The recipients who have not answered, by name."""
    answered = {response.user_id for response in poll.responses}
    return sorted((r.user for r in poll.recipients if r.user_id not in answered),
                  key=lambda user: user.name)


def remind_now(actor: User, poll: Poll, now: datetime | None = None) -> list[User]:
    """The secretariat's reminder button: every recipient who has not answered an open poll,
    whenever they were last reminded. Marks them reminded and audits; e-mail when configured
    (the dashboard lists the poll for them anyway)."""
    access.require_runner(actor)
    if poll.status != PollStatus.OPEN:
        raise Conflict(_("This poll is closed."), code="poll_closed")
    now = now or _now()
    late = missing_recipients(poll)
    for recipient in poll.recipients:
        if recipient.user in late:
            recipient.reminded_at = now
    db.session.flush()
    if late:
        audit.record("poll.remind", actor=actor, target=poll,
                     details={"user_ids": [user.id for user in late]})
        from ecabinet.notify.polls import send_reminders

        send_reminders(poll, late)
    return late


def remind(now: datetime | None = None) -> list[tuple[Poll, list[User]]]:
    """Members who have not answered an open poll due within a day, not reminded in the last
    12 hours. Marks them reminded, audits, and e-mails them when SMTP is configured."""
    now = now or _now()
    due = []
    stmt = select(Poll).where(Poll.status == PollStatus.OPEN,
                              Poll.deadline <= now + REMIND_BEFORE, Poll.deadline > now)
    for poll in db.session.scalars(stmt):
        answered = {response.user_id for response in poll.responses}
        late = [r for r in poll.recipients if r.user_id not in answered
                and (r.reminded_at is None or now - r.reminded_at > timedelta(hours=12))]
        for recipient in late:
            recipient.reminded_at = now
        if late:
            audit.record("poll.remind", target=poll,
                         details={"user_ids": [r.user_id for r in late]})
            due.append((poll, [r.user for r in late]))
            from ecabinet.notify.polls import send_reminders

            send_reminders(poll, [r.user for r in late])
    db.session.flush()
    return due


def overdue(now: datetime | None = None) -> list[Poll]:
    now = now or _now()
    return list(db.session.scalars(select(Poll).where(Poll.status == PollStatus.OPEN,
                                                      Poll.deadline < now)))
