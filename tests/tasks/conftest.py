"""A small government for the follow-up: three ministries, the secretariat, a member, the
ministries' liaisons and a clerk; a published meeting with a normal and a confidential item, a
closed vote on each, a conclusions notice and a decision drafted from the confidential vote
(sent to the Ministry of Finance only). The calendar is fixed (1 March 2027)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from ecabinet.database import unit_of_work
from ecabinet.decisions.models import Decision, DecisionRecipient, DecisionState
from ecabinet.extensions import db
from ecabinet.i18n import VIETNAM
from ecabinet.identity.models import Organisation
from ecabinet.meetings.models import AgendaItem, ItemInvitee, Meeting, Participant, Vote
from ecabinet.tasks import figures

TODAY = date(2027, 3, 1)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(figures, "clock", lambda: datetime(2027, 3, 1, 9, 0, tzinfo=VIETNAM))
    return TODAY


@dataclass
class World:
    users: dict
    orgs: dict  # "btc", "btp", "bkh" -> id
    meeting_id: int
    items: dict  # "open", "secret" -> id
    votes: dict
    notice_id: int
    secret_decision_id: int


@pytest.fixture
def world(app, make_user) -> World:
    users = {
        "secretariat": make_user("secretariat", name="Vũ Thị Lan"),
        "member": make_user("member", name="Phạm Quốc Bảo"),
        "invited": make_user("member", name="Nguyễn Thu Hà"),
        "btc": make_user("liaison", name="Lê Văn Tài", organisation="Bộ Tài chính"),
        "btp": make_user("liaison", name="Trần Thị Pháp", organisation="Bộ Tư pháp"),
        "btp_clerk": make_user("clerk", name="Đỗ Văn Thư", organisation="Bộ Tư pháp"),
        "bkh": make_user("liaison", name="Hoàng Kế Hoạch",
                         organisation="Bộ Kế hoạch và Đầu tư"),
        "signer": make_user("signer", name="Trần Minh Quang"),
    }
    with app.app_context(), unit_of_work():
        orgs = {key: db.session.scalar(db.select(Organisation.id).where(
            Organisation.name == name)) for key, name in
            (("btc", "Bộ Tài chính"), ("btp", "Bộ Tư pháp"), ("bkh", "Bộ Kế hoạch và Đầu tư"))}
        meeting = Meeting(title="Phiên họp Chính phủ thường kỳ tháng 2", status="closed",
                          starts_at=datetime(2027, 2, 26, 1, 0, tzinfo=UTC))
        db.session.add(meeting)
        db.session.flush()
        for key in ("member", "invited"):
            db.session.add(Participant(meeting_id=meeting.id, user_id=users[key].id,
                                       role="member"))
        items = {"open": AgendaItem(meeting_id=meeting.id, position=1, title="Đề án A"),
                 "secret": AgendaItem(meeting_id=meeting.id, position=2, title="Đề án mật",
                                      confidential=True)}
        db.session.add_all(items.values())
        db.session.flush()
        db.session.add(ItemInvitee(item_id=items["secret"].id, user_id=users["invited"].id))
        votes = {key: Vote(meeting_id=meeting.id, item_id=item.id, question="Thông qua?",
                           rule="majority_of_all", status="closed")
                 for key, item in items.items()}
        db.session.add_all(votes.values())
        db.session.flush()
        common = dict(state=DecisionState.ISSUED.value, issuer_id=orgs["btc"],
                      authority="TL. THỦ TƯỚNG", signer_id=users["signer"].id,
                      created_by_id=users["secretariat"].id, meeting_id=meeting.id)
        notice = Decision(kind="thong_bao_ket_luan", summary="Kết luận phiên họp tháng 2",
                          body="1. Bộ Tài chính chủ trì …", **common)
        secret = Decision(kind="quyet_dinh", summary="Quyết định mật", body="Điều 1.",
                          vote_id=votes["secret"].id, **common)
        secret.recipients = [DecisionRecipient(organisation_id=orgs["btc"], position=1,
                                               label="Bộ Tài chính")]
        db.session.add_all([notice, secret])
        db.session.flush()
        return World(users, orgs, meeting.id, {k: v.id for k, v in items.items()},
                     {k: v.id for k, v in votes.items()}, notice.id, secret.id)


# The demo's notices are drafted documents: their conversion must finish before the test ends.
from tests.docs.conftest import _jobs_finish_within_the_test  # noqa: E402, F401 - autouse
