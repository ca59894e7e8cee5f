"""The record never contradicts the votes (issue 9, points 1 and 2): an item is adopted without
discussion only when every member who votes on it agreed beforehand, nobody objects or asks to
speak, and no vote was held on it; an item once voted or adopted is never offered again. A
member who asked to speak before the session is in the speaker queue when the item comes up."""

from __future__ import annotations

from tests.meetings.test_minutes import _vote

VOTERS = ("chair", "m1", "m2", "m3", "m4")


def _agree(api, cab, item, who=VOTERS):
    for person in who:
        assert api(cab, "PUT", f"/api/v1/agenda-items/{item}/positions", {"stance": "agree"},
                   who=person)[0] == 200, person


def _adopt(api, cab, items):
    return api(cab, "POST", f"/api/v1/meetings/{cab.meeting_id}/adopt-uncontested",
               {"item_ids": items}, who="chair")


def _offered(api, cab, who="chair"):
    return api(cab, "GET", f"/api/v1/meetings/{cab.meeting_id}/state", who=who)[1].get(
        "uncontested_item_ids")


def test_an_item_voted_on_is_never_adopted_without_discussion(session_open, api):
    cab = session_open
    first = cab.items[0]
    _agree(api, cab, first)
    result = _vote(api, cab, first, "Thông qua?", "majority_of_all",
                   {"chair": "no", "m1": "no", "m2": "no", "m3": "yes"})
    assert result["outcome"] == "rejected"
    status, body = _adopt(api, cab, [first])
    assert status == 409 and body["error"]["code"] == "contested"
    assert first not in _offered(api, cab)
    state = api(cab, "GET", f"/api/v1/meetings/{cab.meeting_id}", who="chair")[1]
    item = next(i for i in state["agenda"] if i["id"] == first)
    assert item["adopted_without_discussion_at"] is None


def test_silence_is_not_agreement(session_open, api):
    cab = session_open
    second = cab.items[1]
    assert _offered(api, cab) == []
    assert _adopt(api, cab, [second])[0] == 409  # nobody stated anything
    _agree(api, cab, second, who=("m1", "m2", "m3"))  # the chair and m4 said nothing
    assert _adopt(api, cab, [second])[0] == 409
    _agree(api, cab, second, who=("chair", "m4"))
    assert _offered(api, cab) == [second]
    assert _offered(api, cab, who="m1") is None  # the chair's and the secretariat's to see
    status, adopted = _adopt(api, cab, [second])
    assert status == 200 and adopted[0]["adopted_without_discussion_at"]
    assert _offered(api, cab) == []  # adopted: never offered again
    assert _adopt(api, cab, [second])[0] == 409


def test_a_confidential_item_counts_only_its_voters(session_open, api):
    """Of a confidential item, the members who vote on it (its invitee m1 and the chair)."""
    cab = session_open
    _agree(api, cab, cab.confidential_item, who=("chair", "m1"))
    assert _offered(api, cab) == [cab.confidential_item]
    assert _offered(api, cab, who="secretariat") == [cab.confidential_item]


def test_a_member_who_asked_to_speak_beforehand_is_queued_when_the_item_comes_up(
        cabinet, api):
    cab = cabinet
    mid, second = cab.meeting_id, cab.items[1]
    for who, note in (("m3", "Đề nghị làm rõ nguồn vốn"), ("m1", None)):
        assert api(cab, "PUT", f"/api/v1/agenda-items/{second}/positions",
                   {"stance": "speak", "note": note}, who=who)[0] == 200
    assert api(cab, "PUT", f"/api/v1/agenda-items/{second}/positions", {"stance": "agree"},
               who="m2")[0] == 200
    assert api(cab, "POST", f"/api/v1/meetings/{mid}/transition", {"to": "in_session"},
               who="chair")[0] == 200
    assert api(cab, "POST", f"/api/v1/meetings/{mid}/current-item",
               {"agenda_item_id": second}, who="chair")[0] == 200
    state = api(cab, "GET", f"/api/v1/meetings/{mid}/state", who="m2")[1]
    queue = state["speakers"]["queue"]
    assert [s["name"] for s in queue] == ["Đỗ Văn Khánh", "Phạm Quốc Bảo"]  # m3 first
    assert all(s["status"] == "waiting" for s in queue)
    # the chair reads the notes of the positions
    positions = api(cab, "GET", f"/api/v1/agenda-items/{second}/positions", who="chair")[1]
    assert {p["name"]: p["note"] for p in positions["positions"]}["Đỗ Văn Khánh"] == \
        "Đề nghị làm rõ nguồn vốn"
    # moving away and back does not queue them twice, nor again once they spoke
    api(cab, "POST", f"/api/v1/meetings/{mid}/current-item", {"agenda_item_id": cab.items[0]},
        who="chair")
    api(cab, "POST", f"/api/v1/meetings/{mid}/current-item", {"agenda_item_id": second},
        who="chair")
    state = api(cab, "GET", f"/api/v1/meetings/{mid}/state", who="m2")[1]
    assert len(state["speakers"]["queue"]) == 2


