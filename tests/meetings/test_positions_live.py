"""Positions before the session, live: ``positions.changed`` reaches the chair, the secretariat
and the meeting's secretary when a member states or changes a position, and nobody else."""

from __future__ import annotations

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from ecabinet.database import unit_of_work
from ecabinet.extensions import db
from ecabinet.identity.services import get_user
from ecabinet.meetings import sitting
from ecabinet.meetings.models import AgendaItem
from tests.browser import conftest as browser_fixtures
from tests.browser.conftest import BrowserAuth
from tests.meetings.conftest import connect_tablets

#: The browser test's fixtures (this folder's conftest does not provide them).
browser, live_server, tablet = (browser_fixtures.browser, browser_fixtures.live_server,
                                browser_fixtures.tablet)

NS = "/live"
EVENT = "positions.changed"
#: Who joins the meeting in these tests (the outsider is not invited: their join is refused).
FOLLOWERS = ("secretariat", "chair", "m1", "m2", "m3", "m4", "guest")


@pytest.fixture
def tablets(app, cabinet):
    """One connected tablet per person of the (published) cabinet, each following the meeting,
    with nothing received yet."""
    for clients in connect_tablets(app, cabinet.tokens):
        for who in FOLLOWERS:
            ack = clients[who].emit("meeting.join", {"meeting_id": cabinet.meeting_id},
                                    namespace=NS, callback=True)
            assert ack["ok"], (who, ack)
        for client in clients.values():
            client.get_received(NS)
        yield clients


def heard(client) -> list[dict]:
    return [m["args"][0] for m in client.get_received(NS) if m["name"] == EVENT]


def wait_for(client, count: int = 1, timeout: float = 5.0) -> list[dict]:
    """The ``positions.changed`` messages received once there are ``count`` of them (a bounded
    poll: the broadcast leaves after the commit, whichever thread commits)."""
    messages, deadline = [], time.monotonic() + timeout
    while True:
        messages += heard(client)
        if len(messages) >= count or time.monotonic() > deadline:
            return messages
        time.sleep(0.02)


def put_position(api, cabinet, who, item_id, stance, note=None):
    body = {"stance": stance} if note is None else {"stance": stance, "note": note}
    return api(cabinet, "PUT", f"/api/v1/agenda-items/{item_id}/positions", body, who=who)


def api_tally(api, cabinet, item_id) -> dict:
    status, body = api(cabinet, "GET", f"/api/v1/agenda-items/{item_id}/positions", who="chair")
    assert status == 200
    return body["tally"]


def test_the_chair_and_the_secretariat_hear_the_tally(api, cabinet, tablets):
    item = cabinet.items[0]
    assert put_position(api, cabinet, "m1", item, "agree")[0] == 200
    expected = {"meeting_id": cabinet.meeting_id, "agenda_item_id": item,
                "tally": {"agree": 1, "object": 0, "speak": 0, "none": 4},
                "uncontested_item_ids": []}  # one agreement is not everyone's
    for who in ("chair", "secretariat"):
        assert wait_for(tablets[who]) == [expected]
    # The same counts as the positions API gives; counts only, never who stated what.
    assert api_tally(api, cabinet, item) == expected["tally"]

    # A member changes their mind, another one states a position: one message each.
    assert put_position(api, cabinet, "m1", item, "object", "Cần làm rõ thẩm quyền.")[0] == 200
    assert put_position(api, cabinet, "m2", item, "speak")[0] == 200
    messages = wait_for(tablets["chair"], count=2)
    assert [m["tally"] for m in messages] == [
        {"agree": 0, "object": 1, "speak": 0, "none": 4},
        {"agree": 0, "object": 1, "speak": 1, "none": 3},
    ]
    assert messages[-1]["tally"] == api_tally(api, cabinet, item)
    assert len(wait_for(tablets["secretariat"], count=2)) == 2

    # Members and guests never hear it, even the member who stated the position.
    for who in ("m1", "m2", "m3", "m4", "guest", "outsider"):
        assert heard(tablets[who]) == [], who


