"""The minutes' versions: generate, upload, lock, and who may read them.

The secretariat generates a version from the record, edits it in a word processor, uploads the
edited file as a new version and finally locks one, which closes the series. Every version is
kept (its bytes in :mod:`ecabinet.storage`, by SHA-256) and every change is audited. Services
flush and raise domain errors; the caller commits.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import gettext as _
from sqlalchemy import func, select

from ecabinet import storage
from ecabinet.audit import services as audit
from ecabinet.errors import Conflict, Forbidden, Invalid, NotFound
from ecabinet.extensions import db
from ecabinet.identity.models import User
from ecabinet.meetings import access
from ecabinet.meetings.minutes.documents import RENDERERS
from ecabinet.meetings.minutes.record import build_record
from ecabinet.meetings.minutes.uploads import check_docx, clean_filename
from ecabinet.meetings.models import (
    Meeting,
    MeetingStatus,
    MinutesKind,
    MinutesSource,
    MinutesVersion,
)

#: Minutes are drawn up once the session has stopped: adjourned (it may resume) or closed.
MINUTES_OPEN = {MeetingStatus.ADJOURNED, MeetingStatus.CLOSED}

#: How a generated version's file is named ("bien-ban-12-v3.docx"), and an upload without one.
FILE_PREFIX = {MinutesKind.MINUTES: "bien-ban", MinutesKind.CONCLUSIONS: "thong-bao-ket-luan"}


def _kind(value: str) -> MinutesKind:
    try:
        return MinutesKind(value)
    except ValueError:
        raise Invalid(_("A kind is minutes or conclusions."), details={"kind": [value]}) from None


def versions_of(meeting: Meeting) -> list[MinutesVersion]:
    return list(db.session.scalars(
        select(MinutesVersion).where(MinutesVersion.meeting_id == meeting.id)
        .order_by(MinutesVersion.kind, MinutesVersion.number)))


def locked_version(meeting: Meeting, kind: MinutesKind) -> MinutesVersion | None:
    return db.session.scalar(select(MinutesVersion).where(
        MinutesVersion.meeting_id == meeting.id, MinutesVersion.kind == kind.value,
        MinutesVersion.locked_at.is_not(None)))


def can_read(user: User, meeting: Meeting, version: MinutesVersion) -> bool:
    """Drafts: the secretariat and the chair. The final (locked) text: also the members, when
    they may see every item it reports on (a confidential item stays with its invitees)."""
    if access.is_organiser(user, meeting) or access.is_chair(user, meeting):
        return True
    if version.locked_at is None or not access.is_voting_member(user, meeting):
        return False
    return len(access.visible_items(user, meeting)) == len(meeting.items)


def visible_versions(user: User, meeting: Meeting) -> list[MinutesVersion]:
    return [v for v in versions_of(meeting) if can_read(user, meeting, v)]


def version_for(user: User, meeting_id: int, kind: str, number: int) -> MinutesVersion:
    """Load a version the user may read: 404 when the meeting or version is not theirs to see,
    403 when it is a draft they may not read yet."""
    meeting = access.meeting_for(user, meeting_id)
    version = db.session.scalar(select(MinutesVersion).where(
        MinutesVersion.meeting_id == meeting.id, MinutesVersion.kind == kind,
        MinutesVersion.number == number))
    if version is None:
        raise NotFound(_("No such version."))
    if not can_read(user, meeting, version):
        raise Forbidden(_("Members can read the minutes once the final version is locked; "
                          "guests cannot."))
    return version


def content_of(version: MinutesVersion) -> bytes:
    return storage.get(version.sha256)


def _require_open(meeting: Meeting, kind: MinutesKind) -> None:
    if MeetingStatus(meeting.status) not in MINUTES_OPEN:
        raise Conflict(_("The minutes are drawn up once the session is adjourned or closed."),
                       code="wrong_status")
    if locked_version(meeting, kind) is not None:
        raise Conflict(_("The final version is locked: no new version can be added."),
                       code="minutes_locked")


def _serialise(meeting: Meeting) -> None:
    """Take the meeting's row lock so that two versions never get the same number and two locks
    never both succeed (SQLite's BEGIN IMMEDIATE serialises writers already)."""
    db.session.execute(select(Meeting.id).where(Meeting.id == meeting.id).with_for_update())


def _add_version(actor: User, meeting: Meeting, kind: MinutesKind, data: bytes,
                 source: MinutesSource, filename: str | None) -> MinutesVersion:
    _serialise(meeting)
    _require_open(meeting, kind)
    number = (db.session.scalar(select(func.max(MinutesVersion.number)).where(
        MinutesVersion.meeting_id == meeting.id, MinutesVersion.kind == kind.value)) or 0) + 1
    canonical = f"{FILE_PREFIX[kind]}-{meeting.id}-v{number}"
    digest = storage.put(data)
    version = MinutesVersion(
        meeting_id=meeting.id, kind=kind.value, number=number, sha256=digest, size=len(data),
        filename=clean_filename(filename, canonical) if filename else f"{canonical}.docx",
        source=source.value, created_by_id=actor.id)
    db.session.add(version)
    db.session.flush()
    audit.record(f"minutes.{'generate' if source == MinutesSource.GENERATED else 'upload'}",
                 actor=actor, target=version,
                 details={"meeting_id": meeting.id, "kind": kind.value, "number": number,
                          "sha256": digest, "size": len(data)})
    return version


def generate(actor: User, meeting: Meeting, kind: str) -> MinutesVersion:
    """A new version drawn from what the session recorded."""
    access.require_organiser(actor, meeting)
    kind_value = _kind(kind)
    _require_open(meeting, kind_value)
    data = RENDERERS[kind_value](build_record(meeting, secretary=actor))
    return _add_version(actor, meeting, kind_value, data, MinutesSource.GENERATED, None)


def upload(actor: User, meeting: Meeting, kind: str, data: bytes,
           filename: str | None = None) -> MinutesVersion:
    """A new version from a .docx the secretariat edited. Nothing is stored unless it is one."""
    access.require_organiser(actor, meeting)
    kind_value = _kind(kind)
    _require_open(meeting, kind_value)
    check_docx(data)
    return _add_version(actor, meeting, kind_value, data, MinutesSource.UPLOADED, filename)


def lock(actor: User, meeting: Meeting, kind: str, number: int) -> MinutesVersion:
    """Make a version the final text: no version of its kind can be added after this."""
    access.require_organiser(actor, meeting)
    kind_value = _kind(kind)
    _serialise(meeting)
    version = db.session.scalar(select(MinutesVersion).where(
        MinutesVersion.meeting_id == meeting.id, MinutesVersion.kind == kind_value.value,
        MinutesVersion.number == number))
    if version is None:
        raise NotFound(_("No such version."))
    if locked_version(meeting, kind_value) is not None:
        raise Conflict(_("The final version is locked already."), code="minutes_locked")
    version.locked_at, version.locked_by_id = datetime.now(UTC), actor.id
    db.session.flush()
    audit.record("minutes.lock", actor=actor, target=version,
                 details={"meeting_id": meeting.id, "kind": kind_value.value, "number": number,
                          "sha256": version.sha256})
    return version
