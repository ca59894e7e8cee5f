"""Exponential ElGamal over the prime-order group (:mod:`.group`).

A message m (0 or 1 for one option of a ballot; a count for a tally) under the public key
h = x·g, with randomness r: (a, b) = (r·g, r·h + m·g). Adding two ciphertexts adds their
messages, so the sum of every ballot's ciphertext for one option encrypts that option's count,
and only that sum is ever decrypted: b − x·a = count·g, whose discrete log is small (at most the
number of ballots) and is found in a table.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import group


@dataclass(frozen=True)
class Ciphertext:
    a: bytes
    b: bytes

    def to_json(self) -> dict:
        return {"a": self.a.hex(), "b": self.b.hex()}

    @classmethod
    def from_json(cls, data: dict) -> Ciphertext:
        """Read from outside: both points checked to lie in the prime-order group."""
        try:
            return cls(group.point_from_bytes(bytes.fromhex(data["a"])),
                       group.point_from_bytes(bytes.fromhex(data["b"])))
        except (KeyError, TypeError, ValueError) as exc:
            raise group.GroupError(f"bad ciphertext: {exc}") from exc


#: The product of no ciphertext: the encryption of 0 with randomness 0.
NEUTRAL = Ciphertext(group.IDENTITY, group.IDENTITY)


def keygen() -> tuple[bytes, bytes]:
    """(secret x, public x·g): a single key pair (a trustee's, or a test's)."""
    x = group.random_scalar()
    return x, group.base_mul(x)


def encrypt(public_key: bytes, m: int, r: bytes | None = None) -> tuple[Ciphertext, bytes]:
    """The ciphertext of m and the randomness used (which the proofs need)."""
    r = r or group.random_scalar()
    b = group.mul(r, public_key)
    if m:
        b = group.add(b, group.small_mul(m))
    return Ciphertext(group.base_mul(r), b), r


def add(c1: Ciphertext, c2: Ciphertext) -> Ciphertext:
    """The ciphertext of the sum of the two messages."""
    return Ciphertext(group.add(c1.a, c2.a), group.add(c1.b, c2.b))


def add_all(ciphertexts) -> Ciphertext:
    total = NEUTRAL
    for c in ciphertexts:
        total = add(total, c)
    return total


def partial_decrypt(share: bytes, ciphertext: Ciphertext) -> bytes:
    """A trustee's decryption factor share·a (alone it reveals nothing of the message)."""
    return group.mul(share, ciphertext.a)


def decrypt_point(ciphertext: Ciphertext, factor: bytes) -> bytes:
    """m·g, given the full decryption factor x·a (the trustees' factors combined)."""
    return group.sub(ciphertext.b, factor)


def discrete_log(point: bytes, bound: int) -> int:
    """The m in [0, bound] with m·g = point, by walking the table g, 2g, …; ValueError if none.

    bound is the number of ballots, so the walk is at most a few hundred additions.
    """
    current = group.IDENTITY
    for m in range(bound + 1):
        if current == point:
            return m
        current = group.add(current, group.BASE)
    raise ValueError("the decrypted sum is larger than the number of ballots")
