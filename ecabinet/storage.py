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
import stat
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


def _private_dir(path: Path) -> None:
    """``path`` as a folder only its owner enters (0700), whatever the umask: created so, or
    tightened when an older version left it open."""
    try:
        path.mkdir(mode=0o700)
        os.chmod(path, 0o700)  # mkdir's mode passes through the umask
    except FileExistsError:
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            os.chmod(path, 0o700)


def _make_private_dirs(folder: Path) -> None:
    """The storage root and the ``ab/cd`` folders under it, 0700 wherever ``STORAGE_DIR``
    points (a volume outside the instance folder too): the stored bytes include confidential
    originals, so neither the group nor others may list or read them. Folders above the root
    are not ours: created if missing, left as they are."""
    root = _root()
    root.parent.mkdir(parents=True, exist_ok=True)
    _private_dir(root)
    _private_dir(folder.parent)
    _private_dir(folder)


def put(data: bytes) -> str:
    """Store ``data`` and return its SHA-256 (hex). Storing the same bytes twice is a no-op."""
    digest = sha256_of(data)
    target = path_for(digest)
    try:
        os.utime(target)  # stored again: the sweep's grace period starts anew from now
        return digest
    except FileNotFoundError:
        pass
    _make_private_dirs(target.parent)
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o600)
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
