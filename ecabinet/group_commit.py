"""Group commit: the rows of many callers written by one statement and one commit.

500 tablets cast their ballots within a second. Written one statement and one commit each,
a ballot cost the server more CPU in SQLAlchemy, psycopg and the greenlet switches of its
round trip than in anything of its own, and PostgreSQL a commit each (bench/README.md, issue
14). Here the first caller to arrive while nothing is being written leads: it writes every
row waiting at that moment (its own first) in one statement, in autocommit, and hands the
lead to the first of those who arrived meanwhile, who writes theirs the same way. A caller
returns once its row's statement has committed — as durable as its own commit would have
made it — with its row's result. No thread of its own: a greenlet under gevent, a thread
elsewhere, each caller waits on its own event.

A statement is atomic: if one fails, every row of it is written again alone, so one row that
cannot be written (or a deadlock between two groups) fails only its own caller. Rows with the
same ``key`` never share a statement: the later waits for the next, so they are written in the
order they came.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any

from sqlalchemy import Integer, bindparam, column, func, literal_column, select, true
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import StatementError
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.visitors import iterate, replacement_traverse

#: At most this many rows a statement (a larger burst is several).
MOST_ROWS = 250


class _Slot:
    __slots__ = ("row", "event", "leads", "result", "error")

    def __init__(self, row: dict):
        self.row, self.event, self.leads = row, threading.Event(), False
        self.result: Any = None
        self.error: BaseException | None = None


class GroupCommit:
    """``run(connection, rows)`` gives one result per row, in order; it is called with a
    connection in autocommit, so its one statement commits as it returns (a read: reads what
    is committed then, as a statement of READ COMMITTED does). ``key``: rows that may not
    share a statement (by default any may)."""

    def __init__(self, run: Callable[[Any, list[dict]], list], *,
                 key: Callable[[dict], Hashable] | None = None, most: int = MOST_ROWS):
        self._run, self._key, self._most = run, key, most
        self._lock = threading.Lock()
        self._waiting: dict[Any, list[_Slot]] = {}  # by engine: one pool, one group
        self._writing: set = set()

    def submit(self, engine, row: dict):
        """Write ``row`` with the others waiting on ``engine``; its result once committed.
        The caller must hold no pooled connection meanwhile (the group needs one)."""
        slot = _Slot(row)
        with self._lock:
            self._waiting.setdefault(engine, []).append(slot)
            if engine not in self._writing:
                self._writing.add(engine)
                slot.leads = True
                slot.event.set()
        slot.event.wait()
        if slot.leads:
            self._write_group(engine)
        if slot.error is not None:
            raise slot.error
        return slot.result

    def _write_group(self, engine) -> None:
        with self._lock:
            group, later, keys = [], [], set()
            for slot in self._waiting[engine]:
                key = id(slot) if self._key is None else self._key(slot.row)
                if len(group) < self._most and key not in keys:
                    group.append(slot)
                    keys.add(key)
                else:
                    later.append(slot)
            self._waiting[engine] = later
        try:
            self._write(engine, group)
        except BaseException as interrupted:  # the leader stopped (a worker shutting down)
            for slot in group:  # nobody is told "not written" of a row that may be
                if slot.error is None and slot.result is None:
                    slot.error = interrupted
            raise
        finally:  # whatever happened, the next group gets written
            with self._lock:
                following = self._waiting[engine]
                if following:
                    following[0].leads = True
                else:
                    del self._waiting[engine]
                    self._writing.discard(engine)
            for slot in group:
                slot.leads = False
                slot.event.set()
            if following:
                following[0].event.set()

    def _write(self, engine, group: list[_Slot]) -> None:
        try:
            results = self._statement(engine, [slot.row for slot in group])
        except Exception as error:
            if len(group) == 1 or not _in_the_statement(error):
                for slot in group:  # no connection, or the database gone: the same for all
                    slot.error = error
                return
            for slot in group:  # the failure is one row's, or the group's: each alone
                try:
                    slot.result = self._statement(engine, [slot.row])[0]
                except Exception as alone:
                    slot.error = alone
            return
        for slot, result in zip(group, results, strict=True):
            slot.result = result

    def _statement(self, engine, rows: list[dict]) -> list:
        with engine.connect() as connection:
            return self._run(connection.execution_options(isolation_level="AUTOCOMMIT"), rows)


def given_rows(types: dict):
    """A statement's input table for many callers at once (PostgreSQL): the CTE ``given``,
    ``idx`` (the caller's place in the group) then a column per name of ``types``, passed as
    one array per column (:func:`given_params`)."""
    types = {"idx": Integer(), **types}
    return select(func.unnest(*(bindparam(f"many_{name}", type_=ARRAY(type_))
                                for name, type_ in types.items())).table_valued(
        *(column(name, type_) for name, type_ in types.items())
    ).render_derived(name="input")).cte("given")


def given_params(names, rows: list[dict]) -> dict:
    """:func:`given_rows`' parameters for ``rows`` (a dict per caller, keyed by ``names``)."""
    return {f"many_{name}": [index if name == "idx" else row.get(name)
                             for index, row in enumerate(rows)] for name in ("idx", *names)}


def _in_the_statement(error: Exception) -> bool:
    """Whether the database refused the statement itself (a row it cannot take, a deadlock
    with another group), which writing each row alone can tell apart; not a connection that
    could not be had or was lost (the pool's time-out, the server gone), which each row alone
    would only meet again, one after the other."""
    return isinstance(error, StatementError) and error.statement is not None \
        and not getattr(error, "connection_invalidated", False)


class ForMany:
    """PostgreSQL: a statement for many sets of its parameters, in one statement.

    Its named parameters (``bindparam("user_id")``…) are taken from an input table instead, one
    row per set, passed as one array per parameter; the statement runs once for each input row
    (LATERAL), and each of its rows comes out with its input row's index as its last column.
    The statement is the same one, not a copy written for many: its conditions are checked for
    each set as they would be for one. Built once per statement (the statements are).
    """

    def __init__(self, statement):
        types = {bind.key: bind.type for bind in iterate(statement)
                 if isinstance(bind, BindParameter) and not bind.unique}
        self.names = list(types)
        given = given_rows(types)

        def from_given(element):
            # By name, not as the CTE's column: the parameter may sit in a subquery of a
            # subquery, where SQLAlchemy would not correlate it; PostgreSQL resolves the name
            # outward, to the input row of the LATERAL it is in.
            if isinstance(element, BindParameter) and not element.unique:
                return literal_column(f"given.{element.key}", type_=element.type)
            return None

        found = replacement_traverse(statement, {}, from_given).lateral("found")
        self.statement = select(found, given.c.idx).select_from(given.join(found, true()))

    def rows(self, connection, sets: list[dict]) -> list[list]:
        """The statement's rows for each set of parameters, in the order of ``sets``."""
        found: list[list] = [[] for _ in sets]
        for row in connection.execute(self.statement, given_params(self.names, sets)):
            found[row[-1]].append(row)
        return found
