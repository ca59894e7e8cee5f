"""An attacker with the database in hand, trying to link voters to choices (issue 10).

Two ways of reading the past out of a database file, then one linker over both:

- SQLite: the write-ahead log replayed commit by commit (:func:`sqlite_commits`): the main file
  as of the last checkpoint, then the WAL's frames applied up to each commit frame, each state
  read whole; what a commit changed is the difference with the state before it.
- PostgreSQL: the heap's tuple versions, dead ones included, read with ``pageinspect``
  (:func:`postgres_commits`): every version carries the id of the transaction that wrote it
  (``t_xmin``), and an updated row's old version points at its new one (``t_ctid``).

:func:`link` then looks at each transaction alone, as the attacks of the issue did: the member
it is about (a row of ``vote_eligibility``, ``ballots`` or ``e2e_ballots``, or the actor of a
``ballot.cast`` audit line) and any trace of a choice in what it wrote (a "yes"/"no"/"abstain"
value, a ``"choice"`` in JSON, a counter named ``…_yes``/``…_no``/``…_abstain`` that went up).
One member and one choice in the same transaction is a link.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import struct
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text

CHOICES = ("yes", "no", "abstain")
#: The tables whose rows say "this member cast a ballot".
BALLOT_TABLES = ("vote_eligibility", "ballots", "e2e_ballots")
_CHOICE_IN_JSON = re.compile(r'"choice"\s*:\s*"(yes|no|abstain)"')


@dataclass
class Change:
    """One row as a transaction left it (``before``: the version it replaced, if any)."""

    table: str
    after: dict
    before: dict | None = None


@dataclass
class Commit:
    label: object  # the commit's number in the WAL, or the transaction id
    changes: list[Change] = field(default_factory=list)


# --- what a transaction reveals ------------------------------------------------------------------

def _evidence(commit: Commit) -> list[Change]:
    """What the transaction itself wrote: an audit line counts where it was inserted, not where
    the chain's linker later filled in its place in the chain (on PostgreSQL that may happen
    inside the next ballot's transaction, naming its voter and choice there again)."""
    return [c for c in commit.changes if c.table != "audit_entries" or c.before is None]


def voters_in(commit: Commit) -> set[int]:
    found = set()
    for change in _evidence(commit):
        if change.table in BALLOT_TABLES and change.after.get("user_id") is not None:
            found.add(int(change.after["user_id"]))
        if change.table == "audit_entries" and change.after.get("action") == "ballot.cast":
            found.add(int(change.after["actor_id"]))
    return found


def choices_in(commit: Commit) -> set[str]:
    found = set()
    for change in _evidence(commit):
        for column, value in change.after.items():
            if isinstance(value, str):
                if value in CHOICES:
                    found.add(value)
                found.update(_CHOICE_IN_JSON.findall(value))
            elif isinstance(value, int) and change.before is not None:
                counted = column.rsplit("_", 1)[-1]
                old = change.before.get(column)
                if counted in CHOICES and isinstance(old, int) and value > old:
                    found.add(counted)
    return found


def link(commits: list[Commit]) -> dict[int, str]:
    """Member id → choice, for every transaction that names one member and one choice (the
    last such transaction of a member wins, as the last ballot counts)."""
    linked = {}
    for commit in commits:
        voters, choices = voters_in(commit), choices_in(commit)
        if len(voters) == 1 and len(choices) == 1:
            linked[voters.pop()] = choices.pop()
    return linked


# --- SQLite: the WAL, commit by commit -----------------------------------------------------------

def _read_all(path: Path) -> dict[tuple[str, object], dict]:
    conn = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        rows = {}
        for table in tables:
            try:
                cursor = conn.execute(f'SELECT rowid, * FROM "{table}"')  # noqa: S608
            except sqlite3.OperationalError:  # a virtual (full-text) table: rows by content
                cursor = conn.execute(f'SELECT NULL, * FROM "{table}"')  # noqa: S608
            columns = [d[0] for d in cursor.description][1:]
            for rowid, *values in cursor:
                key = rowid if rowid is not None else tuple(map(repr, values))
                rows[(table, key)] = dict(zip(columns, values, strict=True))
        return rows
    finally:
        conn.close()


