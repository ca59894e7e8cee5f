"""The live session over /live: tablets follow the chair, vote, reconnect; bad input is refused."""

import math
import time

import pytest

from ecabinet.extensions import db, socketio
from ecabinet.live import handlers as live_handlers
from ecabinet.meetings import broadcast_throttle
from ecabinet.meetings.models import Ballot, VoteEligibility
from tests.fixtures.secret_votes import encrypted_ballot, secret_vote_body, tally_over_socket
from tests.meetings.conftest import connect_tablets

NS = "/live"


@pytest.fixture
def tablets(app, session_open):
    """One connected tablet per person of the cabinet."""
    yield from connect_tablets(app, session_open.tokens)


def call(client, event, data):
    return client.emit(event, data, namespace=NS, callback=True)


def received(client, name):
    return [m["args"][0] for m in client.get_received(NS) if m["name"] == name]


def coalesced(client, name, done, timeout=5.0):
    """The coalesced broadcasts `name` received until the last one satisfies `done` (they come
    on a clock, so a loaded machine may take longer than one interval)."""
    messages, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        messages += received(client, name)
        if messages and done(messages[-1]):
            time.sleep(2 * broadcast_throttle.INTERVAL)  # and anything wrongly sent after it
            return messages + received(client, name)
        time.sleep(0.05)
    raise AssertionError(f"no {name} satisfying the condition within {timeout} s: {messages}")


def join(client, meeting_id):
    ack = call(client, "meeting.join", {"meeting_id": meeting_id})
    assert ack["ok"], ack
    return ack["state"]


def test_join_returns_the_whole_state(tablets, session_open):
    cab = session_open
    state = join(tablets["m1"], cab.meeting_id)
    assert state["status"] == "in_session"
    assert state["current_item_id"] == cab.items[0]
    assert state["attendance"]["quorum"]["reached"] is True
    assert [i["id"] for i in state["items"]] == cab.items  # m1 is invited to the confidential one
    assert state["me"]["checked_in"] is True
    guest_state = join(tablets["guest"], cab.meeting_id)
    assert [i["id"] for i in guest_state["items"]] == [cab.items[0]]


def test_tablets_follow_the_chair(tablets, session_open):
    cab = session_open
    for who in ("chair", "m2", "guest"):
        join(tablets[who], cab.meeting_id)
        tablets[who].get_received(NS)
    ack = call(tablets["chair"], "agenda.set_current",
               {"meeting_id": cab.meeting_id, "agenda_item_id": cab.items[1]})
    assert ack == {"ok": True, "agenda_item_id": cab.items[1]}
    for who in ("m2", "guest"):
        messages = tablets[who].get_received(NS)
        names = [m["name"] for m in messages]
        assert "agenda.current" in names and "meeting.state" in names
        current = next(m["args"][0] for m in messages if m["name"] == "agenda.current")
        assert current["agenda_item_id"] == cab.items[1]


