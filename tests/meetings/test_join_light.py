"""``meeting.join`` and ``attendance.checkin`` from a light read: the reader's seat (the
meeting's status, their participant row, whether they are of the secretariat) in one plain
statement, and the agenda as its outline (ids, confidentiality, invitees) kept per meeting
state — not the meeting and its items with their presenters and invitees as ORM objects. The
rules are the same functions (``access.sees_meeting``, ``access.sees_item``): an uninvited
reader, a confidential item's non-invitee and a dead token are refused or kept out exactly as
before, on every path shortened here."""

import pytest
from sqlalchemy import event as sqla_event
from sqlalchemy import update

from ecabinet.database import unit_of_work
from ecabinet.extensions import db
from ecabinet.identity.models import ApiToken
from ecabinet.identity.services import get_user
from ecabinet.meetings import services
from ecabinet.meetings.models import AgendaItem, Meeting
from tests.fixtures.statements import statements
from tests.meetings.conftest import connect_tablets

NS = "/live"


@pytest.fixture
def tablets(app, session_open):
    yield from connect_tablets(app, session_open.tokens)


def _emit(client, event, data):
    return client.emit(event, data, namespace=NS, callback=True)


def _as_secretariat(app, cab, action):
    with app.app_context():
        with unit_of_work():
            action(get_user(cab.users["secretariat"].id))
        db.session.remove()


def test_a_join_reads_no_item_rows_and_few_statements(app, tablets, session_open):
    cab = session_open
    assert _emit(tablets["m2"], "meeting.join", {"meeting_id": cab.meeting_id})["ok"]
    for who in ("m3", "m1", "guest"):  # m3 shares m2's part; m1 and the guest build their own
        with statements(app) as sent:
            ack = _emit(tablets[who], "meeting.join", {"meeting_id": cab.meeting_id})
        assert ack["ok"], ack
        if who == "m3":
            # the user, the seat (the meeting's status, the participant, the secretariat
            # role), the positions: the agenda's outline and the vote being tallied are kept
            # with the shared part
            assert len(sent) <= 3, sent.text()
            assert not [s for s in sent if "agenda_items.title" in s], sent.text()
            assert not [s for s in sent if s.startswith("SELECT user_roles")], sent.text()


def test_a_checkin_reads_no_item_rows_and_locks_no_shared_row(app, tablets, session_open):
    """Nor does it update the meeting's row (its version: the ETag counts those present
    instead) or, on PostgreSQL, lock the audit chain's head (its entry is linked after the
    commit): 500 check-ins at once do not queue on either through each one's commit."""
    cab = session_open
    with statements(app) as sent:
        ack = _emit(tablets["m4"], "attendance.checkin", {"meeting_id": cab.meeting_id})
    assert ack["ok"] and ack["changed"], ack
    assert not [s for s in sent if "agenda_items.title" in s], sent.text()
    assert not [s for s in sent if s.startswith("SELECT user_roles")], sent.text()
    assert not [s for s in sent if s.startswith("UPDATE meetings")], sent.text()
    with app.app_context():
        postgresql = db.engine.dialect.name == "postgresql"
    if postgresql:
        assert not [s for s in sent if "audit_head" in s], sent.text()


def test_the_confidential_item_only_for_its_invitee(tablets, session_open):
    cab = session_open
    seen = {who: {i["id"] for i in _emit(tablets[who], "meeting.join",
                                         {"meeting_id": cab.meeting_id})["state"]["items"]}
            for who in ("m1", "m2", "guest", "chair")}
    assert cab.confidential_item in seen["m1"] and cab.confidential_item in seen["chair"]
    assert cab.confidential_item not in seen["m2"]
    assert seen["guest"] == {cab.items[0]}  # a guest: only the items they are invited to


def test_uninvited_from_the_confidential_item_the_next_join_loses_it(app, tablets, session_open):
    cab = session_open
    first = _emit(tablets["m1"], "meeting.join", {"meeting_id": cab.meeting_id})["state"]
    assert cab.confidential_item in {i["id"] for i in first["items"]}
    _as_secretariat(app, cab, lambda actor: services.update_item(
        actor, db.session.get(AgendaItem, cab.confidential_item), invitee_ids=[]))
    again = _emit(tablets["m1"], "meeting.join", {"meeting_id": cab.meeting_id})
    assert again["ok"], again
    assert cab.confidential_item not in {i["id"] for i in again["state"]["items"]}
    assert again["state"] == _emit(tablets["m2"], "meeting.join",
                                   {"meeting_id": cab.meeting_id})["state"] | {
        "me": again["state"]["me"]}


