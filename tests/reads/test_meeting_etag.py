"""Conditional reads of a meeting: a tablet refreshing the agenda with the ETag it holds gets
304 while nothing it sees has changed, and never another reader's view."""

from datetime import UTC, datetime

from ecabinet.database import unit_of_work
from ecabinet.docs.models import DocumentVersion
from ecabinet.extensions import db
from ecabinet.identity.services import get_user
from ecabinet.meetings import services, sitting
from ecabinet.meetings.models import AgendaItem, Meeting
from tests.fixtures.statements import statements


def _get(client, hall, who, etag=None):
    headers = hall.headers(who) | ({"If-None-Match": etag} if etag else {})
    return client.get(f"/api/v1/meetings/{hall.meeting_id}", headers=headers)


def _as(app, who_id, action):
    with app.app_context():
        with unit_of_work():
            action(get_user(who_id))
        db.session.remove()


def test_the_same_reader_gets_304_for_a_few_statements(app, client, build_hall, open_meeting):
    hall = build_hall(10)
    open_meeting(hall)
    first = _get(client, hall, "m3")
    assert first.status_code == 200 and first.headers["ETag"]
    assert "private" in first.headers["Cache-Control"]
    with statements(app) as sent:
        again = _get(client, hall, "m3", first.headers["ETag"])
    assert again.status_code == 304 and not again.data
    assert again.headers["ETag"] == first.headers["ETag"]
    assert len(sent) <= 2, sent.text()  # the token, the meeting with the reader's seat


def test_a_change_the_reader_sees_gives_a_new_body_and_etag(app, client, build_hall,
                                                            open_meeting):
    hall = build_hall(3)
    open_meeting(hall)
    secretariat = hall.users["secretariat"].id
    etag = _get(client, hall, "m3").headers["ETag"]

    def rename(actor):
        services.update_item(actor, db.session.get(AgendaItem, hall.items[0]), title="Mới")

    def converted(_actor):  # the converter finishing a new version of an item's document
        version = db.session.scalars(db.select(DocumentVersion).where(
            DocumentVersion.document_id == hall.documents[0])).all()[-1]
        version.pages = 7

    def checked_in(_actor):
        meeting = db.session.get(Meeting, hall.meeting_id)
        sitting.check_in(get_user(hall.users["m2"].id), meeting)

    def user_renamed(_actor):
        get_user(hall.users["m2"].id).title = "Bộ trưởng Bộ Tài chính"

    for change, who in ((rename, secretariat), (converted, secretariat),
                        (checked_in, secretariat), (user_renamed, secretariat)):
        _as(app, who, change)
        answer = _get(client, hall, "m3", etag)
        assert answer.status_code == 200, change.__name__
        assert answer.headers["ETag"] != etag, change.__name__
        etag = answer.headers["ETag"]
    body = answer.get_json()
    assert body["agenda"][0]["title"] == "Mới"
    assert body["agenda"][0]["documents"][0]["pages"] == 7
    assert [p["title"] for p in body["participants"] if p["user_id"] == hall.users["m2"].id] \
        == ["Bộ trưởng Bộ Tài chính"]
    assert _get(client, hall, "m3", etag).status_code == 304


def test_another_reader_never_gets_the_confidential_view(app, client, build_hall, open_meeting):
    """m1 is invited to the confidential item, m3 is not: m3 sending m1's ETag (a shared
    cache, a copied header) gets their own body, not a 304 confirming m1's."""
    hall = build_hall(3)
    open_meeting(hall)
    invited = _get(client, hall, "m1")
    assert any(item["confidential"] for item in invited.get_json()["agenda"])
    other = _get(client, hall, "m3", invited.headers["ETag"])
    assert other.status_code == 200
    assert not any(item["confidential"] for item in other.get_json()["agenda"])
    assert other.headers["ETag"] != invited.headers["ETag"]
    assert "Authorization" in other.headers["Vary"]