def test_a_vote_over_the_socket(tablets, session_open):
    cab = session_open
    for client in tablets.values():
        if client is not tablets["outsider"]:
            join(client, cab.meeting_id)
            client.get_received(NS)
    ack = call(tablets["chair"], "vote.open", {
        "meeting_id": cab.meeting_id, "agenda_item_id": cab.items[0],
        "question": "Thông qua dự án Luật?", "secret": False, "rule": "majority_of_present"})
    assert ack["ok"], ack
    vote_id = ack["vote_id"]
    opened = received(tablets["m1"], "vote.opened")
    assert opened[0]["eligible"] == 4 and opened[0]["rule"] == "majority_of_present"
    assert received(tablets["guest"], "vote.opened") == []  # guests never vote
    started = time.monotonic()
    for who, choice in (("chair", "yes"), ("m1", "no"), ("m2", "yes"), ("m3", "abstain")):
        ack = call(tablets[who], "ballot.cast", {"vote_id": vote_id, "choice": choice})
        receipt = ack.pop("receipt")  # the server's signed statement of the recorded choice
        assert ack == {"ok": True, "vote_id": vote_id, "choice": choice}
        assert receipt["statement"]["choice"] == choice
        assert receipt["statement"]["member"]["id"] == cab.users[who].id
    # A member changes their mind: the last ballot counts, still one per member.
    assert call(tablets["m1"], "ballot.cast", {"vote_id": vote_id, "choice": "yes"})["ok"]
    elapsed = time.monotonic() - started
    # Progress is coalesced: one message per interval the ballots spanned, not one per
    # ballot, with counts only.
    counts = coalesced(tablets["m2"], "vote.progress", lambda last: last["cast"] == 4)
    assert len(counts) <= math.ceil(elapsed / broadcast_throttle.INTERVAL) + 1
    assert counts[-1] == {"vote_id": vote_id, "cast": 4, "eligible": 4}
    ack = call(tablets["chair"], "vote.close", {"vote_id": vote_id})
    assert ack["ok"] and ack["outcome"] == "adopted"
    assert ack["tally"] == {"yes": 3, "no": 0, "abstain": 1, "absent": 1}
    closed = received(tablets["guest"], "vote.closed")
    assert closed[0]["tally"] == ack["tally"] and closed[0]["outcome"] == "adopted"


def test_a_reconnecting_tablet_sees_its_own_ballot(app, tablets, session_open):
    cab = session_open
    join(tablets["chair"], cab.meeting_id)
    vote_id = call(tablets["chair"], "vote.open", {
        "meeting_id": cab.meeting_id, "agenda_item_id": cab.items[0], "question": "Q?",
        "rule": "majority_of_all"})["vote_id"]
    join(tablets["m2"], cab.meeting_id)
    call(tablets["m2"], "ballot.cast", {"vote_id": vote_id, "choice": "no"})
    tablets["m2"].disconnect(namespace=NS)
    again = socketio.test_client(app, namespace=NS, auth={"token": cab.tokens["m2"]})
    state = join(again, cab.meeting_id)
    assert state["open_vote"]["vote_id"] == vote_id
    assert state["open_vote"]["mine"] == {"eligible": True, "voted": True, "choice": "no"}
    again.disconnect(namespace=NS)


def test_secret_ballot_cannot_be_linked_and_can_be_changed(app, tablets, session_open):
    cab = session_open
    join(tablets["chair"], cab.meeting_id)
    opened = call(tablets["chair"], "vote.open", {
        "meeting_id": cab.meeting_id, "agenda_item_id": cab.items[0],
        **secret_vote_body(cab, "Bỏ phiếu kín?")})
    assert opened["ok"], opened
    vote_id = opened["vote_id"]
    vote = join(tablets["m1"], cab.meeting_id)["open_vote"]
    assert vote["secret"] and vote["verifiable"] and vote["public_key"]
    # A choice in clear is refused: the server never takes a secret choice it could store.
    clear = call(tablets["m1"], "ballot.cast", {"vote_id": vote_id, "choice": "no"})
    assert clear["error"]["code"] == "ballot_must_be_encrypted"
    first = call(tablets["m1"], "ballot.cast", {"vote_id": vote_id,
                                                 "ballot": encrypted_ballot(vote, "no")})
    assert first["ok"] and first["tracking_code"]
    # Changing: a new encrypted ballot replaces the stored one (the last counts).
    changed = call(tablets["m1"], "ballot.cast", {"vote_id": vote_id,
                                                   "ballot": encrypted_ballot(vote, "yes")})
    assert changed["ok"] and changed["tracking_code"] != first["tracking_code"]
    # A ballot copied from another member is refused (it would count its choice twice).
    first_ballot = encrypted_ballot(vote, "abstain")
    assert call(tablets["m2"], "ballot.cast", {"vote_id": vote_id, "ballot": first_ballot})["ok"]
    copied = call(tablets["m3"], "ballot.cast", {"vote_id": vote_id, "ballot": first_ballot})
    assert copied["error"]["code"] == "duplicate_ballot"
    call(tablets["m2"], "ballot.cast", {"vote_id": vote_id,
                                        "ballot": encrypted_ballot(vote, "yes")})
    call(tablets["chair"], "ballot.cast", {"vote_id": vote_id,
                                           "ballot": encrypted_ballot(vote, "no")})
    with app.app_context():
        # Nothing in the database says what m1 chose: no ballot rows, only who voted.
        assert db.session.scalars(db.select(Ballot).where(Ballot.vote_id == vote_id)).all() == []
        voted = db.session.scalars(db.select(VoteEligibility.user_id).where(
            VoteEligibility.vote_id == vote_id, VoteEligibility.ballot_version > 0)).all()
        assert sorted(voted) == sorted([cab.users["m1"].id, cab.users["m2"].id,
                                        cab.users["chair"].id])
        from ecabinet.audit.models import AuditEntry

        details = db.session.scalars(db.select(AuditEntry.details).where(
            AuditEntry.action == "ballot.cast")).all()
        assert details and all(d == "{}" for d in details)
    result = tally_over_socket(call, tablets, vote_id)
    # m1: yes (changed), m2: yes, chair: no; 4 present; yes 2 of 4 is not more than half, and a
    # secret vote's tie cannot be broken by the chair's (unknowable) choice.
    assert result["tally"] == {"yes": 2, "no": 1, "abstain": 0, "absent": 2}
    assert result["outcome"] == "rejected"


