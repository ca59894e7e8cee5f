"""A ballot's audit entry is committed with the ballot and linked into the chain just after
(PostgreSQL), by the process's linker, with every entry committed meanwhile: durable at the
commit, in the chain a moment later, in commit order, and verifiable whatever is left unlinked
when a process dies. On SQLite every entry is chained at its commit, as before."""

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.pool import NullPool

from ecabinet.audit import linker
from ecabinet.audit import services as audit
from ecabinet.audit.models import AuditEntry
from ecabinet.database import unit_of_work
from ecabinet.extensions import db, socketio
from tests.fixtures.secret_votes import encrypted_ballot, secret_vote_body, tally_over_api
from tests.meetings.conftest import api, cabinet, session_open  # noqa: F401 - fixtures


@pytest.fixture
def no_linker(monkeypatch):
    """As if the process died right after each commit: nothing wakes a linker."""
    monkeypatch.setattr(audit, "after_unlinked_commit", [])


def _postgresql(app) -> bool:
    with app.app_context():
        return db.engine.dialect.name == "postgresql"


def _rows(app, sql="SELECT action, seq FROM audit_entries ORDER BY id", **params):
    """Read from a connection of its own: what is committed, not what the session holds."""
    with app.app_context():
        engine = create_engine(db.engine.url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql), params)]
    finally:
        engine.dispose()


def _record(app, *actions, later=True):
    with app.app_context():
        with unit_of_work():
            for action in actions:
                audit.record(action, linked_after_commit=later)
        db.session.remove()


def _verified(app) -> audit.ChainReport:
    with app.app_context():
        try:
            return audit.verify_chain()
        finally:
            db.session.remove()


def test_committed_unlinked_then_linked_before_the_close(app, no_linker):
    _record(app, "test.ballot.1")
    _record(app, "test.ballot.2")
    if not _postgresql(app):  # chained at commit, as every entry
        assert _rows(app) == [("test.ballot.1", 1), ("test.ballot.2", 2)]
        return
    # Durable with its transaction, no place in the chain yet, the head not moved.
    assert _rows(app) == [("test.ballot.1", None), ("test.ballot.2", None)]
    assert _rows(app, "SELECT last_seq FROM audit_head") == [(0,)]
    # An entry chained at commit that asks for it comes after those committed before it (a
    # vote's close after its ballots).
    with app.app_context():
        with unit_of_work():
            audit.link_committed_first()
            audit.record("test.close")
        db.session.remove()
    assert _rows(app) == [("test.ballot.1", 1), ("test.ballot.2", 2), ("test.close", 3)]
    assert _verified(app).ok


def test_entries_left_unlinked_are_linked_by_verify(app, no_linker):
    """What a process that died between commit and linking leaves: committed entries without
    a place. ``ecabinet audit verify`` (and any linker) links them, in the order they came."""
    _record(app, "test.first", later=False)
    for n in range(3):
        _record(app, f"test.ballot.{n}")
    report = _verified(app)
    assert report.ok and report.checked == 4
    assert _rows(app) == [("test.first", 1), ("test.ballot.0", 2), ("test.ballot.1", 3),
                          ("test.ballot.2", 4)]


def test_a_transaction_with_another_entry_chains_all_at_commit(app, no_linker):
    with app.app_context():
        with unit_of_work():
            audit.record("test.ballot", linked_after_commit=True)
            audit.record("test.other")
        db.session.remove()
    assert _rows(app) == [("test.ballot", 1), ("test.other", 2)]


def test_a_rolled_back_ballot_leaves_no_entry(app, no_linker):
    with app.app_context():
        with pytest.raises(RuntimeError), unit_of_work():
            audit.record("test.ballot", linked_after_commit=True)
            raise RuntimeError("refused")
        db.session.remove()
    assert _rows(app) == []
    assert _verified(app).ok


def test_the_linker_links_after_the_commit_and_in_batches(app, monkeypatch):
    if not _postgresql(app):
        pytest.skip("on SQLite every entry is chained at its commit")
    monkeypatch.setattr(audit, "LINK_BATCH", 2)  # five entries: three transactions
    monkeypatch.setattr(audit, "after_unlinked_commit", [])
    for n in range(5):
        _record(app, f"test.ballot.{n}")
    with app.app_context():
        assert audit.link_pending() == 5
        assert audit.link_pending() == 0
    assert [seq for _, seq in _rows(app)] == [1, 2, 3, 4, 5]
    assert _verified(app).ok


def test_a_commit_wakes_the_linker(app):
    """The hook installed by ecabinet.audit.linker asks for the linker once the ballot has
    committed; the linker, woken, links it (its loop is run once here, not as a task)."""
    if not _postgresql(app):
        pytest.skip("on SQLite every entry is chained at its commit")
    woken = []
    with app.app_context():
        app.extensions["ecabinet_audit_linker"] = found = linker.Linker(app)
        found.poke = lambda: woken.append(True)
        try:
            with unit_of_work():
                audit.record("test.ballot", linked_after_commit=True)
                assert woken == []  # not before the commit
            assert woken == [True]
            assert audit.link_pending() == 1
        finally:
            del app.extensions["ecabinet_audit_linker"]
            db.session.remove()
    assert _rows(app) == [("test.ballot", 1)]


