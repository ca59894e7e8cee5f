"""What a secretariat that runs written polls every week needs (issue 9, points 9 and 10): missing
answers counted by default only after the deadline, signed-ballot polls that warn about members
without a key, recipients chosen on the form, who has not answered and a reminder, Vietnamese
words and dates on the page and in the result document."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from docx import Document

from ecabinet.database import unit_of_work
from ecabinet.extensions import db
from ecabinet.polls.models import Poll
from tests.conftest import bearer, csrf_from
from tests.polls.test_polls import iso, send


def _answer(client, tokens, poll_id, who, answer="agree", comment=None):
    response = client.post(f"/api/v1/polls/{poll_id}/responses", headers=bearer(tokens[who]),
                           json={"answer": answer, "comment": comment})
    assert response.status_code == 201, response.get_json()


def _move_deadline(app, poll_id, when):
    with app.app_context(), unit_of_work():
        db.session.get(Poll, poll_id).deadline = when


def test_a_missing_answer_counts_as_agreement_only_after_the_deadline(app, client, people):
    _, tokens = people
    poll = send(client, tokens["secretariat"]).get_json()  # pm, m1, m2; missing counts as agree
    _answer(client, tokens, poll["id"], "m1", "disagree")
    result = client.get(f"/api/v1/polls/{poll['id']}/result",
                        headers=bearer(tokens["secretariat"])).get_json()
    assert result["counts"]["agree_total"] == 0 and result["counts"]["agree_by_default"] == 0
    assert result["outcome"] == "pending"
    _move_deadline(app, poll["id"], datetime.now(UTC) - timedelta(minutes=1))
    result = client.get(f"/api/v1/polls/{poll['id']}/result",
                        headers=bearer(tokens["secretariat"])).get_json()
    assert result["counts"]["agree_by_default"] == 2 and result["counts"]["agree_total"] == 2
    assert result["outcome"] == "agreed"
    docx = client.get(f"/api/v1/polls/{poll['id']}/result.docx",
                      headers=bearer(tokens["secretariat"]))
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.data)).paragraphs)
    assert "2 phiếu chưa trả lời được tính là đồng ý" in text


def test_closing_early_counts_nobody_by_default(client, people):
    _, tokens = people
    poll = send(client, tokens["secretariat"]).get_json()
    _answer(client, tokens, poll["id"], "pm")
    result = client.post(f"/api/v1/polls/{poll['id']}/close",
                         headers=bearer(tokens["secretariat"])).get_json()
    assert result["counts"]["agree_by_default"] == 0 and result["outcome"] == "not_agreed"


def test_a_signed_ballot_poll_names_the_recipients_without_a_key(client, people):
    users, tokens = people
    response = send(client, tokens["secretariat"], signed_ballots=True)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "recipients_without_key"
    assert sorted(error["details"]["recipient_ids"]) == sorted(
        users[who].id for who in ("pm", "m1", "m2"))
    assert "Phạm Quốc Bảo" in error["message"]
    assert client.get("/api/v1/polls", headers=bearer(tokens["secretariat"])).get_json() == []
    # without signed ballots the same poll goes out
    assert send(client, tokens["secretariat"]).status_code == 201


def test_the_page_chooses_recipients_lists_who_is_missing_and_reminds(app, client, auth, people):
    users, tokens = people
    auth.login(users["secretariat"])
    page = client.get("/polls/new")
    deadline = (datetime.now(UTC) + timedelta(hours=30)).strftime("%Y-%m-%dT%H:%M")
    sent = client.post("/polls/new", data={
        "question": "Ý kiến về Nghị quyết?", "deadline": deadline, "missing_counts_as": "agree",
        "recipient_ids": [str(users["m1"].id), str(users["m2"].id)],
        "csrf_token": csrf_from(page.text)})
    assert sent.status_code == 302, sent.text
    with app.app_context():
        poll = db.session.scalars(db.select(Poll)).one()
        assert sorted(r.user_id for r in poll.recipients) == sorted(
            [users["m1"].id, users["m2"].id])
        poll_id = poll.id
    # m1 answers from their own tablet (this client holds the secretariat's session)
    _answer(app.test_client(), tokens, poll_id, "m1", "other", "Đề nghị bổ sung")
    show = client.get(f"/polls/{poll_id}")
    missing = show.text.split('id="missing"')[1].split("</section>")[0]
    assert "Nguyễn Thu Hà" in missing and "Phạm Quốc Bảo" not in missing
    assert "Ý kiến khác" in show.text and ">other<" not in show.text
    reminded = client.post(f"/polls/{poll_id}/remind", data={"csrf_token": csrf_from(show.text)})
    assert reminded.status_code == 302
    flashed = client.get(f"/polls/{poll_id}").text
    assert "Đã nhắc 1 thành viên" in flashed
    from ecabinet.audit.models import AuditEntry
    with app.app_context():
        entry = db.session.scalars(db.select(AuditEntry).where(
            AuditEntry.action == "poll.remind")).one()
        assert str(users["m2"].id) in entry.details


def test_after_the_deadline_the_member_is_told_why_there_is_no_form(app, client, auth, people):
    users, tokens = people
    poll = send(client, tokens["secretariat"]).get_json()
    _move_deadline(app, poll["id"], datetime.now(UTC) - timedelta(minutes=1))
    auth.login(users["m2"])
    page = client.get(f"/polls/{poll['id']}")
    assert "Đã hết hạn trả lời" in page.text
    assert "Đang lấy ý kiến" not in page.text  # not "open" beside "overdue"


def test_the_result_document_is_dated_the_day_it_is_made_in_vietnamese(client, people):
    _, tokens = people
    poll = send(client, tokens["secretariat"], deadline=iso(timedelta(days=10))).get_json()
    docx = client.get(f"/api/v1/polls/{poll['id']}/result.docx",
                      headers=bearer(tokens["secretariat"]))
    document = Document(io.BytesIO(docx.data))
    text = "\n".join([p.text for p in document.paragraphs] + [
        c.text for t in document.tables for r in t.rows for c in r.cells])
    today = datetime.now(UTC) + timedelta(hours=7)
    month = f"{today.month:02d}" if today.month <= 2 else str(today.month)  # Decree 30
    assert f"ngày {today.day:02d} tháng {month} năm {today.year}" in text
    assert "T1" not in text.split("Thời hạn trả lời:")[1].split("\n")[0]  # no ISO 8601
    assert "+07:00" not in text


def test_the_secretariat_s_dashboard_shows_polls_under_way_overdue_first(app, client, auth,
                                                                          people):
    users, tokens = people
    later = send(client, tokens["secretariat"], question="Không gấp?").get_json()
    late = send(client, tokens["secretariat"], question="Đã quá hạn?").get_json()
    _move_deadline(app, late["id"], datetime.now(UTC) - timedelta(hours=1))
    _answer(client, tokens, later["id"], "m1")
    auth.login(users["secretariat"])
    home = client.get("/").text
    section = home.split("Phiếu lấy ý kiến đang thực hiện")[1]
    assert section.index("Đã quá hạn?") < section.index("Không gấp?")
    assert "Quá hạn" in section and "1/3 đã trả lời" in section


def test_the_form_warns_of_recipients_without_a_key_and_sends_nothing(app, client, auth,
                                                                      people):
    """On the page as in the API: asking for signed ballots names the recipients who could not
    sign one, next to the box, and offers the two ways out (issue 9, point 9)."""
    users, _ = people
    auth.login(users["secretariat"])
    page = client.get("/polls/new")
    deadline = (datetime.now(UTC) + timedelta(hours=30)).strftime("%Y-%m-%dT%H:%M")
    refused = client.post("/polls/new", data={
        "question": "Ý kiến về Nghị quyết?", "deadline": deadline, "missing_counts_as": "agree",
        "signed_ballots": "y", "recipient_ids": [str(users["m1"].id), str(users["m2"].id)],
        "csrf_token": csrf_from(page.text)})
    assert refused.status_code == 422
    box = refused.text.split('name="signed_ballots"')[1].split("</div>")[0]
    assert "Nguyễn Thu Hà, Phạm Quốc Bảo" in box
    assert "Hãy cấp khóa cho họ hoặc không yêu cầu phiếu có chữ ký số" in box
    with app.app_context():
        assert db.session.scalars(db.select(Poll)).all() == []
