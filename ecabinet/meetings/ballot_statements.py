"""A named ballot's SQL, built once (a burst's 500 ballots would otherwise each build, key and
look up the same statements: ~10 % of a ballot's CPU in the profile, bench/README.md).

What a ballot reads is one rule (:func:`_vote_rows`): the vote joined to the member's
eligibility and participation, which together prove that the member may see the meeting and
vote in it. On PostgreSQL the read, the ballot and its audit entry are one statement for any
number of ballots (:data:`CAST_MANY`): one member's alone inside a transaction (the API), or
every ballot waiting at that moment, committed together (the live event, through
:mod:`ecabinet.group_commit`).
"""

from __future__ import annotations

from sqlalchemy import Integer, String, and_, bindparam, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ecabinet.audit import services as audit
from ecabinet.extensions import UTCDateTime
from ecabinet.group_commit import given_params, given_rows
from ecabinet.meetings import access
from ecabinet.meetings.models import Ballot, Meeting, Participant, Vote, VoteEligibility
from ecabinet.meetings.queries import OPEN

_votes, _eligible, _ballots = Vote.__table__, VoteEligibility.__table__, Ballot.__table__
_seats, _meetings = Participant.__table__, Meeting.__table__
#: What a ballot reads of its vote (what the checks and the receipt read), in columns: no ORM
#: objects for each of a burst's 500 ballots.
VOTE_COLUMNS = ("id", "meeting_id", "question", "status", "secret", "verifiable")


def _vote_rows(user_id, vote_id, source=None):
    """The vote ``vote_id`` as member ``user_id``'s ballot finds it: none unless they are
    eligible in it and a participant of a meeting they may see (``access.meeting_seen_by``).
    With ``source`` (the statement's input rows), a row per input row that finds its vote,
    led by the row's ``idx``."""
    leading = () if source is None else (source.c.idx,)
    start = _votes if source is None else source.join(_votes, _votes.c.id == vote_id)
    return (
        select(*leading, *(_votes.c[name] for name in VOTE_COLUMNS))
        .select_from(start)
        .join(_eligible, and_(_eligible.c.vote_id == _votes.c.id, _eligible.c.user_id == user_id))
        .join(_seats, and_(_seats.c.meeting_id == _votes.c.meeting_id, _seats.c.user_id == user_id))
        .join(_meetings, _meetings.c.id == _votes.c.meeting_id)
        .where(_votes.c.id == vote_id, access.meeting_seen_by(_seats.c)))


#: The vote for one ballot (SQLite: BEGIN IMMEDIATE serialises writers).
VOTE_ROW = _vote_rows(bindparam("user_id"), bindparam("vote_id"))
#: The same under the ballot lock (FOR KEY SHARE): every ballot holds it at once, closing (FOR
#: UPDATE) waits for them and they for it, so no ballot commits after the tally is taken.
VOTE_ROW_LOCKED = VOTE_ROW.with_for_update(read=True, key_share=True, of=_votes)
BALLOT_COLUMNS = ["vote_id", "user_id", "choice", "cast_at"]


def _upsert_ballot(statement):
    """One ballot per member by the unique key; a member's later ballot replaces the earlier."""
    return statement.on_conflict_do_update(
        index_elements=["vote_id", "user_id"],
        set_={"choice": statement.excluded.choice, "cast_at": statement.excluded.cast_at})


_BALLOT_ROW = {name: bindparam(name) for name in BALLOT_COLUMNS}
#: The ballot after :data:`VOTE_ROW` (SQLite) or :data:`VOTE_ROW_LOCKED` (PostgreSQL with the
#: audit entries chained at commit).
CAST_SQLITE = _upsert_ballot(sqlite_insert(_ballots).values(**_BALLOT_ROW))
UPSERT_POSTGRESQL = _upsert_ballot(pg_insert(_ballots).values(**_BALLOT_ROW))

#: :data:`CAST_MANY`'s input: a row per ballot, passed as one array per column.
CAST_INPUT = {"vote_id": Integer(), "user_id": Integer(), "choice": String(),
              "cast_at": UTCDateTime(), **audit.unlinked_types()}


def _cast_many():
    """PostgreSQL: for every input row, the vote under the ballot lock, the ballot and its audit
    entry (unlinked: :func:`audit.unlinked_insert`) written only when the vote is open and
    named; one row out per row in, with the vote's columns (null: not this member's vote) and
    ``cast``. A close waiting for the lock is seen as it is once committed: the row the lock
    returns is the closed vote, and nothing is written. No two input rows may be one member's
    ballot in one vote (ON CONFLICT cannot change a row twice in a statement)."""
    given = given_rows(CAST_INPUT)
    locked = _vote_rows(given.c.user_id, given.c.vote_id, given).with_for_update(
        read=True, key_share=True, of=_votes).cte("vote")
    written = _upsert_ballot(pg_insert(_ballots).from_select(
        BALLOT_COLUMNS,
        select(locked.c.id, given.c.user_id, given.c.choice, given.c.cast_at)
        .select_from(locked.join(given, given.c.idx == locked.c.idx))
        .where(locked.c.status == OPEN, locked.c.secret.is_(False),
               locked.c.verifiable.is_(False)))
    ).returning(_ballots.c.vote_id, _ballots.c.user_id).cte("written")
    logged = audit.unlinked_insert(
        written.join(given, and_(given.c.vote_id == written.c.vote_id,
                                 given.c.user_id == written.c.user_id)),
        values=lambda name: given.c[name]).cte("logged")
    return (
        select(given.c.idx, *(locked.c[name] for name in VOTE_COLUMNS),
               written.c.vote_id.is_not(None).label("cast"))
        .select_from(given.outerjoin(locked, locked.c.idx == given.c.idx)
                     .outerjoin(written, and_(written.c.vote_id == locked.c.id,
                                              written.c.user_id == given.c.user_id)))
        .add_cte(logged))


CAST_MANY = _cast_many()


def many_params(rows: list[dict]) -> dict:
    """:data:`CAST_MANY`'s parameters for ``rows`` (each a ballot's parameters)."""
    return given_params(CAST_INPUT, rows)
