"""Reclaiming stored bytes nothing refers to (``ecabinet storage sweep``).

:mod:`ecabinet.storage` keeps every file under its SHA-256 and never deletes; the database
keeps only the hashes. Two kinds of bytes would pile up for ever:

- built meeting packs (:class:`~ecabinet.packs.models.MeetingPack`), a cache kept per plan: once
  a newer plan replaces one, nothing asks for it again. A pack row is only a cache entry (nothing
  points at it; read receipts record *how* a document was opened, not which pack), and
  :func:`ecabinet.packs.services.reader_pack` has a missing pack built again (in the job queue)
  on the next download;
- bytes ``put()`` by a transaction that then rolled back (a refused signature, a failed step
  after an upload), and ``.tmp-*`` files left by a crash in the middle of a write.

The sweep removes the pack rows older than the grace period, then every stored file that no
row names (:data:`FILE_COLUMNS`) and no audit entry names (the audit trail is the legal record:
a hash it cites must stay retrievable), provided the file is older than the grace period too.
The grace protects a transaction that has stored its bytes but not committed its row yet: a
file written after ``now - grace`` is never touched, so a transaction shorter than the grace
cannot lose its file. The same cut-off, taken once before anything is read, is used for rows
and files.

It works in three short transactions (the old packs deleted; the references read; the audit
entry recorded) with the file walk outside any transaction, so SQLite's single write lock is
not held while thousands of files are looked at. It is a maintenance job, like
:func:`ecabinet.search.jobs.run_index`: call it with an app context and no transaction open.

Only the layout ``put()`` writes is looked at: ``<root>/ab/cd/abcd…`` (two folders of two
lowercase hex digits, then the 64-hex name). Symbolic links are never followed nor removed,
anything else (another name, a misplaced hash, a folder) is left alone and counted as ignored,
and empty folders stay (``put()`` may be about to write into one).
"""

from __future__ import annotations

import logging
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, func, select

from ecabinet.audit import services as audit
from ecabinet.audit.models import AuditEntry
from ecabinet.database import unit_of_work
from ecabinet.decisions.models import Decision, DecisionAttachment, DecisionSignature
from ecabinet.docs.models import DocumentVersion
from ecabinet.extensions import db
from ecabinet.interchange.axis.models import AxisIncoming, AxisOutgoing
from ecabinet.interchange.incoming.models import (
    IncomingAttachment,
    IncomingDocument,
    IncomingQuarantine,
)
from ecabinet.meetings.models import MinutesVersion
from ecabinet.packs.models import MeetingPack
from ecabinet.polls.models import PollResponse

log = logging.getLogger(__name__)

#: Every column that names a file in :mod:`ecabinet.storage`. A feature that stores bytes under
#: a new column adds it here; ``tests/storage/test_references.py`` fails until it does.
FILE_COLUMNS = (
    DocumentVersion.sha256,  # the uploaded .docx or PDF
    DocumentVersion.pdf_sha256,  # its rendering
    MinutesVersion.sha256,
    PollResponse.ballot_sha256,  # the signed ballot
    Decision.pdf_sha256,  # the current PDF: prepared, signed, issued
    DecisionAttachment.source_sha256,
    DecisionAttachment.pdf_sha256,
    DecisionSignature.pdf_sha256,  # the PDF each signature produced
    MeetingPack.pdf_sha256,  # a cache: old rows are removed first (see sweep)
    AxisOutgoing.package_sha256,  # a package sent (or to send) through the exchange
    AxisIncoming.package_sha256,  # a package received through it
    IncomingDocument.package_sha256,  # the package a registered document came in
    IncomingAttachment.sha256,  # its files (None once recalled)
    IncomingQuarantine.package_sha256,  # a refused package, kept for the clerk
)

DEFAULT_GRACE = timedelta(hours=24)
TEMP_PREFIX = ".tmp-"  # what storage.put writes before renaming into place

#: A hash in an audit entry's JSON: 64 hex digits not part of a longer run of hex digits.
_HASH_IN_TEXT = re.compile(r"(?<![0-9a-fA-F])[0-9a-fA-F]{64}(?![0-9a-fA-F])")
_NAME = re.compile(r"[0-9a-f]{64}")
_SHARD = re.compile(r"[0-9a-f]{2}")
_AUDIT_BATCH = 2000


@dataclass
class SweepReport:
    dry_run: bool
    grace_hours: float
    #: Cached meeting packs older than the grace: their rows removed (or that would be).
    packs_removed: int = 0
    #: Stored files nothing names, older than the grace: removed (or that would be) …
    files_removed: int = 0
    bytes_removed: int = 0
    #: … and ``.tmp-*`` files older than the grace.
    temp_removed: int = 0
    temp_bytes_removed: int = 0
    #: Files kept because a row or an audit entry names them …
    kept_referenced: int = 0
    #: … or because they are newer than the grace.
    kept_recent: int = 0
    #: Entries of the storage folders that are not ours to judge (other names, links, folders).
    ignored: int = 0
    #: Files that could not be looked at or removed (logged).
    errors: int = 0

    def counts(self) -> dict:
        return {key: value for key, value in asdict(self).items() if key != "dry_run"}