def test_a_ballot_is_acknowledged_once_it_and_its_entry_are_committed(
        app, api, session_open, no_linker):  # noqa: F811
    """The ack leaves after the commit that holds the ballot and its entry: both are there,
    read from another connection, before anything links the entry."""
    cab = session_open
    status, vote = api(cab, "POST", f"/api/v1/agenda-items/{cab.items[0]}/votes", {
        "question": "Thông qua?", "secret": False, "rule": "majority_of_present"}, who="chair")
    assert status == 201, vote
    tablet = socketio.test_client(app, namespace="/live", auth={"token": cab.tokens["m2"]})
    try:
        ack = tablet.emit("ballot.cast", {"vote_id": vote["id"], "choice": "yes"},
                          namespace="/live", callback=True)
    finally:
        tablet.disconnect(namespace="/live")
    assert ack["ok"], ack
    user_id = cab.users["m2"].id
    assert _rows(app, "SELECT choice FROM ballots WHERE user_id = :u", u=user_id) == [("yes",)]
    entry = _rows(app, "SELECT seq FROM audit_entries WHERE action = 'ballot.cast' "
                       "AND actor_id = :u", u=user_id)
    assert len(entry) == 1
    assert (entry[0][0] is None) == _postgresql(app)  # linked after the commit on PostgreSQL
    assert _verified(app).ok
    with app.app_context():
        linked = db.session.scalar(select(AuditEntry.seq).where(
            AuditEntry.action == "ballot.cast", AuditEntry.actor_id == user_id))
        db.session.remove()
    assert linked is not None


def test_a_close_comes_after_its_ballots_in_the_chain(app, api, session_open,  # noqa: F811
                                                      no_linker):
    cab = session_open
    status, vote = api(cab, "POST", f"/api/v1/agenda-items/{cab.items[0]}/votes",
                       secret_vote_body(cab), who="chair")
    assert status == 201, vote
    for who in ("m1", "m2", "m3"):
        status, body = api(cab, "POST", f"/api/v1/votes/{vote['id']}/ballots",
                           {"ballot": encrypted_ballot(vote, "yes")}, who=who)
        assert status == 201, body
    tally_over_api(api, cab, vote["id"])
    trail = _rows(app, "SELECT action, seq FROM audit_entries WHERE action IN "
                       "('ballot.cast', 'vote.tallying', 'vote.close') ORDER BY seq")
    assert [action for action, _ in trail] == ["ballot.cast"] * 3 + ["vote.tallying",
                                                                     "vote.close"]
    assert _verified(app).ok


def test_a_named_ballot_writes_its_entry_as_record_would(app, api, session_open,  # noqa: F811
                                                         no_linker):
    """On PostgreSQL a named ballot's entry is written by the ballot's own statement: the same
    columns as ``audit.record`` writes, one entry per ballot written (a changed ballot is a
    second one), none for a ballot refused (the vote closed)."""
    cab = session_open
    status, vote = api(cab, "POST", f"/api/v1/agenda-items/{cab.items[0]}/votes", {
        "question": "Thông qua?", "secret": False, "rule": "majority_of_present"}, who="chair")
    assert status == 201, vote
    tablet = socketio.test_client(app, namespace="/live", auth={"token": cab.tokens["m2"]})
    try:
        acks = [tablet.emit("ballot.cast", {"vote_id": vote["id"], "choice": choice},
                            namespace="/live", callback=True) for choice in ("no", "yes")]
        assert all(ack["ok"] for ack in acks), acks
        assert api(cab, "POST", f"/api/v1/votes/{vote['id']}/close", who="chair")[0] == 200
        late = tablet.emit("ballot.cast", {"vote_id": vote["id"], "choice": "abstain"},
                           namespace="/live", callback=True)
    finally:
        tablet.disconnect(namespace="/live")
    assert late["error"]["code"] == "vote_closed", late
    m2 = cab.users["m2"]
    assert _rows(app, "SELECT actor_label, object_type, object_id, details FROM audit_entries "
                      "WHERE action = 'ballot.cast' AND actor_id = :u ORDER BY id", u=m2.id) == [
        (f"{m2.name} <{m2.email}>", "votes", str(vote["id"]), '{"choice": "no"}'),
        (f"{m2.name} <{m2.email}>", "votes", str(vote["id"]), '{"choice": "yes"}')]
    assert _rows(app, "SELECT choice FROM ballots WHERE user_id = :u", u=m2.id) == [("yes",)]
    assert _verified(app).ok


def test_a_check_in_writes_its_entry_once(app, cabinet, no_linker):  # noqa: F811
    """On PostgreSQL a check-in's entry is written by its UPDATE's own statement: as
    ``audit.record`` would write it, and only when the row changed (a second check-in, none)."""
    tablet = socketio.test_client(app, namespace="/live", auth={"token": cabinet.tokens["m4"]})
    try:
        acks = [tablet.emit("attendance.checkin", {"meeting_id": cabinet.meeting_id},
                            namespace="/live", callback=True) for _ in range(2)]
    finally:
        tablet.disconnect(namespace="/live")
    assert [(ack["ok"], ack["changed"]) for ack in acks] == [(True, True), (True, False)], acks
    m4 = cabinet.users["m4"]
    assert _rows(app, "SELECT actor_label, object_type, object_id, details FROM audit_entries "
                      "WHERE action = 'attendance.checkin' AND actor_id = :u", u=m4.id) == [
        (f"{m4.name} <{m4.email}>", "meetings", str(cabinet.meeting_id), "{}")]
    assert _verified(app).ok
