"""A meeting from draft to closed through the API, and who may see and do what."""


def test_a_meeting_from_draft_to_closed(cabinet, api):
    mid, item = cabinet.meeting_id, cabinet.items[0]
    for who in ("chair", "m1", "m2", "m3"):
        api(cabinet, "POST", f"/api/v1/meetings/{mid}/checkin", who=who)
    status, body = api(cabinet, "GET", f"/api/v1/meetings/{mid}/state", who="chair")
    assert body["attendance"]["quorum"] == {"present": 4, "total": 5, "needed": 4,
                                            "reached": True}
    assert api(cabinet, "POST", f"/api/v1/meetings/{mid}/transition", {"to": "in_session"},
               who="chair")[0] == 200
    api(cabinet, "POST", f"/api/v1/meetings/{mid}/current-item", {"agenda_item_id": item},
        who="chair")
    status, vote = api(cabinet, "POST", f"/api/v1/agenda-items/{item}/votes", {
        "question": "Thông qua dự án Luật?", "secret": False, "rule": "majority_of_all"},
        who="chair")
    assert status == 201 and vote["eligible"] == 4
    for who, choice in (("chair", "yes"), ("m1", "yes"), ("m2", "yes"), ("m3", "no")):
        assert api(cabinet, "POST", f"/api/v1/votes/{vote['id']}/ballots", {"choice": choice},
                   who=who)[0] == 201
    status, result = api(cabinet, "POST", f"/api/v1/votes/{vote['id']}/close", who="chair")
    assert status == 200
    assert result["tally"] == {"yes": 3, "no": 1, "abstain": 0, "absent": 1}
    assert result["outcome"] == "adopted"
    assert api(cabinet, "POST", f"/api/v1/meetings/{mid}/transition", {"to": "adjourned"},
               who="chair")[0] == 200
    status, closed = api(cabinet, "POST", f"/api/v1/meetings/{mid}/transition",
                         {"to": "closed"}, who="secretariat")
    assert status == 200 and closed["status"] == "closed" and closed["closed_at"]


def test_invalid_transitions_are_409(cabinet, api):
    mid = cabinet.meeting_id
    status, body = api(cabinet, "POST", f"/api/v1/meetings/{mid}/transition", {"to": "closed"},
                       who="secretariat")
    assert status == 409 and body["error"]["code"] == "invalid_transition"
    assert api(cabinet, "POST", f"/api/v1/meetings/{mid}/transition", {"to": "nowhere"},
               who="secretariat")[0] == 422


def test_members_cannot_prepare_meetings(cabinet, api):
    mid = cabinet.meeting_id
    assert api(cabinet, "POST", "/api/v1/meetings", {
        "title": "x", "starts_at": "2026-12-01T08:00:00+07:00"}, who="m1")[0] == 403
    assert api(cabinet, "POST", f"/api/v1/meetings/{mid}/agenda-items", {"title": "x"},
               who="m1")[0] == 403
    assert api(cabinet, "POST", f"/api/v1/meetings/{mid}/participants",
               {"user_id": cabinet.users["outsider"].id, "role": "member"}, who="chair")[0] == 403


def test_a_member_cannot_run_the_session(cabinet, api):
    mid = cabinet.meeting_id
    status, body = api(cabinet, "POST", f"/api/v1/meetings/{mid}/transition",
                       {"to": "in_session"}, who="m1")
    assert status == 403


def test_outsiders_do_not_know_the_meeting_exists(cabinet, api):
    mid = cabinet.meeting_id
    assert api(cabinet, "GET", f"/api/v1/meetings/{mid}", who="outsider")[0] == 404
    status, listed = api(cabinet, "GET", "/api/v1/meetings", who="outsider")
    assert status == 200 and listed == []
    assert api(cabinet, "GET", f"/api/v1/meetings/{mid}", who="m1")[0] == 200


def test_drafts_are_the_secretariats_alone(client, make_user, token_for, api):
    secretariat, member = make_user("secretariat"), make_user("member")
    token = token_for(secretariat)
    status, meeting = api(token, "POST", "/api/v1/meetings", {
        "title": "Họp chuyên đề xây dựng pháp luật", "kind": "thematic",
        "starts_at": "2026-12-05T14:00:00+07:00"})
    assert status == 201 and meeting["status"] == "draft" and meeting["kind"] == "thematic"
    api(token, "POST", f"/api/v1/meetings/{meeting['id']}/participants",
        {"user_id": member.id, "role": "member"})
    assert api(token_for(member), "GET", f"/api/v1/meetings/{meeting['id']}")[0] == 404


