"""A confidential item stays with its invitees: its votes, tallies, speakers, broadcasts and
the ballots on it. The cabinet's third item is confidential with m1 invited; m2 and m3 are
members present in the session but not invited to it."""

from __future__ import annotations

import json
import re
import time

import pytest
from sqlalchemy import select

from ecabinet.audit.models import AuditEntry
from ecabinet.extensions import db
from ecabinet.meetings import broadcast_throttle
from ecabinet.meetings.models import Ballot, VoteEligibility
from tests.fixtures.secret_votes import encrypted_ballot, secret_vote_body, tally_over_api
from tests.meetings.conftest import connect_tablets

NS = "/live"
QUESTION = "Thông qua phương án nhân sự Bộ trưởng?"


@pytest.fixture
def tablets(app, session_open):
    yield from connect_tablets(app, {who: session_open.tokens[who]
                                     for who in ("chair", "m1", "m2", "guest", "secretariat")})


def call(client, event, data):
    return client.emit(event, data, namespace=NS, callback=True)


def received(client, name):
    return [m["args"][0] for m in client.get_received(NS) if m["name"] == name]


def join(client, meeting_id):
    ack = call(client, "meeting.join", {"meeting_id": meeting_id})
    assert ack["ok"], ack
    return ack["state"]


def _open_confidential_vote(api, cab, *, secret=False):
    body = secret_vote_body(cab, QUESTION, "majority_of_all") if secret else \
        {"question": QUESTION, "secret": False, "rule": "majority_of_all"}
    status, vote = api(cab, "POST", f"/api/v1/agenda-items/{cab.confidential_item}/votes",
                       body, who="chair")
    assert status == 201, vote
    return vote


def test_only_invitees_present_are_eligible(app, api, session_open):
    cab = session_open
    vote = _open_confidential_vote(api, cab)
    # Present: chair, m1, m2, m3; the item is the chair's (who runs it) and m1's only.
    assert vote["eligible"] == 2
    assert vote["members_total"] == 2
    with app.app_context(), db.session.begin():
        eligible = set(db.session.scalars(select(VoteEligibility.user_id)
                                          .where(VoteEligibility.vote_id == vote["id"])))
    assert eligible == {cab.users["chair"].id, cab.users["m1"].id}


def test_a_non_invitee_does_not_find_the_vote(api, session_open):
    cab = session_open
    vote = _open_confidential_vote(api, cab)
    assert api(cab, "GET", f"/api/v1/votes/{vote['id']}", who="m1")[0] == 200
    for who in ("m2", "guest", "outsider"):
        status, body = api(cab, "GET", f"/api/v1/votes/{vote['id']}", who=who)
        assert status == 404 and body["error"]["code"] == "not_found"
        assert QUESTION not in str(body)


@pytest.mark.parametrize("secret", [False, True])
def test_a_non_invitee_cannot_cast_and_the_attempt_is_recorded(app, api, session_open,
                                                               secret):
    cab = session_open
    vote = _open_confidential_vote(api, cab, secret=secret)

    def ballot(choice):
        return {"ballot": encrypted_ballot(vote, choice)} if secret else {"choice": choice}

    status, body = api(cab, "POST", f"/api/v1/votes/{vote['id']}/ballots", ballot("no"),
                       who="m2")
    assert status == 404 and body["error"]["code"] == "not_found"
    assert api(cab, "POST", f"/api/v1/votes/{vote['id']}/ballots", ballot("yes"),
               who="m1")[0] == 201
    with app.app_context(), db.session.begin():
        ballots = db.session.scalars(select(Ballot.user_id).where(Ballot.vote_id == vote["id"]))
        voted = db.session.scalars(select(VoteEligibility.user_id).where(
            VoteEligibility.vote_id == vote["id"], VoteEligibility.ballot_version > 0))
        assert set(voted if secret else ballots) == {cab.users["m1"].id}
        refused = db.session.execute(select(
            AuditEntry.actor_id, AuditEntry.object_type, AuditEntry.object_id, AuditEntry.details)
            .where(AuditEntry.action == "ballot.refused")).all()
    assert [tuple(row) for row in refused] == \
        [(cab.users["m2"].id, "votes", str(vote["id"]), '{"reason": "not_found"}')]
    # The server keeps serving: the invitee's ballot went through (above), closing counts it.
    if secret:
        result = tally_over_api(api, cab, vote["id"])
    else:
        status, result = api(cab, "POST", f"/api/v1/votes/{vote['id']}/close", who="chair")
        assert status == 200
    assert result["tally"]["yes"] == 1


def test_a_non_invitee_cannot_cast_over_the_socket(app, tablets, session_open, api):
    cab = session_open
    vote = _open_confidential_vote(api, cab)
    ack = call(tablets["m2"], "ballot.cast", {"vote_id": vote["id"], "choice": "yes"})
    assert ack["ok"] is False and ack["error"]["code"] == "not_found"
    with app.app_context(), db.session.begin():
        assert db.session.scalars(select(Ballot).where(Ballot.vote_id == vote["id"])).all() == []
        assert db.session.scalar(select(AuditEntry.actor_id).where(
            AuditEntry.action == "ballot.refused")) == cab.users["m2"].id


def test_the_state_shows_the_vote_to_invitees_only(api, session_open):
    cab = session_open
    vote = _open_confidential_vote(api, cab)
    path = f"/api/v1/meetings/{cab.meeting_id}/state"
    mine = api(cab, "GET", path, who="m1")[1]
    assert mine["open_vote"]["vote_id"] == vote["id"]
    assert mine["open_vote"]["question"] == QUESTION
    for who in ("m2", "guest"):
        status, theirs = api(cab, "GET", path, who=who)
        assert status == 200
        assert theirs["open_vote"] is None
        assert QUESTION not in str(theirs)


