"""Argon2id password hashing."""

from __future__ import annotations

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()


def use_cheapest_parameters() -> None:
    """For the test suite only (config PASSWORD_HASH_CHEAP): hashing at production cost takes
    most of its time. Hashes made this way are rehashed at the next sign-in in production."""
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)
    _DUMMY_HASH = _hasher.hash("not-a-password-of-anyone")

#: Verified against when the e-mail is unknown, so a wrong e-mail costs as long as a wrong password
#: and response times do not reveal who has an account.
_DUMMY_HASH = _hasher.hash("not-a-password-of-anyone")

MIN_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
