"""Written polls between meetings: sending, answering, deadlines, the consolidated result."""

import io
from datetime import UTC, datetime, timedelta

from docx import Document

from ecabinet.database import unit_of_work
from ecabinet.identity.services import get_user
from ecabinet.polls import access, services
from tests.conftest import bearer, csrf_from


def iso(delta: timedelta) -> str:
    return (datetime.now(UTC) + delta).isoformat()


def send(client, token, **body):
    body = {"question": "Ý kiến về dự thảo Nghị định quy định chi tiết Luật Đầu tư công?",
            "deadline": iso(timedelta(days=3)), **body}
    return client.post("/api/v1/polls", json=body, headers=bearer(token))


def test_poll_goes_to_all_members_and_collects_answers(app, client, people):
    users, tokens = people
    response = send(client, tokens["secretariat"])
    assert response.status_code == 201
    poll = response.get_json()
    assert poll["recipients"] == 3 and poll["status"] == "open"  # members only, not the guest
    for who, answer, comment in (("pm", "agree", None), ("m1", "other", "Đề nghị bổ sung Điều 5")):
        r = client.post(f"/api/v1/polls/{poll['id']}/responses", json={
            "answer": answer, "comment": comment}, headers=bearer(tokens[who]))
        assert r.status_code == 201
    # Answering again replaces the answer.
    client.post(f"/api/v1/polls/{poll['id']}/responses", json={"answer": "disagree"},
                headers=bearer(tokens["m1"]))
    with app.app_context(), unit_of_work():  # the deadline passes: missing answers count
        from ecabinet.extensions import db
        from ecabinet.polls.models import Poll
        db.session.get(Poll, poll["id"]).deadline = datetime.now(UTC) - timedelta(minutes=1)
    result = client.post(f"/api/v1/polls/{poll['id']}/close",
                         headers=bearer(tokens["secretariat"])).get_json()
    # m2 did not answer: counted as agreement by default (the Government's working rules).
    assert result["counts"] == {"agree": 1, "disagree": 1, "other": 0, "missing": 1,
                                "recipients": 3, "agree_total": 2, "agree_by_default": 1}
    assert result["outcome"] == "agreed"
    assert result["missing_user_ids"] == [users["m2"].id]


def test_missing_answers_can_count_as_no_answer(client, people):
    _, tokens = people
    poll = send(client, tokens["secretariat"], missing_counts_as="none").get_json()
    client.post(f"/api/v1/polls/{poll['id']}/responses", json={"answer": "agree"},
                headers=bearer(tokens["pm"]))
    result = client.post(f"/api/v1/polls/{poll['id']}/close",
                         headers=bearer(tokens["secretariat"])).get_json()
    assert result["counts"]["agree_total"] == 1 and result["outcome"] == "not_agreed"


def test_bad_input_and_wrong_people_are_refused(client, people):
    _, tokens = people
    assert send(client, tokens["m1"]).status_code == 403
    assert send(client, tokens["secretariat"], deadline=iso(-timedelta(hours=1))).status_code \
        == 422
    assert send(client, tokens["secretariat"], missing_counts_as="maybe").status_code == 422
    assert send(client, tokens["secretariat"], recipient_ids=[424242]).status_code == 422
    poll = send(client, tokens["secretariat"]).get_json()
    url = f"/api/v1/polls/{poll['id']}/responses"
    assert client.post(url, json={"answer": "perhaps"}, headers=bearer(tokens["m1"])
                       ).status_code == 422
    assert client.post(url, json={"answer": "other"}, headers=bearer(tokens["m1"])
                       ).status_code == 422  # another opinion must say what it is
    assert client.post(url, json={"answer": "agree"}, headers=bearer(tokens["guest"])
                       ).status_code == 404  # not sent to them: they don't see it
    assert client.post(f"/api/v1/polls/{poll['id']}/close", headers=bearer(tokens["m1"])
                       ).status_code == 403
    client.post(f"/api/v1/polls/{poll['id']}/close", headers=bearer(tokens["secretariat"]))
    closed = client.post(url, json={"answer": "agree"}, headers=bearer(tokens["m1"]))
    assert closed.status_code == 409 and closed.get_json()["error"]["code"] == "poll_closed"


def test_reminders_and_overdue_warning(app, runner, people):
    users, _ = people
    with app.app_context(), unit_of_work():
        secretariat = get_user(users["secretariat"].id)
        soon = services.create_poll(secretariat, question="Gấp?",
                                    deadline=datetime.now(UTC) + timedelta(hours=5))
        later = services.create_poll(secretariat, question="Không gấp?",
                                     deadline=datetime.now(UTC) + timedelta(days=5))
        services.respond(get_user(users["pm"].id), soon, answer="agree")
        soon_id, later_id = soon.id, later.id
    result = runner.invoke(args=["polls", "remind"])
    assert result.exit_code == 0, result.output
    assert f"Poll {soon_id}" in result.output and f"Poll {later_id}" not in result.output
    assert "Phạm Quốc Bảo" in result.output and "Trần Minh Quang" not in result.output
    # Reminded once: not again within 12 hours.
    assert f"Poll {soon_id}" not in runner.invoke(args=["polls", "remind"]).output
    with app.app_context():
        later_poll = access.poll_for(get_user(users["secretariat"].id), later_id)
        past = datetime.now(UTC) + timedelta(days=6)
        assert services.is_overdue(later_poll, past)
        assert later_id in [p.id for p in services.overdue(past)]


def test_consolidated_result_document(client, people):
    _, tokens = people
    poll = send(client, tokens["secretariat"]).get_json()
    client.post(f"/api/v1/polls/{poll['id']}/responses", json={
        "answer": "other", "comment": "Đề nghị làm rõ nguồn vốn"}, headers=bearer(tokens["m1"]))
    response = client.get(f"/api/v1/polls/{poll['id']}/result.docx",
                          headers=bearer(tokens["secretariat"]))
    assert response.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(response.data)).paragraphs)
    assert "TỔNG HỢP KẾT QUẢ" in text and "Luật Đầu tư công" in text
    cells = [c.text for t in Document(io.BytesIO(response.data)).tables for r in t.rows
             for c in r.cells]
    assert "Đề nghị làm rõ nguồn vốn" in cells and "Chưa trả lời" in cells


def test_member_answers_on_the_page(app, client, auth, people):
    users, tokens = people
    poll = send(client, tokens["secretariat"]).get_json()
    auth.login(users["m2"])
    home = client.get("/")
    assert "Luật Đầu tư công" in home.text  # on the dashboard, in "Polls to answer"
    page = client.get(f"/polls/{poll['id']}")
    assert page.status_code == 200
    answered = client.post(f"/polls/{poll['id']}", data={
        "csrf_token": csrf_from(page.text), "answer": "agree"})
    assert answered.status_code == 302
    assert "Luật Đầu tư công" not in client.get("/").text
