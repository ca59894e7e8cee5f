"""The protocol's pieces: ElGamal round trips, each proof accepting the honest value and
refusing a tampered one, shares and their PIN wrapping."""

from __future__ import annotations

import nacl.pwhash
import pytest

from ecabinet.ballots import elgamal, group, proofs, trustees
from ecabinet.ballots.ballot import BallotError, make_ballot, read_ballot, tracking_code
from ecabinet.ballots.elgamal import Ciphertext
from ecabinet.ballots.proofs import Context

FAST = {"opslimit": nacl.pwhash.argon2id.OPSLIMIT_MIN,
        "memlimit": nacl.pwhash.argon2id.MEMLIMIT_MIN}


@pytest.fixture(scope="module")
def key():
    return elgamal.keygen()


@pytest.fixture(scope="module")
def ctx(key):
    return Context("7", key[1], 3)


def test_encrypt_add_decrypt_round_trip(key):
    secret, public = key
    messages = [0, 1, 1, 0, 1]
    total = elgamal.add_all(elgamal.encrypt(public, m)[0] for m in messages)
    point = elgamal.decrypt_point(total, elgamal.partial_decrypt(secret, total))
    assert elgamal.discrete_log(point, len(messages)) == 3


def test_a_sum_of_zero_decrypts_to_zero(key):
    secret, public = key
    total = elgamal.add(elgamal.encrypt(public, 0)[0], elgamal.encrypt(public, 0)[0])
    assert elgamal.discrete_log(elgamal.decrypt_point(
        total, elgamal.partial_decrypt(secret, total)), 2) == 0


def test_discrete_log_refuses_a_sum_beyond_the_bound(key):
    secret, public = key
    total = elgamal.encrypt(public, 5)[0]
    with pytest.raises(ValueError):
        elgamal.discrete_log(elgamal.decrypt_point(
            total, elgamal.partial_decrypt(secret, total)), 4)


