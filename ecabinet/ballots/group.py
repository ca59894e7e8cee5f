"""The prime-order group: the ed25519 curve's subgroup of order L, through libsodium (PyNaCl).

Every operation is one of libsodium's: point addition and subtraction
(``crypto_core_ed25519_add/sub``), multiplication by a scalar
(``crypto_scalarmult_ed25519_noclamp`` and its ``_base`` form), the scalar field's operations
(``crypto_core_ed25519_scalar_*``) and the point check (``crypto_core_ed25519_is_valid_point``:
canonical encoding, on the curve, not of small order, in the prime-order subgroup). This module
only names them and handles the identity, which libsodium's multiplication refuses to take or
return (the identity is a legitimate value here: the encryption of 0 under no randomness, a
tally of 0).

Why ed25519 and not ristretto255: PyNaCl 1.6 binds libsodium's ed25519 core functions but not
its ristretto255 ones. With every point from outside checked to lie in the prime-order subgroup,
the subgroup is a prime-order group just the same, and @noble/curves' ed25519 reads and writes
the same 32-byte encodings in the browser.

Encodings: a point is its 32-byte compressed ed25519 encoding; a scalar is 32 bytes, little
endian, below L. In JSON both are lowercase hex.
"""

from __future__ import annotations

import hashlib
import os
import struct

from nacl import bindings as sodium
from nacl.exceptions import RuntimeError as SodiumError

POINT_BYTES = 32
SCALAR_BYTES = 32

#: The neutral element's encoding (x = 0, y = 1).
IDENTITY = b"\x01" + b"\x00" * 31
ZERO = b"\x00" * 32
#: The standard base point (y = 4/5), the generator g of the protocol.
BASE = bytes.fromhex("5866666666666666666666666666666666666666666666666666666666666666")


class GroupError(ValueError):
    """A value that is not a valid group element or scalar."""


# --- scalars (integers modulo L) -----------------------------------------------------------------

def scalar_from_int(n: int) -> bytes:
    """A small non-negative integer (an index, a count) as a scalar; the encoding only."""
    if n < 0 or n.bit_length() > 250:
        raise GroupError("integer out of the scalar range")
    return n.to_bytes(SCALAR_BYTES, "little")


def scalar_reduce64(wide: bytes) -> bytes:
    """64 bytes reduced modulo L (libsodium)."""
    return sodium.crypto_core_ed25519_scalar_reduce(wide)


def random_scalar() -> bytes:
    """A uniformly random scalar: 64 random bytes reduced modulo L (bias below 2^-250)."""
    while True:
        s = scalar_reduce64(os.urandom(64))
        if s != ZERO:
            return s


def scalar_add(a: bytes, b: bytes) -> bytes:
    return sodium.crypto_core_ed25519_scalar_add(a, b)


def scalar_sub(a: bytes, b: bytes) -> bytes:
    return sodium.crypto_core_ed25519_scalar_sub(a, b)


def scalar_mul(a: bytes, b: bytes) -> bytes:
    return sodium.crypto_core_ed25519_scalar_mul(a, b)


def scalar_invert(a: bytes) -> bytes:
    if a == ZERO:
        raise GroupError("zero has no inverse")
    return sodium.crypto_core_ed25519_scalar_invert(a)


def scalar_from_bytes(value: bytes) -> bytes:
    """A scalar read from outside: exactly 32 bytes and already reduced (canonical)."""
    if len(value) != SCALAR_BYTES:
        raise GroupError("a scalar is 32 bytes")
    # Reducing a canonical scalar changes nothing; reducing a non-canonical one does.
    if scalar_reduce64(value + b"\x00" * 32) != value:
        raise GroupError("scalar not reduced modulo the group order")
    return value


# --- points --------------------------------------------------------------------------------------

def point_from_bytes(value: bytes, *, allow_identity: bool = False) -> bytes:
    """A point read from outside, checked: canonical, on the curve, in the prime-order subgroup."""
    if len(value) != POINT_BYTES:
        raise GroupError("a point is 32 bytes")
    if allow_identity and value == IDENTITY:
        return value
    if not sodium.crypto_core_ed25519_is_valid_point(value):
        raise GroupError("not an element of the prime-order group")
    return value


def add(p: bytes, q: bytes) -> bytes:
    return sodium.crypto_core_ed25519_add(p, q)


def sub(p: bytes, q: bytes) -> bytes:
    return sodium.crypto_core_ed25519_sub(p, q)


def mul(s: bytes, p: bytes) -> bytes:
    """s·P. libsodium refuses the identity as input or output; for P in the prime-order group
    and s in [1, L) the output is never the identity, so only those two cases need naming."""
    if s == ZERO or p == IDENTITY:
        return IDENTITY
    try:
        return sodium.crypto_scalarmult_ed25519_noclamp(s, p)
    except SodiumError as exc:  # an unchecked point: a bug in the caller
        raise GroupError("multiplication of a point outside the group") from exc


def base_mul(s: bytes) -> bytes:
    """s·g."""
    if s == ZERO:
        return IDENTITY
    return sodium.crypto_scalarmult_ed25519_base_noclamp(s)


def small_mul(n: int) -> bytes:
    """n·g for a small integer n (a plaintext, a tally)."""
    return base_mul(scalar_from_int(n))


# --- hashing -------------------------------------------------------------------------------------

def encode_parts(*parts: bytes | str | int) -> bytes:
    """The length-prefixed encoding every hash in the protocol reads.

    Each part: a 4-byte big-endian length, then the bytes. A str is its UTF-8 bytes; an int is
    its 4-byte big-endian form (indexes, counts). So no two different lists of parts encode the
    same (the browser's ballot.js builds the same bytes).
    """
    out = bytearray()
    for part in parts:
        if isinstance(part, bool):
            raise TypeError("no booleans in a hash input")
        if isinstance(part, int):
            part = struct.pack(">I", part)
        elif isinstance(part, str):
            part = part.encode("utf-8")
        out += struct.pack(">I", len(part)) + part
    return bytes(out)


def hash_to_scalar(domain: str, *parts: bytes | str | int) -> bytes:
    """Fiat–Shamir challenge: SHA-512(encode_parts(domain, *parts)) reduced modulo L."""
    return scalar_reduce64(hashlib.sha512(encode_parts(domain, *parts)).digest())
