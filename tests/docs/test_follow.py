"""Following the presenter over /live: the chair (or the secretariat) turns pages, the tablets
that follow jump to the same page; nobody hears of a document they may not read."""

from __future__ import annotations

import pytest

from tests.conftest import bearer
from tests.docs.conftest import upload
from tests.docs.corpus import pdf_bytes
from tests.meetings.conftest import connect_tablets

NS = "/live"


def call(client, event, data):
    return client.emit(event, data, namespace=NS, callback=True)


def received(client, name="presenter.page"):
    return [m["args"][0] for m in client.get_received(NS) if m["name"] == name]


@pytest.fixture
def docs_attached(client, cabinet, api):
    """Attached while the meeting is still published: a normal document on item 1 (everyone
    reads it; the guest is invited to item 1), one on item 2 (not the guest), a confidential one
    on the confidential item (m1 only), and one attached nowhere."""
    ids = {}
    for key, level, item in (("all", "normal", cabinet.items[0]),
                             ("members", "normal", cabinet.items[1]),
                             ("secret", "confidential", cabinet.confidential_item),
                             ("loose", "normal", None)):
        status, body = upload(client, cabinet.headers("secretariat"), pdf_bytes(3),
                              title=f"Tài liệu {key}", classification=level)
        assert status == 201, body
        ids[key] = body["id"]
        if item is not None:
            status, answer = api(cabinet, "POST", f"/api/v1/agenda-items/{item}/documents",
                                 {"document_id": body["id"]}, who="secretariat")
            assert status == 201, answer
    return ids


@pytest.fixture
def in_session(cabinet, api, docs_attached):
    mid = cabinet.meeting_id
    for who in ("chair", "m1", "m2", "m3"):
        assert api(cabinet, "POST", f"/api/v1/meetings/{mid}/checkin", who=who)[0] == 200
    assert api(cabinet, "POST", f"/api/v1/meetings/{mid}/transition", {"to": "in_session"},
               who="chair")[0] == 200
    return cabinet


@pytest.fixture
def tablets(app, cabinet):
    yield from connect_tablets(app, cabinet.tokens)


def follow_all(tablets, meeting_id, who=("chair", "m1", "m2", "m3", "m4", "guest",
                                          "secretariat")):
    acks = {}
    for name in who:
        acks[name] = call(tablets[name], "presenter.follow", {"meeting_id": meeting_id})
        assert acks[name]["ok"], (name, acks[name])
        tablets[name].get_received(NS)
    return acks


def present(client, meeting_id, document_id, page, version=1):
    return call(client, "presenter.page", {"meeting_id": meeting_id, "document_id": document_id,
                                           "version": version, "page": page})


def test_the_presenter_moves_and_followers_jump(in_session, docs_attached, tablets):
    cab = in_session
    acks = follow_all(tablets, cab.meeting_id)
    assert acks["chair"]["can_present"] and acks["secretariat"]["can_present"]
    assert not acks["m2"]["can_present"] and acks["m2"]["presentation"] is None
    ack = present(tablets["chair"], cab.meeting_id, docs_attached["all"], 2)
    assert ack["ok"], ack
    expected = {"meeting_id": cab.meeting_id, "document_id": docs_attached["all"],
                "version": 1, "page": 2}
    assert ack["presentation"] == expected
    for who in ("m1", "m2", "m3", "m4", "guest", "secretariat"):
        assert received(tablets[who]) == [expected], who
    # Ids only: no title travels with the page turn.
    assert set(expected) == {"meeting_id", "document_id", "version", "page"}


def test_a_late_follower_gets_the_current_page(in_session, docs_attached, tablets):
    cab = in_session
    follow_all(tablets, cab.meeting_id, who=("chair",))
    assert present(tablets["chair"], cab.meeting_id, docs_attached["all"], 3)["ok"]
    ack = call(tablets["m3"], "presenter.follow", {"meeting_id": cab.meeting_id})
    assert ack["presentation"] == {"meeting_id": cab.meeting_id,
                                   "document_id": docs_attached["all"], "version": 1, "page": 3}


def test_a_non_presenter_is_refused(in_session, docs_attached, tablets):
    cab = in_session
    follow_all(tablets, cab.meeting_id)
    for who in ("m2", "guest"):
        ack = present(tablets[who], cab.meeting_id, docs_attached["all"], 2)
        assert not ack["ok"] and ack["error"]["code"] == "forbidden", ack
        ack = call(tablets[who], "presenter.stop", {"meeting_id": cab.meeting_id})
        assert ack["error"]["code"] == "forbidden"
    for who in ("chair", "m1", "m3"):
        assert received(tablets[who]) == []


