"""Distribution (issue 9, point 18): one list of recipients drives the printed Nơi nhận and who
reads the issued decision; on issue every recipient's people are told (the dashboard, e-mail
when configured); the first opening per recipient is kept once; the clerk and the secretariat
see delivered / opened per recipient, nobody else does."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest
from docx import Document as Docx
from sqlalchemy import func, select

from ecabinet import storage
from ecabinet.audit.models import AuditEntry
from ecabinet.database import unit_of_work
from ecabinet.decisions import access, distribution, drafting, layout, workflow
from ecabinet.decisions.models import Decision, DecisionRecipient, DecisionState
from ecabinet.extensions import db
from ecabinet.identity.models import Organisation, User
from tests.decisions.conftest import PIN, code_for, headers

BLOCK = "- Như Điều 3;\n- Bộ Tư pháp (để thực hiện);\n- Thủ tướng, các Phó Thủ tướng;\n" \
        "- Lưu: VT, TCCV."


@pytest.fixture
def more(people, make_user, token_for):
    """A second person of the Ministry of Justice, and a ministry not on the list."""
    colleague = make_user("member", name="Đỗ Minh Châu", organisation="BTP")
    finance = make_user("member", name="Hoàng Văn Tài", organisation="Bộ Tài chính")
    people.tokens.update(colleague=token_for(colleague), finance=token_for(finance))
    return {"colleague": colleague, "finance": finance}


def _org(code_or_name: str) -> Organisation:
    return db.session.scalar(select(Organisation).where(
        (Organisation.code == code_or_name) | (Organisation.name == code_or_name)))


def _decision(people, *, text=BLOCK, organisations=(), state=DecisionState.ISSUED,
              pdf: bytes | None = None) -> Decision:
    """A decision row (no rendering: these tests are about the list, not the PDF)."""
    decision = Decision(
        kind="quyet_dinh", summary="Về việc phê duyệt Đề án chuyển đổi số", body="Điều 1.",
        state=state.value, issuer_id=people.issuer_id, authority="THỦ TƯỚNG",
        signer_id=people.signer.id, created_by_id=people.secretariat.id,
        pdf_sha256=storage.put(pdf) if pdf else None)
    if state == DecisionState.ISSUED:
        decision.year, decision.number, decision.symbol = 2026, 7, "07/QĐ-TTg"
        decision.issued_at, decision.issued_by_id = datetime.now(UTC), people.clerk.id
    decision.recipients = distribution.build(text, [_org(o).id for o in organisations])
    db.session.add(decision)
    db.session.flush()
    return decision


def _printed(decision: Decision) -> list[str]:
    """The Nơi nhận lines of the generated .docx, as a reader of the paper sees them."""
    docx = layout.render(drafting.draft_of(decision, decision.issuer, decision.signer))
    lines = []
    for table in Docx(io.BytesIO(docx)).tables:
        for paragraph in table.cell(0, 0).paragraphs:
            lines.append(paragraph.text)
    return lines[lines.index("Nơi nhận:") + 1:] if "Nơi nhận:" in lines else lines


def _reads(user_id: int, decision: Decision) -> tuple[bool, bool]:
    """The Python rule and its SQL twin, side by side."""
    user = db.session.get(User, user_id)
    return access.can_read(user, decision), decision.id in [d.id for d in access.list_for(user)]


def test_the_printed_block_and_the_readers_are_one_list(app, people, more):
    with app.app_context(), unit_of_work():
        decision = _decision(people)
        # A typed line naming an organisation of the directory is a recipient: printed, reads.
        assert decision.recipient_lines == ["Như Điều 3", "Bộ Tư pháp (để thực hiện)",
                                            "Thủ tướng, các Phó Thủ tướng", "Lưu: VT, TCCV"]
        assert [r.organisation_id for r in decision.addressees] == [_org("BTP").id]
        assert _printed(decision) == ["- Như Điều 3;", "- Bộ Tư pháp (để thực hiện);",
                                      "- Thủ tướng, các Phó Thủ tướng;", "- Lưu: VT, TCCV."]
        assert _reads(people.member.id, decision) == (True, True)
        # An organisation not on the list cannot read it, in Python or in SQL.
        assert _reads(more["finance"].id, decision) == (False, False)

        # Add a recipient: the printed block and the readers change together.
        distribution.replace(decision, distribution.build(BLOCK, [_org("Bộ Tài chính").id]))
        db.session.flush()
        assert "- Bộ Tài chính;" in _printed(decision)
        assert _reads(more["finance"].id, decision) == (True, True)
        # Take the ministry's line out: it neither prints nor reads.
        distribution.replace(decision, distribution.build("Như Điều 3",
                                                          [_org("Bộ Tài chính").id]))
        db.session.flush()
        assert not any("Bộ Tư pháp" in line for line in _printed(decision))
        assert _reads(people.member.id, decision) == (False, False)
        assert _printed(decision)[-1] == "- Lưu: VT."  # the archive line, always last


def test_a_line_naming_nobody_grants_nothing(app, people, more):
    with app.app_context(), unit_of_work():
        decision = _decision(people, text="Như Điều 3\nCác Bộ, cơ quan ngang bộ\nLưu: VT")
        assert decision.addressees == []
        for user_id in (people.member.id, more["finance"].id, people.outsider.id):
            assert _reads(user_id, decision) == (False, False)


def test_a_draft_correction_changes_the_list_before_issue(app, people, more):
    """Revising the recipients of a draft rebuilds the one list (what is left out stays)."""
    with app.app_context(), unit_of_work():
        decision = _decision(people, state=DecisionState.DRAFT, text="Như Điều 3\nLưu: VT",
                             organisations=["Bộ Tài chính"])
        changed = drafting._apply_revision(decision, {
            "recipients": "Như Điều 3\nBộ Tư pháp (để thực hiện)\nLưu: VT, KSTT"})
        assert changed == ["recipients"]
        assert decision.recipient_lines == ["Như Điều 3", "Bộ Tư pháp (để thực hiện)",
                                            "Bộ Tài chính", "Lưu: VT, KSTT"]
        # Left out, the text stays; the chosen organisations keep their lines as printed.
        assert drafting._apply_revision(decision, {
            "recipient_organisation_ids": [_org("BTP").id]}) == ["recipients"]
        assert decision.recipient_lines == ["Như Điều 3", "Bộ Tư pháp (để thực hiện)",
                                            "Lưu: VT, KSTT"]
        assert drafting._apply_revision(decision, {"recipient_organisation_ids": []}) == [
            "recipients"]
        assert decision.recipient_lines == ["Như Điều 3", "Lưu: VT, KSTT"]


def _sign_and_issue(app, people, decision_id: int) -> None:
    """Through the services, as the pages and the API call them."""
    signer_code = code_for(app, people.signer)
    with app.app_context(), unit_of_work():
        workflow.sign(db.session.get(User, people.signer.id),
                      db.session.get(Decision, decision_id), pin=PIN, otp=signer_code)
    clerk_code = code_for(app, people.clerk)
    with app.app_context(), unit_of_work():
        workflow.issue(db.session.get(User, people.clerk.id),
                       db.session.get(Decision, decision_id), pin=PIN, otp=clerk_code)


def _received(app, user_id: int):
    from ecabinet.dashboard.sections import sections_for

    with app.test_request_context(), app.app_context():
        sections = {s.key: s for s in sections_for(db.session.get(User, user_id))}
        return sections["received"].items


def test_issue_tells_the_recipients_and_the_first_opening_is_kept_once(
        app, client, people, more, drafted, fake_signing):
    decision_id = drafted(recipients=BLOCK)["id"]
    assert _received(app, people.member.id) == []
    _sign_and_issue(app, people, decision_id)

    with app.app_context():
        decision = db.session.get(Decision, decision_id)
        (recipient,) = decision.addressees
        assert recipient.delivered_at is not None and recipient.first_opened_at is None
        assert all(r.delivered_at is None for r in decision.recipients if not r.is_addressee)
        entry = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "decision.delivered"))
        details = json.loads(entry.details)
        assert [r["recipient_id"] for r in details["recipients"]] == [recipient.id]
        assert details["recipients"][0]["people"] == 2
    # The notice is on the dashboard of every person of the ministry, and nobody else's.
    for user_id in (people.member.id, more["colleague"].id):
        (item,) = _received(app, user_id)
        assert item.url == f"/decisions/{decision_id}" and item.badge
        assert "01/QĐ-TTg" in item.title
    assert _received(app, more["finance"].id) == []
    assert _received(app, people.outsider.id) == []

    # The first of them to open the PDF is kept; the colleague's later page view is not.
    assert client.get(f"/api/v1/decisions/{decision_id}/pdf",
                      headers=headers(people, "member")).status_code == 200
    assert client.get(f"/api/v1/decisions/{decision_id}/pdf",
                      headers=headers(people, "colleague")).status_code == 200
    with app.app_context():
        recipient = db.session.get(Decision, decision_id).addressees[0]
        assert recipient.first_opened_by_id == people.member.id
        first = recipient.first_opened_at
        assert db.session.scalar(select(func.count(AuditEntry.id)).where(
            AuditEntry.action == "decision.opened")) == 1
    assert client.get(f"/api/v1/decisions/{decision_id}/pdf",
                      headers=headers(people, "member")).status_code == 200
    with app.app_context():
        assert db.session.get(Decision, decision_id).addressees[0].first_opened_at == first
    (item,) = _received(app, more["colleague"].id)
    assert not item.badge  # opened by the ministry: no longer new


def test_opening_the_page_counts_and_a_later_view_writes_nothing(app, people, more, auth,
                                                                   client):
    with app.app_context(), unit_of_work():
        decision_id = _decision(people).id
    auth.login(more["colleague"])
    assert client.get(f"/decisions/{decision_id}").status_code == 200
    with app.app_context():
        recipient = db.session.get(Decision, decision_id).addressees[0]
        assert recipient.first_opened_by_id == more["colleague"].id
        # A second opening by anyone of the ministry finds nothing to record.
        assert distribution.unopened_for(db.session.get(User, people.member.id),
                                         db.session.get(Decision, decision_id)) == []
        # Only for what was issued: a draft's readers are the people handling it.
        assert distribution.unopened_for(
            db.session.get(User, people.member.id),
            _decision(people, state=DecisionState.DRAFT)) == []
        db.session.rollback()


def test_mail_to_every_person_when_smtp_is_configured(app, people, more, monkeypatch):
    from ecabinet.extensions import socketio
    from ecabinet.notify import mail

    sent = []
    monkeypatch.setitem(app.config, "SMTP_URL", "smtp://127.0.0.1:1")
    monkeypatch.setattr(mail, "deliver", lambda _app, mails: sent.extend(mails))
    monkeypatch.setattr(socketio, "start_background_task", lambda fn, *args: fn(*args))
    with app.app_context():
        with unit_of_work():
            decision = _decision(people, organisations=["Bộ Tài chính"])
            distribution.deliver(db.session.get(User, people.clerk.id), decision,
                                 datetime.now(UTC))
        assert {m.to for m in sent} == {people.member.email, more["colleague"].email,
                                        more["finance"].email}
        assert all("07/QĐ-TTg" in m.subject and f"/decisions/{decision.id}" in m.text
                   for m in sent)


def test_the_clerk_sees_delivery_per_recipient_and_recipients_do_not(app, client, people,
                                                                       more, auth):
    with app.app_context(), unit_of_work():
        decision = _decision(people, organisations=["Bộ Tài chính"])
        distribution.deliver(db.session.get(User, people.clerk.id), decision,
                             datetime.now(UTC))
        distribution.record_opening(db.session.get(User, people.member.id), decision)
        decision_id = decision.id
    url = f"/api/v1/decisions/{decision_id}/recipients"
    for who in ("clerk", "secretariat"):
        response = client.get(url, headers=headers(people, who))
        assert response.status_code == 200, response.get_json()
        justice, finance = response.get_json()
        assert justice["label"] == "Bộ Tư pháp (để thực hiện)" and justice["people"] == 2
        assert justice["delivered_at"] and justice["first_opened_at"]
        assert justice["first_opened_by"] == {"id": people.member.id, "name": "Phạm Quốc Bảo"}
        assert finance["label"] == "Bộ Tài chính" and finance["first_opened_at"] is None
    # A recipient reads the decision, not the other organisations' reading; others not at all.
    for who in ("member", "finance", "colleague"):
        assert client.get(url, headers=headers(people, who)).status_code == 403
    assert client.get(url, headers=headers(people, "outsider")).status_code == 404

    # The pages: the clerk's shows the table, a recipient's only the printed lines.
    auth.login(people.clerk)
    page = client.get(f"/decisions/{decision_id}").text
    assert 'class="dec-recipients"' in page and "Phạm Quốc Bảo" in page
    auth.logout()
    auth.login(more["finance"])
    page = client.get(f"/decisions/{decision_id}").text
    assert 'class="dec-recipients"' not in page and "Phạm Quốc Bảo" not in page
    assert "Bộ Tư pháp (để thực hiện)" in page


def test_an_organisation_typed_and_chosen_is_one_recipient(app, people):
    """The same organisation typed and chosen is one recipient, in one line."""
    with app.app_context(), unit_of_work():
        decision = _decision(people, text="Bộ Tư pháp\nbộ  tư pháp", organisations=["BTP"])
        assert decision.recipient_lines == ["Bộ Tư pháp", "Lưu: VT"]
        assert db.session.scalar(select(func.count(DecisionRecipient.id)).where(
            DecisionRecipient.decision_id == decision.id)) == 2


def test_the_drafting_pages_choose_the_recipients(app, client, people, auth):
    """The form's organisations and its text lines make the one list; correcting the draft
    shows the chosen ones checked and the text lines alone."""
    from tests.fixtures.users import csrf_from

    with app.app_context():
        justice = _org("BTP").id
    auth.login(people.secretariat)
    form = client.get("/decisions/new")
    assert form.status_code == 200 and f'name="recipient_orgs" value="{justice}"' in form.text
    response = client.post("/decisions/new", data={
        "kind": "quyet_dinh", "summary": "Về việc thử", "body": "Điều 1. Thử.",
        "signer_id": people.signer.id, "authority": "THỦ TƯỚNG", "recipients": "Như Điều 3",
        "recipient_orgs": [str(justice)], "csrf_token": csrf_from(form.text)})
    assert response.status_code == 302, response.text
    decision_id = int(response.headers["Location"].rsplit("/", 1)[-1])
    with app.app_context():
        decision = db.session.get(Decision, decision_id)
        assert decision.recipient_lines == ["Như Điều 3", "Bộ Tư pháp", "Lưu: VT"]
    edit = client.get(f"/decisions/{decision_id}/edit").text
    assert f'value="{justice}" checked' in edit
    assert ">Như Điều 3\nLưu: VT</textarea>" in edit
