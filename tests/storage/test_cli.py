"""`ecabinet storage sweep`, through the Flask test CLI runner."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ecabinet import storage_sweep
from ecabinet.storage_cli import storage_cli
from tests.storage.conftest import age


@pytest.fixture
def invoke(app):
    def run(*args: str):
        return app.test_cli_runner().invoke(storage_cli, ["sweep", *args])

    return run


def test_dry_run_reports_and_removes_nothing(invoke, store, stored_path, add_pack):
    orphan = store(b"orphan")
    add_pack(store(b"%PDF old"), created_ago=timedelta(hours=30), key="old")

    result = invoke("--dry-run")

    assert result.exit_code == 0, result.output
    assert "Dry run: nothing was removed." in result.output
    assert "Would remove 1 cached meeting pack(s) older than 24 h." in result.output
    assert "Would remove 2 unreferenced file(s), 14 bytes." in result.output
    assert stored_path(orphan).exists()


def test_sweep_removes_and_says_so(invoke, store, stored_path):
    orphan, fresh = store(b"orphan"), store(b"fresh", old=False)
    folder = stored_path(fresh).parent
    (folder / ".tmp-x").write_bytes(b"x" * 2048)
    age(folder / ".tmp-x")
    (folder / "junk").write_bytes(b"junk")

    result = invoke()

    assert result.exit_code == 0, result.output
    assert "Dry run" not in result.output
    assert "Removed 0 cached meeting pack(s)" in result.output
    assert "Removed 1 unreferenced file(s), 6 bytes." in result.output
    assert "Removed 1 temporary file(s) of interrupted writes, 2.0 KiB." in result.output
    assert "Kept 0 referenced file(s) and 1 unreferenced file(s) newer" in result.output
    assert "Left alone 1 entry not named like a stored file." in result.output
    assert not stored_path(orphan).exists() and stored_path(fresh).exists()


def test_grace_hours_choose_what_counts_as_old(invoke, store, stored_path):
    digest = store(b"three hours old", old=False)
    age(stored_path(digest), timedelta(hours=3))
    assert "Removed 0 unreferenced" in invoke().output
    result = invoke("--grace-hours", "2.5")
    assert result.exit_code == 0, result.output
    assert "Removed 1 unreferenced" in result.output
    assert not stored_path(digest).exists()


@pytest.mark.parametrize("value", ["0", "0.5", "-3", "a day"])
def test_a_grace_too_short_or_not_a_number_is_refused(invoke, store, stored_path, value):
    digest = store(b"orphan", old=False)
    age(stored_path(digest), timedelta(minutes=1))
    result = invoke("--grace-hours", value)
    assert result.exit_code == 2
    assert "--grace-hours" in result.output
    assert stored_path(digest).exists()


def test_a_file_that_cannot_be_removed_fails_the_command(invoke, store, stored_path,
                                                        monkeypatch):
    stuck = store(b"stuck")

    def unlink(path, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(storage_sweep.os, "unlink", unlink)
    result = invoke()
    assert result.exit_code == 1
    assert "1 file(s) could not be removed" in result.output
    assert stored_path(stuck).exists()