def test_publishing_needs_a_chair_and_an_agenda(make_user, token_for, api):
    token = token_for(make_user("secretariat"))
    _, meeting = api(token, "POST", "/api/v1/meetings", {
        "title": "Họp", "starts_at": "2026-12-05T14:00:00+07:00"})
    status, body = api(token, "POST", f"/api/v1/meetings/{meeting['id']}/transition",
                       {"to": "published"})
    assert status == 409 and body["error"]["code"] == "no_chair"


def test_guests_see_only_items_they_are_invited_to(cabinet, api):
    mid = cabinet.meeting_id
    _, seen_by_guest = api(cabinet, "GET", f"/api/v1/meetings/{mid}", who="guest")
    assert [i["id"] for i in seen_by_guest["agenda"]] == [cabinet.items[0]]
    _, seen_by_m2 = api(cabinet, "GET", f"/api/v1/meetings/{mid}", who="m2")
    assert [i["id"] for i in seen_by_m2["agenda"]] == cabinet.items[:2]
    _, seen_by_m1 = api(cabinet, "GET", f"/api/v1/meetings/{mid}", who="m1")
    assert [i["id"] for i in seen_by_m1["agenda"]] == cabinet.items
    assert api(cabinet, "PUT", f"/api/v1/agenda-items/{cabinet.confidential_item}/positions",
               {"stance": "agree"}, who="m2")[0] == 404


def test_agenda_reorder_and_lock_after_start(cabinet, api):
    mid = cabinet.meeting_id
    new_order = list(reversed(cabinet.items))
    status, items = api(cabinet, "PUT", f"/api/v1/meetings/{mid}/agenda-order",
                        {"item_ids": new_order}, who="secretariat")
    assert status == 200 and [i["id"] for i in items] == new_order
    status, body = api(cabinet, "PUT", f"/api/v1/meetings/{mid}/agenda-order",
                       {"item_ids": new_order[:2]}, who="secretariat")
    assert status == 422
    api(cabinet, "POST", f"/api/v1/meetings/{mid}/transition", {"to": "in_session"},
        who="chair")
    status, body = api(cabinet, "POST", f"/api/v1/meetings/{mid}/agenda-items",
                       {"title": "Muộn"}, who="secretariat")
    assert status == 409 and body["error"]["code"] == "meeting_locked"


def test_positions_and_adopting_uncontested_items(cabinet, api):
    mid, (first, second, _) = cabinet.meeting_id, cabinet.items
    api(cabinet, "PUT", f"/api/v1/agenda-items/{first}/positions", {"stance": "agree"}, who="m1")
    api(cabinet, "PUT", f"/api/v1/agenda-items/{first}/positions",
        {"stance": "object", "note": "Cần làm rõ Điều 12"}, who="m2")
    api(cabinet, "PUT", f"/api/v1/agenda-items/{second}/positions", {"stance": "agree"}, who="m1")
    api(cabinet, "PUT", f"/api/v1/agenda-items/{second}/positions", {"stance": "agree"}, who="m3")
    # Changing one's mind replaces the position.
    api(cabinet, "PUT", f"/api/v1/agenda-items/{second}/positions", {"stance": "agree"}, who="m3")
    status, positions = api(cabinet, "GET", f"/api/v1/agenda-items/{first}/positions",
                            who="chair")
    assert positions["tally"] == {"agree": 1, "object": 1, "speak": 0, "none": 3}
    assert api(cabinet, "GET", f"/api/v1/agenda-items/{first}/positions", who="m1")[0] == 403
    assert api(cabinet, "PUT", f"/api/v1/agenda-items/{first}/positions", {"stance": "maybe"},
               who="m1")[0] == 422
    assert api(cabinet, "PUT", f"/api/v1/agenda-items/{first}/positions", {"stance": "agree"},
               who="guest")[0] == 403
    api(cabinet, "POST", f"/api/v1/meetings/{mid}/transition", {"to": "in_session"},
        who="chair")
    status, body = api(cabinet, "POST", f"/api/v1/meetings/{mid}/adopt-uncontested",
                       {"item_ids": [first, second]}, who="chair")
    assert status == 409 and body["error"]["code"] == "contested"
    # silence is not agreement: the chair, m2 and m4 have not stated theirs yet
    assert api(cabinet, "POST", f"/api/v1/meetings/{mid}/adopt-uncontested",
               {"item_ids": [second]}, who="chair")[0] == 409
    for who in ("chair", "m2", "m4"):
        api(cabinet, "PUT", f"/api/v1/agenda-items/{second}/positions", {"stance": "agree"},
            who=who)
    status, adopted = api(cabinet, "POST", f"/api/v1/meetings/{mid}/adopt-uncontested",
                          {"item_ids": [second]}, who="chair")
    assert status == 200 and adopted[0]["adopted_without_discussion_at"]