def test_a_confidential_item_s_tally_stays_with_those_who_may_see_it(api, cabinet, tablets):
    assert put_position(api, cabinet, "m1", cabinet.confidential_item, "agree")[0] == 200
    (message,) = wait_for(tablets["chair"])
    assert message == {"meeting_id": cabinet.meeting_id,
                       "agenda_item_id": cabinet.confidential_item,
                       "tally": {"agree": 1, "object": 0, "speak": 0, "none": 4},
                       "uncontested_item_ids": []}
    for who in ("m2", "m3", "guest"):  # not invited to it: they do not learn it exists
        assert heard(tablets[who]) == [], who


def test_the_meeting_s_secretary_hears_it_once_joined(app, api, cabinet, tablets):
    secretary = tablets["outsider"]
    assert api(cabinet, "POST", f"/api/v1/meetings/{cabinet.meeting_id}/participants",
               {"user_id": cabinet.users["outsider"].id, "role": "secretary"},
               who="secretariat")[0] in (200, 201)
    ack = secretary.emit("meeting.join", {"meeting_id": cabinet.meeting_id}, namespace=NS,
                         callback=True)
    assert ack["ok"], ack
    secretary.get_received(NS)
    assert put_position(api, cabinet, "m3", cabinet.items[1], "agree")[0] == 200
    (message,) = wait_for(secretary)
    assert message["agenda_item_id"] == cabinet.items[1]
    assert message["tally"]["agree"] == 1


def test_a_refused_or_rolled_back_position_broadcasts_nothing(app, api, cabinet, tablets):
    first, confidential = cabinet.items[0], cabinet.confidential_item
    refused = [
        ("guest", first, "agree", 403),  # guests do not state positions
        ("secretariat", first, "agree", 403),  # nor does the secretariat
        ("m2", confidential, "agree", 404),  # an item m2 may not see
        ("outsider", first, "agree", 404),  # a meeting the outsider is not in
        ("m1", first, "maybe", 422),  # not a position
        ("m1", 999_999, "agree", 404),  # no such item
    ]
    for who, item_id, stance, status in refused:
        assert put_position(api, cabinet, who, item_id, stance)[0] == status, (who, item_id)

    # A change that reaches the service but is rolled back afterwards sends nothing either.
    with app.app_context():
        with pytest.raises(RuntimeError), unit_of_work():
            sitting.set_position(get_user(cabinet.users["m2"].id),
                                 db.session.get(AgendaItem, first), "object")
            raise RuntimeError("the request failed after the service")
        db.session.remove()

    # The next accepted change is the only message: nothing was sent for the ones above.
    assert put_position(api, cabinet, "m4", first, "speak")[0] == 200
    for who in ("chair", "secretariat"):
        assert wait_for(tablets[who]) == [{
            "meeting_id": cabinet.meeting_id, "agenda_item_id": first,
            "tally": {"agree": 0, "object": 0, "speak": 1, "none": 4},
            "uncontested_item_ids": []}], who
    # Once the meeting is over, positions are refused and nothing is sent.
    for to, who in (("in_session", "chair"), ("adjourned", "chair"), ("closed", "secretariat")):
        assert api(cabinet, "POST", f"/api/v1/meetings/{cabinet.meeting_id}/transition",
                   {"to": to}, who=who)[0] == 200, to
    assert put_position(api, cabinet, "m1", first, "agree")[0] == 409
    assert heard(tablets["chair"]) == []


def test_simultaneous_positions_each_count_every_earlier_one(app, api, cabinet, tablets):
    """Five members at once: each message's counts include every change committed before it,
    so the chair's screen ends on the right tally whichever arrives last."""
    item = cabinet.items[1]
    members = [cabinet.users[who].id for who in ("chair", "m1", "m2", "m3", "m4")]
    start = threading.Barrier(len(members))

    def state(user_id):
        with app.app_context():
            try:
                start.wait(timeout=10)
                with unit_of_work():
                    sitting.set_position(get_user(user_id), db.session.get(AgendaItem, item),
                                         "agree")
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=len(members)) as pool:
        list(pool.map(state, members))
    messages = wait_for(tablets["secretariat"], count=len(members))
    stated = sorted(m["tally"]["agree"] for m in messages)
    assert stated == [1, 2, 3, 4, 5]  # never two changes that missed each other
    assert api_tally(api, cabinet, item) == {"agree": 5, "object": 0, "speak": 0, "none": 0}


