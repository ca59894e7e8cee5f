"""A meeting remembers the reader's seat — and that they have none — for the request, so that
the access rules asked again and again (a list of meetings, the documents list) do not query
each time; an invitation within the same request is still seen."""

from sqlalchemy import select

from ecabinet.database import unit_of_work
from ecabinet.extensions import db
from ecabinet.identity.services import get_user
from ecabinet.meetings import access, services
from ecabinet.meetings.models import Meeting
from tests.fixtures.statements import statements


def test_not_invited_is_remembered_until_an_invitation(app, build_hall, make_user):
    hall = build_hall(1)
    outsider = make_user("member", name="Ngô Văn Mới")
    with app.app_context():
        meeting = db.session.get(Meeting, hall.meeting_id)
        assert meeting.participant(outsider.id) is None
        with statements(app) as sent:
            assert meeting.participant(outsider.id) is None
            assert not access.can_see_meeting(get_user(outsider.id), meeting)
        assert [s for s in sent if "meeting_participants" in s] == []
        with unit_of_work():
            services.invite(get_user(hall.users["secretariat"].id), meeting,
                            user_id=outsider.id, role="member")
            seat = meeting.participant(outsider.id)
            assert seat is not None and seat.role == "member"
            assert access.can_see_meeting(get_user(outsider.id), meeting)
        db.session.remove()


def test_the_seats_of_a_list_of_meetings_in_one_statement(app, build_hall):
    halls = [build_hall(1) for _ in range(3)]
    member = halls[0].users["m1"]
    with app.app_context():
        meetings = list(db.session.scalars(select(Meeting).order_by(Meeting.id)))
        with statements(app) as sent:
            Meeting.remember_seats(meetings, member.id)
            seats = [m.participant(member.id) for m in meetings]
        assert len(sent) == 1, sent.text()
        assert [s is not None for s in seats] == [True, False, False]
        assert seats[0].user_id == member.id and seats[0].meeting_id == halls[0].meeting_id
        db.session.remove()
