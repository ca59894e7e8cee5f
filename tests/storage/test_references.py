"""The sweep's list of file columns is complete: a feature that stores bytes under a new column
and forgets to add it to ``storage_sweep.FILE_COLUMNS`` would lose its files to the sweep."""

from __future__ import annotations

from ecabinet import storage_sweep
from ecabinet.extensions import db

#: Columns named like a hash that do not name a file in storage, and why.
NOT_FILES = {
    # The audit chain's links: SHA-256 over an entry and its predecessor, not over any file.
    ("audit_entries", "hash"),
    ("audit_entries", "prev_hash"),
    ("audit_head", "last_hash"),
    # SHA-256 of a bearer token's secret: a credential looked up by hash, never stored bytes.
    ("api_tokens", "token_hash"),
    # A password hash (scrypt/pbkdf2 string), not a SHA-256 of anything stored.
    ("users", "password_hash"),
}

HASH_LIKE_SUFFIXES = ("sha256", "hash", "digest")


def hash_like_columns() -> set[tuple[str, str]]:
    return {(table.name, column.name) for table in db.metadata.tables.values()
            for column in table.columns if column.name.endswith(HASH_LIKE_SUFFIXES)}


def listed() -> list[tuple[str, str]]:
    return [(column.class_.__table__.name, column.expression.name)
            for column in storage_sweep.FILE_COLUMNS]


def test_every_column_named_like_a_file_hash_is_swept_with_care(app):
    """``app`` imports every feature's models into the metadata."""
    missing = {(table, name) for table, name in hash_like_columns()
               if name.endswith("sha256")} - set(listed())
    assert not missing, f"add to storage_sweep.FILE_COLUMNS: {sorted(missing)}"
    unexplained = hash_like_columns() - set(listed()) - NOT_FILES
    assert not unexplained, (
        f"{sorted(unexplained)} look like hashes: add them to storage_sweep.FILE_COLUMNS if "
        "they name stored files, else to NOT_FILES here with the reason")


def test_the_list_names_real_columns_once(app):
    assert len(listed()) == len(set(listed()))
    tables = db.metadata.tables
    for table, name in listed():
        assert name in tables[table].columns, f"{table}.{name} does not exist"


def test_what_is_excluded_still_exists(app):
    """An exclusion whose column was renamed or removed would hide the new name."""
    assert hash_like_columns() >= NOT_FILES
    assert not NOT_FILES & set(listed())
