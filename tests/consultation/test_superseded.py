"""A new version uploaded while reviewers comment on an earlier one (issue 9, point 11): the
drafting side keeps the round on the earlier version, or moves it to the new one; either way
the reviewers are told which version they are reviewing and that a newer one exists — in the
app (the dashboard, the round's page, the API) and by e-mail when a mail server is configured.
"""

from __future__ import annotations

from tests.conftest import csrf_from
from tests.consultation.conftest import draft_docx
from tests.consultation.test_api import actions
from tests.consultation.test_pages import signed_in
from tests.docs.conftest import new_version


def _upload_v2(client, cast, draft):
    status, version = new_version(client, cast.headers("drafter"), draft.document_id,
                                  draft_docx(after="Điều 3. Hiệu lực từ ngày ký."),
                                  filename="du-thao-2.docx")
    assert status == 201 and version["number"] == 2, version


def _choose(app, cast, draft, choice: str):
    drafter = signed_in(app, cast.users["drafter"])
    url = f"/consultation/documents/{draft.document_id}/superseded"
    question = drafter.get(url)
    assert question.status_code == 200
    done = drafter.post(url, data={"csrf_token": csrf_from(question.text),
                                   "round_id": draft.round_id, "choice": choice},
                        follow_redirects=True)
    assert done.status_code == 200
    return done


def _audited(app, action: str) -> list[dict]:
    return [details for name, details in actions(app) if name == action]


def test_keeping_the_round_on_v1_tells_the_reviewers(app, client, call, cast, draft):
    _upload_v2(client, cast, draft)
    _choose(app, cast, draft, "keep")
    # Recorded: the drafting side's choice is a decision about the round.
    kept, = _audited(app, "consultation.keep")
    assert kept["version"] == 1 and kept["newer_version"] == 2
    reviewer = signed_in(app, cast.users["r1"])
    # The dashboard says which version, and that a newer one exists.
    home = reviewer.get("/").text
    entry = home.split(f'/consultation/rounds/{draft.round_id}"')[1].split("</li>")[0]
    assert "phiên bản 1" in entry and "phiên bản 2" in entry, entry
    # So does the round's page, where the comments are written.
    page = reviewer.get(f"/consultation/rounds/{draft.round_id}").text
    notice = page.split('id="newer-version"')[1].split("</p>")[0]
    assert "phiên bản 1" in notice and "phiên bản 2" in notice, notice
    # And the API, for the tablets' own client.
    status, round_ = call(cast, "r2", "GET", f"/api/v1/consultation-rounds/{draft.round_id}")
    assert status == 200 and round_["version"] == 1 and round_["newer_version"] == 2
    # Still open on v1: the reviewers go on commenting until the deadline.
    assert round_["state"] == "open" and round_["accepting_comments"]


def test_a_round_on_the_latest_version_says_nothing_of_a_newer_one(app, call, cast, draft):
    page = signed_in(app, cast.users["r1"]).get(f"/consultation/rounds/{draft.round_id}").text
    assert 'id="newer-version"' not in page
    status, round_ = call(cast, "r1", "GET", f"/api/v1/consultation-rounds/{draft.round_id}")
    assert round_["newer_version"] is None


def test_keeping_through_the_api(app, client, call, cast, draft):
    keep = f"/api/v1/consultation-rounds/{draft.round_id}/keep"
    status, error = call(cast, "drafter", "POST", keep, {})
    assert status == 409 and error["error"]["code"] == "already_latest_version"
    _upload_v2(client, cast, draft)
    assert call(cast, "r1", "POST", keep, {})[0] == 403
    status, round_ = call(cast, "drafter", "POST", keep, {})
    assert status == 200 and round_["state"] == "open" and round_["newer_version"] == 2
    # Sent twice (a double tap): told and recorded once.
    assert call(cast, "drafter", "POST", keep, {})[0] == 200
    assert len(_audited(app, "consultation.keep")) == 1