@pytest.mark.parametrize("event,data,code", [
    ("meeting.join", {"meeting_id": 99999}, "not_found"),
    ("meeting.join", {"meeting_id": "1; DROP TABLE"}, "validation_error"),
    ("meeting.join", {}, "validation_error"),
])
def test_bad_join_requests(tablets, event, data, code):
    ack = call(tablets["m1"], event, data)
    assert ack["ok"] is False and ack["error"]["code"] == code


def test_bad_input_in_session_changes_nothing(app, tablets, session_open):
    cab = session_open
    join(tablets["chair"], cab.meeting_id)
    vote_id = call(tablets["chair"], "vote.open", {
        "meeting_id": cab.meeting_id, "agenda_item_id": cab.items[0], "question": "Q?",
        "rule": "majority_of_all"})["vote_id"]

    def error(who, event, data):
        ack = call(tablets[who], event, data)
        assert ack["ok"] is False, (who, event, ack)
        return ack["error"]["code"]

    # Someone not in the meeting: it doesn't exist for them.
    assert error("outsider", "meeting.join", {"meeting_id": cab.meeting_id}) == "not_found"
    assert error("outsider", "ballot.cast", {"vote_id": vote_id, "choice": "yes"}) == "not_found"
    # A choice that doesn't exist.
    assert error("m1", "ballot.cast", {"vote_id": vote_id, "choice": "maybe"}) == \
        "validation_error"
    # Not eligible: m4 was not present when the vote opened; guests never vote.
    assert error("m4", "ballot.cast", {"vote_id": vote_id, "choice": "yes"}) == "not_eligible"
    assert error("guest", "ballot.cast", {"vote_id": vote_id, "choice": "yes"}) == "not_eligible"
    # The chair's actions sent by a member.
    assert error("m1", "vote.close", {"vote_id": vote_id}) == "forbidden"
    assert error("m1", "agenda.set_current", {"meeting_id": cab.meeting_id,
                                              "agenda_item_id": cab.items[1]}) == "forbidden"
    assert error("m1", "vote.open", {"meeting_id": cab.meeting_id,
                                     "agenda_item_id": cab.items[1], "question": "x",
                                     "rule": "majority_of_all"}) == "forbidden"
    # A second vote while one is open.
    assert error("chair", "vote.open", {"meeting_id": cab.meeting_id,
                                        "agenda_item_id": cab.items[1], "question": "x",
                                        "rule": "majority_of_all"}) == "vote_open"
    # Joining twice is harmless.
    join(tablets["m1"], cab.meeting_id)
    join(tablets["m1"], cab.meeting_id)
    with app.app_context():
        assert db.session.scalars(db.select(Ballot)).all() == []
    # After closing, a ballot is refused.
    assert call(tablets["chair"], "vote.close", {"vote_id": vote_id})["ok"]
    assert error("m1", "ballot.cast", {"vote_id": vote_id, "choice": "yes"}) == "vote_closed"
    assert error("chair", "vote.close", {"vote_id": vote_id}) == "vote_closed"


