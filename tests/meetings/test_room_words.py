"""What the meeting room's words say is true (found walking the meeting day, issue 9): the bar
over the viewer after a turn ended does not say nobody has spoken; a present member who did not
vote is not counted "absent"."""

from __future__ import annotations

from flask_babel import force_locale

from ecabinet.meetings.forms import room_words


def test_nobody_has_the_floor_is_not_nobody_has_spoken(app):
    with app.test_request_context(), force_locale("vi"):
        words = room_words()
    assert words["noSpeaker"] == "Không có ai đang phát biểu"


def test_those_who_did_not_vote_are_not_all_called_absent(app):
    with app.test_request_context(), force_locale("vi"):
        words = room_words()
    assert words["absent"] == "Vắng mặt"  # the attendance list: really absent
    assert words["notVoted"] == "Vắng mặt hoặc không tham gia"  # the ballot's count
    assert "Vắng mặt hoặc không tham gia %(absent)s" in words["result"]


def test_an_empty_queue_says_nobody_is_waiting_not_nobody_asked(cabinet, client, auth):
    """After a member spoke the queue is empty, and "nobody has asked to speak" was untrue."""
    auth.login(cabinet.users["m1"])
    page = client.get(f"/meetings/{cabinet.meeting_id}").text
    assert "Không có ai đang chờ phát biểu." in page
    assert "Chưa có ai đăng ký phát biểu." not in page
