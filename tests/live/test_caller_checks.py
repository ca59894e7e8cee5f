"""The events a hall of tablets sends at once (``meeting.join``, ``attendance.checkin``,
``ballot.cast``) read their caller as plain columns (``ecabinet.identity.callers.Caller``),
not as an ORM user: the same statement's conditions, the same checks. Each is refused as soon
as the credentials die behind the registry's back — a token revoked or run out, an account
switched off, a browser's sign-in ended — and nothing is written. And a named ballot, one
statement on PostgreSQL, runs without a transaction; a secret ballot keeps its own."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event as sqla_event
from sqlalchemy import func, select, update

from ecabinet.audit.models import AuditEntry
from ecabinet.database import unit_of_work
from ecabinet.extensions import db, socketio
from ecabinet.identity.models import ApiToken, SignIn, User
from ecabinet.live.namespace import NAMESPACE
from ecabinet.meetings.e2e_models import EncryptedBallot
from ecabinet.meetings.models import Ballot
from tests.conftest import AuthActions
from tests.fixtures.secret_votes import encrypted_ballot
from tests.fixtures.secret_votes import open_vote as _open_vote
from tests.meetings.conftest import api, cabinet, session_open  # noqa: F401

EVENTS = ("meeting.join", "attendance.checkin", "ballot.cast")


def _arguments(cab, vote, event):
    if event == "ballot.cast":
        return {"vote_id": vote["id"], "choice": "yes"}
    return {"meeting_id": cab.meeting_id}


def _call(client, event, data):
    return client.emit(event, data, namespace=NAMESPACE, callback=True)


def _kill_token(app, user_id, how):
    with app.app_context(), unit_of_work():
        values = {"revoked_at": datetime.now(UTC)} if how == "revoked" else \
            {"expires_at": datetime.now(UTC) - timedelta(seconds=1)}
        db.session.execute(update(ApiToken).where(ApiToken.user_id == user_id).values(**values))


def _switch_off(app, user_id):
    with app.app_context(), unit_of_work():
        db.session.execute(update(User).where(User.id == user_id).values(active=False))


def _checked_in(app, user_id) -> int:
    with app.app_context():
        try:
            return db.session.scalar(select(func.count()).select_from(AuditEntry).where(
                AuditEntry.action == "attendance.checkin", AuditEntry.actor_id == user_id))
        finally:
            db.session.remove()


def _written(app, vote_id, user_id) -> tuple[int, int]:
    """The member's ballots in the vote, and the ballot entries written in the audit trail."""
    with app.app_context():
        try:
            return (db.session.scalar(select(func.count()).select_from(Ballot).where(
                        Ballot.vote_id == vote_id, Ballot.user_id == user_id)),
                    db.session.scalar(select(func.count()).select_from(AuditEntry).where(
                        AuditEntry.action == "ballot.cast",
                        AuditEntry.actor_id == user_id)))
        finally:
            db.session.remove()


@pytest.mark.parametrize("death", ["revoked", "expired", "switched_off"])
@pytest.mark.parametrize("event", EVENTS)
def test_a_dead_token_or_account_is_refused_by_every_hall_event(app, api, session_open,  # noqa: F811
                                                               event, death):
    cab = session_open
    vote = _open_vote(api, cab)
    who = "m4" if event == "attendance.checkin" else "m2"  # m4 has not checked in yet
    member_id = cab.users[who].id
    tablet = socketio.test_client(app, namespace=NAMESPACE, auth={"token": cab.tokens[who]})
    try:
        if death == "switched_off":
            _switch_off(app, member_id)
        else:
            _kill_token(app, member_id, death)
        ack = _call(tablet, event, _arguments(cab, vote, event))
        assert ack["ok"] is False and ack["error"]["code"] == "unauthorized", ack
        assert _written(app, vote["id"], member_id) == (0, 0)
        if who == "m4":
            assert _checked_in(app, member_id) == 0
    finally:
        if tablet.is_connected(NAMESPACE):
            tablet.disconnect(namespace=NAMESPACE)


