"""Ballots arriving all at once: one per member, the last one counts, nothing lost."""

from concurrent.futures import ThreadPoolExecutor

from ecabinet.database import unit_of_work
from ecabinet.errors import DomainError
from ecabinet.extensions import db
from ecabinet.identity.services import get_user
from ecabinet.meetings import verifiable, voting
from ecabinet.meetings.e2e_models import EncryptedBallot
from ecabinet.meetings.models import Ballot
from tests.fixtures.secret_votes import encrypted_ballot, secret_vote_body, tally_over_api


def _open_vote(api, cab):
    status, vote = api(cab, "POST", f"/api/v1/agenda-items/{cab.items[0]}/votes", {
        "question": "Thông qua?", "secret": False, "rule": "majority_of_present"}, who="chair")
    assert status == 201
    return vote["id"]


def _cast(app, user_id, vote_id, choice):
    with app.app_context():
        try:
            with unit_of_work():
                voting.cast_ballot(get_user(user_id), voting.get_vote(vote_id), choice)
            return "ok"
        except DomainError as exc:
            return exc.code
        finally:
            db.session.remove()


def test_simultaneous_ballots_keep_one_per_member(app, api, session_open):
    cab = session_open
    vote_id = _open_vote(api, cab)
    voters = [cab.users[who].id for who in ("chair", "m1", "m2", "m3")]
    # Each member taps several times at once, with different choices.
    jobs = [(user_id, choice) for user_id in voters for choice in ("yes", "no", "abstain") * 3]
    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(lambda job: _cast(app, job[0], vote_id, job[1]), jobs))
    assert results.count("ok") == len(jobs), results
    with app.app_context():
        rows = db.session.scalars(db.select(Ballot).where(Ballot.vote_id == vote_id)).all()
        assert sorted(r.user_id for r in rows) == sorted(voters)


def _cast_encrypted(app, user_id, vote_id, ballot):
    with app.app_context():
        try:
            with unit_of_work():
                verifiable.cast_ballot(get_user(user_id), vote_id, ballot)
            return "ok"
        except DomainError as exc:
            return exc.code
        finally:
            db.session.remove()


def test_simultaneous_secret_ballots_count_once(app, api, session_open):
    cab = session_open
    status, vote = api(cab, "POST", f"/api/v1/agenda-items/{cab.items[0]}/votes",
                       secret_vote_body(cab), who="chair")
    assert status == 201, vote
    voters = [cab.users[who].id for who in ("chair", "m1", "m2", "m3")]
    # Each member taps four times at once, each tap a freshly encrypted "yes".
    jobs = [(user_id, encrypted_ballot(vote, "yes")) for user_id in voters for _ in range(4)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda job: _cast_encrypted(app, job[0], vote["id"], job[1]),
                                jobs))
    assert results.count("ok") == len(jobs), results  # the last stored counts
    with app.app_context():
        rows = db.session.scalars(db.select(EncryptedBallot.user_id)
                                  .where(EncryptedBallot.vote_id == vote["id"])).all()
        assert sorted(rows) == sorted(voters)
    assert tally_over_api(api, cab, vote["id"])["tally"]["yes"] == len(voters)