def test_asking_to_speak_in_session_makes_an_item_contested(session_open, api):
    """"Nobody asks to speak" holds in the session too: a member in the speaker queue for an
    item (not only a position stated beforehand) keeps it from passing without discussion, and
    an item someone spoke on was discussed. A request withdrawn before the floor asks nothing."""
    cab = session_open
    mid, second = cab.meeting_id, cab.items[1]
    speakers = f"/api/v1/agenda-items/{second}/speakers"
    _agree(api, cab, second)
    assert _offered(api, cab) == [second]
    assert api(cab, "POST", speakers, who="m2")[0] == 201
    assert _offered(api, cab) == []
    status, body = _adopt(api, cab, [second])
    assert status == 409 and body["error"]["details"]["item_ids"] == [second]
    assert api(cab, "DELETE", speakers, who="m2")[0] == 204
    assert _offered(api, cab) == [second]
    # the item comes up, a member asks for the floor, speaks and finishes
    assert api(cab, "POST", f"/api/v1/meetings/{mid}/current-item",
               {"agenda_item_id": second}, who="chair")[0] == 200
    assert api(cab, "POST", speakers, who="m3")[0] == 201
    assert api(cab, "POST", f"{speakers}/floor", {}, who="chair")[0] == 200
    assert api(cab, "POST", f"{speakers}/finish", who="chair")[0] == 204
    assert _offered(api, cab) == []
    assert _adopt(api, cab, [second])[0] == 409


def test_the_chair_s_tablet_stops_offering_an_item_as_it_is_contested(app, session_open, api):
    """The chair's list of items to adopt together follows the session: a vote opened on an
    offered item, or a member asking to speak on one, takes it off the chair's tablet at once
    (the list used to stay until the next position was stated)."""
    from tests.meetings.conftest import connect_tablets

    cab = session_open
    mid, first, second = cab.meeting_id, cab.items[0], cab.items[1]
    _agree(api, cab, first)
    _agree(api, cab, second)
    tablets = connect_tablets(app, {"chair": cab.tokens["chair"]})
    chair = next(tablets)["chair"]

    def offered_to_the_chair() -> list[list[int]]:
        return [m["args"][0]["uncontested_item_ids"] for m in chair.get_received("/live")
                if "uncontested_item_ids" in m["args"][0]]

    try:
        ack = chair.emit("meeting.join", {"meeting_id": mid}, namespace="/live", callback=True)
        assert ack["ok"] and ack["state"]["uncontested_item_ids"] == [first, second]
        chair.get_received("/live")
        assert api(cab, "POST", f"/api/v1/agenda-items/{second}/speakers", who="m2")[0] == 201
        assert offered_to_the_chair()[-1] == [first]
        assert api(cab, "POST", f"/api/v1/agenda-items/{first}/votes",
                   {"question": "Thông qua?", "rule": "majority_of_all", "secret": False},
                   who="chair")[0] == 201
        assert offered_to_the_chair()[-1] == []
        assert api(cab, "DELETE", f"/api/v1/agenda-items/{second}/speakers", who="m2")[0] == 204
        assert offered_to_the_chair()[-1] == [second]
    finally:
        next(tablets, None)


def test_a_note_changed_later_keeps_the_members_place_in_the_queue(cabinet, api):
    """The order of registration is the order members asked to speak: one who asked first and
    then saved a note ("Lưu ghi chú" sends the position again) stays first."""
    cab = cabinet
    mid, second = cab.meeting_id, cab.items[1]
    path = f"/api/v1/agenda-items/{second}/positions"
    assert api(cab, "PUT", path, {"stance": "speak"}, who="m3")[0] == 200
    assert api(cab, "PUT", path, {"stance": "speak"}, who="m1")[0] == 200
    assert api(cab, "PUT", path, {"stance": "speak", "note": "Đề nghị làm rõ nguồn vốn"},
               who="m3")[0] == 200
    assert api(cab, "POST", f"/api/v1/meetings/{mid}/transition", {"to": "in_session"},
               who="chair")[0] == 200
    assert api(cab, "POST", f"/api/v1/meetings/{mid}/current-item",
               {"agenda_item_id": second}, who="chair")[0] == 200
    queue = api(cab, "GET", f"/api/v1/meetings/{mid}/state", who="m2")[1]["speakers"]["queue"]
    assert [s["name"] for s in queue] == ["Đỗ Văn Khánh", "Phạm Quốc Bảo"]  # m3, then m1


def test_asking_to_speak_by_position_on_the_item_under_discussion_queues_at_once(
        session_open, api):
    """"Đăng ký phát biểu" means one thing: chosen as a position on the item being discussed
    (the row's button, in the session), it is a place in the speaker queue then and there, not
    only when the item next comes up."""
    cab = session_open
    mid, first = cab.meeting_id, cab.items[0]  # the chair is on item 1
    assert api(cab, "PUT", f"/api/v1/agenda-items/{first}/positions",
               {"stance": "speak", "note": "Xin phát biểu về phân cấp"}, who="m2")[0] == 200
    queue = api(cab, "GET", f"/api/v1/meetings/{mid}/state", who="m1")[1]["speakers"]["queue"]
    assert [(s["name"], s["status"]) for s in queue] == [("Nguyễn Thu Hà", "waiting")]
    # stated again (a note saved) it does not queue twice
    assert api(cab, "PUT", f"/api/v1/agenda-items/{first}/positions",
               {"stance": "speak", "note": "Xin phát biểu"}, who="m2")[0] == 200
    queue = api(cab, "GET", f"/api/v1/meetings/{mid}/state", who="m1")[1]["speakers"]["queue"]
    assert len(queue) == 1
