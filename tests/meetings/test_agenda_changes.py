"""The agenda after creation: every field of an item correctable until the meeting is closed, by
the secretariat only, audited, the invitees told after publication (not before), the
confidentiality rule following the item's new invitees; the API's PATCH; the quorum rule."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from sqlalchemy import select

from ecabinet.audit.models import AuditEntry
from ecabinet.database import unit_of_work
from ecabinet.errors import Conflict, Forbidden, Invalid
from ecabinet.extensions import db
from ecabinet.i18n import VIETNAM
from ecabinet.identity.services import get_user
from ecabinet.meetings import services, signals
from ecabinet.meetings.models import AgendaItem, Meeting, Participant


def _as(app, cabinet, who, service, *args, **kwargs):
    """Run a service as ``who`` in one unit of work, as the API does."""
    with app.app_context():
        with unit_of_work():
            return service(get_user(cabinet.users[who].id), *args, **kwargs)


def _item(item_id):
    return db.session.get(AgendaItem, item_id)


def _told(app, cabinet) -> set[str]:
    """Who holds the in-app notice of a change they have not seen."""
    with app.app_context():
        rows = db.session.scalars(select(Participant).where(
            Participant.meeting_id == cabinet.meeting_id,
            Participant.changes_unseen_since.is_not(None)))
        by_id = {user.id: name for name, user in cabinet.users.items()}
        return {by_id[p.user_id] for p in rows}


@pytest.fixture
def mails_asked():
    """The invitees the e-mail of a change is asked for (the signal notify listens to)."""
    asked = []

    def receiver(meeting, participants=(), **_):
        asked.append(sorted(p.user_id for p in participants))

    signals.agenda_changed.connect(receiver)
    yield asked
    signals.agenda_changed.disconnect(receiver)


def test_every_field_of_an_item_changes_and_is_audited(app, cabinet, make_user):
    presenter = make_user("member", name="Lê Văn Trình")  # not invited: a presenter may be anyone
    item_id = cabinet.items[1]
    with app.app_context():
        with unit_of_work():
            actor = get_user(cabinet.users["secretariat"].id)
            services.update_item(actor, _item(item_id), title="Báo cáo kinh tế - xã hội (sửa)",
                                 presenter_id=presenter.id, presenting_agency="Bộ Tài chính",
                                 duration_min=20, confidential=True,
                                 invitee_ids=[cabinet.users["m2"].id])
        item = _item(item_id)
        assert (item.title, item.presenter_id, item.presenting_agency, item.duration_min,
                item.confidential) == ("Báo cáo kinh tế - xã hội (sửa)", presenter.id,
                                       "Bộ Tài chính", 20, True)
        assert item.invitee_ids == {cabinet.users["m2"].id}
        entry = json.loads(db.session.scalars(select(AuditEntry.details).where(
            AuditEntry.action == "agenda.update")).one())
        assert entry["changed"] == ["confidential", "duration_min", "invitee_ids",
                                            "presenter_id", "presenting_agency", "title"]
        assert entry["invitees_added"] == [cabinet.users["m2"].id]
        # None clears; an unchanged value changes (and audits) nothing.
        with unit_of_work():
            actor = get_user(cabinet.users["secretariat"].id)
            services.update_item(actor, _item(item_id), presenter_id=None, duration_min=None)
            services.update_item(actor, _item(item_id), title="Báo cáo kinh tế - xã hội (sửa)")
        assert _item(item_id).presenter_id is None and _item(item_id).duration_min is None
        assert db.session.scalar(select(db.func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "agenda.update")) == 2


def test_the_confidentiality_rule_follows_the_new_invitees(app, cabinet, api):
    mid, item_id = cabinet.meeting_id, cabinet.items[1]
    assert api(cabinet, "GET", f"/api/v1/meetings/{mid}", who="m3")[1]["agenda"][1]["id"] == item_id
    status, body = api(cabinet, "PATCH", f"/api/v1/meetings/{mid}/items/{item_id}",
                       {"confidential": True, "invitee_ids": [cabinet.users["m2"].id]},
                       who="secretariat")
    assert status == 200 and body["confidential"] and body["invitee_ids"] == [
        cabinet.users["m2"].id]
    seen_by = {who: [i["id"] for i in api(cabinet, "GET", f"/api/v1/meetings/{mid}",
                                          who=who)[1]["agenda"]]
               for who in ("m2", "m3", "chair")}
    assert item_id in seen_by["m2"] and item_id in seen_by["chair"]
    assert item_id not in seen_by["m3"]
    assert api(cabinet, "PUT", f"/api/v1/agenda-items/{item_id}/positions",
               {"stance": "agree"}, who="m3")[0] == 404
    # Invitees are among the meeting's participants.
    status, body = api(cabinet, "PATCH", f"/api/v1/meetings/{mid}/items/{item_id}",
                       {"invitee_ids": [cabinet.users["outsider"].id]}, who="secretariat")
    assert status == 422 and body["error"]["code"] == "not_a_participant"


def test_refused_to_a_member_and_after_the_meeting_is_closed(app, cabinet, api):
    item_id = cabinet.items[0]
    with pytest.raises(Forbidden):
        _as(app, cabinet, "m1", lambda actor: services.update_item(actor, _item(item_id),
                                                                   title="Của tôi"))
    mid = cabinet.meeting_id
    for step in ("in_session", "closed"):
        assert api(cabinet, "POST", f"/api/v1/meetings/{mid}/transition", {"to": step},
                   who="chair")[0] == 200
    with pytest.raises(Conflict) as refused:
        _as(app, cabinet, "secretariat",
            lambda actor: services.update_item(actor, _item(item_id), title="Muộn"))
    assert refused.value.code == "meeting_closed"
    status, body = api(cabinet, "PATCH", f"/api/v1/meetings/{mid}", {"quorum_rule": "majority"},
                       who="secretariat")
    assert status == 409 and body["error"]["code"] == "meeting_closed"


def test_correctable_in_session_but_items_stay_where_they_are(app, cabinet, api, session_open):
    mid, item_id = cabinet.meeting_id, cabinet.items[1]
    status, body = api(cabinet, "PATCH", f"/api/v1/meetings/{mid}/items/{item_id}",
                       {"title": "Báo cáo (bổ sung số liệu)", "duration_min": 60},
                       who="secretariat")
    assert status == 200 and body["title"] == "Báo cáo (bổ sung số liệu)"
    # The tablets read the item as it is now when they join.
    state = api(cabinet, "GET", f"/api/v1/meetings/{mid}/state", who="m1")[1]
    assert {i["id"]: i["title"] for i in state["items"]}[item_id] == "Báo cáo (bổ sung số liệu)"
    status, body = api(cabinet, "POST", f"/api/v1/meetings/{mid}/agenda-items",
                       {"title": "Muộn"}, who="secretariat")
    assert status == 409 and body["error"]["code"] == "meeting_locked"


def test_invitees_are_told_after_publication_not_before(app, cabinet, make_user, mails_asked):
    # A draft: nobody is told of its changes.
    with app.app_context():
        with unit_of_work():
            actor = get_user(cabinet.users["secretariat"].id)
            draft = services.create_meeting(actor, title="Phiên chuyên đề",
                                            starts_at=datetime(2026, 12, 20, 8, tzinfo=VIETNAM))
            services.invite(actor, draft, user_id=cabinet.users["chair"].id, role="chair")
            services.invite(actor, draft, user_id=cabinet.users["m1"].id, role="member")
            item = services.add_item(actor, draft, title="Nội dung 1")
            services.update_item(actor, item, title="Nội dung 1 (sửa)")
            services.update_meeting(actor, draft, location="Phòng họp số 2")
        assert not db.session.scalars(select(Participant).where(
            Participant.meeting_id == draft.id,
            Participant.changes_unseen_since.is_not(None))).all()
    assert mails_asked == []

    # The published cabinet: a change to the confidential item reaches those who see it.
    _as(app, cabinet, "secretariat",
        lambda actor: services.update_item(actor, _item(cabinet.confidential_item),
                                           duration_min=15))
    assert _told(app, cabinet) == {"chair", "m1"}
    assert mails_asked == [sorted([cabinet.users["chair"].id, cabinet.users["m1"].id])]
    # A change to an open item: everyone else; those already told are not mailed again.
    _as(app, cabinet, "secretariat",
        lambda actor: services.update_item(actor, _item(cabinet.items[0]), duration_min=35))
    assert _told(app, cabinet) == {"chair", "m1", "m2", "m3", "m4", "guest"}
    assert mails_asked[1] == sorted(cabinet.users[w].id for w in ("m2", "m3", "m4", "guest"))
    # The meeting's own details: everyone (the quorum rule included).
    with app.app_context():
        with unit_of_work():
            meeting = db.session.get(Meeting, cabinet.meeting_id)
            services.update_meeting(get_user(cabinet.users["secretariat"].id), meeting,
                                    quorum_rule="majority")
        assert db.session.get(Meeting, cabinet.meeting_id).quorum_rule == "majority"


def test_patch_an_item_through_the_api(app, cabinet, api):
    mid, item_id = cabinet.meeting_id, cabinet.items[0]
    path = f"/api/v1/meetings/{mid}/items/{item_id}"
    status, body = api(cabinet, "PATCH", path, {"title": "Luật Tổ chức chính quyền địa phương",
                                                "presenting_agency": None}, who="secretariat")
    assert status == 200
    assert body["title"] == "Luật Tổ chức chính quyền địa phương"
    assert body["presenting_agency"] is None and body["duration_min"] == 30
    assert api(cabinet, "PATCH", path, {"title": "x"}, who="m1")[0] == 403
    assert api(cabinet, "PATCH", path, {"title": "x"}, who="outsider")[0] == 404
    assert api(cabinet, "PATCH", f"/api/v1/meetings/{mid}/items/999999", {"title": "x"},
               who="secretariat")[0] == 404
    assert api(cabinet, "PATCH", f"/api/v1/meetings/{mid + 1}/items/{item_id}", {"title": "x"},
               who="secretariat")[0] == 404
    # The confidential item does not exist for a member not invited to it.
    assert api(cabinet, "PATCH", f"/api/v1/meetings/{mid}/items/{cabinet.confidential_item}",
               {"title": "x"}, who="m2")[0] == 404
    for bad in ({"duration_min": 0}, {"title": ""}, {"presenter_id": "abc"},
                {"confidential": "maybe"}):
        assert api(cabinet, "PATCH", path, bad, who="secretariat")[0] == 422, bad
    status, body = api(cabinet, "PATCH", path, {"presenter_id": 999999}, who="secretariat")
    assert status == 404
    # The same by the item's id alone, and the quorum rule by the meeting's PATCH.
    assert api(cabinet, "PATCH", f"/api/v1/agenda-items/{item_id}", {"duration_min": 25},
               who="secretariat")[1]["duration_min"] == 25
    status, body = api(cabinet, "PATCH", f"/api/v1/meetings/{mid}", {"quorum_rule": "majority"},
                       who="secretariat")
    assert status == 200 and body["quorum_rule"] == "majority"


def test_the_api_documents_the_patch(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/meetings/{meeting_id}/items/{item_id}"]["patch"]
    assert operation["requestBody"] and "200" in operation["responses"]


def test_an_open_vote_keeps_its_items_audience(app, cabinet, api, session_open):
    item_id = cabinet.items[0]
    assert api(cabinet, "POST", f"/api/v1/agenda-items/{item_id}/votes",
               {"question": "Tán thành?", "rule": "majority_of_all"}, who="chair")[0] == 201
    status, body = api(cabinet, "PATCH", f"/api/v1/meetings/{cabinet.meeting_id}/items/{item_id}",
                       {"confidential": True}, who="secretariat")
    assert status == 409 and body["error"]["code"] == "vote_open"
    with pytest.raises(Invalid):
        _as(app, cabinet, "secretariat",
            lambda actor: services.update_item(actor, _item(item_id), position=1))