def test_an_outsider_cannot_follow_or_present(in_session, docs_attached, tablets):
    cab = in_session
    follow_all(tablets, cab.meeting_id)
    ack = call(tablets["outsider"], "presenter.follow", {"meeting_id": cab.meeting_id})
    assert not ack["ok"] and ack["error"]["code"] == "not_found"
    assert present(tablets["chair"], cab.meeting_id, docs_attached["all"], 2)["ok"]
    assert received(tablets["outsider"]) == []
    ack = present(tablets["outsider"], cab.meeting_id, docs_attached["all"], 1)
    assert ack["error"]["code"] == "not_found"


def test_a_confidential_document_reaches_only_its_readers(in_session, docs_attached, tablets):
    cab = in_session
    follow_all(tablets, cab.meeting_id)
    # The chair is not among its readers (not invited, not the secretariat): cannot present it.
    ack = present(tablets["chair"], cab.meeting_id, docs_attached["secret"], 1)
    assert not ack["ok"] and ack["error"]["code"] == "not_found"
    ack = present(tablets["secretariat"], cab.meeting_id, docs_attached["secret"], 1)
    assert ack["ok"], ack
    assert len(received(tablets["m1"])) == 1  # invited to the item
    for who in ("chair", "m2", "m3", "m4", "guest"):
        assert received(tablets[who]) == [], who
    # A late follower who may not read it is not told where the presenter is either.
    assert call(tablets["m2"], "presenter.follow",
                {"meeting_id": cab.meeting_id})["presentation"] is None
    assert call(tablets["m1"], "presenter.follow",
                {"meeting_id": cab.meeting_id})["presentation"]["page"] == 1


def test_an_item_the_guest_is_not_invited_to(in_session, docs_attached, tablets):
    cab = in_session
    follow_all(tablets, cab.meeting_id)
    assert present(tablets["secretariat"], cab.meeting_id, docs_attached["members"], 2)["ok"]
    assert received(tablets["guest"]) == []
    for who in ("m1", "m2", "m3", "m4"):
        assert [p["page"] for p in received(tablets[who])] == [2], who


@pytest.mark.parametrize("change, code", [
    ({"document_id": "loose"}, "not_found"),  # not on this meeting's agenda
    ({"page": 4}, "validation_error"),  # three pages
    ({"page": 0}, "validation_error"),
    ({"version": 2}, "not_found"),
    ({"document_id": 999999}, "not_found"),
    ({"meeting_id": "1"}, "validation_error"),
    ({"page": True}, "validation_error"),
])
def test_bad_page_turns_are_refused(in_session, docs_attached, tablets, change, code):
    cab = in_session
    follow_all(tablets, cab.meeting_id, who=("m2",))
    data = {"meeting_id": cab.meeting_id, "document_id": docs_attached["all"], "version": 1,
            "page": 1}
    data.update({key: docs_attached.get(value, value) if key == "document_id" and
                 isinstance(value, str) else value for key, value in change.items()})
    ack = call(tablets["chair"], "presenter.page", data)
    assert not ack["ok"] and ack["error"]["code"] == code, ack
    assert received(tablets["m2"]) == []


def test_only_during_the_session(cabinet, docs_attached, tablets):
    follow_all(tablets, cabinet.meeting_id, who=("m2",))
    ack = present(tablets["chair"], cabinet.meeting_id, docs_attached["all"], 1)
    assert not ack["ok"] and ack["error"]["code"] == "not_in_session"
    assert received(tablets["m2"]) == []


def test_stopping(in_session, docs_attached, tablets):
    cab = in_session
    follow_all(tablets, cab.meeting_id)
    assert present(tablets["chair"], cab.meeting_id, docs_attached["all"], 2)["ok"]
    for client in tablets.values():
        client.get_received(NS)
    assert call(tablets["chair"], "presenter.stop", {"meeting_id": cab.meeting_id})["ok"]
    assert received(tablets["m2"], "presenter.stopped") == [{"meeting_id": cab.meeting_id}]
    assert call(tablets["m3"], "presenter.follow",
                {"meeting_id": cab.meeting_id})["presentation"] is None


