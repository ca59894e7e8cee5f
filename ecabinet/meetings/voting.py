"""Votes (biểu quyết): opening, ballots, closing with the rule the vote was opened under.

One ballot per member is guaranteed by the database (a unique key and INSERT … ON CONFLICT),
not by a check in Python. A member may change the ballot until the vote closes; the last counts.

This module casts named (open) votes. Every secret vote is end-to-end verifiable
(:mod:`.verifiable`): the choice is encrypted on the tablet and the server never holds it, so
no write here ever carries a secret choice. A counter updated in the same transaction as the
voter's row was linkable from the SQLite WAL and PostgreSQL's old row versions (issue 10;
tests/meetings/test_database_attacks.py): that path no longer exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, func, select
from sqlalchemy.orm import lazyload

from ecabinet.audit import services as audit
from ecabinet.errors import Conflict, Forbidden, Invalid, NotFound
from ecabinet.extensions import db
from ecabinet.group_commit import GroupCommit
from ecabinet.identity.callers import Caller, as_user
from ecabinet.identity.models import User
from ecabinet.meetings import access, broadcast_throttle, receipts, rooms
from ecabinet.meetings import ballot_statements as statements
from ecabinet.meetings.models import (
    AgendaItem,
    Ballot,
    Choice,
    Meeting,
    Participant,
    ParticipantRole,
    Vote,
    VoteEligibility,
    VoteRule,
)
from ecabinet.meetings.queries import (
    CLOSED,
    OPEN,
    open_vote_of,
    opened_payload,
    tallying_vote_of,
)
from ecabinet.meetings.sitting import LIVE, require_status


def _now() -> datetime:
    return datetime.now(UTC)


# --- the rule ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Result:
    yes: int
    no: int
    abstain: int
    absent: int
    outcome: str
    decided_by_chair: bool = False

    @property
    def tally(self) -> dict:
        return {"yes": self.yes, "no": self.no, "abstain": self.abstain, "absent": self.absent}


def decide(rule: str, *, yes: int, no: int, abstain: int, members_total: int,
           present_total: int, chair_choice: str | None = None) -> Result:
    """Apply the rule. "More than half" and "two thirds" count *for* votes against all members
    or against those present when the vote opened. On a tie (as many for as against, at exactly
    half), the side the chair voted with wins (the Government's working rules)."""
    rule = VoteRule(rule)
    base = members_total if rule in (VoteRule.MAJORITY_OF_ALL, VoteRule.TWO_THIRDS_OF_ALL) \
        else present_total
    if rule in (VoteRule.MAJORITY_OF_ALL, VoteRule.MAJORITY_OF_PRESENT):
        adopted = 2 * yes > base
    else:
        adopted = base > 0 and 3 * yes >= 2 * base
    decided_by_chair = False
    tie = yes == no and yes > 0 and 2 * yes == base
    if tie and rule in (VoteRule.MAJORITY_OF_ALL, VoteRule.MAJORITY_OF_PRESENT) \
            and chair_choice in (Choice.YES, Choice.NO):
        adopted, decided_by_chair = chair_choice == Choice.YES, True
    absent = max(members_total - yes - no - abstain, 0)
    return Result(yes, no, abstain, absent, "adopted" if adopted else "rejected",
                  decided_by_chair)


# --- opening and closing -------------------------------------------------------------------------

def get_vote(vote_id: int) -> Vote:
    vote = db.session.get(Vote, vote_id)
    if vote is None:
        raise NotFound(_("No such vote."))
    return vote


#: Who votes on an item is an access rule (positions and adoption ask it too).
voters_of = access.voters_of


def open_vote(actor: User, item: AgendaItem, *, question: str, secret: bool, rule: str,
              public_key: str | None = None) -> Vote:
    """``public_key``: a secret vote's, dealt by :func:`.verifiable.open_vote`, the only way a
    secret vote opens (there is no secret vote without its key and trustees)."""
    if secret and public_key is None:
        raise Invalid(_("A secret vote needs its trustees and their PINs."),
                      code="trustees_required", details={"trustees": ["missing"]})
    meeting = item.meeting
    access.require_chair(actor, meeting)
    require_status(meeting, LIVE)
    question = (question or "").strip()
    if not question:
        raise Invalid(_("A vote needs a question."), details={"question": ["missing"]})
    try:
        rule_value = VoteRule(rule)
    except ValueError:
        raise Invalid(_("Unknown rule."), details={"rule": [rule]}) from None
    if open_vote_of(meeting) is not None:
        raise Conflict(_("Another vote is open."), code="vote_open")
    if tallying_vote_of(meeting) is not None:  # its result is not known yet
        raise Conflict(_("The previous vote is waiting for its trustees to decrypt the result: "
                         "no other vote can open until it is tallied."), code="vote_tallying")
    members = voters_of(item)
    present = [p for p in members if p.checked_in_at is not None]
    if not present:
        raise Conflict(_("Nobody has checked in: there is nobody to vote."), code="nobody_present")
    vote = Vote(meeting_id=meeting.id, item_id=item.id, question=question, secret=bool(secret),
                rule=rule_value.value, members_total=len(members), present_total=len(present),
                verifiable=bool(secret), public_key=public_key)
    db.session.add(vote)
    db.session.flush()
    db.session.add_all(VoteEligibility(vote_id=vote.id, user_id=p.user_id) for p in present)
    db.session.flush()
    audit.record("vote.open", actor=actor, target=vote, details={
        "item_id": item.id, "question": question, "secret": vote.secret, "rule": vote.rule,
        "eligible": vote.present_total, "verifiable": vote.verifiable})
    # vote.opened alone: with hundreds of tablets every extra broadcast doubles the fan-out;
    # a tablet that missed it gets the open vote from meeting.join.
    rooms.broadcast_about(meeting, item.id, "vote.opened", opened_payload(vote), voters=True)
    # The chair's and the secretariat's tablets only (a few connections): the item voted on
    # is no longer one to adopt without discussion.
    rooms.broadcast_offer(meeting, item)
    return vote


def _lock_for_closing(vote_id: int) -> Vote:
    """Re-read the vote under its row lock (FOR UPDATE), alone: it waits for the ballots holding
    the row (see :func:`vote_for_ballot`) to commit, and ballots after it find it closed."""
    stmt = select(Vote).where(Vote.id == vote_id).with_for_update()
    return db.session.execute(stmt.execution_options(populate_existing=True)).scalar_one()


def _vote_for_chair(actor: User, vote_id: int) -> tuple[Vote, Meeting]:
    """The vote and its meeting (without the agenda) when ``actor`` chairs it, in one read:
    the chair's row answers the access rules (``access.sees_meeting``, ``access.chairs``)
    without loading the meeting's participants. Anyone else goes through the access rules as
    written: 404 for a meeting one cannot see, 403 for a member who is not the chair."""
    row = db.session.execute(
        select(Vote, Meeting, Participant)
        .join(Meeting, Meeting.id == Vote.meeting_id)
        .outerjoin(Participant, and_(Participant.meeting_id == Vote.meeting_id,
                                     Participant.user_id == actor.id))
        .where(Vote.id == vote_id)
        .options(lazyload(Meeting.items), lazyload(Participant.user))).one_or_none()
    if row is not None and access.chairs(row.Participant) \
            and access.sees_meeting(row.Meeting, row.Participant, False):
        return row.Vote, row.Meeting
    vote = get_vote(vote_id)
    meeting = access.meeting_for(actor, vote.meeting_id)
    access.require_chair(actor, meeting)
    return vote, meeting


def close_vote(actor: User, vote: Vote | int) -> Result:
    """The chair closes the vote (given or by id): the tally under the vote's rule."""
    vote, meeting = _vote_for_chair(actor, vote if isinstance(vote, int) else vote.id)
    vote = _lock_for_closing(vote.id)
    if vote.status != OPEN:
        raise Conflict(_("This vote is closed already."), code="vote_closed")
    if vote.verifiable:  # its counts are the trustees' to decrypt (verifiable.close)
        raise Conflict(_("This vote is tallied by its trustees."), code="trustees_needed")
    result = decide(vote.rule, **_counts(vote), members_total=vote.members_total,
                    present_total=vote.present_total, chair_choice=_chair_choice(vote))
    vote.status, vote.closed_at, vote.outcome = CLOSED, _now(), result.outcome
    vote.tally_yes, vote.tally_no, vote.tally_abstain, vote.tally_absent = \
        result.yes, result.no, result.abstain, result.absent
    vote.decided_by_chair = result.decided_by_chair
    db.session.flush()
    audit.link_committed_first()  # the ballots' entries before the close's in the chain
    audit.record("vote.close", actor=actor, target=vote,
                 details={"tally": result.tally, "outcome": result.outcome,
                          "decided_by_chair": result.decided_by_chair})
    broadcast_throttle.forget(vote.id)
    rooms.broadcast_about(meeting, vote.item_id, "vote.closed",  # no meeting.state too
                          closed_payload(vote))
    return result


def closed_payload(vote: Vote) -> dict:
    return {"vote_id": vote.id, "agenda_item_id": vote.item_id, "outcome": vote.outcome,
            "tally": {"yes": vote.tally_yes, "no": vote.tally_no,
                      "abstain": vote.tally_abstain, "absent": vote.tally_absent},
            "rule": vote.rule, "decided_by_chair": vote.decided_by_chair}


def _counts(vote: Vote) -> dict:
    """A named vote's counts (a secret vote's are the trustees' to decrypt)."""
    rows = db.session.execute(select(Ballot.choice, func.count()).where(Ballot.vote_id == vote.id)
                              .group_by(Ballot.choice)).all()
    counts = {choice.value: 0 for choice in Choice}
    counts.update({choice: n for choice, n in rows})
    return counts


def _chair_choice(vote: Vote) -> str | None:
    """The chair's ballot decides a tie (a secret ballot's choice is unknowable by design)."""
    return db.session.scalar(
        select(Ballot.choice)
        .join(Participant, and_(Participant.meeting_id == vote.meeting_id,
                                Participant.user_id == Ballot.user_id))
        .where(Ballot.vote_id == vote.id, Participant.role == ParticipantRole.CHAIR.value)
        .limit(1))


# --- ballots -------------------------------------------------------------------------------------

def cast_ballot(user: User | Caller, vote: Vote | int, choice: str,
                receipt: str | None = None, *, grouped: bool = False) -> dict:
    """Record the member's ballot in a named vote; returns what the tablet shows. A secret
    vote refuses a choice in clear (``ballot_must_be_encrypted``): its ballot is encrypted on
    the tablet (:func:`.verifiable.cast_ballot`). ``receipt`` is accepted and ignored (the old
    secret path's; the API keeps the field).

    Takes the vote or its id. The common case — an eligible member — costs one statement on
    PostgreSQL (:data:`statements.CAST_MANY`; two elsewhere): the vote, under the ballot lock,
    joined to the member's eligibility and participation, which together prove that the member
    may see the meeting and vote in it, and the ballot written if the vote takes it. Anyone else
    goes the long way (:func:`refusal`), which answers exactly what the access rules say: 404,
    then 400, 409, 403.

    ``grouped`` (a live event, no transaction of its own): on PostgreSQL the ballot is written
    and committed with the others cast at that moment (:data:`GROUP`) before this returns.
    """
    vote_id = vote if isinstance(vote, int) else vote.id
    choice_value = _valid_choice(choice)
    cast_at = _now()
    found, logged = _cast_named(user, vote_id, choice_value, cast_at, grouped)
    if found is None:
        raise refusal(user, vote_id, choice)
    if found.secret or found.verifiable:  # the server must never see a secret choice in clear
        raise Invalid(_("This is a secret vote: the ballot must be encrypted on the tablet "
                        "(a choice in clear is refused and stored nowhere)."),
                      code="ballot_must_be_encrypted")
    choice_value = _choice(choice)
    if found.status != OPEN:
        raise Conflict(_("This vote is closed."), code="vote_closed")
    # Linked into the chain just after the commit, with the burst's other ballots: the head
    # lock is not held through each ballot's commit (ecabinet/audit/linker.py).
    if logged:  # by the ballot's own statement
        audit.wrote_unlinked()
    else:
        audit.record("ballot.cast", **_entry(user, vote_id, choice_value),
                     linked_after_commit=True)
    broadcast_throttle.mark(found.meeting_id, vote_id)
    # Without a transaction (the live event, PostgreSQL) the ballot is committed already: a
    # failure from here on (the receipt's key misconfigured) cannot undo it, and the tablet's
    # retry replaces it with the same choice (the upsert), so nothing is counted twice.
    return {"vote_id": vote_id, "choice": choice_value.value,
            "receipt": receipts.receipt(found, user, choice_value.value, cast_at)}


def _choice(choice: str) -> Choice:
    found = _valid_choice(choice)
    if found is None:
        raise Invalid(_("A ballot is yes, no or abstain."), details={"choice": [choice]})
    return found


def _valid_choice(choice: str) -> Choice | None:
    try:
        return Choice(choice)
    except ValueError:
        return None


def vote_for_ballot(user: User | Caller, vote_id: int) -> tuple[Vote, VoteEligibility] | None:
    """The vote and the member's eligibility row, or None when the member has none or is no
    longer a participant of a meeting they may see (``access.meeting_seen_by``).

    The vote row is read under FOR KEY SHARE: every ballot holds it at once, closing
    (FOR UPDATE) waits for them and they for it, so no ballot commits after the tally is taken;
    ballots never wait for one another here. (SQLite's BEGIN IMMEDIATE serialises writers.)
    """
    row = db.session.execute(_VOTE_FOR_BALLOT, {"user_id": user.id, "vote_id": vote_id}
                             ).one_or_none()
    return None if row is None else (row[0], row[1])


# Built once: a burst's 500 ballots would otherwise each build, key and look up the same
# statements (~10 % of a ballot's CPU in the profile, bench/README.md).
_VOTE_FOR_BALLOT = (
    select(Vote, VoteEligibility)
    .join(VoteEligibility, and_(VoteEligibility.vote_id == Vote.id,
                                VoteEligibility.user_id == bindparam("user_id")))
    .join(Participant, and_(Participant.meeting_id == Vote.meeting_id,
                            Participant.user_id == bindparam("user_id")))
    .join(Meeting, Meeting.id == Vote.meeting_id)
    .where(Vote.id == bindparam("vote_id"), access.meeting_seen_by(Participant))
    .with_for_update(read=True, key_share=True, of=Vote)
    .execution_options(populate_existing=True))


def refusal(user: User | Caller, vote_id: int, choice: str | None = None) -> Exception:
    """Why this ballot is refused, checked in the order of the rules: a vote of an item the
    user cannot see does not exist (404); then a bad choice (400; an encrypted ballot has
    none), a closed vote (409), and not being eligible (403). Refusing a ballot on a vote that
    exists is an attempt worth keeping: the audit line survives the rollback
    (``DomainError.audit``).

    A ballot's event gives its caller as columns (a :class:`Caller`); the rules read the ORM
    user's roles, so it is loaded here, on this long way only."""
    user = as_user(user)
    try:
        vote = access.vote_for(user, vote_id)
    except NotFound as refused:
        if db.session.get(Vote, vote_id) is not None:
            refused.audit = _refused(user, vote_id, "not_found")
        raise
    if choice is not None or not vote.secret:
        _choice(choice)
    if vote.status != OPEN:
        return Conflict(_("This vote is closed."), code="vote_closed")
    refused = Forbidden(_("You are not eligible in this vote: only members present when it "
                          "opened vote."), code="not_eligible")
    refused.audit = _refused(user, vote_id, "not_eligible")
    return refused


def _refused(user: User, vote_id: int, reason: str) -> dict:
    return {"action": "ballot.refused", "actor": user, "object_type": Vote.__tablename__,
            "object_id": vote_id, "details": {"reason": reason}}


def _entry(user: User | Caller, vote_id: int, choice: Choice) -> dict:
    return {"actor": user, "object_type": Vote.__tablename__, "object_id": vote_id,
            "details": {"choice": choice.value}}


def _cast_named(user: User | Caller, vote_id: int, choice: Choice | None, cast_at: datetime,
                grouped: bool = False):
    """The vote's row as the member's ballot found it (None: not the member's to vote in), the
    ballot written if the vote is open and named and the choice valid; and whether its audit
    entry was written with it. ``grouped``: committed with the other ballots of the moment
    (:data:`GROUP`), not in the caller's transaction."""
    params = {"user_id": user.id, "vote_id": vote_id, "cast_at": cast_at,
              "choice": choice.value if choice else None}
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    if choice is not None and audit.links_after_commit():  # PostgreSQL
        params.update(audit.unlinked_params("ballot.cast", **_entry(user, vote_id, choice),
                                            at=cast_at))
        if grouped:
            # The event holds no pooled connection while it waits: a hall of tablets waiting
            # would otherwise hold all of them while the group needs one.
            db.session.close()
            row = GROUP.submit(db.engine, params)
        else:
            row = _cast_rows(db.session, [params])[0]
        return row, bool(row is not None and row.cast)
    row = db.session.execute(statements.VOTE_ROW_LOCKED if postgresql else statements.VOTE_ROW,
                             params).one_or_none()
    if row is not None and choice is not None and row.status == OPEN \
            and not (row.secret or row.verifiable):
        db.session.execute(statements.CAST_SQLITE if not postgresql
                           else statements.UPSERT_POSTGRESQL, params)
    return row, False


def _cast_rows(connection, rows: list[dict]) -> list:
    """:data:`statements.CAST_MANY` for ``rows``: for each, the vote's row with ``cast``, or
    None (not that member's vote)."""
    found = {row.idx: row for row in connection.execute(statements.CAST_MANY,
                                                         statements.many_params(rows))}
    return [found[index] if found[index].id is not None else None
            for index in range(len(rows))]


#: Ballots cast by live events on PostgreSQL: each one waits while those before it commit,
#: then all that arrived meanwhile are one statement and one commit (a burst of 500 is a few
#: statements, not 500). One member's ballots in one vote never share a statement, so a later
#: one still replaces an earlier (the upsert), in the order they came.
GROUP = GroupCommit(_cast_rows, key=lambda row: (row["vote_id"], row["user_id"]))


def votes_of(meeting: Meeting) -> list[Vote]:
    return list(db.session.scalars(select(Vote).where(Vote.meeting_id == meeting.id)
                                   .order_by(Vote.opened_at)))
