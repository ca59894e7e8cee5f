"""A closed secret vote built with the pure protocol code alone (no app, no database)."""

from __future__ import annotations

import pytest

from ecabinet.ballots import trustees
from ecabinet.ballots.ballot import make_ballot
from ecabinet.ballots.elgamal import Ciphertext
from ecabinet.ballots.proofs import Context
from ecabinet.ballots.record import build_record, products_of, trustee_decryption

OPTIONS = ["yes", "no", "abstain"]


def joint_key(threshold: int, count: int):
    """Each of ``count`` trustees deals; each trustee's share is the sum of what it received."""
    dealt = [trustees.deal(threshold, count) for _ in range(count)]
    commitments = [c for c, _ in dealt]
    for c, shares in dealt:
        for j, share in shares.items():
            assert trustees.verify_share(c, j, share)
    shares = {j: trustees.combine_shares([s[j] for _, s in dealt]) for j in range(1, count + 1)}
    return commitments, shares


def close_vote(*, vote_id: str, choices: list[int], threshold: int = 2, count: int = 2,
               present: list[int] | None = None) -> dict:
    """Key, ballots for ``choices``, decryptions by the ``present`` trustees: the record."""
    dealers, shares = joint_key(threshold, count)
    public_key = trustees.joint_commitments(dealers)[0]
    ctx = Context(vote_id, public_key, len(OPTIONS))
    ballots = [make_ballot(ctx, choice) for choice in choices]
    products = products_of(len(OPTIONS), [[Ciphertext.from_json(c) for c in b["ciphertexts"]]
                                          for b in ballots])
    decryptions = [trustee_decryption(ctx, j, shares[j], products)
                   for j in (present or range(1, count + 1))]
    return build_record(vote_id=vote_id, question="Thông qua dự thảo Nghị định?",
                        options=OPTIONS, threshold=threshold, count=count, dealers=dealers,
                        ballots=ballots, decryptions=decryptions)


@pytest.fixture(scope="session")
def good_record() -> dict:
    """3 voters (yes, yes, no), 2 trustees (the chair and the secretary), both needed."""
    return close_vote(vote_id="42", choices=[0, 0, 1])