def test_the_join_snapshot_shows_the_vote_to_invitees_only(tablets, session_open, api):
    cab = session_open
    vote = _open_confidential_vote(api, cab)
    assert join(tablets["m1"], cab.meeting_id)["open_vote"]["vote_id"] == vote["id"]
    state = join(tablets["m2"], cab.meeting_id)
    assert state["open_vote"] is None and QUESTION not in str(state)


def test_the_room_page_shows_the_vote_to_invitees_only(client, auth, api, session_open):
    cab = session_open
    vote = _open_confidential_vote(api, cab)
    for who in ("m1", "m2"):
        api(cab, "POST", f"/api/v1/votes/{vote['id']}/ballots", {"choice": "yes"}, who=who)
    api(cab, "POST", f"/api/v1/votes/{vote['id']}/close", who="chair")
    _open_confidential_vote(api, cab)  # one closed (past votes) and one open
    auth.login(cab.users["m1"])
    page = client.get(f"/meetings/{cab.meeting_id}").text
    assert QUESTION in page and _island(page)["state"]["open_vote"]["question"] == QUESTION
    auth.logout()
    auth.login(cab.users["m2"])
    page = client.get(f"/meetings/{cab.meeting_id}")
    assert page.status_code == 200
    island = _island(page.text)
    assert island["state"]["open_vote"] is None
    for secret in (QUESTION, "Phương án nhân sự"):
        assert secret not in page.text and secret not in json.dumps(island, ensure_ascii=False)


def _island(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="meeting-data">(.*?)</script>', html,
                      re.S)
    return json.loads(match.group(1))


def _wait_for(client, name, timeout=3.0):
    got, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline and not got:
        got = received(client, name)
        time.sleep(0.05)
    return got


def test_broadcasts_about_the_item_reach_its_invitees_only(tablets, session_open):
    cab = session_open
    for client in tablets.values():
        join(client, cab.meeting_id)
        client.get_received(NS)
    chair, m1, m2, guest = (tablets[w] for w in ("chair", "m1", "m2", "guest"))
    # The chair moves to the confidential item: its speaker queue is the invitees' business.
    assert call(chair, "agenda.set_current", {"meeting_id": cab.meeting_id,
                                              "agenda_item_id": cab.confidential_item})["ok"]
    assert call(m1, "speaker.request", {"meeting_id": cab.meeting_id,
                                        "agenda_item_id": cab.confidential_item})["ok"]
    m1_messages = m1.get_received(NS)
    assert any(m["name"] == "speakers.changed" for m in m1_messages)
    for outsider in (m2, guest):
        messages = outsider.get_received(NS)
        assert not [m for m in messages if m["name"] == "speakers.changed"]
        states = [m["args"][0] for m in messages if m["name"] == "meeting.state"]
        assert states, "the rest of the room still follows the session"
        assert all(s["speakers"]["queue"] == [] for s in states)
        assert cab.users["m1"].name not in str(messages)

    ack = call(chair, "vote.open", {"meeting_id": cab.meeting_id,
                                    "agenda_item_id": cab.confidential_item,
                                    "question": QUESTION, "rule": "majority_of_present"})
    assert ack["ok"], ack
    vote_id = ack["vote_id"]
    opened = received(m1, "vote.opened")
    assert opened and opened[0]["question"] == QUESTION and opened[0]["eligible"] == 2
    assert call(m1, "ballot.cast", {"vote_id": vote_id, "choice": "yes"})["ok"]
    assert _wait_for(m1, "vote.progress")
    time.sleep(2 * broadcast_throttle.INTERVAL)
    assert call(chair, "vote.close", {"vote_id": vote_id})["ok"]
    assert received(m1, "vote.closed") or _wait_for(m1, "vote.closed")
    for outsider in (m2, guest):
        names = [m["name"] for m in outsider.get_received(NS)]
        assert not {"vote.opened", "vote.progress", "vote.closed"} & set(names), names


def test_an_agenda_change_asks_tablets_to_join_again(app, cabinet, api):
    """Audiences follow the agenda: adding a confidential item empties the rooms of those who
    do not see every item, and asks their tablets to join again."""
    cab = cabinet
    tablets = connect_tablets(app, {w: cab.tokens[w] for w in ("chair", "m1", "m2")})
    clients = next(tablets)
    try:
        for client in clients.values():
            join(client, cab.meeting_id)
            client.get_received(NS)
        status, item = api(cab, "POST", f"/api/v1/meetings/{cab.meeting_id}/agenda-items",
                           {"title": "Kỷ luật cán bộ (mật)", "confidential": True,
                            "invitee_ids": [cab.users["m1"].id]}, who="secretariat")
        assert status == 201
        for who in ("m1", "m2"):
            assert received(clients[who], "meeting.rejoin") == [{"meeting_id": cab.meeting_id}]
        # m2 has not joined again: it hears nothing more (rather than with an old audience).
        assert api(cab, "POST", f"/api/v1/meetings/{cab.meeting_id}/transition",
                   {"to": "in_session"}, who="chair")[0] == 200
        assert received(clients["m2"], "meeting.state") == []
        assert received(clients["chair"], "meeting.state")  # the chair's room stays
        state = join(clients["m2"], cab.meeting_id)
        assert item["id"] not in [i["id"] for i in state["items"]]
        assert item["id"] in [i["id"] for i in join(clients["m1"], cab.meeting_id)["items"]]
        assert call(clients["chair"], "agenda.set_current",
                    {"meeting_id": cab.meeting_id, "agenda_item_id": cab.items[1]})["ok"]
        assert received(clients["m2"], "meeting.state")
    finally:
        next(tablets, None)
