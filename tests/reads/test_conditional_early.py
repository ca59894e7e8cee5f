"""A tablet's conditional read answered 304 before the meeting is loaded: one statement (the
token, its user and roles, the meeting's version and the reader's seat together), and refused
exactly as the whole read would refuse it — a revoked or expired token, a deactivated account,
an uninvited reader, a meeting back out of sight. Nothing of those moves the meeting's version,
so an early answer that checked less would confirm a stale ETag to someone no longer allowed."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from ecabinet.database import unit_of_work
from ecabinet.extensions import db
from ecabinet.identity.models import ApiToken, User
from ecabinet.identity.services import get_user, revoke_token, update_user
from ecabinet.meetings import services
from ecabinet.meetings.models import Meeting
from tests.fixtures.statements import statements


def _get(client, hall, who, etag=None):
    headers = hall.headers(who) | ({"If-None-Match": etag} if etag else {})
    return client.get(f"/api/v1/meetings/{hall.meeting_id}", headers=headers)


def _as_secretariat(app, hall, action):
    with app.app_context():
        with unit_of_work():
            action(get_user(hall.users["secretariat"].id))
        db.session.remove()


def _etag(client, hall, who):
    first = _get(client, hall, who)
    assert first.status_code == 200
    return first.headers["ETag"]


def test_304_in_one_statement_without_the_meeting_loaded(app, client, build_hall, open_meeting):
    hall = build_hall(10)
    open_meeting(hall)
    for who in ("m1", "guest", "chair", "secretariat"):
        etag = _etag(client, hall, who)
        with statements(app) as sent:
            again = _get(client, hall, who, etag)
        assert again.status_code == 304 and not again.data, who
        assert again.headers["ETag"] == etag
        assert again.headers["Cache-Control"] == "private, no-cache"
        assert "Authorization" in again.headers["Vary"]
        assert len(sent) == 1, sent.text()


def test_a_revoked_token_with_a_matching_etag_is_refused(app, client, build_hall, open_meeting):
    hall = build_hall(3)
    open_meeting(hall)
    etag = _etag(client, hall, "m2")

    def revoke(actor):
        for token in db.session.scalars(db.select(ApiToken).where(
                ApiToken.user_id == hall.users["m2"].id)):
            revoke_token(token, actor=actor)

    _as_secretariat(app, hall, revoke)
    assert _get(client, hall, "m2", etag).status_code == 401


def test_an_expired_token_with_a_matching_etag_is_refused(app, client, build_hall, open_meeting):
    hall = build_hall(3)
    open_meeting(hall)
    etag = _etag(client, hall, "m2")
    _as_secretariat(app, hall, lambda _actor: db.session.execute(
        update(ApiToken).where(ApiToken.user_id == hall.users["m2"].id)
        .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))))
    assert _get(client, hall, "m2", etag).status_code == 401


def test_a_deactivated_account_with_a_matching_etag_is_refused(app, client, build_hall,
                                                               open_meeting):
    hall = build_hall(3)
    open_meeting(hall)
    etag = _etag(client, hall, "m2")
    _as_secretariat(app, hall, lambda actor: db.session.execute(
        update(User).where(User.id == hall.users["m2"].id).values(active=False)))
    assert _get(client, hall, "m2", etag).status_code == 401
    _as_secretariat(app, hall, lambda actor: update_user(
        db.session.get(User, hall.users["m2"].id), actor=actor, active=True))


def test_an_uninvited_reader_with_their_old_etag_gets_404(app, client, build_hall):
    hall = build_hall(3)  # published, not yet in session: invitations can change
    etag = _etag(client, hall, "m4")
    _as_secretariat(app, hall, lambda actor: services.uninvite(
        actor, db.session.get(Meeting, hall.meeting_id), hall.users["m4"].id))
    assert _get(client, hall, "m4", etag).status_code == 404


def test_the_version_alone_does_not_decide_who_sees_the_meeting(app, client, build_hall):
    """Were a seat lost without the version moving (a bulk delete, a restore), the early path
    still applies the meeting's rule to the seat it reads: 404, never 304."""
    hall = build_hall(3)
    etag = _etag(client, hall, "m4")
    from ecabinet.meetings.models import Participant

    _as_secretariat(app, hall, lambda _actor: db.session.execute(
        db.delete(Participant).where(Participant.meeting_id == hall.meeting_id,
                                     Participant.user_id == hall.users["m4"].id)))
    assert _get(client, hall, "m4", etag).status_code == 404


def test_another_readers_etag_is_not_confirmed_early(app, client, build_hall, open_meeting):
    hall = build_hall(3)
    open_meeting(hall)
    etag = _etag(client, hall, "m1")  # invited to the confidential item
    other = _get(client, hall, "m3", etag)
    assert other.status_code == 200
    assert not any(item["confidential"] for item in other.get_json()["agenda"])


def test_a_first_look_is_still_recorded(app, client, build_hall):
    """An invitee who has not opened the meeting since it was published is recorded as
    having opened it, ETag or not (the organisers' read shows it)."""
    hall = build_hall(2)
    etag = _etag(client, hall, "m4")
    with app.app_context():
        db.session.execute(update(db.Model.metadata.tables["meeting_participants"])
                           .where(db.Model.metadata.tables["meeting_participants"].c.user_id
                                  == hall.users["m4"].id).values(opened_at=None))
        db.session.commit()
        db.session.remove()
    with statements(app) as sent:
        assert _get(client, hall, "m4", etag).status_code in (200, 304)
    assert any(sql.upper().startswith("UPDATE MEETING_PARTICIPANTS") for sql in sent), sent.text()


def test_the_statement_read_through_the_driver_is_sqlalchemys(app, build_hall, open_meeting,
                                                              make_user, token_for):
    """The early statement is sent on the driver's cursor (``conditional._rows``): its rows,
    converted by SQLAlchemy's own types, are the rows SQLAlchemy's execution gives — for
    readers with a seat of each kind, someone with two roles and no seat, an unknown token."""
    from ecabinet.identity.services import token_digest
    from ecabinet.meetings import conditional

    hall = build_hall(2)
    open_meeting(hall)
    outsider = token_for(make_user("member", "liaison"))
    with app.app_context():
        for secret in [*hall.tokens.values(), outsider, "not a token"]:
            values = {"meeting_id": hall.meeting_id, "token_hash": token_digest(secret)}
            with statements(app) as sent:
                by_driver = conditional._rows(values)
            expected = [tuple(row) for row in db.session.execute(conditional._STATEMENT,
                                                                 values)]
            assert by_driver == expected
            assert [type(v) for row in by_driver for v in row] == \
                [type(v) for row in expected for v in row]
            assert len(sent) == 1  # announced to the engine's listeners like any statement
        assert len(conditional._rows({"meeting_id": hall.meeting_id,
                                      "token_hash": token_digest(outsider)})) == 2
        db.session.remove()
