"""The handling (Decree 30 Art. 23) through the API, each step's status sent back in order,
and who may read and move what."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from ecabinet.database import unit_of_work
from ecabinet.extensions import db
from ecabinet.identity.models import Organisation
from ecabinet.interchange import edxml
from ecabinet.interchange.incoming import recall_requested
from ecabinet.interchange.incoming.models import IncomingDocument
from tests.conftest import bearer
from tests.interchange.incoming.conftest import (
    FINANCE,
    GOV_OFFICE,
    deliver,
    hand_over,
    numbered,
    statuses_sent,
)

DOC_ID = f"{GOV_OFFICE},2026/12/04,42/VPCP-KTTH"


@pytest.fixture
def people(ministry, make_user, token_for):
    from ecabinet.organisations import services as organisations

    with ministry.app_context(), unit_of_work():
        finance = db.session.scalar(select(Organisation).where(
            Organisation.identifier == FINANCE))
        department = organisations.create(identifier="000.00.07.G12", code="NSNN",
                                          name="Vụ Ngân sách nhà nước", parent_id=finance.id)
        department_id = department.id

    def person(*roles, organisation="Bộ Tài chính"):
        user = make_user(*roles, organisation=organisation)
        return user, bearer(token_for(user))

    return {
        "clerk": person("clerk"), "leader": person("signer"),
        "handler": person("member", organisation="Vụ Ngân sách nhà nước"),
        "member": person("member"), "guest": person("guest"),
        "stranger_clerk": person("clerk", organisation="Văn phòng Chính phủ"),
        "department_id": department_id,
    }


@pytest.fixture
def registered(ministry, test_pki, pdfs):
    deliver(ministry, numbered(test_pki, pdfs.signed, 42))
    hand_over(ministry)
    with ministry.app_context():
        return db.session.scalar(select(IncomingDocument.id))


def post(client, headers, document_id, step, **body):
    return client.post(f"/api/v1/incoming/{document_id}/{step}", json=body, headers=headers)


def test_the_handling_sends_each_status_back_in_order(ministry, people, registered, test_pki):
    client = ministry.test_client()
    clerk, leader, handler = people["clerk"][1], people["leader"][1], people["handler"][1]

    answer = post(client, clerk, registered, "accept", leader_id=people["leader"][0].id)
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["state"] == "accepted"
    answer = post(client, leader, registered, "assign", organisation_id=people["department_id"],
                  deadline="2026-12-20", direction="Vụ NSNN chủ trì, báo cáo trước 20/12.")
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["deadline"] == "2026-12-20"
    # The handling unit's people now see it, in the list and alone.
    listed = client.get("/api/v1/incoming", headers=handler).get_json()
    assert [d["id"] for d in listed] == [registered]
    assert post(client, handler, registered, "handle").status_code == 200
    answer = post(client, handler, registered, "done", note="Đã báo cáo.")
    assert answer.status_code == 200
    assert [e["status_code"] for e in answer.get_json()["events"]] == [
        "01", "03", "04", "05", "06"]

    sent = statuses_sent(ministry, test_pki)
    assert [(to, s.status_code.value, s.response_for.document_id) for to, s in sent] == [
        (GOV_OFFICE, code, DOC_ID) for code in ("01", "03", "04", "05", "06")]
    assert sent[2][1].description.startswith("Assigned to Vụ Ngân sách") or \
        "Vụ Ngân sách nhà nước" in sent[2][1].description


def test_refusing_needs_a_reason_and_sends_02(ministry, people, registered, test_pki):
    client = ministry.test_client()
    clerk = people["clerk"][1]
    assert post(client, clerk, registered, "refuse", reason="").status_code == 422
    answer = post(client, clerk, registered, "refuse", reason="Gửi nhầm đơn vị.")
    assert answer.status_code == 200 and answer.get_json()["state"] == "refused"
    assert post(client, clerk, registered, "accept").status_code == 409
    assert [(s.status_code.value, s.description) for _to, s in
            statuses_sent(ministry, test_pki)][1:] == [("02", "Gửi nhầm đơn vị.")]


def test_steps_out_of_order_are_refused(ministry, people, registered):
    client = ministry.test_client()
    assert post(client, people["clerk"][1], registered, "done").status_code == 409
    assert post(client, people["leader"][1], registered, "assign",
                user_id=people["handler"][0].id).status_code == 409  # not accepted yet


@pytest.mark.parametrize("who", ["member", "guest", "stranger_clerk", "handler"])
def test_outsiders_cannot_read_the_register(ministry, people, registered, who):
    client = ministry.test_client()
    headers = people[who][1]
    assert client.get("/api/v1/incoming", headers=headers).get_json() == []
    assert client.get(f"/api/v1/incoming/{registered}", headers=headers).status_code == 404
    assert client.get("/api/v1/incoming/quarantine", headers=headers).status_code == 403
    assert post(client, headers, registered, "accept").status_code == 404


def test_each_step_belongs_to_its_role(ministry, people, registered):
    client = ministry.test_client()
    clerk, leader = people["clerk"][1], people["leader"][1]
    assert client.get(f"/api/v1/incoming/{registered}", headers=leader).status_code == 200
    assert post(client, leader, registered, "accept").status_code == 403
    assert post(client, clerk, registered, "accept",
                leader_id=people["member"][0].id).status_code == 422  # not a leader
    assert post(client, clerk, registered, "accept").status_code == 200
    assert post(client, clerk, registered, "assign",
                user_id=people["handler"][0].id).status_code == 403
    assert post(client, leader, registered, "assign").status_code == 422  # no unit


def test_the_register_filters(ministry, people, registered):
    client = ministry.test_client()
    clerk = people["clerk"][1]
    assert len(client.get("/api/v1/incoming?year=2026", headers=clerk).get_json()) in (0, 1)
    this_year = datetime.now(UTC).year
    assert len(client.get(f"/api/v1/incoming?year={this_year}&state=received",
                          headers=clerk).get_json()) == 1
    assert client.get("/api/v1/incoming?state=done", headers=clerk).get_json() == []
    assert client.get("/api/v1/incoming?state=nonsense", headers=clerk).status_code == 422


def _recall(document_id: str, sender: str = GOV_OFFICE) -> edxml.Status:
    return edxml.Status(
        response_for=edxml.ResponseFor(sender, "42/VPCP-KTTH", date(2026, 12, 4), document_id),
        from_=edxml.Organisation(sender, "Văn phòng Chính phủ"),
        status_code=edxml.StatusCode.RECALL, timestamp=datetime.now(UTC),
        description="Thu hồi để sửa sai sót.")


def test_a_recall_destroys_the_files_keeps_the_line_and_answers_15(
        ministry, registered, test_pki):
    with ministry.app_context(), unit_of_work():
        recall_requested(_recall("000.00.00.G22,2026/12/04,999/VPCP-KTTH"))  # unknown
        recall_requested(_recall(DOC_ID, sender="000.00.00.G09"))  # not its sender's
        document = recall_requested(_recall(DOC_ID))
        assert document.state == "recalled"
    with ministry.app_context():
        document = db.session.get(IncomingDocument, registered)
        assert document.number == 1 and document.subject  # the register line stays
        assert all(a.sha256 is None for a in document.attachments)
    assert [(to, s.status_code.value) for to, s in statuses_sent(ministry, test_pki)] == [
        (GOV_OFFICE, "01"), (GOV_OFFICE, "16"), ("000.00.00.G09", "16"), (GOV_OFFICE, "15")]


def test_an_incoming_submission_goes_onto_an_agenda_item_in_one_step(
        ministry, people, registered, make_user, token_for):
    from ecabinet.docs.models import ItemDocument

    client = ministry.test_client()
    secretariat = bearer(token_for(make_user("secretariat", organisation="Bộ Tài chính")))
    meeting = client.post("/api/v1/meetings", headers=secretariat, json={
        "title": "Phiên họp thường kỳ tháng 12", "starts_at": "2026-12-28T08:00:00+07:00"})
    item = client.post(f"/api/v1/meetings/{meeting.get_json()['id']}/agenda-items",
                       headers=secretariat, json={"title": "Tờ trình của VPCP"}).get_json()
    # A clerk does not see the meeting (not invited); a member may not read the register.
    assert post(client, people["clerk"][1], registered, "attach",
                agenda_item_id=item["id"]).status_code == 404
    assert post(client, people["member"][1], registered, "attach",
                agenda_item_id=item["id"]).status_code == 404
    answer = post(client, secretariat, registered, "attach", agenda_item_id=item["id"])
    assert answer.status_code == 200, answer.get_json()
    document_id = answer.get_json()["meeting_document_id"]
    with ministry.app_context():
        assert db.session.scalar(select(ItemDocument.item_id).where(
            ItemDocument.document_id == document_id)) == item["id"]
    pdf = client.get(f"/api/v1/documents/{document_id}/versions/1/pdf", headers=secretariat)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