def sqlite_commits(database: Path, wal: Path, workdir: Path) -> list[Commit]:
    """Every commit in ``wal`` (frames of the current salt), as the rows it changed."""
    data = wal.read_bytes()
    magic, _version, page_size, _seq, salt1, salt2 = struct.unpack(">6I", data[:24])
    assert magic in (0x377F0682, 0x377F0683), "not a WAL file"
    state = workdir / "replayed.db"
    shutil.copyfile(database, state)
    before = _read_all(state)
    commits, offset, pending = [], 32, []
    while offset + 24 + page_size <= len(data):
        page, db_pages, s1, s2 = struct.unpack(">4I", data[offset:offset + 16])
        if (s1, s2) != (salt1, salt2):
            break  # frames of an earlier generation of the log: not part of it
        pending.append((page, data[offset + 24:offset + 24 + page_size]))
        offset += 24 + page_size
        if db_pages == 0:
            continue
        with state.open("r+b") as file:  # the commit: its frames land in the file at once
            for number, content in pending:
                file.seek((number - 1) * page_size)
                file.write(content)
            file.truncate(db_pages * page_size)
        pending = []
        after = _read_all(state)
        commit = Commit(len(commits) + 1)
        for key, row in after.items():
            if before.get(key) != row:
                commit.changes.append(Change(key[0], row, before.get(key)))
        commits.append(commit)
        before = after
    return commits


# --- PostgreSQL: the heap's tuple versions -------------------------------------------------------

def _decode(raw: bytes | None, type_name: str):
    if raw is None:
        return None
    raw = bytes(raw)
    if type_name in ("integer", "bigint", "smallint"):
        return int.from_bytes(raw, "little", signed=True)
    if type_name == "boolean":
        return bool(raw[0])
    if type_name in ("text", "json", "jsonb") or type_name.startswith("character"):
        body = raw[1:] if raw[0] & 0x01 else raw[4:]  # short (1-byte) or 4-byte varlena header
        return body.decode("utf-8", "replace")
    return raw  # timestamps and the like: not needed to link


def _versions(conn, table: str) -> list[dict]:
    columns = conn.execute(text(
        "SELECT attname, format_type(atttypid, atttypmod), attisdropped FROM pg_attribute "
        "WHERE attrelid = CAST(:t AS regclass) AND attnum > 0 ORDER BY attnum"), {"t": table}).all()
    blocks = conn.execute(text("SELECT pg_relation_size(CAST(:t AS regclass)) / "
                               "current_setting('block_size')::int"), {"t": table}).scalar()
    versions = []
    for block in range(blocks):
        items = conn.execute(text(
            "SELECT lp, t_xmin::text::bigint, t_xmax::text::bigint, t_ctid::text, t_attrs "
            "FROM public.heap_page_item_attrs(public.get_raw_page(:t, :b), "
            "CAST(:t AS regclass), false) WHERE lp_flags = 1 AND t_attrs IS NOT NULL"),
            {"t": table, "b": block}).all()
        for lp, xmin, xmax, ctid, attrs in items:
            row = {name: _decode(raw, kind)
                   for (name, kind, dropped), raw in zip(columns, attrs, strict=False)
                   if not dropped}
            versions.append({"at": f"({block},{lp})", "xmin": xmin, "xmax": xmax,
                             "next": ctid, "row": row})
    return versions


def postgres_commits(conn, tables: list[str], since_xid: int) -> list[Commit]:
    """Every transaction since ``since_xid`` (32-bit) that wrote a version of a row of
    ``tables``, as the versions it wrote, each with the one it replaced."""
    # pageinspect's SQL wrappers call its functions unqualified: its schema on the path too.
    conn.execute(text("SELECT set_config('search_path', "
                      "current_setting('search_path') || ', public', true)"))
    by_xid: dict[int, Commit] = {}
    for table in tables:
        versions = _versions(conn, table)
        at = {v["at"]: v for v in versions}
        replaced = {v["next"]: v["row"] for v in versions if v["next"] != v["at"]
                    and v["next"] in at}
        for version in versions:
            if version["xmin"] < since_xid:
                continue
            commit = by_xid.setdefault(version["xmin"], Commit(version["xmin"]))
            commit.changes.append(Change(table, version["row"], replaced.get(version["at"])))
    return [by_xid[xid] for xid in sorted(by_xid)]


def wal_commit_count(wal: Path) -> int:
    """How many commits the WAL holds now (to split a later replay into phases)."""
    data = wal.read_bytes() if wal.exists() else b""
    if len(data) < 32:
        return 0
    page_size, salt1, salt2 = struct.unpack(">I", data[8:12])[0], *struct.unpack(">2I",
                                                                                  data[16:24])
    count, offset = 0, 32
    while offset + 24 + page_size <= len(data):
        _page, db_pages, s1, s2 = struct.unpack(">4I", data[offset:offset + 16])
        if (s1, s2) != (salt1, salt2):
            break
        count += db_pages != 0
        offset += 24 + page_size
    return count
