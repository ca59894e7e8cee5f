"""The pages: an organisation's list and its forms, the assign screen (read, correct, assign
all or nothing), the dashboard, its workbook and its one-page PDF."""

from __future__ import annotations

import io
from datetime import date

from ecabinet.extensions import db
from ecabinet.tasks.models import Task
from tests.conftest import csrf_from
from tests.tasks.helpers import new_task, on_task, task_row

NOTICE = """THÔNG BÁO Kết luận của Thủ tướng Chính phủ
1. Giao Bộ Tài chính chủ trì, phối hợp với Bộ Tư pháp hoàn thiện dự thảo Nghị định về thuế,
trình Chính phủ trước ngày 30 tháng 6 năm 2027.
2. Bộ Tư pháp báo cáo Thủ tướng Chính phủ trước ngày 31 tháng 6 năm 2027.
3. Bộ Kế hoạch và Đầu tư thường xuyên theo dõi, đôn đốc."""


def _tasks(app) -> list[Task]:
    with app.app_context():
        return list(db.session.scalars(db.select(Task).order_by(Task.id)))


def test_the_assign_screen_reads_the_text_and_flags_a_misread_date(client, auth, world, app):
    auth.login(world.users["secretariat"])
    page = client.get(f"/tasks/new?source_id={world.notice_id}")
    assert page.status_code == 200
    read = client.post("/tasks/new", data={
        "csrf_token": csrf_from(page.text), "step": "read", "source_id": world.notice_id,
        "text": NOTICE})
    html = read.text
    assert read.status_code == 200 and 'name="row-2-title"' in html
    assert 'value="2027-06-30"' in html  # line 1's date, read
    # line 2's date (there is no 31 June) is flagged, its field left empty
    assert html.count('class="error task-problem"') == 1
    assert "«ngày 31 tháng 6 năm 2027»" in html
    assert 'id="row-1-deadline" type="date" name="row-1-deadline" value=""' in html
    # Assigning as read: line 2 has no deadline, so nothing at all is assigned
    form = _rows_as_read(app, world, NOTICE)
    refused = client.post("/tasks/new", data={"csrf_token": csrf_from(html), "step": "assign",
                                              "source_id": world.notice_id, **form})
    assert refused.status_code == 422 and _tasks(app) == []
    form["row-1-deadline"] = "2027-06-30"  # corrected by the secretariat
    done = client.post("/tasks/new", data={"csrf_token": csrf_from(html), "step": "assign",
                                           "source_id": world.notice_id, **form})
    assert done.status_code == 302
    tasks = _tasks(app)
    assert [(t.lead_id, t.deadline, t.source_kind, t.decision_id) for t in tasks] == [
        (world.orgs["btc"], date(2027, 6, 30), "notice", world.notice_id),
        (world.orgs["btp"], date(2027, 6, 30), "notice", world.notice_id),
        (world.orgs["bkh"], None, "notice", world.notice_id)]
    assert tasks[0].coordinator_ids == [world.orgs["btp"]]
    assert tasks[0].expected_product.startswith("Dự thảo Nghị định về thuế")


def _rows_as_read(app, world, text) -> dict:
    from ecabinet.tasks import intake

    with app.test_request_context():
        rows = intake.read(text)
    form = {}
    for n, row in enumerate(rows):
        form |= {f"row-{n}-title": row.title, f"row-{n}-lead_id": row.lead_id or "",
                 f"row-{n}-deadline": row.deadline, f"row-{n}-include": "1",
                 f"row-{n}-expected_product": row.expected_product}
        if row.ongoing:
            form[f"row-{n}-ongoing"] = "1"
        if row.coordinator_ids:
            form[f"row-{n}-coordinator_ids"] = row.coordinator_ids
    return form


