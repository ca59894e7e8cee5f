"""Stored files of every age, and the rows that name them.

Files are aged with ``os.utime`` (never by waiting): :data:`OLD` is well past the default grace
of 24 hours, a fresh file is written now."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ecabinet import storage
from ecabinet.database import unit_of_work
from ecabinet.extensions import db
from ecabinet.meetings.models import Meeting
from ecabinet.packs.models import MeetingPack

OLD = timedelta(hours=48)


def age(path: Path, by: timedelta = OLD) -> None:
    """Make ``path`` look last written ``by`` ago (a link itself, not what it points to)."""
    moment = (datetime.now(UTC) - by).timestamp()
    os.utime(path, (moment, moment), follow_symlinks=False)


@pytest.fixture
def store(app):
    """``store(b"bytes", old=True)`` puts bytes in storage (aged when ``old``); their hash."""

    def put(data: bytes, *, old: bool = True) -> str:
        with app.app_context():
            digest = storage.put(data)
            if old:
                age(storage.path_for(digest))
        return digest

    return put


@pytest.fixture
def stored_path(app):
    def path(digest: str) -> Path:
        with app.app_context():
            return storage.path_for(digest)

    return path


@pytest.fixture
def root(app) -> Path:
    return Path(app.config["STORAGE_DIR"])


@pytest.fixture
def meeting_id(app) -> int:
    with app.app_context(), unit_of_work():
        meeting = Meeting(title="Phiên họp thường kỳ", starts_at=datetime.now(UTC))
        db.session.add(meeting)
        db.session.flush()
        return meeting.id


@pytest.fixture
def add_pack(app, meeting_id):
    """A cached pack row naming ``digest``, created ``created_ago`` ago; its id."""

    def add(digest: str, *, created_ago: timedelta, key: str) -> int:
        with app.app_context(), unit_of_work():
            pack = MeetingPack(meeting_id=meeting_id, cache_key=storage.sha256_of(key.encode()),
                               pdf_sha256=digest, pages=1, layout="{}",
                               created_at=datetime.now(UTC) - created_ago)
            db.session.add(pack)
            db.session.flush()
            return pack.id

    return add
