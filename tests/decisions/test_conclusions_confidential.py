"""A conclusions notice drafted from a meeting (meeting_id, no vote_id) is read, once issued, by
everyone who sees the meeting: the confidential item's title and outcome must stay out of it
(found by the attacker review: it copied every item of the record)."""

from ecabinet.database import unit_of_work
from ecabinet.decisions.models import Decision, DecisionState
from ecabinet.extensions import db
from tests.decisions.conftest import closed_named_vote

SECRET = "Phương án nhân sự (mật)"


def test_conclusions_notice_carries_the_confidential_item_to_everyone(
        app, client, people, session_open, api):
    cab = session_open
    # A vote on the confidential item, so that its outcome goes into the record too.
    closed_named_vote(api, cab, cab.confidential_item, "Bổ nhiệm ông X làm Thứ trưởng?")
    assert api(cab, "POST", f"/api/v1/meetings/{cab.meeting_id}/transition",
               {"to": "adjourned"}, who="chair")[0] == 200
    response = client.post("/api/v1/decisions", json={
        "kind": "thong_bao_ket_luan", "summary": "Kết luận phiên họp",
        "signer_id": people.signer.id, "meeting_id": cab.meeting_id},
        headers=cab.headers("secretariat"))
    assert response.status_code == 201, response.get_json()
    did = response.get_json()["id"]
    body = response.get_json()["body"]
    assert SECRET not in body and "Bổ nhiệm ông X" not in body
    assert "3. Nội dung mật: có thông báo riêng." in body  # the numbering keeps its place
    with app.app_context(), unit_of_work():
        db.session.get(Decision, did).state = DecisionState.ISSUED.value
    leaked = []
    for who in ("m2", "m3", "guest"):
        status, body = api(cab, "GET", f"/api/v1/decisions/{did}", who=who)
        if status == 200 and SECRET in body["body"]:
            leaked.append(who)
    assert leaked == [], f"confidential item's title and outcome read by {leaked}"
