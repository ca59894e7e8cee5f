"""Who reads a written poll's answers (issue 8, point 12; the Government's practice).

While the poll is open a member sees their own answer only; the chair the poll reports to and
the secretariat see every answer; once it closes, the consolidated result goes to the
recipients (the counts, the outcome and the result document), the individual answers of the
others still only to the chair and the secretariat.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from docx import Document

from tests.conftest import bearer
from tests.polls.test_polls import iso

SECRET_COMMENT = "Đề nghị không ban hành trong năm nay"


@pytest.fixture
def people(make_user, token_for):
    users = {"secretariat": make_user("secretariat", name="Vũ Thị Lan"),
             "pm": make_user("member", name="Trần Minh Quang", title="Thủ tướng Chính phủ"),
             "m1": make_user("member", name="Phạm Quốc Bảo"),
             "m2": make_user("member", name="Nguyễn Thu Hà")}
    return users, {name: token_for(user) for name, user in users.items()}


def _send(client, people, **extra) -> int:
    users, tokens = people
    response = client.post("/api/v1/polls", headers=bearer(tokens["secretariat"]), json={
        "question": "Ý kiến về dự thảo Nghị định?", "deadline": iso(timedelta(days=3)),
        **extra})
    assert response.status_code == 201, response.get_json()
    poll = response.get_json()
    for who, answer, comment in (("m1", "disagree", SECRET_COMMENT), ("m2", "agree", None)):
        assert client.post(f"/api/v1/polls/{poll['id']}/responses", headers=bearer(tokens[who]),
                           json={"answer": answer, "comment": comment}).status_code == 201
    return poll["id"]


@pytest.fixture
def poll(client, people):
    """A poll that reports to the Prime Minister, answered by m1 and m2."""
    users, _ = people
    return _send(client, people, chair_id=users["pm"].id)


def _get(client, tokens, who, path):
    return client.get(path, headers=bearer(tokens[who]))


def test_while_open_a_member_reads_only_their_own_answer(client, people):
    _, tokens = people
    poll = _send(client, people)
    for path in (f"/api/v1/polls/{poll}/result", f"/api/v1/polls/{poll}/result.docx"):
        response = _get(client, tokens, "m2", path)
        assert response.status_code == 403, path
        assert SECRET_COMMENT.encode() not in response.data
    mine = _get(client, tokens, "m2", f"/api/v1/polls/{poll}").get_json()["my_response"]
    assert mine["answer"] == "agree"
    page = _get(client, tokens, "m2", f"/polls/{poll}")
    assert page.status_code == 200 and SECRET_COMMENT not in page.text
    assert "Tổng hợp kết quả" not in page.text


@pytest.mark.parametrize("who", ["pm", "secretariat"])
def test_the_chair_and_the_secretariat_read_every_answer(client, people, poll, who):
    _, tokens = people
    result = _get(client, tokens, who, f"/api/v1/polls/{poll}/result").get_json()
    assert {r["comment"] for r in result["responses"]} == {SECRET_COMMENT, None}
    docx = _get(client, tokens, who, f"/api/v1/polls/{poll}/result.docx")
    cells = [c.text for t in Document(io.BytesIO(docx.data)).tables for r in t.rows
             for c in r.cells]
    assert SECRET_COMMENT in cells
    page = _get(client, tokens, who, f"/polls/{poll}")
    assert page.status_code == 200 and "Tổng hợp kết quả" in page.text


def test_after_closing_the_result_goes_to_the_recipients(client, people, poll):
    users, tokens = people
    assert client.post(f"/api/v1/polls/{poll}/close",
                       headers=bearer(tokens["secretariat"])).status_code == 200
    result = _get(client, tokens, "m2", f"/api/v1/polls/{poll}/result").get_json()
    assert result["counts"]["disagree"] == 1 and result["outcome"]
    # the counts and their own answer; another member's answer and comment stay with the
    # chair and the secretariat
    assert [r["user_id"] for r in result["responses"]] == [users["m2"].id]
    assert _get(client, tokens, "m2", f"/api/v1/polls/{poll}/result.docx").status_code == 200


def test_the_secretariat_names_the_chair_on_the_new_poll_page(app, client, auth, people):
    from datetime import datetime

    from ecabinet.extensions import db
    from ecabinet.i18n import VIETNAM
    from ecabinet.polls.models import Poll
    from tests.conftest import csrf_from

    users, _ = people
    auth.login(users["secretariat"])
    page = client.get("/polls/new")
    assert page.status_code == 200 and "Trần Minh Quang" in page.text
    deadline = (datetime.now(VIETNAM) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    form = {"question": "Ý kiến về Nghị quyết?", "deadline": deadline,
            "missing_counts_as": "agree", "csrf_token": csrf_from(page.text)}
    assert client.post("/polls/new", data={**form, "chair_id": "999999"}).status_code == 422
    response = client.post("/polls/new", data={**form, "chair_id": str(users["pm"].id)})
    assert response.status_code == 302
    with app.app_context():
        poll = db.session.scalars(db.select(Poll)).one()
        assert poll.chair_id == users["pm"].id


def _answers_on_the_audit_page(client) -> list[str]:
    page = client.get("/admin/audit?action=poll.respond")
    assert page.status_code == 200
    shown = re.findall(r"&#34;answer&#34;: &#34;(\w+)&#34;|\"answer\": \"(\w+)\"", page.text)
    return sorted(a or b for a, b in shown)


def test_an_admin_of_the_secretariat_reads_the_answers_on_the_audit_page(
        client, people, make_user, auth):
    """Who reads every answer on the poll's pages reads them on the audit page too."""
    _send(client, people)
    assert auth.login(make_user("admin", "secretariat")).status_code == 302
    assert _answers_on_the_audit_page(client) == ["agree", "disagree"]


def test_admin_reads_open_poll_answers_on_the_audit_page(client, people, make_user, auth):
    """The audit page shows an administrator (neither the chair nor the secretariat) no
    member's answer of an open poll (ecabinet/polls/audit_rules)."""
    users, tokens = people
    poll_id = _send(client, people)  # m1 disagrees, m2 agrees; the poll stays open
    status = client.get(f"/api/v1/polls/{poll_id}", headers=bearer(tokens["m1"])).get_json()
    assert status["status"] == "open"
    admin = make_user("admin")
    assert auth.login(admin).status_code == 302
    page = client.get("/admin/audit?action=poll.respond")
    assert page.status_code == 200
    shown = re.findall(r"&#34;answer&#34;: &#34;(\w+)&#34;|\"answer\": \"(\w+)\"", page.text)
    answers = sorted(a or b for a, b in shown)
    assert answers == [], f"the open poll's answers are shown to an administrator: {answers}"