def sweep(grace: timedelta = DEFAULT_GRACE, *, dry_run: bool = False,
          now: datetime | None = None) -> SweepReport:
    """Remove old cached packs, then the stored files nothing refers to; return what was done.
    A dry run changes nothing (no row, no file, no audit entry) and reports the same counts."""
    if grace < timedelta(0):
        raise ValueError("the grace period cannot be negative")
    cutoff = (now or datetime.now(UTC)) - grace
    report = SweepReport(dry_run=dry_run, grace_hours=grace.total_seconds() / 3600)
    with unit_of_work():
        report.packs_removed = _remove_old_packs(cutoff, dry_run=dry_run)
    with unit_of_work():
        # A dry run left the old packs in place: their files count as they will after removal.
        referenced = referenced_hashes(packs_before=cutoff if dry_run else None)
    _sweep_files(_root(), referenced, cutoff.timestamp(), report)
    if not dry_run:
        with unit_of_work():
            audit.record("storage.sweep", object_type="storage", details=report.counts())
    return report


# --- the rows ------------------------------------------------------------------------------------

def _remove_old_packs(cutoff: datetime, *, dry_run: bool) -> int:
    old = MeetingPack.created_at < cutoff
    if dry_run:
        return db.session.scalar(select(func.count(MeetingPack.id)).where(old)) or 0
    return db.session.execute(delete(MeetingPack).where(old)).rowcount or 0


def referenced_hashes(*, packs_before: datetime | None = None) -> set[str]:
    """Every hash a row of :data:`FILE_COLUMNS` or an audit entry names. ``packs_before``
    leaves out the cached packs created before it (as if they were removed)."""
    found: set[str] = set()
    for column in FILE_COLUMNS:
        query = select(column).where(column.is_not(None)).distinct()
        if packs_before is not None and column.class_ is MeetingPack:
            query = query.where(MeetingPack.created_at >= packs_before)
        found.update(value.lower() for value in db.session.scalars(query))
    details = db.session.scalars(
        select(AuditEntry.details).execution_options(yield_per=_AUDIT_BATCH))
    for text in details:
        found.update(match.lower() for match in _HASH_IN_TEXT.findall(text or ""))
    return found


# --- the files -----------------------------------------------------------------------------------

def _root() -> Path:
    return Path(current_app.config["STORAGE_DIR"])


def _subfolders(path: Path) -> Iterator[Path]:
    """The real (not linked) sub-folders of ``path`` named by two hex digits, in order."""
    try:
        with os.scandir(path) as entries:
            found = sorted(entry.name for entry in entries
                           if _SHARD.fullmatch(entry.name) and entry.is_dir(follow_symlinks=False))
    except FileNotFoundError:
        return
    for name in found:
        yield path / name


def _sweep_files(root: Path, referenced: set[str], cutoff: float, report: SweepReport) -> None:
    for first in _subfolders(root):
        for folder in _subfolders(first):
            prefix = first.name + folder.name
            try:
                with os.scandir(folder) as scan:
                    entries = [(entry.name, entry.is_symlink()) for entry in scan]
            except OSError:
                log.exception("storage sweep: cannot list %s", folder)
                report.errors += 1
                continue
            for name, is_link in entries:
                _sweep_entry(folder / name, name, is_link, prefix, referenced, cutoff, report)


def _sweep_entry(path: Path, name: str, is_link: bool, prefix: str, referenced: set[str],
                 cutoff: float, report: SweepReport) -> None:
    if is_link:
        report.ignored += 1
        return
    if name.startswith(TEMP_PREFIX):
        outcome, size = _remove_if_older(path, cutoff, report)
        if outcome == _REMOVED:
            report.temp_removed += 1
            report.temp_bytes_removed += size
        return
    if not (_NAME.fullmatch(name) and name.startswith(prefix)):
        report.ignored += 1
        return
    if name in referenced:
        report.kept_referenced += 1
        return
    outcome, size = _remove_if_older(path, cutoff, report)
    if outcome == _REMOVED:
        report.files_removed += 1
        report.bytes_removed += size
    elif outcome == _RECENT:
        report.kept_recent += 1


_REMOVED, _RECENT, _OTHER = "removed", "recent", "other"


def _remove_if_older(path: Path, cutoff: float, report: SweepReport) -> tuple[str, int]:
    """Remove ``path`` if it is a regular file last written before ``cutoff`` (unless the
    report is a dry run); the outcome and the file's size. Its state is read again just before,
    so a file rewritten meanwhile is kept; a link or folder in its place is never followed."""
    try:
        info = os.lstat(path)
        if not stat.S_ISREG(info.st_mode):
            report.ignored += 1
            return _OTHER, 0
        if info.st_mtime >= cutoff:
            return _RECENT, info.st_size
        if not report.dry_run:
            os.unlink(path)
    except FileNotFoundError:  # removed meanwhile (by another sweep): nothing to count
        return _OTHER, 0
    except OSError:
        log.exception("storage sweep: cannot remove %s", path)
        report.errors += 1
        return _OTHER, 0
    return _REMOVED, info.st_size
