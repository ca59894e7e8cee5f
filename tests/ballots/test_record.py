"""The published record: it verifies end to end, and every tampering is found and located."""

from __future__ import annotations

import copy

from ecabinet.ballots import group
from ecabinet.ballots.record import verify_record
from tests.ballots.conftest import close_vote


def test_a_record_with_3_voters_and_2_trustees_verifies(good_record):
    report = verify_record(good_record)
    assert report.ok, report.problems
    assert report.tally == [2, 1, 0] == good_record["tally"]
    assert report.ballots == 3
    assert "name" not in str(good_record["ballots"])


def test_two_of_three_trustees_are_enough():
    record = close_vote(vote_id="9", choices=[2, 0, 2, 2], threshold=2, count=3, present=[1, 3])
    report = verify_record(record)
    assert report.ok, report.problems
    assert report.tally == [1, 0, 3]


def test_a_vote_without_ballots_verifies_to_zero():
    record = close_vote(vote_id="empty", choices=[])
    report = verify_record(record)
    assert report.ok, report.problems
    assert report.tally == [0, 0, 0]


def _tampered(good_record, change):
    record = copy.deepcopy(good_record)
    change(record)
    return verify_record(record)


def test_a_changed_tally_fails(good_record):
    def change(r):
        r["tally"] = [1, 2, 0]
    report = _tampered(good_record, change)
    assert not report.ok
    assert any("tally" in p for p in report.problems)


def test_a_ballot_swapped_for_another_fails(good_record):
    """A ballot replaced by a valid one for another choice: its tracking code no longer matches
    and the products no longer add up."""
    other = close_vote(vote_id="42", choices=[1])["ballots"][0]

    def change(r):
        code = r["ballots"][0]["tracking_code"]
        r["ballots"][0] = dict(other, tracking_code=code)
    problems = _tampered(good_record, change).problems
    assert any(p.startswith("ballot 1") for p in problems), problems


def test_a_ballot_replaced_with_its_code_updated_is_caught_by_the_products(good_record):
    other = close_vote(vote_id="42", choices=[1])["ballots"][0]

    def change(r):
        r["ballots"][0] = other
    problems = _tampered(good_record, change).problems
    assert any(p.startswith("products") for p in problems), problems


def test_a_dropped_ballot_fails(good_record):
    def change(r):
        del r["ballots"][1]
    assert any(p.startswith("products") for p in _tampered(good_record, change).problems)


def test_a_duplicated_ballot_fails(good_record):
    def change(r):
        r["ballots"].append(copy.deepcopy(r["ballots"][0]))
    assert any("twice" in p for p in _tampered(good_record, change).problems)


def test_a_wrong_partial_decryption_fails(good_record):
    def change(r):
        factor = r["decryptions"][1]["factors"][0]
        point = group.add(bytes.fromhex(factor["d"]), group.BASE)
        factor["d"] = point.hex()
    problems = _tampered(good_record, change).problems
    assert "trustee 2, option 0: the partial decryption's proof fails" in problems


def test_a_missing_trustee_fails(good_record):
    def change(r):
        del r["decryptions"][0]
    assert any("needed" in p for p in _tampered(good_record, change).problems)


def test_a_changed_public_key_fails(good_record):
    other = close_vote(vote_id="42", choices=[])

    def change(r):
        r["public_key"] = other["public_key"]
    assert not _tampered(good_record, change).ok


def test_a_changed_bit_proof_fails_and_says_where(good_record):
    def change(r):
        proof = r["ballots"][2]["proofs"][1]
        proof["c0"], proof["c1"] = proof["c1"], proof["c0"]
        proof["s0"], proof["s1"] = proof["s1"], proof["s0"]
    problems = _tampered(good_record, change).problems
    assert any(p.startswith("ballot 3") and "option 1" in p for p in problems), problems


def test_an_unreadable_record_is_a_problem_not_a_crash():
    assert not verify_record({"format": "other"}).ok
    assert not verify_record([]).ok
    bad = close_vote(vote_id="1", choices=[0])
    bad["trustees"]["dealers"][0][0] = "00" * 32
    assert not verify_record(bad).ok
