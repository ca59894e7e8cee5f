"""Secrets kept in the database encrypted under a key that is not in it (ECABINET_DATA_KEY).

A copy of the database (a backup, a dump, a stolen disk without the instance folder) then gives
no one the users' second factors. Encryption is Fernet (AES-128-CBC with an HMAC-SHA256) from
``cryptography``; the key is the app's ``DATA_KEY`` (see :func:`ecabinet.config.load_data_key`).
Several keys separated by commas rotate: the first encrypts, every one decrypts.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app
from sqlalchemy import String, TypeDecorator

_EXTENSION_KEY = "ecabinet_data_key"


def cipher_for(key: str) -> MultiFernet:
    return MultiFernet([Fernet(part.strip()) for part in key.split(",") if part.strip()])


def _cipher() -> MultiFernet:
    app = current_app._get_current_object()
    key = app.config["DATA_KEY"]
    cached = app.extensions.get(_EXTENSION_KEY)
    if cached is None or cached[0] != key:
        cached = app.extensions[_EXTENSION_KEY] = (key, cipher_for(key))
    return cached[1]


def seal(plain: str, cipher: MultiFernet | None = None) -> str:
    return (cipher or _cipher()).encrypt(plain.encode()).decode("ascii")


def unseal(sealed: str, cipher: MultiFernet | None = None) -> str:
    try:
        return (cipher or _cipher()).decrypt(sealed.encode("ascii")).decode()
    except (InvalidToken, UnicodeEncodeError) as error:
        # Not a bad input: the deployment's key is not the one these secrets were sealed with.
        raise RuntimeError("ECABINET_DATA_KEY does not decrypt a secret stored in the database: "
                           "the key was changed or lost (keep the old one after a comma to "
                           "rotate)") from error


def seal_bytes(plain: bytes) -> bytes:
    """Encrypt and authenticate bytes the server keeps in the database for itself."""
    return _cipher().encrypt(plain)


def unseal_bytes(sealed: bytes) -> bytes | None:
    """The bytes :func:`seal_bytes` sealed; None when they were not sealed with this
    deployment's key — written by someone else (whoever holds the database), or altered."""
    try:
        return _cipher().decrypt(bytes(sealed))
    except (InvalidToken, TypeError):
        return None


class Sealed(TypeDecorator):
    """A string column stored encrypted; Python code sees the plain value."""

    impl = String(255)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else seal(value)

    def process_result_value(self, value, dialect):
        return None if value is None else unseal(value)
