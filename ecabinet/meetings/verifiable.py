"""Secret votes in a meeting: every one end-to-end verifiable (issue 10).

There is no other kind of secret vote: a plain secret ballot (a counter updated in the same
transaction as the voter's row) was linkable with the database in hand (the SQLite WAL,
PostgreSQL's old row versions; tests/meetings/test_database_attacks.py). A secret vote gets a
key whose secret exists only as shares held by its trustees (the chair and the meeting's
secretary, or a secretariat user: t of n, 2 of 2 by default). Each member's tablet encrypts the
choice under the public key with proofs (``static/js/lib/ballot.js``); the server checks the
proofs (:mod:`ecabinet.ballots.ballot`) and stores the ciphertexts under the member, never a
choice. Closing fixes the per-option products of the ballots; each trustee then types their
PIN, which opens their wrapped share for a partial decryption of the products (with a proof);
once t trustees have given theirs the tally is known and the vote closes under its rule
(:func:`voting.decide`). The published record (:func:`record_of`) lets anyone recompute all of
it (``ecabinet votes verify``).

Where the key is dealt, plainly: here, on the server, at opening (``trustees.deal``), the
shares wrapped at once under the PINs the trustees type at the chair's console, then dropped.
So the server sees every share (and the PINs) for that moment; a tablet-side ceremony, each
trustee dealing on their own device, is the follow-up (docs/secret-votes.md).
"""

from __future__ import annotations

from datetime import UTC, datetime

import nacl.pwhash
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ecabinet.audit import services as audit
from ecabinet.audit.models import AuditEntry
from ecabinet.ballots import elgamal, group, record, trustees
from ecabinet.ballots.ballot import BallotError, read_ballot, tracking_code
from ecabinet.ballots.elgamal import Ciphertext
from ecabinet.ballots.proofs import Context
from ecabinet.errors import Conflict, Forbidden, Invalid, NotFound
from ecabinet.extensions import db
from ecabinet.identity.models import User
from ecabinet.meetings import access, broadcast_throttle, rooms, voting
from ecabinet.meetings.e2e_models import EncryptedBallot, VoteKey, VoteTrustee
from ecabinet.meetings.models import (
    AgendaItem,
    Choice,
    Meeting,
    ParticipantRole,
    Vote,
    VoteEligibility,
)
from ecabinet.meetings.queries import CLOSED, OPEN, TALLYING, tallying_status

#: The options of a cabinet vote, in the order of the ballot's ciphertexts.
OPTIONS = [choice.value for choice in Choice]
#: Wrong PINs a trustee may type for one vote before their share is locked for it.
MAX_PIN_FAILURES = 5
PIN_LENGTH = (6, 64)
#: The Argon2id cost of wrapping a share (opening reads it from the wrapped share).
KDF = {"opslimit": trustees.OPSLIMIT, "memlimit": trustees.MEMLIMIT}
#: The test suite's (config PASSWORD_HASH_CHEAP, as for passwords): every secret vote in the
#: suite wraps two shares, at interactive cost ~0.1 s and 64 MiB each.
CHEAP_KDF = {"opslimit": nacl.pwhash.argon2id.OPSLIMIT_MIN,
             "memlimit": nacl.pwhash.argon2id.MEMLIMIT_MIN}


def _kdf() -> dict:
    return CHEAP_KDF if current_app.config.get("PASSWORD_HASH_CHEAP") else KDF


def _now() -> datetime:
    return datetime.now(UTC)


def context(vote: Vote) -> Context:
    """What every proof of this vote is bound to: a ballot of another vote fails here."""
    return Context(str(vote.id), bytes.fromhex(vote.public_key), len(OPTIONS))


def _label(vote_id: int, number: int) -> str:
    return f"ecabinet/vote/{vote_id}/trustee/{number}"


def is_verifiable(vote_id: int) -> bool:
    return bool(db.session.scalar(select(Vote.verifiable).where(Vote.id == vote_id)))


