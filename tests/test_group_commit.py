"""Group commit (ecabinet/group_commit.py) on its own: who writes, what shares a statement,
what a failure costs whom. The ballots' use of it, on PostgreSQL: tests/meetings/
test_write_groups.py; a kill -9 in the middle: tests/live/test_kill_during_burst.py."""

import threading
import time
from contextlib import contextmanager

import pytest
from sqlalchemy.exc import DataError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from ecabinet.group_commit import GroupCommit


class Engine:
    """Hands out connections; remembers the options each was given."""

    def __init__(self):
        self.options = []

    @contextmanager
    def connect(self):
        yield self

    def execution_options(self, **options):
        self.options.append(options)
        return self


class Writer:
    """``run``: each call is one statement; it waits for ``release`` while ``hold`` is set,
    and fails for the rows ``refuse`` names."""

    def __init__(self):
        self.statements, self.entered = [], threading.Event()
        self.hold, self.release = False, threading.Event()
        self.refuse = set()

    def run(self, connection, rows):
        self.statements.append([row["n"] for row in rows])
        self.entered.set()
        if self.hold:
            assert self.release.wait(10)
        if self.refuse & {row["n"] for row in rows}:
            raise DataError("INSERT INTO ballots …", {}, ValueError(
                f"refused {sorted(self.refuse & {row['n'] for row in rows})}"))
        return [f"written {row['n']}" for row in rows]


def _submit_all(group, engine, rows, results):
    threads = [threading.Thread(target=lambda row=row: results.__setitem__(
        row["n"], _outcome(group, engine, row))) for row in rows]
    for thread in threads:
        thread.start()
    return threads


def _outcome(group, engine, row):
    try:
        return group.submit(engine, row)
    except Exception as error:  # noqa: BLE001 - the test looks at what each caller got
        return error


def _first_then(group, engine, writer, later: list[dict]) -> dict:
    """Row 0 is written alone and held there while ``later`` queue behind it; then all are
    let through. What each caller got, by its row's ``n``."""
    writer.hold, results = True, {}
    threads = _submit_all(group, engine, [{"n": 0}], results)
    assert writer.entered.wait(10)
    threads += _submit_all(group, engine, later, results)
    _until(lambda: _waiting(group, engine) == len(later))
    writer.release.set()
    for thread in threads:
        thread.join(10)
    return results


def _waiting(group, engine) -> int:
    return len(group._waiting.get(engine, []))


def _until(condition, seconds=10):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_callers_arriving_while_a_group_is_written_are_the_next_statement():
    writer, engine = Writer(), Engine()
    group = GroupCommit(writer.run, key=lambda row: row["n"])
    # The first one leads and writes itself alone; the eight that come meanwhile wait.
    results = _first_then(group, engine, writer, [{"n": n} for n in range(1, 9)])
    assert writer.statements == [[0], [1, 2, 3, 4, 5, 6, 7, 8]]
    assert results == {n: f"written {n}" for n in range(9)}  # each caller its own row's result
    # Every statement ran on a connection in autocommit: it commits as it returns.
    assert engine.options == [{"isolation_level": "AUTOCOMMIT"}] * 2
    assert group._waiting == {} and group._writing == set()  # nothing left behind


def test_one_members_two_ballots_never_share_a_statement_and_keep_their_order():
    writer, engine = Writer(), Engine()
    group = GroupCommit(writer.run, key=lambda row: row["member"])
    writer.hold = True
    results = {}
    threads = _submit_all(group, engine, [{"n": 0, "member": "a"}], results)
    assert writer.entered.wait(10)
    for n, member in ((1, "a"), (2, "b"), (3, "a")):  # one after the other: their order
        threads += _submit_all(group, engine, [{"n": n, "member": member}], results)
        _until(lambda n=n: _waiting(group, engine) == n)
    writer.release.set()
    for thread in threads:
        thread.join(10)
    assert writer.statements == [[0], [1, 2], [3]]
    assert len(results) == 4


def test_a_row_that_cannot_be_written_fails_only_its_own_caller():
    writer, engine = Writer(), Engine()
    group = GroupCommit(writer.run, key=lambda row: row["n"])
    writer.refuse = {3}
    results = _first_then(group, engine, writer, [{"n": n} for n in range(1, 6)])
    # The group's statement failed as a whole, so each of its rows was written alone.
    assert writer.statements[:2] == [[0], [1, 2, 3, 4, 5]]
    assert sorted(writer.statements[2:]) == [[1], [2], [3], [4], [5]]
    assert isinstance(results.pop(3), DataError)
    assert results == {n: f"written {n}" for n in (0, 1, 2, 4, 5)}


def test_no_connection_for_a_group_fails_all_of_it_at_once():
    # The pool's time-out (or the database gone) is not one row's fault: writing each row
    # alone would make the last caller wait for as many time-outs as there are rows.
    writer, engine = Writer(), Engine()
    attempts = []

    def run(connection, rows):
        attempts.append([row["n"] for row in rows])
        if len(attempts) == 1:
            return writer.run(connection, rows)
        raise PoolTimeout("QueuePool limit of size 5 overflow 10 reached")

    group = GroupCommit(run, key=lambda row: row["n"])
    results = _first_then(group, engine, writer, [{"n": n} for n in range(1, 5)])
    assert attempts == [[0], [1, 2, 3, 4]]  # no row-by-row retry
    assert results.pop(0) == "written 0"
    assert all(isinstance(error, PoolTimeout) for error in results.values()) and len(results) == 4


def test_a_leader_that_stops_leaves_no_caller_told_nothing_and_the_next_group_written():
    calls = []

    def run(connection, rows):
        calls.append([row["n"] for row in rows])
        if len(calls) == 1:
            raise KeyboardInterrupt  # a worker shutting down in the middle of the statement
        return [f"written {row['n']}" for row in rows]

    group, engine = GroupCommit(run, key=lambda row: row["n"]), Engine()
    with pytest.raises(KeyboardInterrupt):
        group.submit(engine, {"n": 0})
    assert group.submit(engine, {"n": 1}) == "written 1"  # the lead was handed on
    assert calls == [[0], [1]]


def test_groups_are_kept_apart_per_engine_and_bounded():
    writer, engine, other = Writer(), Engine(), Engine()
    group = GroupCommit(writer.run, key=lambda row: row["n"], most=3)
    writer.hold = True
    results = {}
    threads = _submit_all(group, engine, [{"n": 0}], results)
    assert writer.entered.wait(10)
    threads += _submit_all(group, engine, [{"n": n} for n in range(1, 8)], results)
    _until(lambda: _waiting(group, engine) == 7)
    # Another database (another app) has a group of its own: its row is written at once,
    # not after this one's.
    writer.hold = False
    assert group.submit(other, {"n": 100}) == "written 100"
    writer.release.set()
    for thread in threads:
        thread.join(10)
    assert writer.statements[1] == [100]
    assert [len(s) for s in writer.statements[2:]] == [3, 3, 1]
    assert sorted(n for s in writer.statements for n in s if n < 100) == list(range(8))