def test_the_liaison_sees_its_tasks_and_reports_through_the_page(client, auth, world, app):
    mine = new_task(app, world, title="Nhiệm vụ của Bộ Tài chính",
                    expected_product="Báo cáo")
    new_task(app, world, title="Nhiệm vụ của Bộ Tư pháp", lead_id=world.orgs["btp"])
    auth.login(world.users["btc"])
    listing = client.get("/tasks")
    assert "Nhiệm vụ của Bộ Tài chính" in listing.text
    assert "Nhiệm vụ của Bộ Tư pháp" not in listing.text
    page = client.get(f"/tasks/{mine}")
    assert 'id="report-form"' in page.text and 'id="done-form"' in page.text
    token = csrf_from(page.text)
    client.post(f"/tasks/{mine}/report", data={"csrf_token": token, "note": "Đang soạn"})
    assert task_row(app, mine)["status"] == "in_progress"
    # done without the product required: shown, nothing changed
    refused = client.post(f"/tasks/{mine}/done", data={"csrf_token": token, "note": "Xong"},
                          follow_redirects=True)
    assert task_row(app, mine)["status"] == "in_progress"
    assert "flash-error" in refused.text
    assert client.get("/tasks/dashboard").status_code == 403


def test_the_dashboard_counts_and_exports(client, auth, world, app, monkeypatch):
    from datetime import datetime

    from ecabinet.i18n import VIETNAM
    from ecabinet.tasks import figures

    late = new_task(app, world, title="Sẽ trễ", deadline=date(2027, 3, 10))
    on_time = new_task(app, world, title="Đúng hạn", lead_id=world.orgs["btp"])
    on_task(app, world.users["btp"], on_time, lambda u, t: __import__(
        "ecabinet.tasks.services", fromlist=["x"]).report_done(u, t))
    on_task(app, world.users["secretariat"], on_time, lambda u, t: __import__(
        "ecabinet.tasks.services", fromlist=["x"]).accept(u, t))
    monkeypatch.setattr(figures, "clock", lambda: datetime(2027, 4, 1, 9, tzinfo=VIETNAM))
    auth.login(world.users["secretariat"])
    page = client.get("/tasks/dashboard")
    assert page.status_code == 200
    assert "<svg" in page.text and "Bộ Tài chính" in page.text
    assert "10/03/2027 (22" in page.text  # the oldest overdue, and for how long
    from openpyxl import load_workbook

    export = client.get("/tasks/dashboard.xlsx")
    assert export.status_code == 200
    book = load_workbook(io.BytesIO(export.data))
    rows = list(book["Theo đơn vị"].values)
    assert ("Bộ Tài chính", 0, 1, 0, 0, 1) == rows[1][:6]
    assert ("Bộ Tư pháp", 0, 0, 1, 0, 1) == rows[2][:6]
    from pypdf import PdfReader

    pdf = PdfReader(io.BytesIO(client.get("/tasks/report.pdf").data))
    assert len(pdf.pages) == 1
    text = pdf.pages[0].extract_text()
    assert "BÁO CÁO TÌNH HÌNH THỰC HIỆN NHIỆM VỤ" in text and "Bộ Tài chính" in text
    assert "Quá hạn chưa hoàn thành" in text
    filtered = client.get(f"/tasks/dashboard?organisation_id={world.orgs['btp']}")
    assert "10/03/2027" not in filtered.text
    assert late


def test_the_secretariat_corrects_a_task_on_its_page(client, auth, world, app):
    task_id = new_task(app, world, title="Tên cũ")
    auth.login(world.users["secretariat"])
    page = client.get(f"/tasks/{task_id}")
    assert 'id="edit-form"' in page.text
    form = {"csrf_token": csrf_from(page.text), "title": "Tên mới",
            "lead_id": world.orgs["btp"], "coordinator_ids": [world.orgs["bkh"]],
            "deadline": "2027-01-01", "expected_product": "Báo cáo"}
    refused = client.post(f"/tasks/{task_id}/edit", data=form, follow_redirects=True)
    assert "flash-error" in refused.text and task_row(app, task_id)["title"] == "Tên cũ"
    client.post(f"/tasks/{task_id}/edit", data=form | {"deadline": "2027-05-31"})
    row = task_row(app, task_id)
    assert (row["title"], row["lead_id"], row["deadline"], row["coordinator_ids"]) == (
        "Tên mới", world.orgs["btp"], date(2027, 5, 31), [world.orgs["bkh"]])
    auth.logout()
    auth.login(world.users["btp"])
    assert 'id="edit-form"' not in client.get(f"/tasks/{task_id}").text
    assert client.post(f"/tasks/{task_id}/edit", data=form | {
        "csrf_token": csrf_from(client.get(f"/tasks/{task_id}").text),
        "title": "Liaison"}, follow_redirects=True).status_code == 200
    assert task_row(app, task_id)["title"] == "Tên mới"