# --- opening: the key ceremony -------------------------------------------------------------------

def default_trustees(meeting: Meeting) -> list[User]:
    """Who the chair's console proposes: the chair and the meeting's secretaries, or, without
    a secretary, the secretariat user who created the meeting."""
    chosen = [p.user for p in meeting.participants if p.role == ParticipantRole.CHAIR]
    secretaries = [p.user for p in meeting.participants if p.role == ParticipantRole.SECRETARY]
    if secretaries:
        return chosen + secretaries
    creator = db.session.get(User, meeting.created_by_id) if meeting.created_by_id else None
    return chosen + ([creator] if creator is not None and creator not in chosen else [])


def _trustees(meeting: Meeting, given: list[dict] | None) -> list[tuple[User, str]]:
    """The trustees named at opening, each with the PIN they typed, checked."""
    if not given:
        raise Invalid(_("A secret vote needs its trustees and their PINs."),
                      code="trustees_required", details={"trustees": ["missing"]})
    chosen: list[tuple[User, str]] = []
    for entry in given:
        user = db.session.get(User, entry.get("user_id"))
        if user is None or any(u.id == user.id for u, _pin in chosen) or not (
                access.is_chair(user, meeting) or access.is_organiser(user, meeting)):
            raise Invalid(_("Trustees are the chair and the meeting's secretary or "
                            "secretariat, each once."),
                          details={"trustees": [entry.get("user_id")]})
        pin = entry.get("pin") or ""
        if not PIN_LENGTH[0] <= len(pin) <= PIN_LENGTH[1]:
            raise Invalid(_("A trustee's PIN has %(low)s to %(high)s characters.",
                            low=PIN_LENGTH[0], high=PIN_LENGTH[1]),
                          details={"trustees": [user.id]})
        chosen.append((user, pin))
    if len(chosen) < 2 or not any(access.is_chair(u, meeting) for u, _pin in chosen):
        raise Invalid(_("A verifiable vote has at least two trustees, the chair among them."),
                      details={"trustees": ["chair"]})
    return chosen


def open_vote(actor: User, item: AgendaItem, *, question: str, rule: str,
              trustees_given: list[dict] | None, threshold: int | None = None) -> Vote:
    """Open a secret vote: deal the key (t of n), wrap each share under its
    trustee's PIN, publish the commitments; nothing of a share is stored in clear."""
    access.require_chair(actor, item.meeting)
    chosen = _trustees(item.meeting, trustees_given)
    count = len(chosen)
    threshold = count if threshold is None else threshold
    if not 2 <= threshold <= count:
        raise Invalid(_("The threshold is between 2 and the number of trustees."),
                      details={"threshold": [threshold]})
    commitments, shares = trustees.deal(threshold, count)
    vote = voting.open_vote(actor, item, question=question, secret=True, rule=rule,
                            public_key=commitments[0].hex())
    db.session.add(VoteKey(vote_id=vote.id, threshold=threshold, trustee_count=count,
                           commitments=[[c.hex() for c in commitments]]))
    for number, (user, pin) in enumerate(chosen, start=1):
        wrapped = trustees.wrap_share(shares.pop(number), pin, label=_label(vote.id, number),
                                      **_kdf())
        db.session.add(VoteTrustee(vote_id=vote.id, user_id=user.id, number=number,
                                   wrapped_share=wrapped))
    db.session.flush()
    audit.record("vote.key", actor=actor, target=vote, details={
        "threshold": threshold, "trustees": [u.id for u, _pin in chosen],
        "dealt_by": "server"})
    return vote


# --- casting -------------------------------------------------------------------------------------

def _refusal(error, user: User, vote_id: int, reason: str, **details):
    error.audit = {"action": "ballot.refused", "actor": user, "object_type": Vote.__tablename__,
                   "object_id": vote_id, "details": {"reason": reason, **details}}
    return error