def test_an_uninvited_member_can_no_longer_join_nor_check_in(app, cabinet):
    """Invitations change before the session: m4 is uninvited from the published meeting."""
    clients = connect_tablets(app, {"m4": cabinet.tokens["m4"]})
    tablet = next(clients)["m4"]
    try:
        assert _emit(tablet, "meeting.join", {"meeting_id": cabinet.meeting_id})["ok"]
        _as_secretariat(app, cabinet, lambda actor: services.uninvite(
            actor, db.session.get(Meeting, cabinet.meeting_id), cabinet.users["m4"].id))
        for event in ("meeting.join", "attendance.checkin"):
            ack = _emit(tablet, event, {"meeting_id": cabinet.meeting_id})
            assert ack["ok"] is False and ack["error"]["code"] == "not_found", (event, ack)
    finally:
        next(clients, None)


def test_an_outsider_cannot_join(tablets, session_open):
    ack = _emit(tablets["outsider"], "meeting.join", {"meeting_id": session_open.meeting_id})
    assert ack["ok"] is False and ack["error"]["code"] == "not_found"


def test_a_dead_token_cannot_join(app, tablets, session_open):
    cab = session_open
    with app.app_context():
        db.session.execute(update(ApiToken).where(ApiToken.user_id == cab.users["m2"].id)
                           .values(revoked_at=db.func.now()))
        db.session.commit()
        db.session.remove()
    for event in ("meeting.join", "attendance.checkin"):
        ack = _emit(tablets["m2"], event, {"meeting_id": cab.meeting_id})
        assert ack["ok"] is False and ack["error"]["code"] == "unauthorized", (event, ack)


def test_the_secretariat_joins_and_sees_every_item(tablets, session_open):
    cab = session_open
    ack = _emit(tablets["secretariat"], "meeting.join", {"meeting_id": cab.meeting_id})
    assert ack["ok"], ack
    assert {i["id"] for i in ack["state"]["items"]} == set(cab.items)
    assert ack["state"]["me"]["role"] == "secretariat"


def test_a_join_runs_outside_a_transaction_on_postgresql(app, tablets, session_open):
    """A join only reads: on PostgreSQL its one statement (the caller, their seat and
    positions, read with the other events' of the moment) runs in autocommit, and a join whose
    state is kept opens no transaction at all; the connection goes back to the pool as it was
    — the next event's writes are in a transaction again (a check-in's is written with the
    others of the moment, in autocommit too)."""
    with app.app_context():
        engine = db.engine
        if engine.dialect.name != "postgresql":
            pytest.skip("SQLite's transactions are ecabinet's own (BEGIN IMMEDIATE)")
    seen = []

    def autocommit(conn, _cursor, statement, *_args):
        seen.append((statement, conn.connection.dbapi_connection.autocommit))

    assert _emit(tablets["m3"], "meeting.join", {"meeting_id": session_open.meeting_id})["ok"]
    sqla_event.listen(engine, "before_cursor_execute", autocommit)
    try:
        assert _emit(tablets["m4"], "meeting.join", {"meeting_id": session_open.meeting_id})["ok"]
        joined, seen[:] = list(seen), []
        ack = _emit(tablets["m4"], "attendance.checkin", {"meeting_id": session_open.meeting_id})
        assert ack["ok"] and ack["changed"], ack
        checked_in, seen[:] = list(seen), []
        ack = _emit(tablets["m3"], "speaker.request", {"meeting_id": session_open.meeting_id,
                                                       "agenda_item_id": session_open.items[0]})
        assert ack["ok"], ack
    finally:
        sqla_event.remove(engine, "before_cursor_execute", autocommit)
    assert len(joined) == 1 and joined[0][1], joined  # the state came from what is kept
    assert "FROM users" in joined[0][0] and "meeting_participants" in joined[0][0]
    # A check-in is written with the others of the moment: one statement, in autocommit.
    assert [flag for s, flag in checked_in if "UPDATE meeting_participants" in s] == [True]
    # The next event writes in a transaction: the connections came back as they were.
    assert [flag for s, flag in seen if "INSERT INTO speaker_requests" in s] == [False], seen
