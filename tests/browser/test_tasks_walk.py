"""Following up the Government's tasks, as its users walk it (issue 12): the secretariat turns
the demo's conclusions notice into tasks on a tablet, correcting the date the screen flags; two
ministries' liaisons report, one task done in time and one late; the secretariat confirms them
and its dashboard (768 px and desktop) and PDF report show it. Screenshots in
/tmp/shots/tasks/."""

from __future__ import annotations

import io
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfWriter
from sqlalchemy import select

from ecabinet.database import unit_of_work
from ecabinet.decisions.models import Decision
from ecabinet.extensions import db
from ecabinet.identity.models import Organisation
from ecabinet.tasks.demo import CURRENT, ensure_demo_tasks
from ecabinet.tasks.figures import today
from ecabinet.tasks.models import Task
from tests.browser.test_meeting_room import sign_in
from tests.docs.conftest import _jobs_finish_within_the_test  # noqa: F401 - autouse

pytestmark = pytest.mark.browser

SHOTS = Path(tempfile.gettempdir()) / "shots" / "tasks"
DESKTOP = {"width": 1366, "height": 900}
LIAISONS = {"Bộ Tài chính": "daumoi.taichinh@ecabinet.gov.vn",
            "Bộ Tư pháp": "daumoi.tuphap@ecabinet.gov.vn",
            "Bộ Kế hoạch và Đầu tư": "daumoi.khdt@ecabinet.gov.vn"}


@pytest.fixture
def government(app, make_user):
    users = {
        "secretariat": make_user("secretariat", email="thuky@ecabinet.gov.vn",
                                 name="Vũ Thị Lan", organisation="Văn phòng Chính phủ"),
        "pm": make_user("member", "signer", email="thutuong@ecabinet.gov.vn",
                        name="Trần Minh Quang", title="Thủ tướng Chính phủ",
                        organisation="Thủ tướng Chính phủ"),
    }
    make_user("member", organisation="Bộ Nội vụ")
    make_user("member", organisation="Ủy ban nhân dân thành phố Hà Nội")
    for (organisation, email), name in zip(LIAISONS.items(), ("Lê Văn Tài", "Trần Thị Mai",
                                                               "Ngô Minh Đức"), strict=True):
        users[email.split("@")[0]] = make_user("liaison", email=email, name=name,
                                               organisation=organisation)
    with app.app_context(), unit_of_work():
        for name, code in (("Văn phòng Chính phủ", "VPCP"), ("Thủ tướng Chính phủ", "TTg")):
            db.session.scalar(select(Organisation).where(Organisation.name == name)).code = code
        ensure_demo_tasks("thuky@ecabinet.gov.vn", "thutuong@ecabinet.gov.vn", LIAISONS)
        notice_id = db.session.scalar(select(Decision.id).where(Decision.summary == CURRENT))
    return users, notice_id


def _pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _task_id(app, title_start: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Task.id).where(Task.title.startswith(title_start)))


