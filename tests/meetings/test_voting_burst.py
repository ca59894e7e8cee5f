"""A ballot is cheap and short: a handful of statements whatever the meeting's size, the audit
chain's head locked last; and under a burst with a close in the middle, nothing acknowledged is
lost, nothing counts after the tally, and the audit chain stays whole."""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import event, func, select

from ecabinet.audit import services as audit
from ecabinet.audit.models import AuditEntry
from ecabinet.database import unit_of_work
from ecabinet.errors import DomainError
from ecabinet.extensions import db, socketio
from ecabinet.identity.services import get_user
from ecabinet.meetings import verifiable, voting
from ecabinet.meetings.e2e_models import EncryptedBallot
from ecabinet.meetings.models import Ballot, VoteEligibility
from tests.fixtures.secret_votes import encrypted_ballot, tally_over_api
from tests.fixtures.secret_votes import open_vote as _open_vote

NS = "/live"
VOTERS = ("chair", "m1", "m2", "m3")


class Statements:
    """The SQL this thread sends while recording (background tasks run in other threads)."""

    def __init__(self, engine):
        self.engine, self.thread, self.sent = engine, threading.get_ident(), None
        event.listen(engine, "before_cursor_execute", self._sent)

    def _sent(self, conn, cursor, statement, parameters, context, executemany):
        if self.sent is not None and threading.get_ident() == self.thread:
            self.sent.append(" ".join(statement.split()))

    def during(self, action) -> tuple[object, list[str]]:
        self.sent = []
        try:
            return action(), self.sent
        finally:
            self.sent = None

    def close(self):
        event.remove(self.engine, "before_cursor_execute", self._sent)


@pytest.fixture
def statements(app):
    with app.app_context():
        counter = Statements(db.engine)
    yield counter
    counter.close()


@pytest.mark.parametrize("secret", [False, True], ids=["open", "secret"])
def test_a_ballot_costs_a_few_statements_and_locks_the_chain_last(app, api, session_open,
                                                                   statements, secret):
    cab = session_open
    vote = _open_vote(api, cab, secret=secret)
    vote_id = vote["id"]
    tablets = {who: socketio.test_client(app, namespace=NS, auth={"token": cab.tokens[who]})
               for who in VOTERS}
    try:
        for who in VOTERS:
            cast = {"ballot": encrypted_ballot(vote, "yes")} if secret else {"choice": "yes"}
            ack, sent = statements.during(lambda who=who, cast=cast: tablets[who].emit(
                "ballot.cast", {"vote_id": vote_id, **cast}, namespace=NS, callback=True))
            assert ack["ok"], ack
            if any("INTO ballots" in s and "INTO audit_entries" in s for s in sent):
                # On PostgreSQL a named ballot and its audit entry are one statement (WITH …
                # INSERT INTO ballots … INSERT INTO audit_entries), the entry unlinked: no
                # statement locks the chain's head; the linker chains it after the commit.
                assert not any("audit_head" in s for s in sent), sent
                work = sent
            else:
                # The audit chain's statements come last, just before the commit: the head
                # is locked there (FOR UPDATE; on PostgreSQL one statement also links and
                # inserts).
                chain = [i for i, s in enumerate(sent)
                         if "audit_head" in s or "audit_entries" in s]
                assert chain and chain == list(range(chain[0], len(sent))), sent
                assert len(chain) <= 3
                work = sent[:chain[0]]
            assert any("INTO e2e_ballots" in s if secret else "INTO ballots" in s
                       for s in work)
            assert not any("UPDATE votes" in s for s in work)  # no counter, ever
            # Before it: the caller with the token's state, the vote with the eligibility
            # (and a secret ballot's tracking code, unique to one member). Not the meeting,
            # its agenda, the participants or the roles. (On PostgreSQL a named ballot's vote
            # and its write are one statement, WITH … INSERT INTO ballots.)
            reads = [s for s in work if s.startswith(("SELECT", "WITH"))]
            assert len(reads) == (3 if secret else 2), work
            assert not any(table in s for s in reads for table in (
                "FROM agenda_items", "FROM user_roles", "FROM meetings ", "FROM api_tokens "))
            assert len(work) <= (6 if secret else 4), work  # BEGIN IMMEDIATE on SQLite
    finally:
        for client in tablets.values():
            client.disconnect(namespace=NS)


def _cast(app, user_id, vote_id, choice, by_id):
    """One ballot the way the socket (by id, committed with the ballots of the moment on
    PostgreSQL: ``grouped``) or the API (by the loaded vote, in its own transaction) calls the
    service; the answer's code. ``choice``: a secret vote's encrypted ballot."""
    with app.app_context():
        try:
            with unit_of_work():
                if isinstance(choice, dict):
                    verifiable.cast_ballot(get_user(user_id), vote_id, choice)
                else:
                    vote = vote_id if by_id else voting.get_vote(vote_id)
                    voting.cast_ballot(get_user(user_id), vote, choice, grouped=by_id)
            return "ok"
        except DomainError as exc:
            return exc.code
        finally:
            db.session.remove()


def _close(app, chair_id, vote_id, secret=False):
    """The tally of a named vote; a secret vote's box closed (its trustees decrypt later)."""
    with app.app_context():
        try:
            with unit_of_work():
                if secret:
                    return verifiable.close(get_user(chair_id), vote_id)
                return voting.close_vote(get_user(chair_id), voting.get_vote(vote_id)).tally
        finally:
            db.session.remove()


