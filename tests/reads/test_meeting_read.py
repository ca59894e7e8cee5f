"""GET /api/v1/meetings/{id}: a constant, small number of statements whatever the agenda."""

import pytest

from tests.fixtures.statements import statements

READERS = ["m1", "m3", "guest", "chair", "secretariat", "secretary"]


def _read(app, client, hall, who):
    with statements(app) as sent:
        response = client.get(f"/api/v1/meetings/{hall.meeting_id}", headers=hall.headers(who))
    assert response.status_code == 200, response.get_json()
    return response.get_json(), sent


@pytest.mark.parametrize("who", READERS)
def test_a_meeting_read_costs_the_same_with_2_or_10_items(app, client, build_hall,
                                                          open_meeting, who):
    counts = {}
    for n in (2, 10):
        hall = build_hall(n)
        open_meeting(hall)
        _read(app, client, hall, who)  # warm: the token's first use is recorded once
        body, sent = _read(app, client, hall, who)
        assert body["agenda"] and all("documents" in item for item in body["agenda"])
        counts[n] = sent
    assert len(counts[2]) == len(counts[10]), counts[10].text()
    # the token with its user and roles, the meeting with the reader's seat, the items with their
    # presenters and invitees, the participants with their users, the documents and versions;
    # the organisers' read, the invitations' e-mail too (who else opened it is theirs alone)
    assert len(counts[10]) <= (7 if who in ("secretariat", "secretary") else 6), counts[10].text()


def test_the_read_dumped_by_hand_is_the_schemas_dump(app, build_hall, open_meeting):
    """The meeting's read is dumped by hand for speed (``dump_meeting_detail``); the schema
    stays its description: for every reader, the two give the same answer."""
    from datetime import datetime

    from flask_login import login_user
    from sqlalchemy import update

    from ecabinet.database import unit_of_work
    from ecabinet.extensions import db
    from ecabinet.i18n import VIETNAM
    from ecabinet.identity.services import get_user
    from ecabinet.meetings import access, api, queries
    from ecabinet.meetings.models import AgendaItem, Participant
    from ecabinet.meetings.schemas import MeetingDetailSchema, dump_meeting_detail

    hall = build_hall(4)
    open_meeting(hall)
    with app.app_context():
        with unit_of_work():  # dates and nulls on every side
            db.session.execute(update(Participant).where(
                Participant.user_id == hall.users["m2"].id).values(
                checked_in_at=datetime(2026, 11, 30, 7, 55, tzinfo=VIETNAM)))
            db.session.execute(update(AgendaItem).where(AgendaItem.id == hall.items[1]).values(
                adopted_without_discussion_at=datetime(2026, 11, 30, 9, tzinfo=VIETNAM),
                presenter_id=None))
        db.session.remove()
    for who in READERS:
        with app.test_request_context():
            user = get_user(hall.users[who].id)
            login_user(user)
            data = api._detail(queries.load_whole(access.meeting_for(user, hall.meeting_id)))
            by_hand = dump_meeting_detail(data)
            assert by_hand == MeetingDetailSchema().dump(data), who
            assert list(by_hand) == list(MeetingDetailSchema().dump(data)), who
            assert ("invitations" in by_hand) == (who in ("secretariat", "secretary"))
            db.session.remove()
