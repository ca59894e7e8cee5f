"""Zero-knowledge proofs (Chaum–Pedersen, made non-interactive by Fiat–Shamir).

Every challenge is :func:`group.hash_to_scalar` over a domain string and the length-prefixed
parts below, always starting with the vote's context (vote id, public key, number of options),
so a proof made for one vote is worthless in another. A proof is stored compactly as
challenges and responses; the verifier recomputes the commitments from them and checks that
the hash of the statement with those commitments gives back the challenge.

- ``bit`` — ciphertext (A, B) of option j encrypts 0 or 1. Disjunctive: for v in {0, 1},
  commitments a_v = s_v·g − c_v·A, b_v = s_v·h − c_v·(B − v·g); valid when
  c_0 + c_1 = H("ecabinet/ballot/v1/bit", ctx…, j, A, B, a_0, b_0, a_1, b_1).
- ``sum`` — the product (A*, B*) of a ballot's ciphertexts encrypts exactly 1: a = s·g − c·A*,
  b = s·h − c·(B* − g); valid when c = H("ecabinet/ballot/v1/sum", ctx…, A*, B*, a, b).
- ``decryption`` — trustee i's factor D for the product (A*, B*) of option j is y_i·A* where
  Y_i = y_i·g is the trustee's verification key: a = s·g − c·Y_i, b = s·A* − c·D; valid when
  c = H("ecabinet/ballot/v1/decrypt", ctx…, i, j, Y_i, A*, D, a, b).
"""

from __future__ import annotations

from dataclasses import dataclass

from . import group
from .elgamal import Ciphertext

BIT = "ecabinet/ballot/v1/bit"
SUM = "ecabinet/ballot/v1/sum"
DECRYPT = "ecabinet/ballot/v1/decrypt"


@dataclass(frozen=True)
class Context:
    """What every challenge is bound to: the vote, its key, its number of options."""
    vote_id: str
    public_key: bytes
    options: int

    def parts(self) -> tuple:
        return (self.vote_id, self.public_key, self.options)


def _scalars(data: dict, names: tuple[str, ...]) -> tuple[bytes, ...]:
    try:
        return tuple(group.scalar_from_bytes(bytes.fromhex(data[n])) for n in names)
    except (KeyError, TypeError, ValueError) as exc:
        raise group.GroupError(f"bad proof: {exc}") from exc


def _commit(s: bytes, c: bytes, base: bytes, target: bytes) -> bytes:
    """s·base − c·target: the commitment a valid response implies. With base g, libsodium's
    fixed-base multiplication (its precomputed table; the same point, ~3× faster)."""
    first = group.base_mul(s) if base == group.BASE else group.mul(s, base)
    return group.sub(first, group.mul(c, target))


def _shifted(b: bytes, v: int) -> bytes:
    """B − v·g for v in {0, 1}: B itself, or B − g (no multiplication for a constant)."""
    return b if v == 0 else group.sub(b, group.BASE)


# --- each ciphertext is 0 or 1 -------------------------------------------------------------------

def prove_bit(ctx: Context, j: int, ct: Ciphertext, m: int, r: bytes) -> dict:
    """Proof that ``ct`` (randomness r) encrypts m, m being 0 or 1, without saying which."""
    if m not in (0, 1):
        raise ValueError("only 0 or 1 can be proved")
    h = ctx.public_key
    fake = 1 - m
    c_fake, s_fake = group.random_scalar(), group.random_scalar()
    shifted_fake = group.sub(ct.b, group.small_mul(fake))
    w = group.random_scalar()
    commits = {
        fake: (_commit(s_fake, c_fake, group.BASE, ct.a), _commit(s_fake, c_fake, h, shifted_fake)),
        m: (group.base_mul(w), group.mul(w, h)),
    }
    c = group.hash_to_scalar(BIT, *ctx.parts(), j, ct.a, ct.b, *commits[0], *commits[1])
    c_real = group.scalar_sub(c, c_fake)
    s_real = group.scalar_add(w, group.scalar_mul(c_real, r))
    cs = {m: c_real, fake: c_fake}
    ss = {m: s_real, fake: s_fake}
    return {"c0": cs[0].hex(), "c1": cs[1].hex(), "s0": ss[0].hex(), "s1": ss[1].hex()}


def verify_bit(ctx: Context, j: int, ct: Ciphertext, proof: dict) -> bool:
    c0, c1, s0, s1 = _scalars(proof, ("c0", "c1", "s0", "s1"))
    h = ctx.public_key
    commits = []
    for v, c, s in ((0, c0, s0), (1, c1, s1)):
        commits += [_commit(s, c, group.BASE, ct.a), _commit(s, c, h, _shifted(ct.b, v))]
    expected = group.hash_to_scalar(BIT, *ctx.parts(), j, ct.a, ct.b, *commits)
    return group.scalar_add(c0, c1) == expected


# --- the ballot's ciphertexts add up to 1 --------------------------------------------------------

def prove_sum_one(ctx: Context, total: Ciphertext, r_total: bytes) -> dict:
    """Proof that ``total`` (the product of a ballot's ciphertexts, randomness the sum of
    theirs) encrypts 1: exactly one option chosen."""
    w = group.random_scalar()
    a, b = group.base_mul(w), group.mul(w, ctx.public_key)
    c = group.hash_to_scalar(SUM, *ctx.parts(), total.a, total.b, a, b)
    s = group.scalar_add(w, group.scalar_mul(c, r_total))
    return {"c": c.hex(), "s": s.hex()}


def verify_sum_one(ctx: Context, total: Ciphertext, proof: dict) -> bool:
    c, s = _scalars(proof, ("c", "s"))
    a = _commit(s, c, group.BASE, total.a)
    b = _commit(s, c, ctx.public_key, group.sub(total.b, group.BASE))
    return group.hash_to_scalar(SUM, *ctx.parts(), total.a, total.b, a, b) == c


# --- a trustee's decryption factor is correct ----------------------------------------------------

def prove_decryption(ctx: Context, trustee: int, j: int, share: bytes, total: Ciphertext,
                     factor: bytes) -> dict:
    """Proof that ``factor`` = share·A* for the share behind the trustee's verification key."""
    key = group.base_mul(share)
    w = group.random_scalar()
    a, b = group.base_mul(w), group.mul(w, total.a)
    c = group.hash_to_scalar(DECRYPT, *ctx.parts(), trustee, j, key, total.a, factor, a, b)
    s = group.scalar_add(w, group.scalar_mul(c, share))
    return {"c": c.hex(), "s": s.hex()}


def verify_decryption(ctx: Context, trustee: int, j: int, key: bytes, total: Ciphertext,
                      factor: bytes, proof: dict) -> bool:
    c, s = _scalars(proof, ("c", "s"))
    a = _commit(s, c, group.BASE, key)
    b = _commit(s, c, total.a, factor)
    return group.hash_to_scalar(DECRYPT, *ctx.parts(), trustee, j, key, total.a, factor,
                                a, b) == c