# --- the meeting room in a browser -----------------------------------------------------------

def _counts(*numbers: int) -> re.Pattern:
    """The tally line with these four counts, in either language (same order in both)."""
    return re.compile(r"^\D*" + r"\D+".join(str(n) for n in numbers) + r"\D*$")


@pytest.mark.browser
def test_the_chair_s_room_shows_a_position_without_reloading(api, cabinet, tablet, live_server):
    from playwright.sync_api import expect  # only the browser tests need Playwright

    chair = tablet()
    auth = BrowserAuth(chair, live_server)
    auth.submit_password(cabinet.users["chair"])
    auth.expect_path("/")
    chair.goto(live_server(f"/meetings/{cabinet.meeting_id}"))
    row = chair.locator(f'.room-item[data-item-id="{cabinet.items[0]}"]')
    tally = row.locator("[data-tally]")
    expect(chair.locator("[data-connection]")).to_have_attribute("data-state", "online")
    expect(tally).to_have_text(_counts(0, 0, 0, 5))  # fetched after joining
    chair.evaluate("window.__sameDocument = true")  # gone if the page reloads

    assert put_position(api, cabinet, "m1", cabinet.items[0], "object")[0] == 200
    expect(tally).to_have_text(_counts(0, 1, 0, 4))
    assert put_position(api, cabinet, "m2", cabinet.items[0], "agree")[0] == 200
    expect(tally).to_have_text(_counts(1, 1, 0, 3))
    assert chair.evaluate("window.__sameDocument") is True


def test_inviting_and_uninviting_a_member_updates_every_tally(api, cabinet, tablets):
    """The "none" count is the members who stated nothing: one more member, one more each."""
    mid = cabinet.meeting_id
    status, _ = api(cabinet, "POST", f"/api/v1/meetings/{mid}/participants",
                    {"user_id": cabinet.users["outsider"].id, "role": "member"},
                    who="secretariat")
    assert status == 201
    messages = wait_for(tablets["chair"], count=len(cabinet.items))
    assert {m["agenda_item_id"] for m in messages} == set(cabinet.items)
    assert all(m["tally"] == {"agree": 0, "object": 0, "speak": 0, "none": 6} for m in messages)
    assert heard(tablets["m1"]) == [] and heard(tablets["guest"]) == []

    status, _ = api(cabinet, "DELETE",
                    f"/api/v1/meetings/{mid}/participants/{cabinet.users['outsider'].id}",
                    who="secretariat")
    assert status == 204
    messages = wait_for(tablets["chair"], count=len(cabinet.items))
    assert all(m["tally"]["none"] == 5 for m in messages)


def test_an_uninvited_member_s_tablet_hears_no_more_of_the_meeting(api, cabinet, tablets):
    mid = cabinet.meeting_id
    status, _ = api(cabinet, "DELETE",
                    f"/api/v1/meetings/{mid}/participants/{cabinet.users['m4'].id}",
                    who="secretariat")
    assert status == 204
    for client in tablets.values():
        client.get_received(NS)
    status, _ = api(cabinet, "POST", f"/api/v1/meetings/{mid}/transition",
                    {"to": "in_session"}, who="chair")
    assert status == 200

    def states(who):
        deadline = time.monotonic() + 5
        while True:
            found = [m for m in tablets[who].get_received(NS) if m["name"] == "meeting.state"]
            if found or time.monotonic() > deadline or who == "m4":
                return found
            time.sleep(0.02)

    assert states("m1"), "the members still in the meeting hear the session start"
    assert states("m4") == []  # the uninvited one, asked after the others heard it
