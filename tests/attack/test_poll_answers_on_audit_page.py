"""A written poll's answers are the member's own until it closes; the chair and the
secretariat read all (README, Security). The audit page shows an administrator -- who is
neither -- every member's answer (``poll.respond`` details {"answer": ...}, with the actor's
name) while the poll is still open. Polls have no redaction rule (ecabinet/audit/redaction)."""

import re

from tests.conftest import bearer
from tests.polls.test_answer_privacy import _send, people  # noqa: F401


def test_admin_reads_open_poll_answers_on_the_audit_page(client, people, make_user, auth):  # noqa: F811
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
