"""The meetings' access rules are written twice — a predicate for one object, SQL for lists —
and the two must agree for everyone: the list of meetings is exactly the meetings one may open,
the agenda items the SQL lets through exactly those ``sees_item`` shows (confidential ones and a
guest's included)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import aliased

from ecabinet.extensions import db
from ecabinet.identity.models import Role, User
from ecabinet.meetings import access
from ecabinet.meetings.models import AgendaItem, Meeting, Participant


def _draft_with_secretary(cab, api, make_user, token_for) -> int:
    """A draft meeting prepared by its own secretary (a member), with m3 invited."""
    secretary = make_user("member", name="Thư ký phiên họp")
    cab.users["secretary"], cab.tokens["secretary"] = secretary, token_for(secretary)

    def post(path, body):
        status, answer = api(cab, "POST", f"/api/v1/{path}", body, who="secretariat")
        assert status == 201, answer
        return answer

    draft = post("meetings", {"title": "Phiên họp chuyên đề",
                              "starts_at": "2026-12-10T08:00:00+07:00"})["id"]
    post(f"meetings/{draft}/participants", {"user_id": secretary.id, "role": "secretary"})
    post(f"meetings/{draft}/participants", {"user_id": cab.users["m3"].id, "role": "member"})
    post(f"meetings/{draft}/agenda-items", {"title": "Đề án"})
    post(f"meetings/{draft}/agenda-items", {"title": "Nhân sự (mật)", "confidential": True})
    return draft


def test_the_list_of_meetings_is_what_each_user_may_open(client, cabinet, api, make_user,
                                                         token_for):
    cab = cabinet
    draft = _draft_with_secretary(cab, api, make_user, token_for)
    meetings = (cab.meeting_id, draft)
    for who in cab.users:
        status, listed = api(cab, "GET", "/api/v1/meetings", who=who)
        assert status == 200, who
        opened = {mid for mid in meetings
                  if api(cab, "GET", f"/api/v1/meetings/{mid}", who=who)[0] == 200}
        assert {meeting["id"] for meeting in listed} == opened, who
    # The meeting's own secretary prepares the draft: it is on their list as on the
    # secretariat's; the member invited to it does not see it before it is published.
    assert draft in {m["id"] for m in api(cab, "GET", "/api/v1/meetings", who="secretary")[1]}
    assert draft not in {m["id"] for m in api(cab, "GET", "/api/v1/meetings", who="m3")[1]}


def test_the_sql_twins_agree_with_the_predicates(app, cabinet, api, make_user, token_for):
    cab = cabinet
    _draft_with_secretary(cab, api, make_user, token_for)
    with app.app_context():
        everyone = list(db.session.scalars(select(User)))
        meetings = list(db.session.scalars(select(Meeting)))
        items = list(db.session.scalars(select(AgendaItem)))
        confidential_seen_by = set()
        for user in everyone:
            by_sql = set(db.session.scalars(access.visible_meetings(user).with_only_columns(
                Meeting.id)))
            assert by_sql == {m.id for m in meetings if access.can_see_meeting(user, m)}, \
                user.name
            if user.has_role(Role.SECRETARIAT):
                continue
            participant = aliased(Participant)
            items_by_sql = set(db.session.scalars(
                select(AgendaItem.id)
                .join(Meeting, Meeting.id == AgendaItem.meeting_id)
                .join(participant, (participant.meeting_id == Meeting.id)
                      & (participant.user_id == user.id))
                .where(access.meeting_seen_by(participant),
                       access.item_seen_by(participant, user.id))))
            by_predicate = {item.id for item in items
                            if access.can_see_meeting(user, item.meeting)
                            and access.can_see_item(user, item)}
            assert items_by_sql == by_predicate, user.name
            if cab.confidential_item in by_predicate:
                confidential_seen_by.add(user.id)
        # The case that matters was there: the confidential item's invitee and the chair see
        # it, the other members and the guest do not.
        assert {cab.users["m1"].id, cab.users["chair"].id} <= confidential_seen_by
        assert not {cab.users[who].id for who in ("m2", "guest")} & confidential_seen_by
