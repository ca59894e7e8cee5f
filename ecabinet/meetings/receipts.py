"""Named votes' receipts and their published list (issue 10, part 3).

Casting a named ballot answers with a receipt: the server's signed statement of the choice it
recorded for the member (:mod:`ecabinet.ballots.named_receipts`, signed with ``RECEIPT_KEY``).
Once the vote is closed its named list is published to whoever may see the vote
(:func:`named_record`); ``ecabinet votes verify-receipt RECEIPT.json RECORD.json`` checks one
against the other without the server. A secret vote has no such receipt: its tracking code
and its record are the member's check (:mod:`.verifiable`).
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from ecabinet.ballots import named_receipts
from ecabinet.errors import Conflict
from ecabinet.extensions import db
from ecabinet.identity.models import User
from ecabinet.meetings.models import Ballot, Vote
from ecabinet.meetings.queries import CLOSED


def _when(at: datetime) -> str:
    """UTC, as stored (the column keeps no zone: a naive value is UTC)."""
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at.isoformat(timespec="microseconds") + "Z"


def receipt(vote: Vote, user: User, choice: str, cast_at: datetime) -> dict:
    """The member's receipt of the named ballot just recorded."""
    return named_receipts.sign(current_app.config["RECEIPT_KEY"], {
        "vote_id": vote.id, "meeting_id": vote.meeting_id, "question": vote.question,
        "member": {"id": user.id, "name": user.name}, "choice": choice,
        "cast_at": _when(cast_at)})


def named_record(vote: Vote) -> dict:
    """A closed named vote's list: each member's recorded choice, by name, with the tally and
    the receipt key's public half (``vote`` is loaded through the access rule)."""
    if vote.status != CLOSED:
        raise Conflict(_("The record is published once the vote is closed."), code="vote_open")
    rows = db.session.execute(
        select(Ballot.user_id, User.name, Ballot.choice, Ballot.cast_at)
        .join(User, User.id == Ballot.user_id)
        .where(Ballot.vote_id == vote.id).order_by(User.name, Ballot.user_id)).all()
    return {"format": named_receipts.RECORD_FORMAT, "vote_id": vote.id,
            "meeting_id": vote.meeting_id, "question": vote.question, "rule": vote.rule,
            "ballots": [{"member_id": r.user_id, "name": r.name, "choice": r.choice,
                         "cast_at": _when(r.cast_at)} for r in rows],
            "tally": {"yes": vote.tally_yes, "no": vote.tally_no,
                      "abstain": vote.tally_abstain, "absent": vote.tally_absent},
            "outcome": vote.outcome,
            "receipt_key": named_receipts.public_key(current_app.config["RECEIPT_KEY"])}