def test_uninvited_from_a_confidential_item_the_reader_loses_it(app, client, build_hall,
                                                                open_meeting):
    hall = build_hall(3)
    open_meeting(hall)
    before = _get(client, hall, "m1")
    assert any(item["confidential"] for item in before.get_json()["agenda"])

    def uninvite(actor):
        services.update_item(actor, db.session.get(AgendaItem, hall.items[2]), invitee_ids=[])

    _as(app, hall.users["secretariat"].id, uninvite)
    after = _get(client, hall, "m1", before.headers["ETag"])
    assert after.status_code == 200
    assert not any(item["confidential"] for item in after.get_json()["agenda"])


def test_the_organisers_see_an_invitee_open_it(app, client, build_hall):
    """Who opened the invitation is in the organisers' read: an invitee's first look (a bulk
    update, not seen by the flush) changes their ETag."""
    hall = build_hall(2)
    seen = _get(client, hall, "secretariat")
    opened = {i["user_id"]: i["opened_at"] for i in seen.get_json()["invitations"]}
    assert opened[hall.users["m4"].id] is None
    _get(client, hall, "m4")  # m4 opens the meeting for the first time
    after = _get(client, hall, "secretariat", seen.headers["ETag"])
    assert after.status_code == 200
    opened = {i["user_id"]: i["opened_at"] for i in after.get_json()["invitations"]}
    assert opened[hall.users["m4"].id] is not None
    assert datetime.fromisoformat(opened[hall.users["m4"].id]) <= datetime.now(UTC)


def test_a_look_at_changes_moves_no_one_elses_etag(app, client, build_hall, open_meeting):
    """After an agenda change, each invitee's next read clears their notice (a write). That
    changes no read — ``opened_at`` is their first look since publication, kept — so the
    version does not move: the others' ETags still hold, instead of each tablet's look making
    every other tablet read the meeting again."""
    hall = build_hall(3)
    open_meeting(hall)
    with app.app_context():
        with unit_of_work():
            services.update_item(get_user(hall.users["secretariat"].id),
                                 db.session.get(AgendaItem, hall.items[0]), title="Đã sửa")
        db.session.remove()
    etags = {who: _get(client, hall, who).headers["ETag"]
             for who in ("m1", "m3", "secretariat")}  # m1 and m3 clear their notices
    opened = {i["user_id"]: i["opened_at"]
              for i in _get(client, hall, "secretariat").get_json()["invitations"]}
    for who in ("m4", "guest"):  # two more looks at the changes
        assert _get(client, hall, who).status_code == 200
    for who, etag in etags.items():
        again = _get(client, hall, who, etag)
        assert again.status_code == 304, who
    after = {i["user_id"]: i["opened_at"]
             for i in _get(client, hall, "secretariat").get_json()["invitations"]}
    assert after == opened  # nobody's first look moved


def test_a_first_look_moves_the_organisers_etags_only(app, client, build_hall):
    """An invitee's first look since publication shows in the organisers' read (who opened
    it): their ETags move (``Meeting.opened_count``), no one else's — at publication, each
    tablet's first look no longer makes the rest of the hall read the meeting again."""
    hall = build_hall(2)  # published, nobody has opened it yet
    etags = {}
    for who in ("m1", "chair", "secretary", "secretariat"):
        _get(client, hall, who)  # the first look, recorded (the secretariat has no seat)
        etags[who] = _get(client, hall, who).headers["ETag"]
    assert _get(client, hall, "m4").status_code == 200  # m4's first look
    for who in ("m1", "chair"):
        assert _get(client, hall, who, etags[who]).status_code == 304, who
    for who in ("secretary", "secretariat"):
        after = _get(client, hall, who, etags[who])
        assert after.status_code == 200, who
        opened = {i["user_id"]: i["opened_at"] for i in after.get_json()["invitations"]}
        assert opened[hall.users["m4"].id] is not None
        assert _get(client, hall, who, after.headers["ETag"]).status_code == 304
