"""Attacks on the one list of recipients (Nơi nhận): making oneself a recipient, reading or
forging another organisation's delivery record, markup in a line, malformed lists; and the
audit of who was given the right to read."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from ecabinet.audit.models import AuditEntry
from ecabinet.database import unit_of_work
from ecabinet.decisions import distribution
from ecabinet.decisions.models import DecisionRecipient, DecisionState
from ecabinet.extensions import db
from ecabinet.identity.models import User
from tests.decisions.conftest import headers
from tests.decisions.test_distribution import _decision, _org, more  # noqa: F401 - fixture


def _patch(client, people, decision_id, who="secretariat", **changes):
    return client.patch(f"/api/v1/decisions/{decision_id}", json=changes,
                        headers=headers(people, who))


def _rows(app, decision_id) -> list[tuple]:
    with app.app_context():
        return [(r.label, r.organisation_id, r.user_id, r.first_opened_at is not None)
                for r in db.session.scalars(select(DecisionRecipient).where(
                    DecisionRecipient.decision_id == decision_id)
                    .order_by(DecisionRecipient.position))]


def _issued(app, people, **kwargs) -> int:
    with app.app_context(), unit_of_work():
        decision = _decision(people, **kwargs)
        distribution.deliver(db.session.get(User, people.clerk.id), decision, datetime.now(UTC))
        return decision.id


# --- making oneself a recipient -------------------------------------------------------------------

def test_only_the_secretariat_names_recipients_of_a_draft(app, client, people, drafted,
                                                          fake_signing):
    did = drafted()["id"]
    before = _rows(app, did)
    with app.app_context():
        own = {who: db.session.get(User, getattr(people, who).id).organisation_id
               for who in ("member", "signer", "clerk")}
    for who in ("member", "signer", "clerk"):
        answer = _patch(client, people, did, who=who, recipient_organisation_ids=[own[who]],
                        recipient_user_ids=[getattr(people, who).id])
        assert answer.status_code in (403, 404), who
    assert _patch(client, people, did, who="outsider",
                  recipient_user_ids=[people.outsider.id]).status_code == 404
    assert _rows(app, did) == before


def test_after_issue_the_list_is_what_was_delivered(app, client, people, more):  # noqa: F811
    did = _issued(app, people, organisations=["BTP"])
    before = _rows(app, did)
    with app.app_context():
        finance = _org("Bộ Tài chính").id
    answer = _patch(client, people, did, recipient_organisation_ids=[finance],
                    recipients="Bộ Tài chính")
    assert answer.status_code == 409 and answer.get_json()["error"]["code"] == "not_a_draft"
    assert _patch(client, people, did, who="finance",
                  recipient_organisation_ids=[finance]).status_code in (403, 404)
    assert _rows(app, did) == before
    assert client.get(f"/api/v1/decisions/{did}", headers=headers(people, "finance")
                      ).status_code == 404


@pytest.mark.parametrize("changes", [
    {"recipient_organisation_ids": [999_999]}, {"recipient_user_ids": [999_999]},
    {"recipient_organisation_ids": "1"}, {"recipient_organisation_ids": [None]},
    {"recipient_organisation_ids": [2 ** 40]}, {"recipient_user_ids": [-1]},
    {"recipients": "x" * 5001}, {"recipients": ["Bộ Tư pháp"]}, {"recipients": 3},
    {"recipients": "\n".join(f"Đơn vị số {n}" for n in range(150))},
    {"recipient_organisation_ids": list(range(1, 20_001))},
])
def test_a_malformed_list_changes_nothing(app, client, people, drafted, fake_signing, changes):
    did = drafted()["id"]
    before = _rows(app, did)
    answer = _patch(client, people, did, **changes)
    assert answer.status_code in (400, 404, 422), (changes, answer.get_json())
    assert _rows(app, did) == before


def test_a_change_of_recipients_audits_who_now_reads_it(app, client, people, drafted,
                                                        fake_signing):
    """Who is given the right to read the issued decision is in the audit trail when the draft
    is corrected, as it is when drafted: not only that "recipients" changed."""
    did = drafted()["id"]
    with app.app_context():
        justice = _org("BTP").id
    assert _patch(client, people, did, recipient_organisation_ids=[justice]
                  ).status_code == 200
    with app.app_context():
        details = json.loads(db.session.scalars(select(AuditEntry.details).where(
            AuditEntry.action == "decision.revise")).one())
    assert "recipients" in details["changed"]
    assert "Bộ Tư pháp" in json.dumps(details, ensure_ascii=False)


# --- the delivery record --------------------------------------------------------------------------

def test_opening_marks_only_ones_own_recipient(app, client, auth, people, more):  # noqa: F811
    """The clerk, the secretariat and the signer read the decision without opening it for an
    organisation they are not of; a person of the Ministry of Finance opens it for the Ministry
    of Finance, never for the Ministry of Justice."""
    did = _issued(app, people, organisations=["BTP", "Bộ Tài chính"])
    for who in ("clerk", "secretariat", "signer"):
        assert client.get(f"/api/v1/decisions/{did}", headers=headers(people, who)
                          ).status_code == 200
        auth.login(getattr(people, who))
        assert client.get(f"/decisions/{did}").status_code == 200
        auth.logout()
    assert not any(opened for *_rest, opened in _rows(app, did))
    assert client.get(f"/decisions/{did}", headers=headers(people, "outsider")).status_code in (
        302, 401, 404)
    auth.login(more["finance"])
    assert client.get(f"/decisions/{did}").status_code == 200
    rows = {label: opened for label, *_ids, opened in _rows(app, did)}
    assert rows["Bộ Tài chính"] is True and rows["Bộ Tư pháp (để thực hiện)"] is False
    with app.app_context():
        opened = db.session.scalars(select(AuditEntry.details).where(
            AuditEntry.action == "decision.opened")).all()
    assert len(opened) == 1 and "Bộ Tài chính" in opened[0]


def test_a_draft_is_not_opened_by_its_future_recipients(app, client, auth, people):
    with app.app_context(), unit_of_work():
        did = _decision(people, organisations=["BTP"], state=DecisionState.DRAFT).id
    auth.login(people.member)
    assert client.get(f"/decisions/{did}").status_code == 404
    assert client.get(f"/api/v1/decisions/{did}/pdf", headers=headers(people, "member")
                      ).status_code == 404
    assert not any(opened for *_rest, opened in _rows(app, did))


@pytest.mark.parametrize("who, status", [("member", 403), ("signer", 403), ("outsider", 404)])
def test_the_delivery_record_is_the_distributors(app, client, people, who, status):
    did = _issued(app, people, organisations=["BTP"])
    assert client.get(f"/api/v1/decisions/{did}/recipients",
                      headers=headers(people, who)).status_code == status


def test_another_organisations_notice_is_not_on_my_dashboard(app, client, auth, people,
                                                             more):  # noqa: F811
    _issued(app, people, organisations=["BTP"])
    for user in (more["finance"], people.outsider):
        auth.login(user)
        page = client.get("/").text
        assert "07/QĐ-TTg" not in page
        auth.logout()
    auth.login(people.member)
    assert "07/QĐ-TTg" in client.get("/").text


def test_a_recipient_line_is_text_not_markup(app, client, auth, people, more):  # noqa: F811
    evil = '<img src=x onerror=alert(1)>'
    with app.app_context(), unit_of_work():
        decision = _decision(people, text=f"Như Điều 3\n{evil}\nLưu: VT",
                             organisations=["BTP"])
        decision.summary = "Về việc <script>alert(2)</script>"
        distribution.deliver(db.session.get(User, people.clerk.id), decision, datetime.now(UTC))
        did = decision.id
    for user in (people.clerk, people.member):
        auth.login(user)
        for url in (f"/decisions/{did}", "/"):
            page = client.get(url).text
            assert "<img src=x" not in page and "<script>alert(2)" not in page, url
        auth.logout()
    body = client.get(f"/api/v1/decisions/{did}", headers=headers(people, "clerk")).get_json()
    assert evil in body["recipients"]  # kept as typed: escaped where shown
