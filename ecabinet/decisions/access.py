"""Who reads, drafts, signs and issues a decision: each rule once, the Python predicate beside
its SQL twin where a list needs one.

What a decision came from is the meetings' to judge (:mod:`ecabinet.meetings.access`): a
decision drafted from a vote is read as its item is, one drafted from a meeting as the meeting
is. A decision the user may not read answers 404, as if it did not exist.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, and_, or_, select, true

from ecabinet.audit.redaction import rule as audit_rule
from ecabinet.decisions.models import Decision, DecisionRecipient, DecisionState
from ecabinet.errors import Forbidden, NotFound
from ecabinet.extensions import db
from ecabinet.identity.models import Role, User

# --- reading -------------------------------------------------------------------------------------


def _handles(user: User, decision: Decision) -> bool:
    """Whoever must handle it, whatever it came from: the secretariat, the clerks, its drafter
    and its competent person."""
    return user.has_role(Role.SECRETARIAT, Role.CLERK) or user.id in (decision.signer_id,
                                                                      decision.created_by_id)


def is_addressed_to(user: User, recipient: DecisionRecipient) -> bool:
    """A line of the Nơi nhận names the user, or the user's organisation."""
    return recipient.user_id == user.id or (recipient.organisation_id is not None
                                            and recipient.organisation_id == user.organisation_id)


def addressed_to(user: User) -> ColumnElement[bool]:
    """:func:`is_addressed_to` as SQL: a condition on :class:`DecisionRecipient`."""
    conditions = [DecisionRecipient.user_id == user.id]
    if user.organisation_id is not None:
        conditions.append(DecisionRecipient.organisation_id == user.organisation_id)
    return or_(*conditions)


def _is_recipient(user: User, decision: Decision) -> bool:
    """Named in the Nơi nhận: the one list that is printed and delivered."""
    return any(is_addressed_to(user, r) for r in decision.recipients)


def _sees_source_meeting(user: User, decision: Decision) -> bool:
    """Whoever sees where it came from: the vote's item when drafted from a vote (a
    confidential item's vote stays with its invitees), else the meeting."""
    from ecabinet.meetings import access as meeting_access
    from ecabinet.meetings.models import Meeting, Vote

    if decision.vote_id is not None:
        vote = db.session.get(Vote, decision.vote_id)
        return vote is not None and meeting_access.can_see_vote(user, vote)
    if decision.meeting_id is None:
        return False
    meeting = db.session.get(Meeting, decision.meeting_id)
    return meeting is not None and meeting_access.can_see_meeting(user, meeting)


def can_read(user: User, decision: Decision) -> bool:
    """Drafts: the secretariat, the drafter, the competent person and the clerks (who must
    handle it, whatever it came from). Once issued, also its recipients (the organisations and
    people its printed Nơi nhận names: :mod:`.distribution`) and whoever sees where it came
    from: the vote's item, else the meeting."""
    if _handles(user, decision):
        return True
    if decision.state != DecisionState.ISSUED:
        return False
    return _is_recipient(user, decision) or _sees_source_meeting(user, decision)


def readable(user: User) -> ColumnElement[bool]:
    """:func:`can_read` as SQL: a condition on :class:`Decision` (for the lists)."""
    from ecabinet.meetings import access as meeting_access

    if user.has_role(Role.SECRETARIAT, Role.CLERK):
        return true()
    return or_(
        Decision.signer_id == user.id, Decision.created_by_id == user.id,
        and_(Decision.state == DecisionState.ISSUED.value, or_(
            Decision.id.in_(select(DecisionRecipient.decision_id).where(addressed_to(user))),
            Decision.vote_id.in_(meeting_access.votes_seen_by(user)),
            and_(Decision.vote_id.is_(None),
                 Decision.meeting_id.in_(meeting_access.meetings_seen_by(user))))))


@audit_rule(Decision.__tablename__)
def _audit_entry_shown(viewer: User, entry, details: dict) -> bool:
    """The audit page shows a decision's entries in full unless it was drafted from a vote on
    a confidential item the viewer cannot see (as for the vote's own entries)."""
    from ecabinet.meetings.audit_rules import vote_shown
    from ecabinet.meetings.models import Vote

    decision = db.session.get(Decision, int(entry.object_id)) if entry.object_id else None
    if decision is None or decision.vote_id is None:
        return True
    return vote_shown(viewer, db.session.get(Vote, decision.vote_id))


