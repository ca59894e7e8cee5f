"""On PostgreSQL, the callers of live events arriving at the same moment are read in one
statement (ecabinet/live/handlers.py, ``_caller_rows``; group_commit.ForMany): that statement
is the one a lone event runs, for each caller's own credentials, so one caller's dead token
in a group refuses that caller only, and nobody is answered with another's seat."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import event as sqla_event

from ecabinet.extensions import db, socketio
from ecabinet.live import handlers
from ecabinet.live.namespace import NAMESPACE
from ecabinet.meetings import access
from tests.fixtures.groups import HoldFirstGroup
from tests.live.test_caller_checks import _call, _kill_token
from tests.meetings.conftest import api, cabinet, session_open  # noqa: F401


@pytest.fixture
def joins(app, session_open):  # noqa: F811
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("callers are read in groups on PostgreSQL")
        engine = db.engine
    statement, _ = handlers._caller_along(True, access.seat_query(
        session_open.meeting_id, with_positions=True)[0])
    group = handlers._group_of(statement)
    tablets = {who: socketio.test_client(app, namespace=NAMESPACE,
                                         auth={"token": session_open.tokens[who]})
               for who in ("m1", "m2", "m3", "m4")}
    yield engine, group, tablets
    for tablet in tablets.values():
        if tablet.is_connected(NAMESPACE):
            tablet.disconnect(namespace=NAMESPACE)


def test_a_dead_token_in_a_group_is_refused_and_the_others_get_their_own_seat(
        app, joins, session_open):  # noqa: F811
    engine, group, tablets = joins
    cab = session_open
    _kill_token(app, cab.users["m3"].id, "revoked")
    held = HoldFirstGroup(engine, group, ("WITH given", "FROM users"), 3)
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            first = pool.submit(_call, tablets["m1"], "meeting.join",
                                {"meeting_id": cab.meeting_id})
            held.wait_until_held()
            rest = {who: pool.submit(_call, tablets[who], "meeting.join",
                                     {"meeting_id": cab.meeting_id})
                    for who in ("m2", "m3", "m4")}
            acks = {"m1": first.result(timeout=30),
                    **{who: future.result(timeout=30) for who, future in rest.items()}}
    finally:
        held.close()
    users = {who: cab.users[who].id for who in ("m1", "m2", "m3", "m4")}
    # m2, m3 and m4 were one statement; m3's revoked token refused m3 only.
    assert held.users == [[users["m1"]], sorted(users[w] for w in ("m2", "m3", "m4"))]
    assert acks["m3"]["ok"] is False and acks["m3"]["error"]["code"] == "unauthorized"
    for who in ("m1", "m2", "m4"):
        assert acks[who]["ok"], (who, acks[who])
        me = acks[who]["state"]["me"]
        assert me["user_id"] == users[who]  # each caller's own seat, not a neighbour's
        assert me["checked_in"] is (who != "m4")  # m4 is the one not checked in


def test_a_meeting_one_cannot_see_is_not_found_through_a_group_read(app, joins):
    engine, _group, tablets = joins
    sent = []
    here = threading.get_ident()

    def seen(conn, cursor, statement, *args):
        if threading.get_ident() == here:
            sent.append(statement)

    sqla_event.listen(engine, "before_cursor_execute", seen)
    try:
        ack = _call(tablets["m4"], "meeting.join", {"meeting_id": 999_999})
    finally:
        sqla_event.remove(engine, "before_cursor_execute", seen)
    assert ack["error"]["code"] == "not_found"  # as alone: the seat's rule, on its row
    assert len([s for s in sent if s.startswith("WITH given")]) == 1
