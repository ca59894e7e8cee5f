"""The audit page shows every line but hides the details of an object the administrator may
not see. Documents have no redaction rule: the title of a confidential (mật) document --
uploaded for a confidential agenda item, which the administrator cannot read -- is shown
in full in its ``document.upload`` line (and in ``poll.attach_document``)."""

from tests.decisions.conftest import (  # noqa: F401 - fixtures
    _converters_stop_at_the_end,
    _jobs_finish_within_the_test,
    closed_named_vote,
    fake_signing,
    people,
)
from tests.docs.confidential_helpers import attach, upload_pdf
from tests.meetings.conftest import api, cabinet, session_open  # noqa: F401 - fixtures

TITLE = "Phương án bổ nhiệm Thứ trưởng Bộ Nội vụ"


def test_admin_reads_a_confidential_documents_title(client, cabinet, api, make_user,  # noqa: F811
                                                     auth):
    cab = cabinet
    document = upload_pdf(client, cab, who="secretariat", classification="confidential",
                          title=TITLE)
    assert attach(api, cab, cab.confidential_item, document)[0] == 201
    admin = make_user("admin")
    assert auth.login(admin).status_code == 302
    assert client.get(f"/documents/{document}").status_code == 404
    page = client.get("/admin/audit?action=document.upload")
    assert page.status_code == 200
    assert TITLE not in page.text, "the confidential document's title is on the audit page"


def test_admin_reads_a_confidential_votes_decision_summary(
        client, people, session_open, api, make_user, auth):  # noqa: F811
    """A decision drafted from a vote on a confidential item: its ``decision.draft`` line is
    redacted for an administrator (tests/decisions), but the draft's .docx is uploaded as a
    Document titled "<kind>: <summary>", and that ``document.upload`` line shows it."""
    cab = session_open
    vote_id = closed_named_vote(api, cab, cab.confidential_item, "Bổ nhiệm ông X?")
    summary = "Về việc bổ nhiệm ông Nguyễn Văn X giữ chức Thứ trưởng"
    response = client.post("/api/v1/decisions", json={
        "kind": "quyet_dinh", "summary": summary, "signer_id": people.signer.id,
        "vote_id": vote_id}, headers=cab.headers("secretariat"))
    assert response.status_code == 201, response.get_json()
    assert auth.login(make_user("admin")).status_code == 302
    page = client.get("/admin/audit")
    assert page.status_code == 200
    lines = [line for line in page.text.split("<tr") if summary in line]
    actions = [a for a in ("decision.draft", "document.upload") if any(a in line for line in lines)]
    assert actions == [], f"the summary is shown on the audit page in: {actions}"
