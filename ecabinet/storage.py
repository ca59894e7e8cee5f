"""File bytes, content-addressed: stored once under the SHA-256 of their content.

The database keeps the hash; the bytes live under ``STORAGE_DIR`` as ``ab/cd/abcd…``. A file is
written to a temporary name in its final folder and renamed into place (``os.replace`` is atomic
on one filesystem), so a reader never sees half a file and two writers of the same bytes agree.
Nothing is ever overwritten with different content: the name *is* the content's hash.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from flask import current_app

_HEX64 = re.compile(r"[0-9a-f]{64}")


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _root() -> Path:
    return Path(current_app.config["STORAGE_DIR"])


def path_for(digest: str) -> Path:
    """Where the bytes of ``digest`` live. Refuses anything but a lowercase SHA-256 in hex,
    so a hash taken from a request can never walk out of the storage folder."""
    if not _HEX64.fullmatch(digest or ""):
        raise ValueError("not a SHA-256 hex digest")
    return _root() / digest[:2] / digest[2:4] / digest


def put(data: bytes) -> str:
    """Store ``data`` and return its SHA-256 (hex). Storing the same bytes twice is a no-op."""
    digest = sha256_of(data)
    target = path_for(digest)
    try:
        os.utime(target)  # stored again: the sweep's grace period starts anew from now
        return digest
    except FileNotFoundError:
        pass
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o640)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return digest


def exists(digest: str) -> bool:
    return path_for(digest).is_file()


def get(digest: str) -> bytes:
    """The bytes stored under ``digest``; checked against it, so a corrupted file is not served.

    Raises FileNotFoundError when missing and OSError when the content no longer matches.
    """
    data = path_for(digest).read_bytes()
    if sha256_of(data) != digest:
        raise OSError(f"stored file {digest} does not match its hash")
    return data