def decision_for(user: User, decision_id: int) -> Decision:
    """Load a decision the user may read, or 404 as if it did not exist."""
    decision = db.session.get(Decision, decision_id)
    if decision is None or not can_read(user, decision):
        raise NotFound(_("No such decision."))
    return decision


def listed(user: User, *, state: str | None = None) -> Select:
    """The decisions ``user`` may read, newest first (a query: the API cuts it in pages)."""
    query = select(Decision).where(readable(user)).order_by(Decision.id.desc())
    if state:
        query = query.where(Decision.state == state)
    return query


def list_for(user: User, *, state: str | None = None) -> list[Decision]:
    return list(db.session.scalars(listed(user, state=state)))


def of_meeting(user: User, meeting_id: int) -> list[Decision]:
    """The decisions drafted from a meeting that ``user`` may read (the meeting page's links)."""
    return list(db.session.scalars(select(Decision).where(Decision.meeting_id == meeting_id,
                                                          readable(user))
                                   .order_by(Decision.id)))


def reads_through_decision(user: User, document) -> bool:
    """The documents feature's reading grant: the competent person and the clerks read the
    draft .docx of a decision they handle."""
    decision = db.session.scalar(select(Decision).where(Decision.document_id == document.id))
    return decision is not None and (user.id == decision.signer_id or may_issue(user))


def documents_read_through_decisions(user: User) -> Select:
    """:func:`reads_through_decision` as SQL: the ids of the draft documents ``user`` reads."""
    query = select(Decision.document_id).where(Decision.document_id.is_not(None))
    return query if may_issue(user) else query.where(Decision.signer_id == user.id)


def may_follow_distribution(user: User) -> bool:
    """Who was told and who opened it, per recipient: the clerks, who distribute, and the
    secretariat. A recipient does not see another organisation's reading."""
    return user.has_role(Role.CLERK, Role.SECRETARIAT)


def require_distribution_follower(user: User) -> None:
    if not may_follow_distribution(user):
        raise Forbidden(_("Only the clerks and the secretariat follow the distribution."),
                        code="not_a_distributor")


# --- drafting ------------------------------------------------------------------------------------

def may_draft(user: User) -> bool:
    """The secretariat drafts, and corrects a draft."""
    return user.has_role(Role.SECRETARIAT)


def require_drafter(actor: User) -> None:
    if not may_draft(actor):
        raise Forbidden(_("Only the secretariat drafts decisions."))


# --- signing -------------------------------------------------------------------------------------

def is_signer(user: User, decision: Decision) -> bool:
    """The competent person named on it, holding the signer role."""
    return user.has_role(Role.SIGNER) and decision.signer_id == user.id


def require_signer(actor: User, decision: Decision) -> None:
    if not is_signer(actor, decision):
        raise Forbidden(_("Only the competent person named on this document can sign it."),
                        code="not_the_signer")


def awaiting_signature(user: User) -> list[Decision]:
    """Chờ ký: the drafts this user is the competent person for."""
    return list(db.session.scalars(
        select(Decision).where(Decision.signer_id == user.id,
                               Decision.state == DecisionState.DRAFT.value)
        .order_by(Decision.id)))


# --- issuing -------------------------------------------------------------------------------------

def may_issue(user: User) -> bool:
    """The clerks (văn thư) number, date and seal what was signed."""
    return user.has_role(Role.CLERK)


def require_clerk(actor: User) -> None:
    if not may_issue(actor):
        raise Forbidden(_("Only a clerk (văn thư) issues documents."), code="not_a_clerk")


def awaiting_issue(user: User) -> list[Decision]:
    """Chờ ban hành: signed decisions, for the clerks."""
    if not may_issue(user):
        return []
    return list(db.session.scalars(
        select(Decision).where(Decision.state == DecisionState.SIGNED.value)
        .order_by(Decision.signed_at, Decision.id)))