def test_a_revoked_token_stops_presenting(app, client, in_session, docs_attached, tablets):
    cab = in_session
    follow_all(tablets, cab.meeting_id, who=("m2",))
    # Sign the chair out everywhere (the token is revoked): the chair's tablet is disconnected,
    # so no page turn can come from it, and the others heard nothing.
    response = client.delete("/api/v1/auth/token", headers=bearer(cab.tokens["chair"]))
    assert response.status_code == 204
    assert not tablets["chair"].is_connected(NS)
    assert received(tablets["m2"]) == []


def test_an_uninvited_tablet_still_hears_the_presenter(cabinet, api, docs_attached, tablets):
    """Uninviting someone takes their tablets out of the presenter's followers room with the
    meeting's other rooms (meetings/rooms.rooms_of): they hear no more page turns."""
    cab = cabinet
    mid = cab.meeting_id
    assert call(tablets["m4"], "presenter.follow", {"meeting_id": mid})["ok"]
    assert call(tablets["m4"], "meeting.join", {"meeting_id": mid})["ok"]
    status, _ = api(cab, "DELETE", f"/api/v1/meetings/{mid}/participants/{cab.users['m4'].id}",
                    who="secretariat")
    assert status == 204
    # m4 can no longer see the meeting at all
    assert api(cab, "GET", f"/api/v1/meetings/{mid}", who="m4")[0] == 404
    for who in ("chair", "m1"):
        assert api(cab, "POST", f"/api/v1/meetings/{mid}/checkin", who=who)[0] == 200
    assert api(cab, "POST", f"/api/v1/meetings/{mid}/transition", {"to": "in_session"},
               who="chair")[0] == 200
    tablets["m4"].get_received(NS)
    assert present(tablets["chair"], mid, docs_attached["all"], 2)["ok"]
    heard = received(tablets["m4"])
    assert heard == [], f"the uninvited tablet heard {heard}"


def test_another_presenter_stops_and_the_followers_are_released(app, cabinet, api, make_user,
                                                                token_for, docs_attached,
                                                                tablets):
    """Stopping works for every presenter, not only the chair (issue 9, point 6): a member
    invited as the meeting's secretary presents (the chair is not touching the screen), then
    stops; every follower hears it, those following a confidential document from their own
    room too, and nobody is left waiting for a page turn."""
    from ecabinet.extensions import socketio

    cab = cabinet
    mid = cab.meeting_id
    clerk = make_user("member", name="Lê Văn Thư")
    assert api(cab, "POST", f"/api/v1/meetings/{mid}/participants",
               {"user_id": clerk.id, "role": "secretary"}, who="secretariat")[0] == 201
    for who in ("chair", "m1", "m2", "m3"):
        assert api(cab, "POST", f"/api/v1/meetings/{mid}/checkin", who=who)[0] == 200
    assert api(cab, "POST", f"/api/v1/meetings/{mid}/transition", {"to": "in_session"},
               who="chair")[0] == 200
    presenter = socketio.test_client(app, namespace=NS, auth={"token": token_for(clerk)})
    try:
        ack = call(presenter, "presenter.follow", {"meeting_id": mid})
        assert ack["ok"] and ack["can_present"], ack
        follow_all(tablets, mid, who=("chair", "m1", "m2", "guest"))
        # A page of the item everyone reads, then the confidential one only m1 reads.
        assert present(presenter, mid, docs_attached["all"], 2)["ok"]
        assert [p["page"] for p in received(tablets["m2"])] == [2]
        assert present(presenter, mid, docs_attached["secret"], 1)["ok"]
        assert [p["document_id"] for p in received(tablets["m1"])] == [
            docs_attached["all"], docs_attached["secret"]]
        assert received(tablets["m2"]) == []  # not a reader of the confidential one
        stopped = call(presenter, "presenter.stop", {"meeting_id": mid})
        assert stopped["ok"], stopped
        for who in ("chair", "m1", "m2", "guest"):
            assert received(tablets[who], "presenter.stopped") == [{"meeting_id": mid}], who
        # Released: a tablet that follows now, or again, is not sent to the old page.
        for who in ("m1", "m3", "chair"):
            again = call(tablets[who], "presenter.follow", {"meeting_id": mid})
            assert again["ok"] and again["presentation"] is None, (who, again)
        # The chair takes over and stops too: whoever presents last, stop ends it.
        assert present(tablets["chair"], mid, docs_attached["all"], 3)["ok"]
        assert call(presenter, "presenter.stop", {"meeting_id": mid})["ok"]
        assert received(tablets["m2"], "presenter.stopped") == [{"meeting_id": mid}]
        assert call(tablets["m2"], "presenter.follow",
                    {"meeting_id": mid})["presentation"] is None
    finally:
        presenter.disconnect(namespace=NS)
