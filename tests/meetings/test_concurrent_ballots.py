"""Ballots arriving all at once: one per member, the last one counts, nothing lost."""

from concurrent.futures import ThreadPoolExecutor

from ecabinet.database import unit_of_work
from ecabinet.errors import DomainError
from ecabinet.extensions import db
from ecabinet.identity.services import get_user
from ecabinet.meetings import voting
from ecabinet.meetings.models import Ballot


def _open_vote(api, cab, secret=False):
    status, vote = api(cab, "POST", f"/api/v1/agenda-items/{cab.items[0]}/votes", {
        "question": "Thông qua?", "secret": secret, "rule": "majority_of_present"}, who="chair")
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


def test_simultaneous_secret_ballots_count_once(app, api, session_open):
    cab = session_open
    vote_id = _open_vote(api, cab, secret=True)
    voters = [cab.users[who].id for who in ("chair", "m1", "m2", "m3")]
    jobs = [(user_id, "yes") for user_id in voters for _ in range(4)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda job: _cast(app, job[0], vote_id, job[1]), jobs))
    # The first tap of each member counts; the others need the receipt it returned.
    assert results.count("ok") == len(voters)
    assert set(results) <= {"ok", "receipt_required", "ballot_conflict"}
    status, result = api(cab, "POST", f"/api/v1/votes/{vote_id}/close", who="chair")
    assert result["tally"]["yes"] == len(voters)
