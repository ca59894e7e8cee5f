"""Only its invitees (and the chair) vote on a confidential item (README: "its eligible
voters are its invitees who are voting members present when the vote opens (and the
chair)"). A Government member who also holds the secretariat role -- the Minister-Chairman of
the Government Office is exactly that -- is counted among the voters of every confidential
item and casts a ballot on one they were not invited to."""

from tests.conftest import bearer


def test_a_member_of_the_secretariat_votes_on_an_item_not_theirs(client, make_user, token_for,
                                                                 cabinet, api):
    cab = cabinet
    vpcp = make_user("member", "secretariat", name="Bộ trưởng, Chủ nhiệm VPCP")
    token = token_for(vpcp)
    # invited as a member (a voting member of the Government) -- not to the confidential item
    assert api(cab, "POST", f"/api/v1/meetings/{cab.meeting_id}/participants",
               {"user_id": vpcp.id, "role": "member"}, who="secretariat")[0] == 201
    status, body = api(token, "POST", f"/api/v1/meetings/{cab.meeting_id}/checkin")
    assert status == 200, body
    for who in ("chair", "m1"):
        assert api(cab, "POST", f"/api/v1/meetings/{cab.meeting_id}/checkin", who=who)[0] == 200
    assert api(cab, "POST", f"/api/v1/meetings/{cab.meeting_id}/transition",
               {"to": "in_session"}, who="chair")[0] == 200
    status, vote = api(cab, "POST", f"/api/v1/agenda-items/{cab.confidential_item}/votes",
                       {"question": "Bổ nhiệm?", "secret": False, "rule": "majority_of_all"},
                       who="chair")
    assert status == 201, vote
    response = client.post(f"/api/v1/votes/{vote['id']}/ballots", json={"choice": "no"},
                           headers=bearer(token))
    assert response.status_code != 201, (
        f"a non-invitee cast a ballot on the confidential item (eligible={vote['eligible']}, "
        f"members_total={vote['members_total']})")
