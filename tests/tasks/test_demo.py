"""The demo's follow-up: last month's tasks in every standing, this month's notice ready to be
turned into tasks, with one date the screen must flag."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from ecabinet.database import unit_of_work
from ecabinet.decisions.models import Decision
from ecabinet.extensions import db
from ecabinet.identity.models import Organisation
from ecabinet.tasks import intake
from ecabinet.tasks.demo import CURRENT, ensure_demo_tasks
from ecabinet.tasks.figures import standing
from ecabinet.tasks.models import Task

LIAISONS = {"Bộ Tài chính": "daumoi.taichinh@ecabinet.gov.vn",
            "Bộ Tư pháp": "daumoi.tuphap@ecabinet.gov.vn",
            "Bộ Kế hoạch và Đầu tư": "daumoi.khdt@ecabinet.gov.vn"}


@pytest.fixture
def demo(app, make_user):
    make_user("secretariat", email="thuky@ecabinet.gov.vn", organisation="Văn phòng Chính phủ")
    make_user("member", "signer", email="thutuong@ecabinet.gov.vn", name="Trần Minh Quang",
              title="Thủ tướng Chính phủ", organisation="Thủ tướng Chính phủ")
    make_user("member", organisation="Bộ Nội vụ")
    make_user("member", organisation="Ủy ban nhân dân thành phố Hà Nội")
    for organisation, email in LIAISONS.items():
        make_user("liaison", email=email, organisation=organisation)
    with app.app_context(), unit_of_work():
        for name, code in (("Văn phòng Chính phủ", "VPCP"), ("Thủ tướng Chính phủ", "TTg")):
            db.session.scalar(select(Organisation).where(Organisation.name == name)).code = code

    def seed():
        with app.app_context(), unit_of_work():
            return ensure_demo_tasks("thuky@ecabinet.gov.vn", "thutuong@ecabinet.gov.vn",
                                     LIAISONS)
    return seed


def test_the_demo_has_tasks_in_every_standing_and_a_notice_to_assign(app, demo):
    assert demo() and demo() == []  # idempotent
    with app.app_context():
        tasks = list(db.session.scalars(select(Task)))
        assert Counter(standing(t).value for t in tasks) == {
            "on_time": 3, "late": 1, "done_on_time": 1, "done_late": 1}
        assert Counter(t.status for t in tasks)["submitted"] == 1
        notice = db.session.scalar(select(Decision).where(Decision.summary == CURRENT))
        with app.test_request_context():
            rows = intake.read(notice.body)
    assert len(rows) == 5
    assert [row.problems for row in rows] == [[], [], [], [], ["year_missing"]]
    assert rows[3].ongoing and rows[0].coordinator_ids
