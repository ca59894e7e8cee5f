"""A tablet's read made from the part every reader shares (``meetings/read_body.py``): for
every kind of reader, the same answer as the whole read (``api.get_meeting``, taken here with
a query string, which always goes the whole way) and as the OpenAPI schema's dump; the shared
part built once per meeting state, whoever reads."""

from datetime import datetime

import pytest
from sqlalchemy import update

from ecabinet.database import unit_of_work
from ecabinet.docs.models import ItemDocument
from ecabinet.extensions import db
from ecabinet.i18n import VIETNAM
from ecabinet.identity.services import get_user
from ecabinet.meetings import services
from ecabinet.meetings.models import AgendaItem, Meeting, Participant
from tests.fixtures.statements import statements
from tests.reads.conftest import _document

READERS = ["m1", "m2", "m3", "m4", "guest", "chair", "secretariat", "secretary"]


def _get(client, hall, who, query=""):
    return client.get(f"/api/v1/meetings/{hall.meeting_id}{query}", headers=hall.headers(who))


@pytest.fixture
def varied_hall(app, build_hall, open_meeting):
    """The hall of 4 items, with dates and nulls on every side, and a confidential document
    uploaded by m3 on an item anyone sees (its uploader, the secretariat, the secretary and
    the item's invitee — the guest — read it; m4 and the chair do not)."""
    hall = build_hall(4)
    open_meeting(hall)
    with app.app_context():
        with unit_of_work():
            db.session.execute(update(Participant).where(
                Participant.user_id == hall.users["m2"].id).values(
                checked_in_at=datetime(2026, 11, 30, 7, 55, tzinfo=VIETNAM)))
            db.session.execute(update(AgendaItem).where(AgendaItem.id == hall.items[1]).values(
                adopted_without_discussion_at=datetime(2026, 11, 30, 9, tzinfo=VIETNAM),
                presenter_id=None))
            document = _document(hall.users["m3"].id, "Báo cáo mật của Bộ", True)
            db.session.flush()
            db.session.add(ItemDocument(item_id=hall.items[0], document_id=document.id,
                                        attached_by_id=hall.users["secretariat"].id))
            hall.documents.append(document.id)
        db.session.remove()
    return hall


@pytest.mark.parametrize("who", READERS)
def test_the_body_made_from_the_shared_part_is_the_whole_reads(app, client, varied_hall, who):
    hall = varied_hall
    with statements(app) as sent:
        made = _get(client, hall, who)
    whole = _get(client, hall, who, "?whole=1")
    assert made.status_code == whole.status_code == 200
    assert made.data == whole.data
    assert dict(made.headers) == dict(whole.headers)
    assert not any("FROM api_tokens" in sql and "users" in sql and "JOIN user_roles" in sql
                   and "meetings" not in sql for sql in sent), "the whole read's user load"
    listed = {d["id"] for item in made.get_json()["agenda"] for d in item["documents"]}
    secret = hall.documents[-1]
    assert (secret in listed) == (who in ("m3", "guest", "secretariat", "secretary"))


@pytest.mark.parametrize("who", ["m1", "guest", "secretary", "secretariat"])
def test_the_body_made_from_the_shared_part_is_the_schemas_dump(app, client, varied_hall, who):
    """The OpenAPI schema stays the description of the read: its dump of what the whole read
    loads for the reader is the body made from the shared part."""
    from flask_login import login_user

    from ecabinet.meetings import access, api, queries
    from ecabinet.meetings.schemas import MeetingDetailSchema

    made = _get(client, varied_hall, who).get_json()
    with app.test_request_context():
        user = get_user(varied_hall.users[who].id)
        login_user(user)
        data = api._detail(queries.load_whole(access.meeting_for(user, varied_hall.meeting_id)))
        assert made == MeetingDetailSchema().dump(data)
        db.session.remove()


def test_the_shared_part_is_built_once_per_meeting_state(app, client, build_hall, open_meeting):
    hall = build_hall(3)
    open_meeting(hall)
    with statements(app) as first:
        _get(client, hall, "m1")
    # the statement; the meeting, its items, participants, the items' documents, the
    # invitations' e-mail
    assert len(first) == 6, first.text()
    for who in ("m3", "guest", "chair"):  # other readers: the statement alone
        with statements(app) as sent:
            assert _get(client, hall, who).status_code == 200
        assert len(sent) == 1, sent.text()
    with app.app_context():
        with unit_of_work():
            services.update_item(get_user(hall.users["secretariat"].id),
                                 db.session.get(AgendaItem, hall.items[0]), title="Đã sửa")
        db.session.remove()
    open_meeting(hall)  # (each invitee's first look at the change is the whole read's)
    with statements(app) as after:
        assert _get(client, hall, "m3").get_json()["agenda"][0]["title"] == "Đã sửa"
    assert len(after) == 6, after.text()
    with statements(app) as sent:
        assert _get(client, hall, "m1").get_json()["agenda"][0]["title"] == "Đã sửa"
    assert len(sent) == 1, sent.text()


def test_a_meeting_out_of_draft_for_its_secretary_only(app, client, build_hall):
    """A draft: its secretary reads it (the rule), a member does not (the statement refuses,
    the whole read answers 404) — the shared part is never cut for someone it refuses."""
    hall = build_hall(2)
    with app.app_context():
        with unit_of_work():
            db.session.execute(update(Meeting).where(Meeting.id == hall.meeting_id)
                               .values(status="draft"))
        db.session.remove()
    assert _get(client, hall, "m3").status_code == 404
    assert _get(client, hall, "secretary").status_code == 200
