"""The scenario snapshots of tests/fixtures/snapshots.py: a scenario restored is the one built —
its rows, its files, its value, make_user's count — and one asked for from another state, or
on another app, is built again."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from sqlalchemy import inspect, select

from ecabinet.database import unit_of_work
from ecabinet.extensions import db
from ecabinet.meetings import conditional
from ecabinet.meetings import snapshots as join_snapshots
from tests.fixtures.snapshots import ENABLED, State, _Test

pytestmark = pytest.mark.skipif(not ENABLED, reason="ECABINET_TEST_SNAPSHOTS=off")

#: Each test's scenario has a name of its own: a snapshot lives as long as the test process.
_names = (f"probe-{n}" for n in itertools.count())


def _dump(app) -> dict:
    """Every row of every table (the audit chain included), in key order."""
    with app.app_context():
        tables = [table for table in db.metadata.sorted_tables
                  if inspect(db.engine).has_table(table.name)]
        dump = {table.name: sorted(map(repr, db.session.execute(select(table)).all()))
                for table in tables}
        db.session.remove()
    return dump


def _files(app) -> dict:
    root = Path(app.instance_path)
    return {str(path.relative_to(root)): path.read_bytes()
            for path in root.rglob("*") if path.is_file()}


def _builder(app, make_user, calls: list):
    def build():
        calls.append(1)
        users = [make_user("member"), make_user("secretariat", name="Vũ Thị Lan")]
        with app.app_context(), unit_of_work():
            from ecabinet.audit import services as audit

            audit.record("probe.built", object_type="user", object_id=users[0].id)
        storage = Path(app.config["STORAGE_DIR"])
        storage.mkdir(parents=True, exist_ok=True)
        (storage / "probe.bin").write_bytes(b"built")
        return {"ids": [user.id for user in users], "emails": [user.email for user in users]}

    return build


def _fresh(app_pool, app, make_user) -> _Test:
    """What the next test would start from: a reset database, no files, no users made."""
    for pooled in app_pool.pooled_apps():
        with pooled.app.app_context():
            db.engine.dispose()  # as the end of a test does: no connection to the old file
    app_pool.reset_database()
    for path in Path(app.instance_path).rglob("*"):
        if path.is_file():
            path.unlink()
    make_user.made = 0
    return _Test(make_user, State((), None, 0, frozenset()))


def test_a_restored_scenario_is_the_built_one(app, app_pool, _scenarios, make_user):
    name, calls = next(_names), []
    build = _builder(app, make_user, calls)
    test = _Test(make_user, State((), None, 0, frozenset()))
    built = _scenarios.run(test, name, app, build)
    rows, files, made = _dump(app), _files(app), make_user.made
    assert calls == [1] and made == 2 and "files/probe.bin" in files

    # Kept entries of a meeting with the id and creation time of the restored one would be
    # taken for it: they go.
    store, bodies = join_snapshots.store(app), conditional.bodies(app)
    store.entries[(1, None, "outline")] = object()
    bodies.put((1, None, '"etag"'), b"{}")

    test = _fresh(app_pool, app, make_user)
    restored = _scenarios.run(test, name, app, build)
    assert calls == [1], "restored, not built again"
    assert restored == built and restored is not built
    assert _dump(app) == rows
    assert _files(app) == files
    assert make_user.made == made
    assert make_user("member").email == f"member{made + 1}@example.gov.vn"
    assert not store.entries and not len(bodies)


def test_from_another_state_the_scenario_is_built(app, app_pool, _scenarios, make_user):
    name, calls = next(_names), []
    build = _builder(app, make_user, calls)
    _scenarios.run(_Test(make_user, State((), None, 0, frozenset())), name, app, build)

    test = _fresh(app_pool, app, make_user)
    make_user("member")  # a row the snapshot was not built on
    value = _scenarios.run(test, name, app, build)
    assert calls == [1, 1]
    assert value["emails"][0] == "member2@example.gov.vn"

    test = _fresh(app_pool, app, make_user)
    app.config["PROBE_SETTING"] = True  # the app is not as the pool built it
    _scenarios.run(test, name, app, build)
    assert calls == [1, 1, 1]


def test_on_another_app_the_scenario_is_built(make_app, app_pool, _scenarios, make_user):
    name, calls = next(_names), []
    app = make_app()
    _scenarios.run(_Test(make_user, State((), None, 0, frozenset())), name, app,
                   _builder(app, make_user, calls))
    other = make_app(PROBE_OTHER_APP=True)  # its own SECRET_KEY: its own audit chain
    test = _fresh(app_pool, other, make_user)
    _scenarios.run(test, name, other, _builder(other, make_user, calls))
    assert calls == [1, 1]


def test_an_old_snapshot_is_built_again(app, app_pool, _scenarios, make_user, monkeypatch):
    from tests.fixtures import snapshots

    name, calls = next(_names), []
    build = _builder(app, make_user, calls)
    _scenarios.run(_Test(make_user, State((), None, 0, frozenset())), name, app, build)
    monkeypatch.setattr(snapshots, "MAX_AGE", -1)
    _scenarios.run(_fresh(app_pool, app, make_user), name, app, build)
    assert calls == [1, 1]
    monkeypatch.undo()
    _scenarios.run(_fresh(app_pool, app, make_user), name, app, build)
    assert calls == [1, 1], "the new build's snapshot is kept"
