"""One member's encrypted ballot: a ciphertext per option, their proofs, its tracking code.

JSON shape (what the tablet sends and the record publishes)::

    {"ciphertexts": [{"a": hex, "b": hex}, …one per option],
     "proofs": [{"c0": hex, "c1": hex, "s0": hex, "s1": hex}, …one per option],
     "sum_proof": {"c": hex, "s": hex}}

The tracking code is SHA-256 over the length-prefixed parts ("ecabinet/ballot/v1/track",
vote id, then for each option a, b, c0, c1, s0, s1, then the sum proof's c, s), in lowercase
hex: the member sees it after casting and finds it in the published record.
"""

from __future__ import annotations

import hashlib

from . import elgamal, group, proofs
from .elgamal import Ciphertext
from .proofs import Context

TRACK = "ecabinet/ballot/v1/track"


class BallotError(ValueError):
    """A ballot that must be refused; the message says why."""


def make_ballot(ctx: Context, choice: int) -> dict:
    """Encrypts ``choice`` (an option's index) with every proof: what a tablet does."""
    if not 0 <= choice < ctx.options:
        raise ValueError("no such option")
    ciphertexts, bit_proofs, randomness = [], [], []
    for j in range(ctx.options):
        m = int(j == choice)
        ct, r = elgamal.encrypt(ctx.public_key, m)
        ciphertexts.append(ct)
        randomness.append(r)
        bit_proofs.append(proofs.prove_bit(ctx, j, ct, m, r))
    r_total = group.ZERO
    for r in randomness:
        r_total = group.scalar_add(r_total, r)
    total = elgamal.add_all(ciphertexts)
    return {"ciphertexts": [ct.to_json() for ct in ciphertexts], "proofs": bit_proofs,
            "sum_proof": proofs.prove_sum_one(ctx, total, r_total)}


def read_ballot(ctx: Context, ballot: dict) -> list[Ciphertext]:
    """The ballot's ciphertexts once every check passed; BallotError saying which failed."""
    if not isinstance(ballot, dict):
        raise BallotError("a ballot is an object")
    raw_cts, raw_proofs = ballot.get("ciphertexts"), ballot.get("proofs")
    if not isinstance(raw_cts, list) or not isinstance(raw_proofs, list):
        raise BallotError("a ballot has a list of ciphertexts and a list of proofs")
    if len(raw_cts) != ctx.options or len(raw_proofs) != ctx.options:
        raise BallotError(f"a ballot has {ctx.options} ciphertexts and {ctx.options} proofs")
    try:
        cts = [Ciphertext.from_json(c) for c in raw_cts]
        for j, (ct, proof) in enumerate(zip(cts, raw_proofs, strict=True)):
            if not isinstance(proof, dict) or not proofs.verify_bit(ctx, j, ct, proof):
                raise BallotError(f"option {j}: the proof that it encrypts 0 or 1 fails")
        sum_proof = ballot.get("sum_proof")
        if not isinstance(sum_proof, dict) or not proofs.verify_sum_one(
                ctx, elgamal.add_all(cts), sum_proof):
            raise BallotError("the proof that exactly one option is chosen fails")
    except group.GroupError as exc:
        raise BallotError(str(exc)) from exc
    return cts


def tracking_code(ctx: Context, ballot: dict) -> str:
    """The ballot's tracking code (call on a ballot :func:`read_ballot` accepted)."""
    parts: list[bytes | str] = [TRACK, ctx.vote_id]
    for ct, proof in zip(ballot["ciphertexts"], ballot["proofs"], strict=True):
        parts += [bytes.fromhex(ct["a"]), bytes.fromhex(ct["b"])]
        parts += [bytes.fromhex(proof[k]) for k in ("c0", "c1", "s0", "s1")]
    parts += [bytes.fromhex(ballot["sum_proof"][k]) for k in ("c", "s")]
    return hashlib.sha256(group.encode_parts(*parts)).hexdigest()