def test_the_follow_up_walk(app, government, tablet, live_server, browser):
    users, notice_id = government
    for old in SHOTS.glob("*.png") if SHOTS.exists() else []:
        old.unlink()

    # 1. The secretariat turns the notice into tasks, on a tablet.
    sec = tablet()
    sign_in(sec, live_server, users["secretariat"])
    sec.goto(live_server(f"/tasks/new?source_id={notice_id}"))
    expect(sec.locator("#text")).to_contain_text("Giao Bộ Tài chính chủ trì")
    sec.get_by_role("button", name="Đọc các dòng").click()
    rows = sec.locator("fieldset.task-row")
    expect(rows).to_have_count(5)
    flagged = sec.locator("#row-4")
    expect(flagged.locator(".task-problem")).to_contain_text("chưa có năm")
    expect(sec.locator("#row-0-lead")).to_have_value(str(_org(app, "Bộ Tài chính")))
    _shot(sec, "01-assign-read-768")
    corrected = today() + timedelta(days=40)
    flagged.locator("input[type=date]").fill(corrected.isoformat())
    sec.get_by_role("button", name="Giao các nhiệm vụ đã chọn").click()
    sec.wait_for_url("**/tasks/dashboard**")
    expect(sec.locator(".flash-success")).to_contain_text("Đã giao 5 nhiệm vụ")
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Task.id))
                                 .where(Task.decision_id == notice_id)) == 5

    # 2. The Ministry of Finance's liaison reports the new task done, with its product.
    btc = tablet()
    sign_in(btc, live_server, users["daumoi.taichinh"])
    btc.goto(live_server("/tasks"))
    expect(btc.locator(".task-card")).to_have_count(3)  # two of last month's and the new one
    new_id = _task_id(app, "Giao Bộ Tài chính chủ trì")
    btc.goto(live_server(f"/tasks/{new_id}"))
    _shot(btc, "02-liaison-task-768")
    form = btc.locator("#done-form")
    form.locator("textarea[name=note]").fill("Đã trình Chính phủ dự thảo Nghị định.")
    form.locator("input[type=file]").set_input_files(
        files=[{"name": "du-thao-nghi-dinh.pdf", "mimeType": "application/pdf",
                "buffer": _pdf()}])
    form.get_by_role("button", name="Báo cáo hoàn thành").click()
    expect(btc.locator(".flash-success")).to_contain_text("Đã báo cáo hoàn thành")
    expect(btc.locator(".task-history")).to_contain_text("Báo cáo hoàn thành")

    # 3. The Ministry of Justice's liaison reports its overdue task done: late.
    btp = tablet()
    sign_in(btp, live_server, users["daumoi.tuphap"])
    late_id = _task_id(app, "Rà soát các văn bản")
    btp.goto(live_server(f"/tasks/{late_id}"))
    expect(btp.locator(".task-standing")).to_have_text("Quá hạn")
    btp.locator("#done-form textarea[name=note]").fill("Đã hoàn thành rà soát.")
    btp.locator("#done-form").get_by_role("button", name="Báo cáo hoàn thành").click()
    expect(btp.locator(".flash-success")).to_be_visible()

    # 4. The secretariat confirms both; its open dashboard follows.
    sec.goto(live_server("/tasks/dashboard"))
    done_before = int(sec.locator(".total-done_late strong").inner_text())
    for task_id in (new_id, late_id):
        confirm = tablet()
        sign_in(confirm, live_server, users["secretariat"])
        confirm.goto(live_server(f"/tasks/{task_id}"))
        confirm.get_by_role("button", name="Xác nhận hoàn thành").click()
        expect(confirm.locator(".flash-success")).to_contain_text("Đã xác nhận hoàn thành")
    # the open dashboard heard tasks.changed and fetched its figures again
    expect(sec.locator("#figures-updated")).to_be_visible(timeout=15_000)
    expect(sec.locator(".total-done_late strong")).to_have_text(str(done_before + 1))
    expect(sec.locator(".total-late strong")).to_have_text("0")
    _shot(sec, "03-dashboard-768")
    report = sec.request.get(live_server("/tasks/report.pdf"))
    assert report.ok and report.headers["content-type"] == "application/pdf"

    desktop = browser.new_context(viewport=DESKTOP, locale="vi-VN",
                                  timezone_id="Asia/Ho_Chi_Minh")
    try:
        page = desktop.new_page()
        sign_in(page, live_server, users["secretariat"])
        page.goto(live_server("/tasks/dashboard"))
        expect(page.locator(".chart svg")).to_have_count(2)
        _shot(page, "04-dashboard-desktop")
        page.goto(live_server(f"/tasks/new?source_id={notice_id}"))
        page.get_by_role("button", name="Đọc các dòng").click()
        _shot(page, "05-assign-read-desktop")
    finally:
        desktop.close()


def _org(app, name: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Organisation.id).where(Organisation.name == name))
