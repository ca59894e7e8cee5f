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


def test_the_keyless_warning_offers_enrolment_and_sending_without_signatures(
        app, people, page, live_server, screenshot):
    """Issue 9, point 9: the warning about recipients without a signing key offers the two ways
    out as actions: a link to the page where their keys are enrolled (for those people), and
    one click that sends the same poll without requiring signed ballots."""
    from ecabinet.extensions import db
    from ecabinet.polls.models import Poll

    users, _ = people
    sign_in(page, live_server, users["secretariat"])
    page.goto(live_server("/polls/new"))
    page.fill("#question", "Xin ý kiến về dự thảo Nghị quyết ban hành Chương trình hành động")
    page.fill("#deadline", "2030-01-10T17:00")
    page.locator("label.check", has_text="Trần Minh Quang").first.locator("input").uncheck()
    page.locator("#signed_ballots").check()
    page.get_by_role("button", name="Gửi đến các thành viên").click()
    warning = page.locator("#keyless")
    expect(warning).to_contain_text("Nguyễn Thu Hà, Phạm Quốc Bảo")
    enrol = warning.get_by_role("link", name="Cấp khóa ký số cho những người này")
    href = enrol.get_attribute("href")
    assert href.startswith("/signatures/keys?")
    assert sorted(href.split("?")[1].split("&")) == sorted(
        f"user={users[who].id}" for who in ("m1", "m2"))
    without = warning.get_by_role("button", name="Gửi mà không yêu cầu phiếu có chữ ký số")
    expect(without).to_be_visible()
    assert small_targets(page, "#keyless") == []
    assert horizontal_overflow(page) <= 0
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "polls-new-keyless-warning")

    # The link: the two people and their keys (the secretariat reads it; an administrator
    # issues the keys there).
    keys = page.context.new_page()
    keys.goto(live_server(href))
    rows = keys.locator(".key-person")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Chưa có khóa ký số")
    expect(keys.locator("main")).to_contain_text("quản trị viên")
    assert horizontal_overflow(keys) <= 0
    screenshot(keys, "signing-keys-for-the-poll")
    keys.close()

    # One click: the same poll, sent without the requirement.
    page.locator("#keyless").get_by_role(
        "button", name="Gửi mà không yêu cầu phiếu có chữ ký số").click()
    expect(page.locator(".flash-success")).to_contain_text("2")
    with app.app_context():
        poll = db.session.scalars(db.select(Poll)).one()
        assert not poll.signed_ballots and len(poll.recipients) == 2
        assert poll.question.startswith("Xin ý kiến về dự thảo Nghị quyết")