def test_a_flood_from_one_tablet_is_cut_off_and_others_go_on(tablets, session_open,
                                                            monkeypatch):
    cab = session_open
    # A window long enough that the 40 events fall into one, however slow the machine.
    monkeypatch.setattr(live_handlers, "FLOOD_WINDOW", 60.0)
    answers = [call(tablets["m3"], "meeting.join", {"meeting_id": cab.meeting_id})
               for _ in range(40)]
    refused = [a for a in answers if a["ok"] is False]
    # The first ones pass; at least the 10 beyond the limit are refused (the connection's
    # own earlier events count in the same window).
    assert answers[0]["ok"] and len(refused) >= 40 - live_handlers.FLOOD_LIMIT
    assert all(a["error"]["code"] == "rate_limited" for a in refused)
    assert join(tablets["m2"], cab.meeting_id)["status"] == "in_session"


def settle(client):
    """Let the coalesced broadcasts of earlier changes (the fixture's check-ins) arrive, then
    forget them."""
    time.sleep(0.8)
    client.get_received(NS)


def test_checkin_over_the_socket_updates_quorum(tablets, session_open):
    cab = session_open
    join(tablets["chair"], cab.meeting_id)
    settle(tablets["chair"])
    ack = call(tablets["m4"], "attendance.checkin", {"meeting_id": cab.meeting_id})
    assert ack == {"ok": True, "checked_in": True, "changed": True}
    again = call(tablets["m4"], "attendance.checkin", {"meeting_id": cab.meeting_id})
    assert again["changed"] is False
    # Attendance is broadcast coalesced, like vote progress; the unchanged second check-in
    # sends nothing.
    changes = coalesced(tablets["chair"], "attendance.changed",
                        lambda last: last["quorum"]["present"] == 5)
    assert len(changes) == 1 and changes[0]["quorum"]["present"] == 5
    assert cab.users["m4"].id in changes[0]["present"]


def test_a_burst_of_checkins_is_coalesced(app, cabinet, api, make_user, token_for):
    """Many tablets checking in at once (a Wi-Fi drop in the room) must not send N² messages:
    broadcasts follow the clock (one per coalescing interval), not the check-ins."""
    cab, mid = cabinet, cabinet.meeting_id
    late = [make_user("guest", name=f"Khách mời {n}") for n in range(8)]
    for user in late:
        assert api(cab, "POST", f"/api/v1/meetings/{mid}/participants",
                   {"user_id": user.id, "role": "guest"}, who="secretariat")[0] == 201
    assert api(cab, "POST", f"/api/v1/meetings/{mid}/checkin", who="chair")[0] == 200
    assert api(cab, "POST", f"/api/v1/meetings/{mid}/transition", {"to": "in_session"},
               who="chair")[0] == 200
    tokens = [token_for(user) for user in late]
    watcher = socketio.test_client(app, namespace=NS, auth={"token": cab.tokens["chair"]})
    join(watcher, mid)
    settle(watcher)
    started = time.monotonic()
    for token in tokens:
        client = socketio.test_client(app, namespace=NS, auth={"token": token})
        assert call(client, "attendance.checkin", {"meeting_id": mid})["ok"]
        client.disconnect(namespace=NS)
    elapsed = time.monotonic() - started
    everyone = {user.id for user in late}
    changes = coalesced(watcher, "attendance.changed",
                        lambda last: everyone <= set(last["present"]))
    # A burst spanning `elapsed` seconds touches at most ceil(elapsed / INTERVAL) + 1
    # intervals, whatever the speed of the machine; one broadcast per check-in would be 8.
    assert 1 <= len(changes) <= math.ceil(elapsed / broadcast_throttle.INTERVAL) + 1
    watcher.disconnect(namespace=NS)