def _clean(ballot: dict) -> dict:
    """The ballot as ballot.py's JSON and nothing else, hex in lowercase (after read_ballot)."""
    return {"ciphertexts": [{k: c[k].lower() for k in ("a", "b")} for c in ballot["ciphertexts"]],
            "proofs": [{k: p[k].lower() for k in ("c0", "c1", "s0", "s1")}
                       for p in ballot["proofs"]],
            "sum_proof": {k: ballot["sum_proof"][k].lower() for k in ("c", "s")}}


def _upsert(table):
    return pg_insert(table) if db.session.get_bind().dialect.name == "postgresql" \
        else sqlite_insert(table)


def cast_ballot(user: User, vote_id: int, ballot) -> dict:
    """Store the member's encrypted ballot once its proofs hold; the answer is its tracking
    code. Who may cast is the vote's eligibility, under the access rule of every ballot: one
    read for an eligible member (:func:`voting.vote_for_ballot`, the vote under FOR KEY SHARE
    so that closing waits for the ballots being cast), the rules' long way for anyone else."""
    found = voting.vote_for_ballot(user, vote_id)
    if found is None:
        raise voting.refusal(user, vote_id)
    vote, eligibility = found
    if not vote.verifiable:
        raise Invalid(_("This vote takes a choice, not an encrypted ballot."),
                      code="not_verifiable")
    if vote.status != OPEN:
        raise Conflict(_("This vote is closed."), code="vote_closed")
    ctx = context(vote)
    try:
        read_ballot(ctx, ballot)
        ballot = _clean(ballot)
    except (BallotError, AttributeError, KeyError, TypeError) as exc:
        raise _refusal(Invalid(_("The ballot is refused: %(why)s", why=str(exc)),
                               code="invalid_ballot"),
                       user, vote.id, "invalid_ballot", problem=str(exc)) from None
    code = tracking_code(ctx, ballot)
    copied = db.session.scalar(select(EncryptedBallot.user_id).where(
        EncryptedBallot.vote_id == vote.id, EncryptedBallot.tracking_code == code))
    if copied is not None and copied != user.id:
        raise _refusal(Conflict(_("This ballot was cast already."), code="duplicate_ballot"),
                       user, vote.id, "duplicate_ballot")
    statement = _upsert(EncryptedBallot.__table__).values(
        vote_id=vote.id, user_id=user.id, tracking_code=code, ballot=ballot, cast_at=_now())
    db.session.execute(statement.on_conflict_do_update(
        index_elements=["vote_id", "user_id"],
        set_={"tracking_code": statement.excluded.tracking_code,
              "ballot": statement.excluded.ballot, "cast_at": statement.excluded.cast_at}))
    # That the member voted (the count on every tablet, "voted" on reconnecting).
    db.session.execute(update(VoteEligibility).where(VoteEligibility.id == eligibility.id)
                       .values(ballot_version=VoteEligibility.ballot_version + 1)
                       .execution_options(synchronize_session=False))
    # No ciphertext in the trail; linked into the chain after the commit, as a named ballot's.
    audit.record("ballot.cast", actor=user, target=vote, details={}, linked_after_commit=True)
    broadcast_throttle.mark(vote.meeting_id, vote.id)
    return {"vote_id": vote.id, "tracking_code": code}


# --- closing: the trustees' decryptions ----------------------------------------------------------

def _lock(vote_id: int) -> Vote:
    return db.session.execute(select(Vote).where(Vote.id == vote_id).with_for_update()
                              .execution_options(populate_existing=True)).scalar_one()


def _product(data: dict) -> Ciphertext:
    """A stored product (the identity when no ballot was cast)."""
    return Ciphertext(group.point_from_bytes(bytes.fromhex(data["a"]), allow_identity=True),
                      group.point_from_bytes(bytes.fromhex(data["b"]), allow_identity=True))


def _trustee_rows(vote_id: int) -> list[VoteTrustee]:
    return list(db.session.scalars(select(VoteTrustee).where(VoteTrustee.vote_id == vote_id)
                                   .order_by(VoteTrustee.number)))


