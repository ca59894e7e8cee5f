"""The SQL twins say what the Python rules say: for every person of a cabinet and every decision
(each state, drafted from each kind of item's vote, from a published or a draft meeting, from
nothing; with recipients), the lists built in SQL hold exactly what :func:`can_read` allows —
and the meetings' twins they rest on agree with :func:`can_see_meeting` and :func:`can_see_vote`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from ecabinet.database import unit_of_work
from ecabinet.decisions import access
from ecabinet.decisions.models import Decision, DecisionRecipient, DecisionState
from ecabinet.extensions import db
from ecabinet.identity.models import Organisation, User
from ecabinet.meetings import access as meeting_access
from ecabinet.meetings.models import AgendaItem, Meeting, Participant, Vote


def _scenario(app, cabinet, make_user) -> dict[str, int]:
    """Beside the cabinet's published meeting: a draft meeting with a member and a secretary,
    a closed vote on every item, and decisions from each source in each state."""
    people = {name: ref.id for name, ref in cabinet.users.items()}
    people["clerk"] = make_user("clerk").id
    people["signer"] = make_user("member", "signer").id
    people["reader"] = make_user("member").id
    with app.app_context(), unit_of_work():
        issuer, recipient_org = Organisation(name="Thủ tướng", code="TTg"), \
            Organisation(name="Bộ Tư pháp", code="BTP")
        db.session.add_all([issuer, recipient_org])
        db.session.flush()
        db.session.get(User, people["reader"]).organisation_id = recipient_org.id
        draft_meeting = Meeting(title="Phiên họp chưa công bố",
                                starts_at=datetime(2026, 12, 30, 1, tzinfo=UTC))
        db.session.add(draft_meeting)
        db.session.flush()
        db.session.add_all([
            Participant(meeting_id=draft_meeting.id, user_id=people["m2"], role="member"),
            Participant(meeting_id=draft_meeting.id, user_id=people["m3"], role="secretary")])
        draft_item = AgendaItem(meeting_id=draft_meeting.id, position=1, title="Mục nháp")
        db.session.add(draft_item)
        db.session.flush()
        votes = []
        for item in [db.session.get(AgendaItem, i) for i in cabinet.items] + [draft_item]:
            vote = Vote(meeting_id=item.meeting_id, item_id=item.id, question="Thông qua?",
                        rule="majority_of_all", status="closed")
            db.session.add(vote)
            votes.append(vote)
        db.session.flush()
        sources = [{"vote_id": v.id, "meeting_id": v.meeting_id} for v in votes] + [
            {"meeting_id": cabinet.meeting_id}, {"meeting_id": draft_meeting.id}, {}]
        for state in DecisionState:
            for source in sources:
                db.session.add(Decision(
                    kind="quyet_dinh", summary="Về việc thử", body="Điều 1.", state=state.value,
                    issuer_id=issuer.id, authority="THỦ TƯỚNG", signer_id=people["signer"],
                    created_by_id=people["secretariat"], **source))
        db.session.flush()
        decisions = list(db.session.scalars(db.select(Decision).order_by(Decision.id)))
        decisions[-1].created_by_id = people["m4"]
        decisions[-2].recipients = [DecisionRecipient(user_id=people["guest"])]
        decisions[-3].recipients = [DecisionRecipient(organisation_id=recipient_org.id)]
        decisions[-4].recipients = [DecisionRecipient(user_id=people["outsider"])]
        # A Nơi nhận line naming nobody ("Như Điều 3") grants nobody.
        decisions[-5].recipients = [DecisionRecipient(label="Như Điều 3", position=1)]
    return people


def test_the_sql_twins_agree_with_the_rules(app, cabinet, make_user):
    people = _scenario(app, cabinet, make_user)
    with app.app_context():
        decisions = list(db.session.scalars(db.select(Decision).order_by(Decision.id.desc())))
        meetings = list(db.session.scalars(db.select(Meeting)))
        votes = list(db.session.scalars(db.select(Vote)))
        for name, user_id in people.items():
            user = db.session.get(User, user_id)
            expected = [d.id for d in decisions if access.can_read(user, d)]
            assert [d.id for d in access.list_for(user)] == expected, name
            for meeting in meetings:
                assert [d.id for d in access.of_meeting(user, meeting.id)] == sorted(
                    d.id for d in decisions
                    if d.meeting_id == meeting.id and access.can_read(user, d)), name
            assert set(db.session.scalars(meeting_access.meetings_seen_by(user))) == {
                m.id for m in meetings if meeting_access.can_see_meeting(user, m)}, name
            assert set(db.session.scalars(meeting_access.votes_seen_by(user))) == {
                v.id for v in votes if meeting_access.can_see_vote(user, v)}, name
        # Not a vacuous agreement: the rules tell people apart.
        reads = {name: len(access.list_for(db.session.get(User, user_id)))
                 for name, user_id in people.items()}
        assert reads["secretariat"] == reads["clerk"] == len(decisions)
        assert 0 < reads["m2"] < reads["m1"] < reads["secretariat"]
        assert reads["outsider"] == 1 and reads["reader"] == 1