@pytest.mark.parametrize("event", EVENTS)
def test_an_ended_sign_in_is_refused(app, api, session_open, event):  # noqa: F811
    """A browser's connection: its sign-in ended elsewhere."""
    cab = session_open
    vote = _open_vote(api, cab)
    who = "m4" if event == "attendance.checkin" else "m3"
    browser = app.test_client()
    assert AuthActions(app, browser).login(cab.users[who]).status_code == 302
    live = socketio.test_client(app, namespace=NAMESPACE, flask_test_client=browser)
    try:
        assert _call(live, "meeting.join", {"meeting_id": cab.meeting_id})["ok"]
        with app.app_context(), unit_of_work():  # ended elsewhere, behind the registry's back
            db.session.execute(update(SignIn).where(SignIn.user_id == cab.users[who].id)
                               .values(ended_at=datetime.now(UTC)))
        ack = _call(live, event, _arguments(cab, vote, event))
        assert ack["ok"] is False and ack["error"]["code"] == "unauthorized", ack
        assert _written(app, vote["id"], cab.users[who].id) == (0, 0)
        if who == "m4":
            assert _checked_in(app, cab.users[who].id) == 0
    finally:
        if live.is_connected(NAMESPACE):
            live.disconnect(namespace=NAMESPACE)


def test_a_live_caller_votes_and_the_entry_names_them(app, api, session_open):  # noqa: F811
    """What the caller's columns carry reaches the audit entry and the receipt as the ORM
    user's did: the id, and "name <email>"."""
    cab = session_open
    vote = _open_vote(api, cab)
    tablet = socketio.test_client(app, namespace=NAMESPACE, auth={"token": cab.tokens["m1"]})
    try:
        ack = _call(tablet, "ballot.cast", {"vote_id": vote["id"], "choice": "no"})
        assert ack["ok"], ack
    finally:
        tablet.disconnect(namespace=NAMESPACE)
    with app.app_context():
        user = db.session.get(User, cab.users["m1"].id)
        label = db.session.scalar(select(AuditEntry.actor_label).where(
            AuditEntry.action == "ballot.cast", AuditEntry.actor_id == user.id))
        assert label == f"{user.name} <{user.email}>"
        assert ack["receipt"]["statement"]["member"] == {"id": user.id, "name": user.name}
        db.session.remove()


@pytest.mark.parametrize("secret", [False, True], ids=["named", "secret"])
def test_a_named_ballot_runs_without_a_transaction_on_postgresql(app, api, session_open,  # noqa: F811
                                                                 secret):
    """Its one statement (the vote under its lock, the ballot, the entry; written with the
    other ballots of the moment: voting.GROUP) is atomic and durable when it returns: no BEGIN,
    no COMMIT; so is the caller's read (with the other events' of the moment). A secret ballot
    reads, checks the proofs and writes two rows and an entry: in a transaction. The
    connections go back to the pool as they were."""
    with app.app_context():
        engine = db.engine
        if engine.dialect.name != "postgresql":
            pytest.skip("SQLite's transactions are ecabinet's own (BEGIN IMMEDIATE)")
    cab = session_open
    vote = _open_vote(api, cab, secret=secret)
    tablet = socketio.test_client(app, namespace=NAMESPACE, auth={"token": cab.tokens["m2"]})
    seen = []
    here = threading.get_ident()

    def autocommit(conn, _cursor, statement, *_args):
        # The test client runs the handlers in this thread; the audit linker's thread runs its
        # own statements meanwhile (in a transaction), which are not the event's.
        if threading.get_ident() == here:
            seen.append((statement, conn.connection.dbapi_connection.autocommit))

    sqla_event.listen(engine, "before_cursor_execute", autocommit)
    try:
        cast = {"ballot": encrypted_ballot(vote, "yes")} if secret else {"choice": "yes"}
        ack = _call(tablet, "ballot.cast", {"vote_id": vote["id"], **cast})
        assert ack["ok"], ack
        cast_seen, seen[:] = list(seen), []
        ack = _call(tablet, "speaker.request", {"meeting_id": cab.meeting_id,
                                                "agenda_item_id": cab.items[0]})
        assert ack["ok"], ack
    finally:
        sqla_event.remove(engine, "before_cursor_execute", autocommit)
        tablet.disconnect(namespace=NAMESPACE)
    assert cast_seen
    caller, *rest = cast_seen
    assert "FROM users" in caller[0] and caller[1], caller  # the caller's read, in autocommit
    if secret:
        assert rest and not any(flag for _, flag in rest), rest
    else:
        assert [flag for _, flag in rest] == [True], rest  # the ballot's one statement
        assert "INTO ballots" in rest[0][0]
    # The next event writes in a transaction: the connections came back as they were.
    assert [flag for s, flag in seen if "INSERT INTO speaker_requests" in s] == [False], seen
    assert seen and not any(flag for _, flag in seen), seen
    with app.app_context():
        table = EncryptedBallot if secret else Ballot
        assert db.session.scalar(select(func.count()).select_from(table).where(
            table.vote_id == vote["id"], table.user_id == cab.users["m2"].id)) == 1
        db.session.remove()


