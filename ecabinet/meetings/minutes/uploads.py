"""What an edited .docx must be to be taken back as a version of the minutes, and its name."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from ecabinet.docs import validation

#: Word's media type (the documents feature's validator owns it).
DOCX_MIME = validation.DOCX_MIME

#: The minutes' own limits; the checks themselves are the documents feature's (one validator).
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
#: A .docx this size unpacks to a few times as much; more is a zip bomb.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024


def check_docx(data: bytes) -> None:
    """Accept only a real Word document (.docx) within the minutes' limits."""
    validation.check_docx(data, max_bytes=MAX_UPLOAD_BYTES, max_unpacked=MAX_UNPACKED_BYTES)


def clean_filename(name: str | None, fallback: str) -> str:
    """A display name for Content-Disposition: the last path part, printable, ending .docx."""
    name = PurePosixPath((name or "").replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"<>:|?*').strip(" .")
    stem = re.sub(r"\.docx$", "", name, flags=re.IGNORECASE)[:150].strip(" .")
    return f"{stem or fallback}.docx"
