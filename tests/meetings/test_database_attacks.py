"""The attacks of issue 10, as tests: with the database in hand, link voters to their choices.

Each test runs three phases through the same attacker (tests/meetings/db_attacker.py) and
asks it to link each phase's ballots:

1. a secret vote, cast as the tablets cast it (encrypted ballots with proofs, one member
   changing theirs), closed and tallied by its trustees — **nothing may be linked**, and no
   transaction about a voter may carry any trace of a choice;
2. the control that the method works on this very database: a named vote (its ballots are
   public by law) — **every ballot is linked**;
3. the control that the method catches the old secret path: its transaction replayed in SQL
   as ``voting._cast_secret`` wrote it until this change (the member's ``vote_eligibility`` row
   and the vote's counter updated in one transaction; the counters lived in ``votes``, dropped
   by migration e2e0001, so here they live in a table of the test's own) — **every ballot is
   linked**. On that path the same attacks linked 9 of 9 (WAL) and 8 of 8 (old row versions)
   ballots when the issue was filed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import event, text

from ecabinet.database import unit_of_work
from ecabinet.extensions import db
from ecabinet.meetings import broadcast_throttle
from tests.fixtures.secret_votes import encrypted_ballot, secret_vote_body, tally_over_api
from tests.meetings import db_attacker
from tests.meetings.db_attacker import choices_in, link, voters_in

VOTERS = ("chair", "m1", "m2", "m3")
SECRET = {"chair": "yes", "m1": "no", "m2": "abstain", "m3": "yes"}  # m1 voted "yes" first
NAMED = {"chair": "no", "m1": "yes", "m2": "yes", "m3": "abstain"}
LEGACY = {"chair": "abstain", "m1": "yes", "m2": "no", "m3": "no"}
LEGACY_TABLE = "attack_control_counters"


def _dialect(app) -> str:
    with app.app_context():
        return db.engine.dialect.name


def _secret_vote(api, cab) -> int:
    status, vote = api(cab, "POST", f"/api/v1/agenda-items/{cab.items[0]}/votes",
                       secret_vote_body(cab, "Bỏ phiếu kín?"), who="chair")
    assert status == 201, vote
    casts = [("m1", "yes")] + list(SECRET.items())
    for who, choice in casts:
        status, body = api(cab, "POST", f"/api/v1/votes/{vote['id']}/ballots",
                           {"ballot": encrypted_ballot(vote, choice)}, who=who)
        assert status == 201, body
    result = tally_over_api(api, cab, vote["id"])
    assert result["tally"] == {"yes": 2, "no": 1, "abstain": 1, "absent": 1}
    return vote["id"]


def _named_vote(api, cab) -> None:
    status, vote = api(cab, "POST", f"/api/v1/agenda-items/{cab.items[1]}/votes", {
        "question": "Thông qua báo cáo?", "secret": False, "rule": "majority_of_present"},
        who="chair")
    assert status == 201, vote
    for who, choice in NAMED.items():
        assert api(cab, "POST", f"/api/v1/votes/{vote['id']}/ballots", {"choice": choice},
                   who=who)[0] == 201
    assert api(cab, "POST", f"/api/v1/votes/{vote['id']}/close", who="chair")[0] == 200


def _legacy_ballots(app, cab, vote_id: int) -> None:
    """The removed path, each ballot in its own transaction, as it was written."""
    with app.app_context():
        for who, choice in LEGACY.items():
            with unit_of_work():
                db.session.execute(text(
                    "UPDATE vote_eligibility SET ballot_version = ballot_version + 1 "
                    "WHERE vote_id = :v AND user_id = :u"), {"v": vote_id, "u": cab.users[who].id})
                db.session.execute(text(
                    f"UPDATE {LEGACY_TABLE} SET secret_{choice} = secret_{choice} + 1 "  # noqa: S608
                    "WHERE vote_id = :v"), {"v": vote_id})
        db.session.remove()


def _make_legacy_table(app, vote_id: int | None = None) -> None:
    with app.app_context(), unit_of_work():
        if vote_id is None:
            db.session.execute(text(
                f"CREATE TABLE {LEGACY_TABLE} (vote_id INTEGER PRIMARY KEY, "
                "secret_yes INTEGER NOT NULL DEFAULT 0, secret_no INTEGER NOT NULL DEFAULT 0, "
                "secret_abstain INTEGER NOT NULL DEFAULT 0)"))
        else:
            db.session.execute(text(f"INSERT INTO {LEGACY_TABLE} (vote_id) VALUES (:v)"),  # noqa: S608
                               {"v": vote_id})


def _check(cab, phases: dict[str, list[db_attacker.Commit]]) -> None:
    ids = {cab.users[who].id: who for who in VOTERS}
    secret = phases["secret"]
    # The attacker saw every voter's ballot go by, m1's first one too (the version replaced
    # when m1 changed their ballot: on PostgreSQL, a dead tuple)...
    assert {ids.get(v) for c in secret for v in voters_in(c)} >= set(VOTERS)
    assert any(change.table == "e2e_ballots" and change.before is not None
               for commit in secret for change in commit.changes)
    # ...and no transaction about a voter held a trace of any choice: nothing to link.
    traced = [(c.label, voters_in(c), choices_in(c)) for c in secret
              if voters_in(c) and choices_in(c)]
    assert traced == []
    assert link(secret) == {}
    # The controls: the same method links every ballot of a named vote, and of the old path.
    assert {ids[u]: c for u, c in link(phases["named"]).items()} == NAMED
    assert {ids[u]: c for u, c in link(phases["legacy"]).items()} == LEGACY


def _sqlite_no_checkpoints(dbapi_connection, _record):
    # Keep the whole log: a checkpoint would move pages into the main file and restart the WAL.
    dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")


def test_the_sqlite_wal_replayed_commit_by_commit_links_no_secret_ballot(app, api, session_open,
                                                                        tmp_path):
    if _dialect(app) != "sqlite":
        pytest.skip("the SQLite write-ahead log")
    cab = session_open
    _make_legacy_table(app)
    with app.app_context():
        engine = db.engine
        path = engine.url.database
    event.listen(engine, "connect", _sqlite_no_checkpoints)
    try:
        broadcast_throttle.wait_idle(app)  # no reader left holding the log's start
        with app.app_context():
            db.session.remove()
            engine.dispose()  # every connection from now on keeps the log
            with engine.connect() as conn:
                busy, _log, _moved = conn.exec_driver_sql(
                    "PRAGMA wal_checkpoint(TRUNCATE)").one()
            assert busy == 0  # the log starts empty: the main file holds everything before
        shutil.copyfile(path, tmp_path / "start.db")
        wal = Path(f"{path}-wal")
        bounds = []
        vote_id = _secret_vote(api, cab)
        bounds.append(db_attacker.wal_commit_count(wal))
        _named_vote(api, cab)
        _make_legacy_table(app, vote_id)
        bounds.append(db_attacker.wal_commit_count(wal))
        _legacy_ballots(app, cab, vote_id)
        shutil.copyfile(wal, tmp_path / "stolen.db-wal")
    finally:
        event.remove(engine, "connect", _sqlite_no_checkpoints)
    commits = db_attacker.sqlite_commits(tmp_path / "start.db", tmp_path / "stolen.db-wal",
                                         tmp_path)
    assert len(commits) > bounds[-1] > bounds[0] > 0
    _check(cab, {"secret": commits[:bounds[0]], "named": commits[bounds[0]:bounds[1]],
                 "legacy": commits[bounds[1]:]})


def test_postgres_old_row_versions_link_no_secret_ballot(app, api, session_open):
    """pageinspect (contrib, on this machine's PostgreSQL 15) reads every tuple version of the
    heap, dead ones included, with the transaction that wrote it."""
    if _dialect(app) != "postgresql":
        pytest.skip("PostgreSQL's heap")
    cab = session_open
    with app.app_context(), unit_of_work():
        db.session.execute(text("CREATE EXTENSION IF NOT EXISTS pageinspect SCHEMA public"))
    _make_legacy_table(app)

    def xid() -> int:
        with app.app_context():
            try:
                return db.session.execute(text("SELECT txid_current()")).scalar() % 2 ** 32
            finally:
                db.session.remove()

    # A transaction left open (a snapshot taken before the votes) keeps every dead version
    # from being pruned: the heap keeps all it wrote, the attacker's best case. Without it,
    # PostgreSQL prunes dead versions of a full page on the next read, which would make this
    # test pass for the wrong reason.
    with app.app_context():
        holder = db.engine.connect().execution_options(isolation_level="REPEATABLE READ")
    holder.execute(text("SELECT 1"))  # the snapshot is taken here and held until rollback
    try:
        bounds = [xid()]
        vote_id = _secret_vote(api, cab)
        bounds.append(xid())
        _named_vote(api, cab)
        _make_legacy_table(app, vote_id)
        bounds.append(xid())
        _legacy_ballots(app, cab, vote_id)
        with app.app_context():
            commits = db_attacker.postgres_commits(
                db.session.connection(),
                ["vote_eligibility", "ballots", "e2e_ballots", "votes", "audit_entries",
                 LEGACY_TABLE], since_xid=bounds[0])
            db.session.remove()
    finally:
        holder.rollback()
        holder.close()
        with app.app_context(), unit_of_work():
            db.session.execute(text(f"DROP TABLE IF EXISTS {LEGACY_TABLE}"))

    def between(low, high=None):
        return [c for c in commits if c.label > low and (high is None or c.label < high)]

    _check(cab, {"secret": between(bounds[0], bounds[1]), "named": between(bounds[1], bounds[2]),
                 "legacy": between(bounds[2])})
