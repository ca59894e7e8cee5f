"""Uninviting someone takes their open tablets out of the meeting's rooms ("their open tablets
hear no more of it", meetings/services.uninvite) -- but not out of the presenter's followers
room joined by ``presenter.follow``: the uninvited tablet goes on hearing every
``presenter.page`` of the meeting (which document, which version, which page) for as long as
it stays connected."""

from tests.docs.test_follow import NS, call, docs_attached, present, received, tablets  # noqa: F401


def test_an_uninvited_tablet_still_hears_the_presenter(cabinet, api, docs_attached, tablets):  # noqa: F811
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