def test_speaker_queue(session_open, api):
    cab, item = session_open, session_open.items[0]
    assert api(cab, "POST", f"/api/v1/agenda-items/{item}/speakers", who="m1")[0] == 201
    assert api(cab, "POST", f"/api/v1/agenda-items/{item}/speakers", who="m1")[0] == 409
    assert api(cab, "POST", f"/api/v1/agenda-items/{item}/speakers", who="m2")[0] == 201
    assert api(cab, "DELETE", f"/api/v1/agenda-items/{item}/speakers", who="m2")[0] == 204
    assert api(cab, "POST", f"/api/v1/agenda-items/{item}/speakers/floor", {}, who="m1")[0] == 403
    status, floor = api(cab, "POST", f"/api/v1/agenda-items/{item}/speakers/floor", {},
                        who="chair")
    assert status == 200 and floor["user_id"] == cab.users["m1"].id
    _, state = api(cab, "GET", f"/api/v1/meetings/{cab.meeting_id}/state", who="m3")
    assert [(s["user_id"], s["status"]) for s in state["speakers"]["queue"]] == \
        [(cab.users["m1"].id, "speaking")]
    assert api(cab, "POST", f"/api/v1/agenda-items/{item}/speakers/finish", who="chair")[0] == 204
    _, state = api(cab, "GET", f"/api/v1/meetings/{cab.meeting_id}/state", who="m3")
    assert state["speakers"]["queue"] == []
    status, body = api(cab, "POST", f"/api/v1/agenda-items/{item}/speakers/floor", {},
                       who="chair")
    assert status == 409 and body["error"]["code"] == "queue_empty"


def test_uninvite_and_remove_item_before_the_session(cabinet, api):
    mid = cabinet.meeting_id
    guest = cabinet.users["guest"].id
    assert api(cabinet, "DELETE", f"/api/v1/meetings/{mid}/participants/{guest}",
               who="m1")[0] == 403
    assert api(cabinet, "DELETE", f"/api/v1/meetings/{mid}/participants/{guest}",
               who="secretariat")[0] == 204
    assert api(cabinet, "GET", f"/api/v1/meetings/{mid}", who="guest")[0] == 404
    assert api(cabinet, "DELETE", f"/api/v1/meetings/{mid}/participants/{guest}",
               who="secretariat")[0] == 404
    assert api(cabinet, "DELETE", f"/api/v1/agenda-items/{cabinet.items[0]}",
               who="secretariat")[0] == 204
    _, meeting = api(cabinet, "GET", f"/api/v1/meetings/{mid}", who="secretariat")
    assert [(i["id"], i["position"]) for i in meeting["agenda"]] == \
        [(cabinet.items[1], 1), (cabinet.items[2], 2)]


def test_the_chair_closes_the_session(cabinet, api):
    """The chair ends the session (from in session or adjourned); a member cannot; the error
    names the states in words, not codes (issue 9, points 7 and 19)."""
    mid = cabinet.meeting_id
    transition = f"/api/v1/meetings/{mid}/transition"
    assert api(cabinet, "POST", transition, {"to": "in_session"}, who="chair")[0] == 200
    assert api(cabinet, "POST", transition, {"to": "closed"}, who="m1")[0] == 403
    status, closed = api(cabinet, "POST", transition, {"to": "closed"}, who="chair")
    assert status == 200 and closed["status"] == "closed"
    status, body = api(cabinet, "POST", transition, {"to": "in_session"}, who="chair")
    assert status == 409 and "closed" not in body["error"]["message"]
    assert "in_session" not in body["error"]["message"]
