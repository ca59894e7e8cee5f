"""The consultation pages in Chromium on a portrait tablet: a reviewer comments on a paragraph,
the drafting side answers it, both compare two versions. Screenshots in tests/screenshots/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_layout import horizontal_overflow, small_targets
from tests.browser.test_meeting_room import sign_in
from tests.consultation.conftest import draft_docx
from tests.docs.conftest import new_version

pytestmark = pytest.mark.browser


def test_a_reviewer_comments_and_the_drafting_side_answers(app, client, cast, draft, page,
                                                           tablet, live_server, screenshot):
    sign_in(page, live_server, cast.users["r1"])
    expect(page.locator(".section-drafts .items a")).to_contain_text(
        "Lấy ý kiến dự thảo Nghị định")
    page.locator(".section-drafts .items a").first.click()
    page.wait_for_url(re.compile(rf"/consultation/rounds/{draft.round_id}$"))
    unit = page.locator("#unit-p-4")
    expect(unit).to_contain_text("Nghị định này quy định chi tiết")
    assert small_targets(page, "main") == []
    assert horizontal_overflow(page) <= 0
    unit.locator("summary").click()
    textarea = unit.locator("textarea")
    expect(textarea).to_be_focused()  # consultation.js
    textarea.fill("Đề nghị làm rõ thế nào là “dự thảo văn bản”.")
    screenshot(page, "consultation-reviewer-commenting")
    unit.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"#unit-p-4$"))
    expect(page.locator("#unit-p-4 .comment-text")).to_have_text(
        "Đề nghị làm rõ thế nào là “dự thảo văn bản”.")
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "consultation-reviewer-page")

    # The drafting side on a tablet of its own: clearing this context's cookies raced a request
    # of the page still in flight, whose answer set the reviewer's session again.
    page = tablet()
    sign_in(page, live_server, cast.users["drafter"])
    page.goto(live_server(f"/consultation/rounds/{draft.round_id}/answers"))
    thread = page.locator(".thread").first
    expect(thread.locator(".quote")).to_contain_text("Nghị định này quy định chi tiết")
    thread.locator("label.check", has_text="tiếp thu").click()
    thread.locator(".answer-form textarea").fill("Đã bổ sung khái niệm tại khoản 3 Điều 1.")
    thread.locator(".answer-form button[type=submit]").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator(".thread .answer-form legend .tag")).to_be_visible()
    assert small_targets(page, "main") == []
    assert horizontal_overflow(page) <= 0
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "consultation-answers-page")


def test_the_comparison_page(app, client, cast, draft, page, live_server, screenshot):
    table = [["Cơ quan", "Thời hạn"], ["Bộ Tư pháp", "trong 20 ngày làm việc"]]
    status, _ = new_version(client, cast.headers("drafter"), draft.document_id,
                            draft_docx(table=table, after="Điều 3. Hiệu lực từ ngày ký"),
                            filename="v2.docx")
    assert status == 201
    sign_in(page, live_server, cast.users["drafter"])  # a v1 reviewer may not read v2
    page.goto(live_server(f"/consultation/documents/{draft.document_id}/compare"))
    expect(page.locator(".diff-change del").first).to_be_visible()
    expect(page.locator(".diff-change ins").first).to_be_visible()
    color = page.locator(".diff-change ins").first.evaluate(
        "el => getComputedStyle(el).backgroundColor")
    assert color != "rgba(0, 0, 0, 0)"  # styled by consultation.css
    assert small_targets(page, "main") == []
    assert horizontal_overflow(page) <= 0
    screenshot(page, "consultation-compare")
    # consultation.js compares as soon as a version is chosen
    page.locator("select[name=from]").select_option("2")
    page.wait_for_url(re.compile(r"from=2&to=2"))
    expect(page.locator("p.notice.error")).to_be_visible()
    page.locator("select[name=to]").select_option("1")
    page.wait_for_url(re.compile(r"from=2&to=1"))
    expect(page.locator(".diff-change ins").first).to_have_text("thi hành")  # backwards


def test_the_drafting_side_opens_a_round(app, client, cast, page, live_server, screenshot):
    from tests.docs.conftest import upload

    status, document = upload(client, cast.headers("drafter"), draft_docx(),
                              title="Dự thảo Thông tư hướng dẫn")
    assert status == 201
    sign_in(page, live_server, cast.users["drafter"])
    page.goto(live_server("/consultation"))
    page.locator(".page-head a.btn-primary").click()
    page.wait_for_url(re.compile(r"/consultation/new$"))
    page.locator("select[name=document_id]").select_option(str(document["id"]))
    page.locator("input[name=title]").fill("Xin ý kiến Thông tư")
    page.locator("label.check", has_text="Phạm Quốc Bảo").click()
    page.locator("label.check", has_text="Nguyễn Thu Hà").click()
    page.locator("input[name=deadline]").fill("2099-03-15T17:00")
    assert small_targets(page, "main") == []
    assert horizontal_overflow(page) <= 0
    screenshot(page, "consultation-new-round")
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_url(re.compile(r"/consultation/rounds/\d+/answers$"))
    expect(page.locator("h1")).to_have_text("Xin ý kiến Thông tư")
    expect(page.locator(".reviewer-status li")).to_have_count(2)
    page.goto(live_server("/consultation"))
    expect(page.locator("table.table tbody tr")).to_have_count(1)
    screenshot(page, "consultation-index")


def test_the_reviewer_is_told_the_round_stays_on_the_earlier_version(app, client, cast, draft,
                                                                     page, tablet, live_server,
                                                                     screenshot):
    """Issue 9, point 11: version 2 uploaded, the drafting side keeps the round on version 1;
    the reviewer's dashboard and page say which version they review and that a newer exists."""
    status, _ = new_version(client, cast.headers("drafter"), draft.document_id,
                            draft_docx(after="Điều 3. Hiệu lực từ ngày ký."), filename="v2.docx")
    assert status == 201
    sign_in(page, live_server, cast.users["drafter"])
    page.goto(live_server(f"/consultation/documents/{draft.document_id}/superseded"))
    page.get_by_role("button", name=re.compile("Giữ")).click()
    expect(page.locator(".flash-success")).to_contain_text("đã được thông báo có phiên bản 2")
    page = tablet()  # the reviewer's own tablet (see the first test)
    sign_in(page, live_server, cast.users["r1"])
    entry = page.locator(".section-drafts .items li").first
    expect(entry).to_contain_text("phiên bản 1")
    expect(entry).to_contain_text("đã có phiên bản 2")
    screenshot(page, "consultation-dashboard-newer-version")
    entry.locator("a").first.click()
    notice = page.locator("#newer-version")
    expect(notice).to_contain_text("Đồng chí đang góp ý trên phiên bản 1")
    expect(notice).to_contain_text("giữ vòng lấy ý kiến này trên phiên bản 1")
    assert small_targets(page, "main") == []
    assert horizontal_overflow(page) <= 0
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "consultation-round-kept-on-v1")
