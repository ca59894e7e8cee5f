"""An item once voted on, or adopted, is never offered again (issue 9 point 1): a member's
position on it is refused, the refusal is audited, and the join says which items are settled
so the tablet shows the outcome instead of the position buttons."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from ecabinet.audit.models import AuditEntry
from ecabinet.database import unit_of_work
from ecabinet.errors import Conflict
from ecabinet.extensions import db
from ecabinet.identity.services import get_user
from ecabinet.meetings import sitting, state, voting
from ecabinet.meetings.models import AgendaItem, Meeting, Position


def _vote_on(cab, item_id: int, *, close: bool) -> None:
    with unit_of_work():
        chair = get_user(cab.users["chair"].id)
        vote = voting.open_vote(chair, db.session.get(AgendaItem, item_id),
                                question="Thông qua?", secret=False, rule="majority_of_present")
    if close:
        with unit_of_work():
            voting.close_vote(get_user(cab.users["chair"].id), vote.id)


def _set(cab, who: str, item_id: int, stance: str):
    with unit_of_work():
        return sitting.set_position(get_user(cab.users[who].id),
                                    db.session.get(AgendaItem, item_id), stance, "ghi chú")


def _refusals(cab) -> list[tuple]:
    return [(actor, object_id, json.loads(details)) for actor, object_id, details in
            db.session.execute(select(AuditEntry.actor_id, AuditEntry.object_id,
                                      AuditEntry.details)
                               .where(AuditEntry.action == "position.refused")).all()]


@pytest.mark.parametrize("close", [True, False], ids=["vote closed", "vote open"])
def test_a_position_on_a_voted_item_is_refused_and_audited(app, session_open, close):
    cab, item = session_open, session_open.items[0]
    with app.app_context():
        _set(cab, "m1", item, "agree")
        _vote_on(cab, item, close=close)
        with pytest.raises(Conflict) as refused:
            _set(cab, "m1", item, "object")
        assert refused.value.code == "item_settled"
        assert db.session.scalar(select(Position.stance).where(
            Position.item_id == item, Position.user_id == cab.users["m1"].id)) == "agree"
        assert _refusals(cab) == [(cab.users["m1"].id, str(item), {"reason": "voted"})]
        # another item is still open to positions
        assert _set(cab, "m1", cab.items[1], "speak").stance == "speak"


def test_a_position_on_an_adopted_item_is_refused_and_audited(app, cabinet, api):
    cab, item = cabinet, cabinet.items[1]
    with app.app_context():
        for who in ("chair", "m1", "m2", "m3", "m4"):
            _set(cab, who, item, "agree")
    # HTTP outside the test's app context: a request shares an app context already pushed
    # (and flask-login's user kept in its ``g``).
    assert api(cab, "POST", f"/api/v1/meetings/{cab.meeting_id}/transition",
               {"to": "in_session"}, who="chair")[0] == 200
    assert api(cab, "POST", f"/api/v1/meetings/{cab.meeting_id}/adopt-uncontested",
               {"item_ids": [item]}, who="chair")[0] == 200
    status, body = api(cab, "PUT", f"/api/v1/agenda-items/{item}/positions",
                       {"stance": "object"}, who="m2")
    assert status == 409 and body["error"]["code"] == "item_settled"
    with app.app_context():
        assert _refusals(cab) == [(cab.users["m2"].id, str(item), {"reason": "adopted"})]


def test_the_join_names_the_items_voted_on(app, session_open):
    cab = session_open
    with app.app_context():
        _vote_on(cab, cab.items[0], close=True)
        with unit_of_work():
            snapshot = state.snapshot_for(get_user(cab.users["m2"].id),
                                          db.session.get(Meeting, cab.meeting_id))
        assert snapshot["voted_item_ids"] == [cab.items[0]]