def test_points_outside_the_prime_order_group_are_refused():
    small_order = bytes.fromhex(
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa")  # order 8
    not_canonical = b"\xff" * 32
    for bad in (small_order, not_canonical, group.IDENTITY, b"\x00" * 31):
        with pytest.raises(group.GroupError):
            group.point_from_bytes(bad)
    with pytest.raises(group.GroupError):
        group.scalar_from_bytes(b"\xff" * 32)  # not reduced


def test_hash_input_is_length_prefixed():
    assert group.encode_parts("ab", b"c") != group.encode_parts("a", b"bc")
    assert group.encode_parts("x", 1) == b"\0\0\0\1x\0\0\0\4\0\0\0\1"


def test_bit_proof_accepts_0_and_1_and_refuses_2(ctx):
    for m in (0, 1):
        ct, r = elgamal.encrypt(ctx.public_key, m)
        assert proofs.verify_bit(ctx, 0, ct, proofs.prove_bit(ctx, 0, ct, m, r))
    # A 2 with a proof made as if it were a 1 (the prover lies about m): the proof fails.
    ct, r = elgamal.encrypt(ctx.public_key, 2)
    assert not proofs.verify_bit(ctx, 0, ct, proofs.prove_bit(ctx, 0, ct, 1, r))
    assert not proofs.verify_bit(ctx, 0, ct, proofs.prove_bit(ctx, 0, ct, 0, r))


def test_bit_proof_is_bound_to_its_option_and_vote(ctx):
    ct, r = elgamal.encrypt(ctx.public_key, 1)
    proof = proofs.prove_bit(ctx, 0, ct, 1, r)
    assert not proofs.verify_bit(ctx, 1, ct, proof)
    assert not proofs.verify_bit(Context("8", ctx.public_key, 3), 0, ct, proof)


def test_a_ballot_verifies_and_has_a_stable_tracking_code(ctx):
    ballot = make_ballot(ctx, 2)
    assert len(read_ballot(ctx, ballot)) == 3
    code = tracking_code(ctx, ballot)
    assert len(code) == 64 and code == tracking_code(ctx, dict(ballot))


def test_a_ballot_with_two_options_chosen_is_refused(ctx):
    """Each ciphertext a valid 0/1 with its proof, but two 1s: the sum proof cannot hold."""
    cts, bit_proofs, rs = [], [], []
    for j, m in enumerate((1, 1, 0)):
        ct, r = elgamal.encrypt(ctx.public_key, m)
        cts.append(ct)
        rs.append(r)
        bit_proofs.append(proofs.prove_bit(ctx, j, ct, m, r))
    r_total = group.scalar_add(group.scalar_add(rs[0], rs[1]), rs[2])
    ballot = {"ciphertexts": [c.to_json() for c in cts], "proofs": bit_proofs,
              "sum_proof": proofs.prove_sum_one(ctx, elgamal.add_all(cts), r_total)}
    with pytest.raises(BallotError, match="exactly one option"):
        read_ballot(ctx, ballot)


def test_a_ballot_with_no_option_chosen_is_refused(ctx):
    ballot = make_ballot(ctx, 0)
    ct, r = elgamal.encrypt(ctx.public_key, 0)
    ballot["ciphertexts"][0] = ct.to_json()
    ballot["proofs"][0] = proofs.prove_bit(ctx, 0, ct, 0, r)
    with pytest.raises(BallotError, match="exactly one option"):
        read_ballot(ctx, ballot)


def test_a_ballot_replayed_in_another_vote_is_refused(ctx):
    ballot = make_ballot(ctx, 1)
    with pytest.raises(BallotError, match="option 0"):
        read_ballot(Context("other", ctx.public_key, 3), ballot)


@pytest.mark.parametrize("tamper", ["swap_b", "bad_point", "short", "bad_scalar", "no_proof"])
def test_a_malformed_or_tampered_ballot_is_refused(ctx, tamper):
    ballot = make_ballot(ctx, 1)
    if tamper == "swap_b":
        ballot["ciphertexts"][0]["b"], ballot["ciphertexts"][1]["b"] = (
            ballot["ciphertexts"][1]["b"], ballot["ciphertexts"][0]["b"])
    elif tamper == "bad_point":
        ballot["ciphertexts"][2]["a"] = "ff" * 32
    elif tamper == "short":
        ballot["ciphertexts"].pop()
    elif tamper == "bad_scalar":
        ballot["proofs"][1]["s0"] = "ff" * 32
    else:
        ballot["proofs"][0] = "yes"
    with pytest.raises(BallotError):
        read_ballot(ctx, ballot)


def test_decryption_proof_refuses_a_wrong_factor(ctx, key):
    secret, public = key
    total = elgamal.encrypt(public, 1)[0]
    factor = elgamal.partial_decrypt(secret, total)
    proof = proofs.prove_decryption(ctx, 1, 0, secret, total, factor)
    assert proofs.verify_decryption(ctx, 1, 0, public, total, factor, proof)
    wrong = group.add(factor, group.BASE)  # would shift the tally by one
    assert not proofs.verify_decryption(ctx, 1, 0, public, total, wrong, proof)
    other_secret, other_public = elgamal.keygen()
    assert not proofs.verify_decryption(ctx, 1, 0, other_public, total, factor, proof)


@pytest.mark.parametrize(("threshold", "count", "present"),
                         [(2, 2, [1, 2]), (2, 3, [1, 3]), (2, 3, [2, 3]), (3, 5, [5, 1, 4])])
def test_any_threshold_of_shares_decrypts(threshold, count, present):
    dealt = [trustees.deal(threshold, count) for _ in range(count)]
    joint = trustees.joint_commitments([c for c, _ in dealt])
    shares = {j: trustees.combine_shares([s[j] for _, s in dealt]) for j in range(1, count + 1)}
    for j, share in shares.items():
        assert trustees.verify_share(joint, j, share)
    total = elgamal.add_all(elgamal.encrypt(joint[0], m)[0] for m in (1, 1, 0, 1))
    factors = {j: elgamal.partial_decrypt(shares[j], total) for j in present}
    point = elgamal.decrypt_point(total, trustees.combine_factors(factors))
    assert elgamal.discrete_log(point, 4) == 3


def test_fewer_shares_than_the_threshold_decrypt_nothing():
    commitments, shares = trustees.deal(2, 3)
    total = elgamal.encrypt(commitments[0], 1)[0]
    factor = trustees.combine_factors({1: elgamal.partial_decrypt(shares[1], total)})
    with pytest.raises(ValueError):
        elgamal.discrete_log(elgamal.decrypt_point(total, factor), 1)


def test_a_share_from_the_wrong_dealer_fails_its_check():
    commitments, shares = trustees.deal(2, 3)
    other, other_shares = trustees.deal(2, 3)
    assert trustees.verify_share(commitments, 2, shares[2])
    assert not trustees.verify_share(commitments, 2, other_shares[2])
    assert not trustees.verify_share(commitments, 3, shares[2])


def test_a_share_wrapped_under_a_pin_opens_only_with_that_pin_and_label():
    share = group.random_scalar()
    wrapped = trustees.wrap_share(share, "246810", label="vote 42/trustee 1", **FAST)
    assert share.hex() not in str(wrapped)
    assert trustees.unwrap_share(wrapped, "246810", label="vote 42/trustee 1") == share
    with pytest.raises(trustees.WrongPin):
        trustees.unwrap_share(wrapped, "246811", label="vote 42/trustee 1")
    with pytest.raises(trustees.WrongPin):  # moved to another vote
        trustees.unwrap_share(wrapped, "246810", label="vote 43/trustee 1")
    flipped = dict(wrapped, box=wrapped["box"][:-2] + ("00" if wrapped["box"][-2:] != "00"
                                                       else "11"))
    with pytest.raises(trustees.WrongPin):
        trustees.unwrap_share(flipped, "246810", label="vote 42/trustee 1")


def test_ciphertext_json_round_trip(key):
    ct = elgamal.encrypt(key[1], 1)[0]
    assert Ciphertext.from_json(ct.to_json()) == ct
