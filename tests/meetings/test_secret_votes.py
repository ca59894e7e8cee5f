"""Every secret vote is end-to-end verifiable (issue 10): opening one deals its key to its
trustees, a choice in clear is refused and stored nowhere, the votes table has no counter left
to link, and the meeting's rules apply to the tally the trustees decrypt."""

from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import func, inspect, select

from ecabinet.audit.models import AuditEntry
from ecabinet.extensions import db
from ecabinet.meetings.minutes.wording import vote_lines
from ecabinet.meetings.models import Ballot, Vote, VoteEligibility
from tests.fixtures.secret_votes import encrypted_ballot, secret_vote_body, tally_over_api


def _open(api, cab, body):
    return api(cab, "POST", f"/api/v1/agenda-items/{cab.items[0]}/votes", body, who="chair")


def test_a_secret_vote_is_opened_verifiable_whatever_verifiable_says(app, api, session_open):
    cab = session_open
    status, vote = _open(api, cab, secret_vote_body(cab, verifiable=False))
    assert status == 201, vote
    assert vote["secret"] and vote["verifiable"] and len(vote["public_key"]) == 64
    with app.app_context():
        from ecabinet.meetings.e2e_models import VoteTrustee

        trustees = db.session.scalars(select(VoteTrustee.user_id)
                                      .where(VoteTrustee.vote_id == vote["id"])).all()
        db.session.remove()
    assert sorted(trustees) == sorted([cab.users["chair"].id, cab.users["secretariat"].id])


def test_a_secret_vote_without_trustees_does_not_open(app, api, session_open):
    cab = session_open
    status, body = _open(api, cab, {"question": "Thông qua?", "secret": True,
                                    "rule": "majority_of_present"})
    assert status == 422 and body["error"]["code"] == "trustees_required", body
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Vote)) == 0
        db.session.remove()


def test_a_secret_choice_in_clear_is_refused_and_stored_nowhere(app, api, session_open):
    cab = session_open
    vote = _open(api, cab, secret_vote_body(cab))[1]
    status, body = api(cab, "POST", f"/api/v1/votes/{vote['id']}/ballots", {"choice": "yes"},
                       who="m1")
    assert status == 422 and body["error"]["code"] == "ballot_must_be_encrypted", body
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Ballot)) == 0
        assert db.session.scalar(select(func.max(VoteEligibility.ballot_version))) == 0
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "ballot.cast")) == 0
        db.session.remove()


def test_the_votes_table_keeps_no_counter(app):
    """The linkable path's counters (secret_yes, secret_no, secret_abstain) are gone."""
    with app.app_context():
        columns = {c["name"] for c in inspect(db.engine).get_columns("votes")}
    assert not {c for c in columns if c.startswith("secret_")}, columns


def test_a_secret_tie_is_not_decided_by_the_chair(api, session_open):
    """4 present, 2 for and 2 against under "more than half of those present": rejected; the
    chair's side cannot decide it, their choice being unknowable (as the minutes say)."""
    cab = session_open
    vote = _open(api, cab, secret_vote_body(cab))[1]
    for who, choice in (("chair", "yes"), ("m1", "yes"), ("m2", "no"), ("m3", "no")):
        assert api(cab, "POST", f"/api/v1/votes/{vote['id']}/ballots",
                   {"ballot": encrypted_ballot(vote, choice)}, who=who)[0] == 201
    result = tally_over_api(api, cab, vote["id"])
    assert result["tally"] == {"yes": 2, "no": 2, "abstain": 0, "absent": 1}
    assert result["outcome"] == "rejected"
    status, read = api(cab, "GET", f"/api/v1/votes/{vote['id']}", who="m1")
    assert (read["tally"], read["outcome"], read["decided_by_chair"]) == (
        result["tally"], "rejected", False)


def test_the_minutes_say_a_vote_awaits_its_trustees():
    record = SimpleNamespace(secret=True, question="Thông qua?", rule_words="quá nửa",
                             status="tallying")
    assert vote_lines(record)[-1] == (
        "Kết quả: ", "đã kết thúc bỏ phiếu, đang chờ người giữ khóa giải mã kết quả.")


def test_a_decision_drafted_from_a_secret_vote_cites_the_decrypted_tally(app, api, session_open):
    """The decision's basis ("Căn cứ kết quả biểu quyết …") waits for the trustees: a vote being
    tallied has no result to cite (409); once decrypted, its counts and outcome are cited."""
    import pytest

    from ecabinet.decisions import drafting
    from ecabinet.errors import Conflict
    from ecabinet.identity.services import get_user

    cab = session_open
    vote = _open(api, cab, secret_vote_body(cab, "Thông qua Nghị quyết?", "majority_of_all"))[1]
    for who, choice in (("chair", "yes"), ("m1", "yes"), ("m2", "yes"), ("m3", "no")):
        assert api(cab, "POST", f"/api/v1/votes/{vote['id']}/ballots",
                   {"ballot": encrypted_ballot(vote, choice)}, who=who)[0] == 201
    assert api(cab, "POST", f"/api/v1/votes/{vote['id']}/close", {"pin": "246810"},
               who="chair")[0] == 200

    def basis():
        with app.app_context():
            try:
                return drafting.basis_for(get_user(cab.users["secretariat"].id),
                                          vote_id=vote["id"]).body
            finally:
                db.session.remove()

    with pytest.raises(Conflict):
        basis()
    assert api(cab, "POST", f"/api/v1/votes/{vote['id']}/decryptions", {"pin": "135790"},
               who="secretariat")[1]["status"] == "closed"
    # 3 of the 5 members for: more than half of all, adopted.
    assert "3 tán thành, 1 không tán thành, 0 không biểu quyết, 1 vắng mặt" in basis()
    assert "kết quả: thông qua;" in basis()
