"""The vote key as shares held by trustees: t of n needed to decrypt (Shamir over the scalars,
Feldman commitments, Lagrange interpolation in the exponent), each share wrapped under its
holder's PIN.

Key generation is a joint Feldman scheme (Pedersen's DKG without complaints): each trustee k
deals a random polynomial f_k of degree t−1, publishes commitments C_k,i = a_k,i·g to its
coefficients and gives trustee j the share f_k(j). Trustee j checks each received share against
the dealer's commitments (:func:`verify_share`) and adds them up (:func:`combine_shares`); the
vote's key is x = Σ f_k(0), which nobody ever holds, its public key Σ C_k,0, and trustee j's
verification key y_j·g = Σ_i j^i·C_i, with C_i = Σ_k C_k,i (:func:`joint_commitments`), which
anyone can compute from the published commitments. A single dealer is the case of one f.

Decrypting: any t trustees give their factors y_j·A (with a proof, :mod:`.proofs`);
:func:`combine_factors` returns Σ λ_j·(y_j·A) = x·A, λ_j the Lagrange coefficients at 0.
"""

from __future__ import annotations

import os

import nacl.pwhash
import nacl.secret
from nacl.exceptions import CryptoError

from . import group


class WrongPin(ValueError):
    """The PIN does not open the wrapped share (or the wrapped share was altered)."""


# --- dealing and checking shares -----------------------------------------------------------------

def _power(i: int, k: int) -> bytes:
    out = group.scalar_from_int(1)
    for _ in range(k):
        out = group.scalar_mul(out, group.scalar_from_int(i))
    return out


def _evaluate(coefficients: list[bytes], x: int) -> bytes:
    """f(x) by Horner's rule, with libsodium's scalar operations."""
    result = group.ZERO
    xs = group.scalar_from_int(x)
    for coefficient in reversed(coefficients):
        result = group.scalar_add(group.scalar_mul(result, xs), coefficient)
    return result


def deal(threshold: int, trustees: int) -> tuple[list[bytes], dict[int, bytes]]:
    """One dealer's part: the commitments to its polynomial's coefficients and the share
    f(j) for each trustee j = 1…n (each to be handed to its trustee only)."""
    if not 1 <= threshold <= trustees:
        raise ValueError("the threshold is between 1 and the number of trustees")
    coefficients = [group.random_scalar() for _ in range(threshold)]
    commitments = [group.base_mul(c) for c in coefficients]
    shares = {j: _evaluate(coefficients, j) for j in range(1, trustees + 1)}
    return commitments, shares


def verification_key(commitments: list[bytes], j: int) -> bytes:
    """y_j·g = Σ_i j^i·C_i: what trustee j's share must match, from public values only."""
    key = group.IDENTITY
    for i, commitment in enumerate(commitments):
        key = group.add(key, group.mul(_power(j, i), commitment))
    return key


def verify_share(commitments: list[bytes], j: int, share: bytes) -> bool:
    return group.base_mul(share) == verification_key(commitments, j)


def joint_commitments(dealt: list[list[bytes]]) -> list[bytes]:
    """The commitments to the sum of the dealers' polynomials (C_0 is the vote's public key)."""
    if not dealt or len({len(c) for c in dealt}) != 1:
        raise ValueError("every dealer commits to the same number of coefficients")
    joint = []
    for column in zip(*dealt, strict=True):
        total = group.IDENTITY
        for point in column:
            total = group.add(total, point)
        joint.append(total)
    return joint


def combine_shares(received: list[bytes]) -> bytes:
    """A trustee's share of the vote key: the sum of what each dealer gave it."""
    total = group.ZERO
    for share in received:
        total = group.scalar_add(total, share)
    return total


def lagrange_at_zero(j: int, indexes: list[int]) -> bytes:
    """λ_j = Π_{k≠j} k / (k − j) over the trustees taking part."""
    if j not in indexes or len(set(indexes)) != len(indexes) or min(indexes) < 1:
        raise ValueError("distinct trustee indexes from 1, j among them")
    numerator = denominator = group.scalar_from_int(1)
    for k in indexes:
        if k == j:
            continue
        numerator = group.scalar_mul(numerator, group.scalar_from_int(k))
        denominator = group.scalar_mul(
            denominator, group.scalar_sub(group.scalar_from_int(k), group.scalar_from_int(j)))
    return group.scalar_mul(numerator, group.scalar_invert(denominator))


def combine_factors(factors: dict[int, bytes]) -> bytes:
    """x·A from t trustees' factors y_j·A."""
    indexes = sorted(factors)
    total = group.IDENTITY
    for j in indexes:
        total = group.add(total, group.mul(lagrange_at_zero(j, indexes), factors[j]))
    return total


# --- a share wrapped under its holder's PIN ------------------------------------------------------

#: libsodium's "interactive" Argon2id cost (64 MiB, 2 passes): well under a second to open, so a
#: trustee can close a vote quickly, yet each guess of a PIN costs an attacker as much.
OPSLIMIT = nacl.pwhash.argon2id.OPSLIMIT_INTERACTIVE
MEMLIMIT = nacl.pwhash.argon2id.MEMLIMIT_INTERACTIVE


def _key(pin: str, salt: bytes, opslimit: int, memlimit: int) -> bytes:
    return nacl.pwhash.argon2id.kdf(nacl.secret.SecretBox.KEY_SIZE, pin.encode("utf-8"), salt,
                                    opslimit=opslimit, memlimit=memlimit)


def wrap_share(share: bytes, pin: str, *, label: str = "", opslimit: int = OPSLIMIT,
               memlimit: int = MEMLIMIT) -> dict:
    """The share encrypted under a key derived from the PIN (Argon2id, then XSalsa20-Poly1305).

    The label (vote and trustee, say) is stored beside and sealed inside, so a wrapped share
    moved to another vote or trustee is refused on opening.
    """
    salt = os.urandom(nacl.pwhash.argon2id.SALTBYTES)
    box = nacl.secret.SecretBox(_key(pin, salt, opslimit, memlimit))
    sealed = box.encrypt(group.encode_parts(label, share))
    return {"kdf": "argon2id", "salt": salt.hex(), "opslimit": opslimit, "memlimit": memlimit,
            "label": label, "box": bytes(sealed).hex()}


def unwrap_share(wrapped: dict, pin: str, *, label: str = "") -> bytes:
    """The share, or WrongPin; ``label`` is the one the caller expects (this vote, this trustee),
    checked against the label sealed inside, not the one stored in the clear."""
    try:
        key = _key(pin, bytes.fromhex(wrapped["salt"]), int(wrapped["opslimit"]),
                   int(wrapped["memlimit"]))
        plain = nacl.secret.SecretBox(key).decrypt(bytes.fromhex(wrapped["box"]))
    except (CryptoError, KeyError, ValueError) as exc:
        raise WrongPin("this PIN does not open the share") from exc
    expected_label = group.encode_parts(label)
    if not plain.startswith(expected_label) or len(plain) != len(expected_label) + 36:
        raise WrongPin("the share belongs to another vote or trustee")
    return group.scalar_from_bytes(plain[len(expected_label) + 4:])
