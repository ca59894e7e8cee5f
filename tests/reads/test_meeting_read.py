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
    # the token with its user and roles, the meeting, the reader's seat, the items with their
    # presenters and invitees, the participants with their users, the documents and versions
    assert len(counts[10]) <= 6, counts[10].text()