def status_of(vote: Vote) -> dict:
    """What every tablet shows while tallying: who has given their share, who not (by name)."""
    answer = tallying_status(vote)
    if vote.status == CLOSED:
        answer.update(voting.closed_payload(vote))
    return answer


def close(actor: User, vote_id: int, pin: str | None = None) -> dict:
    """The chair closes the ballot box: the products are fixed, ballots are refused from now
    on; with the chair's PIN (when the chair is a trustee) the chair's decryption follows."""
    vote = access.vote_for(actor, vote_id)
    meeting = vote.item.meeting
    access.require_chair(actor, meeting)
    vote = _lock(vote.id)
    if not vote.verifiable:
        raise Invalid(_("This vote has no trustees."), code="not_verifiable")
    if vote.status != OPEN:
        raise Conflict(_("This vote is closed already."), code="vote_closed")
    key = db.session.get(VoteKey, vote.id)
    rows = db.session.scalars(select(EncryptedBallot.ballot)
                              .where(EncryptedBallot.vote_id == vote.id)).all()
    read = [[Ciphertext.from_json(c) for c in ballot["ciphertexts"]] for ballot in rows]
    key.products = [p.to_json() for p in record.products_of(len(OPTIONS), read)]
    key.ballots_counted = len(rows)
    vote.status = TALLYING
    db.session.flush()
    audit.link_committed_first()  # the ballots' entries before the closing's in the chain
    audit.record("vote.tallying", actor=actor, target=vote, details={"ballots": len(rows)})
    broadcast_throttle.forget(vote.id)
    trustee = _trustee_of(vote, actor)
    if pin is not None and trustee is not None:
        return _contribute(actor, vote, key, trustee, pin)
    return _announce(vote)


def decrypt(actor: User, vote_id: int, pin: str) -> dict:
    """A trustee gives their partial decryption of the closed ballot box (their PIN opens
    their share); the vote closes with its result once the threshold is reached."""
    vote = _lock(access.vote_for(actor, vote_id).id)
    if not vote.verifiable:
        raise Invalid(_("This vote has no trustees."), code="not_verifiable")
    trustee = _trustee_of(vote, actor)
    if trustee is None:
        refusal = Forbidden(_("You are not a trustee of this vote."), code="not_trustee")
        refusal.audit = {"action": "vote.decrypt_refused", "actor": actor,
                         "object_type": Vote.__tablename__, "object_id": vote.id,
                         "details": {"reason": "not_trustee"}}
        raise refusal
    if vote.status == OPEN:
        raise Conflict(_("The chair has not closed the vote yet."), code="vote_open")
    if vote.status != TALLYING:
        raise Conflict(_("This vote is closed already."), code="vote_closed")
    return _contribute(actor, vote, db.session.get(VoteKey, vote.id), trustee, pin)


def _trustee_of(vote: Vote, user: User) -> VoteTrustee | None:
    return db.session.scalar(select(VoteTrustee).where(VoteTrustee.vote_id == vote.id,
                                                       VoteTrustee.user_id == user.id))


def pin_failures(vote_id: int, user_id: int) -> int:
    """Wrong PINs so far: the audit trail's lines are the counter (they survive the refusal's
    rollback, being written after it, and nobody can lower them)."""
    return db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "vote.wrong_pin", AuditEntry.object_type == Vote.__tablename__,
        AuditEntry.object_id == str(vote_id), AuditEntry.actor_id == user_id))