@pytest.mark.parametrize("secret", [False, True], ids=["open", "secret"])
def test_a_burst_with_a_close_in_the_middle_loses_nothing(app, api, session_open, secret):
    """Every acknowledged ballot is in the tally, no ballot changes anything after it, and the
    chain verifies (run with ECABINET_TEST_DATABASE_URL: PostgreSQL's row locks at work)."""
    cab = session_open
    vote = _open_vote(api, cab, secret=secret)
    vote_id = vote["id"]
    voters = {cab.users[who].id: who for who in VOTERS}
    choices = ("yes",) * 6 if secret else ("yes", "no", "abstain", "yes", "no", "yes")
    jobs = [(user_id, encrypted_ballot(vote, choice) if secret else choice, n % 2 == 0)
            for n, choice in enumerate(choices) for user_id in voters]
    chair_id = cab.users["chair"].id
    with ThreadPoolExecutor(max_workers=8) as pool:
        cast = [pool.submit(_cast, app, user_id, vote_id, choice, by_id)
                for user_id, choice, by_id in jobs[:len(jobs) // 2]]
        closing = pool.submit(_close, app, chair_id, vote_id, secret)
        cast += [pool.submit(_cast, app, user_id, vote_id, choice, by_id)
                 for user_id, choice, by_id in jobs[len(jobs) // 2:]]
        answers = [future.result() for future in cast]
        tally = closing.result()
    if secret:  # the trustees decrypt the box as it was closed
        tally = tally_over_api(api, cab, vote_id, chair_pin_given=False)["tally"]
    assert set(answers) <= {"ok", "vote_closed"}, answers
    ok = [job for job, answer in zip(jobs, answers, strict=True) if answer == "ok"]
    counted = tally["yes"] + tally["no"] + tally["abstain"]
    with app.app_context():
        if secret:
            # Each member's last ballot counts, once: all "yes". The stored ballots are the
            # ones in the closed box: a ballot committed after the close would show.
            assert tally["yes"] == counted == len({user for user, _, _ in ok})
            voted = db.session.scalar(select(func.count()).select_from(VoteEligibility).where(
                VoteEligibility.vote_id == vote_id, VoteEligibility.ballot_version > 0))
            stored = db.session.scalar(select(func.count()).select_from(EncryptedBallot)
                                       .where(EncryptedBallot.vote_id == vote_id))
            assert voted == stored == counted
        else:
            # The rows are what was tallied: a ballot committed after the close would show.
            rows = Counter(db.session.scalars(select(Ballot.choice).where(
                Ballot.vote_id == vote_id)))
            assert {k: rows.get(k, 0) for k in ("yes", "no", "abstain")} == \
                {k: tally[k] for k in ("yes", "no", "abstain")}
            assert counted == len({user for user, _, _ in ok})
        entries = db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "ballot.cast"))
        assert entries == len(ok)  # one entry per acknowledged ballot, none for a refused one
        assert audit.verify_chain().ok
        db.session.remove()


def test_refusals_keep_the_order_of_the_access_rules(app, api, session_open, make_user,
                                                     token_for):
    """The one-read fast paths of ballot.cast and vote.close answer exactly what the rules
    answer: a vote of a meeting one cannot see does not exist (even with a bad choice); then a
    bad choice, a closed vote, and only then not being eligible or not being the chair."""
    cab = session_open
    vote_id = _open_vote(api, cab)["id"]
    tokens = {**cab.tokens, "admin": token_for(make_user("secretariat"))}
    tablets = {who: socketio.test_client(app, namespace=NS, auth={"token": token})
               for who, token in tokens.items()}

    def code(who, event, data):
        ack = tablets[who].emit(event, data, namespace=NS, callback=True)
        assert ack["ok"] is False, (who, event, ack)
        return ack["error"]["code"]

    def ballot(who, choice="yes", vote=vote_id):
        return code(who, "ballot.cast", {"vote_id": vote, "choice": choice})

    try:
        assert ballot("outsider", "maybe") == "not_found"
        assert ballot("m1", vote=vote_id + 1000) == "not_found"
        assert ballot("m1", "maybe") == "validation_error"
        assert ballot("m4", "maybe") == "validation_error"
        assert ballot("m4") == "not_eligible"
        assert ballot("admin") == "not_eligible"  # the secretariat sees the meeting, not a ballot
        for who, expected in (("outsider", "not_found"), ("guest", "forbidden"),
                              ("m1", "forbidden"), ("admin", "forbidden")):
            assert code(who, "vote.close", {"vote_id": vote_id}) == expected, who
        assert code("chair", "vote.close", {"vote_id": vote_id + 1000}) == "not_found"
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(Ballot)) == 0
        assert tablets["chair"].emit("vote.close", {"vote_id": vote_id}, namespace=NS,
                                     callback=True)["ok"]
        assert ballot("m4") == "vote_closed"
        assert ballot("m1") == "vote_closed"
        assert ballot("outsider") == "not_found"
    finally:
        for client in tablets.values():
            client.disconnect(namespace=NS)


def test_joining_asks_for_the_caller_s_place_in_the_meeting_once(app, session_open, statements):
    """The access rules ask "who is this user in this meeting?" many times while a join builds
    its snapshot; the database is asked once (it was 17 times, each with the user's roles)."""
    cab = session_open
    tablet = socketio.test_client(app, namespace=NS, auth={"token": cab.tokens["m1"]})
    try:
        ack, sent = statements.during(lambda: tablet.emit(
            "meeting.join", {"meeting_id": cab.meeting_id}, namespace=NS, callback=True))
        assert ack["ok"], ack
        # Alone, or joined to the meeting's own row (``Meeting.load_with_seat``).
        lookups = [s for s in sent if "meeting_participants.user_id = " in s]
        assert len(lookups) == 1, lookups
        assert len(sent) <= 15, sent
    finally:
        tablet.disconnect(namespace=NS)
