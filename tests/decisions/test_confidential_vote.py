"""A decision drafted from a vote on a confidential item is read, once issued, by those who see
the item and those who must handle it (the secretariat, the clerks, its signer, its drafter,
the recipients named on it) — not by the rest of the meeting."""

from __future__ import annotations

from ecabinet.database import unit_of_work
from ecabinet.decisions.models import Decision, DecisionState
from ecabinet.extensions import db
from tests.decisions.conftest import closed_named_vote, headers, wait_ready


def test_an_issued_decision_from_a_confidential_vote(app, client, people, session_open, api):
    cab = session_open
    vote_id = closed_named_vote(api, cab, cab.confidential_item, "Thông qua phương án nhân sự?")
    response = client.post("/api/v1/decisions", json={
        "kind": "nghi_quyet", "summary": "Về phương án nhân sự", "signer_id": people.signer.id,
        "vote_id": vote_id}, headers=cab.headers("secretariat"))
    assert response.status_code == 201, response.get_json()
    did = response.get_json()["id"]
    wait_ready(client, cab.headers("secretariat"), did)
    # Issued (the signing workflow is tested in test_workflow.py; here only who reads it).
    with app.app_context(), unit_of_work():
        db.session.get(Decision, did).state = DecisionState.ISSUED.value
    url = f"/api/v1/decisions/{did}"
    for who in ("m1", "chair", "secretariat"):
        assert api(cab, "GET", url, who=who)[0] == 200, who
    assert client.get(url, headers=headers(people, "signer")).status_code == 200
    for who in ("m2", "m3", "guest", "outsider"):
        assert api(cab, "GET", url, who=who)[0] == 404, who
        assert api(cab, "GET", f"{url}/pdf", who=who)[0] == 404, who
    listed = api(cab, "GET", "/api/v1/decisions", who="m2")[1]
    assert did not in [d["id"] for d in listed]
