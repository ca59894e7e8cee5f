"""When the session ends no item is still "under discussion" (issue 9, point 8): the meeting's
state — what a tablet gets on joining again or reloading, and what the end broadcasts — names no
current item and no speaker queue once the meeting is closed."""

from ecabinet.extensions import db
from ecabinet.meetings.models import Meeting
from tests.meetings.conftest import connect_tablets

NS = "/live"


def _join(client, meeting_id):
    ack = client.emit("meeting.join", {"meeting_id": meeting_id}, namespace=NS, callback=True)
    assert ack["ok"], ack
    return ack["state"]


def test_ending_the_meeting_leaves_no_item_under_discussion(app, session_open, api):
    cab = session_open
    mid = cab.meeting_id
    assert api(cab, "POST", f"/api/v1/agenda-items/{cab.items[0]}/speakers",
               who="m2")[0] in (200, 201)
    tablets = connect_tablets(app, {"m2": cab.tokens["m2"]})
    member = next(tablets)["m2"]
    try:
        assert _join(member, mid)["current_item_id"] == cab.items[0]
        member.get_received(NS)

        assert api(cab, "POST", f"/api/v1/meetings/{mid}/transition", {"to": "closed"},
                   who="chair")[0] == 200

        ended = [m["args"][0] for m in member.get_received(NS) if m["name"] == "meeting.state"]
        assert ended and ended[-1]["status"] == "closed"
        assert ended[-1]["current_item_id"] is None
        assert ended[-1]["speakers"]["queue"] == []
        again = _join(member, mid)  # a reload
        assert again["current_item_id"] is None
        assert again["speakers"]["queue"] == []
    finally:
        next(tablets, None)
    with app.app_context():
        assert db.session.get(Meeting, mid).current_item_id is None
