"""The secretariat's poll pages in Chromium on a portrait tablet (768×1024): the new poll form
with its recipients and chair, then the poll with who has not answered and the reminder.
Screenshots in tests/screenshots/."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_layout import horizontal_overflow, small_targets
from tests.browser.test_meeting_room import sign_in

pytestmark = pytest.mark.browser


def test_the_secretariat_sends_a_poll_and_reminds(people, page, live_server, screenshot):
    users, _ = people
    sign_in(page, live_server, users["secretariat"])
    page.goto(live_server("/polls/new"))
    page.fill("#question", "Xin ý kiến về dự thảo Nghị quyết phiên họp Chính phủ thường kỳ")
    page.fill("#deadline", "2030-01-10T17:00")
    page.locator("label.check", has_text="Trần Minh Quang").first.locator("input").uncheck()
    page.select_option("#chair_id", label="Trần Minh Quang")
    assert horizontal_overflow(page) <= 0
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "polls-new")
    page.get_by_role("button", name="Gửi đến các thành viên").click()
    expect(page.locator(".flash-success")).to_contain_text("2")
    missing = page.locator("#missing")
    expect(missing).to_contain_text("Phạm Quốc Bảo")
    expect(missing).not_to_contain_text("Trần Minh Quang")  # not a recipient
    missing.get_by_role("button").click()
    expect(page.locator(".flash-success")).to_contain_text("Đã nhắc 2 thành viên")
    assert small_targets(page, "main") == []
    assert horizontal_overflow(page) <= 0
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "polls-show-secretariat")