def _contribute(actor: User, vote: Vote, key: VoteKey, trustee: VoteTrustee, pin: str) -> dict:
    if trustee.decryption is not None:
        raise Conflict(_("You have given your share for this vote already."),
                       code="already_decrypted")
    failures = pin_failures(vote.id, actor.id)
    if failures >= MAX_PIN_FAILURES:
        raise Conflict(_("Too many wrong PINs: your share of this vote is locked."),
                       code="pin_locked")
    try:
        share = trustees.unwrap_share(trustee.wrapped_share, pin or "",
                                      label=_label(vote.id, trustee.number))
    except trustees.WrongPin:
        left = MAX_PIN_FAILURES - failures - 1
        refusal = Forbidden(_("Wrong PIN. %(left)s attempt(s) left.", left=left),
                            code="wrong_pin" if left > 0 else "pin_locked")
        refusal.audit = {"action": "vote.wrong_pin", "actor": actor,
                         "object_type": Vote.__tablename__, "object_id": vote.id,
                         "details": {"failures": failures + 1}}
        raise refusal from None
    products = [_product(p) for p in key.products]
    trustee.decryption = record.trustee_decryption(context(vote), trustee.number, share,
                                                   products)
    trustee.decrypted_at = _now()
    db.session.flush()
    audit.record("vote.decrypt", actor=actor, target=vote, details={"trustee": trustee.number})
    given = [t for t in _trustee_rows(vote.id) if t.decryption is not None]
    if len(given) >= key.threshold:
        _finish(actor, vote, key, products, given)
    return _announce(vote)


def _finish(actor: User, vote: Vote, key: VoteKey, products: list[Ciphertext],
            given: list[VoteTrustee]) -> None:
    """Combine the decryptions, read the counts, close under the vote's rule."""
    counts = []
    for option, total in enumerate(products):
        factors = {t.number: group.point_from_bytes(
            bytes.fromhex(t.decryption["factors"][option]["d"]), allow_identity=True)
            for t in given}
        point = elgamal.decrypt_point(total, trustees.combine_factors(factors))
        counts.append(elgamal.discrete_log(point, key.ballots_counted))
    yes, no, abstain = counts
    # A secret ballot's choice is unknowable, the chair's too: no tie is decided by it.
    result = voting.decide(vote.rule, yes=yes, no=no, abstain=abstain,
                           members_total=vote.members_total, present_total=vote.present_total)
    vote.status, vote.closed_at, vote.outcome = CLOSED, _now(), result.outcome
    vote.tally_yes, vote.tally_no, vote.tally_abstain, vote.tally_absent = \
        result.yes, result.no, result.abstain, result.absent
    vote.decided_by_chair = False
    db.session.flush()
    audit.record("vote.close", actor=actor, target=vote,
                 details={"tally": result.tally, "outcome": result.outcome,
                          "decided_by_chair": False, "verifiable": True})


def _announce(vote: Vote) -> dict:
    answer = status_of(vote)
    meeting = vote.item.meeting
    if vote.status == CLOSED:
        rooms.broadcast_about(meeting, vote.item_id, "vote.closed", voting.closed_payload(vote))
    else:
        rooms.broadcast_about(meeting, vote.item_id, "vote.tallying", answer)
    return answer


# --- the published record ------------------------------------------------------------------------

def record_of(user: User, vote_id: int) -> dict:
    """The record of a closed verifiable vote (ballots by tracking code, no names), for whoever
    may see the vote; 404 for anyone else, and for a vote that has no record."""
    vote = access.vote_for(user, vote_id)
    if not vote.verifiable:
        raise NotFound(_("This vote has no published record."))
    if vote.status != CLOSED:
        raise Conflict(_("The record is published once the vote is closed."), code="vote_open")
    key = db.session.get(VoteKey, vote.id)
    # Ordered by tracking code, not by casting: the order says nothing of who cast when.
    ballots = db.session.scalars(select(EncryptedBallot.ballot)
                                 .where(EncryptedBallot.vote_id == vote.id)
                                 .order_by(EncryptedBallot.tracking_code)).all()
    decryptions = [t.decryption for t in _trustee_rows(vote.id) if t.decryption is not None]
    return record.build_record(
        vote_id=str(vote.id), question=vote.question, options=OPTIONS,
        threshold=key.threshold, count=key.trustee_count,
        dealers=[[bytes.fromhex(c) for c in dealer] for dealer in key.commitments],
        ballots=list(ballots), decryptions=decryptions)