# --- the seat read with the caller (one round trip) ----------------------------------------------

@pytest.mark.parametrize("event", ["meeting.join", "attendance.checkin"])
def test_the_seat_is_read_with_the_caller_in_one_statement(app, session_open, event):  # noqa: F811
    from tests.fixtures.statements import statements

    cab = session_open
    tablet = socketio.test_client(app, namespace=NAMESPACE, auth={"token": cab.tokens["m4"]})
    try:
        with statements(app) as sent:
            ack = _call(tablet, event, {"meeting_id": cab.meeting_id})
        assert ack["ok"], ack
    finally:
        tablet.disconnect(namespace=NAMESPACE)
    # (on PostgreSQL the caller's statement is read with other events' of the moment: WITH…)
    reads = [s for s in sent if s.startswith(("SELECT", "WITH given"))]
    # the caller with their token, and their seat in the meeting: one SELECT (a join also
    # reads the agenda's outline and the shared part of the state on a miss)
    assert [s for s in reads if "FROM users" in s] == reads[:1], sent.text()
    assert "meeting_participants" in reads[0] and "api_tokens" in reads[0], sent.text()
    assert not [s for s in reads[1:] if "meeting_participants.role" in s
                and "FROM meetings" in s], sent.text()


@pytest.mark.parametrize("event", ["meeting.join", "attendance.checkin"])
def test_a_dead_session_is_refused_first(app, session_open, event):  # noqa: F811
    """The seat's statement goes with the caller's, but the caller is still answered first: a
    dead token hears "unauthorized" whatever it asks, a live one "not found" for a meeting it
    cannot see and "validation_error" for arguments that are not a meeting."""
    cab = session_open
    tablet = socketio.test_client(app, namespace=NAMESPACE, auth={"token": cab.tokens["m2"]})
    try:
        assert _call(tablet, event, {"meeting_id": 999_999})["error"]["code"] == "not_found"
        assert _call(tablet, event, {"meeting_id": "x"})["error"]["code"] == "validation_error"
        _kill_token(app, cab.users["m2"].id, "revoked")
        for arguments in ({"meeting_id": cab.meeting_id}, {"meeting_id": 999_999},
                          {"meeting_id": "x"}, {}):
            ack = _call(tablet, event, arguments)
            assert ack["ok"] is False and ack["error"]["code"] == "unauthorized", (arguments, ack)
    finally:
        if tablet.is_connected(NAMESPACE):
            tablet.disconnect(namespace=NAMESPACE)
