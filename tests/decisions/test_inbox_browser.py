"""The signing inbox in Chromium on a tablet: the signer selects every document awaiting their
signature, confirms once with PIN and code, and sees them signed."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import BrowserAuth
from tests.browser.test_layout import horizontal_overflow, small_targets
from tests.decisions.conftest import PIN, code_for

pytestmark = pytest.mark.browser


def test_signer_signs_two_documents_with_one_confirmation(app, page, live_server, people,
                                                          drafted, fake_signing, screenshot):
    first = drafted()["id"]
    second = drafted(summary="Về việc giao chỉ tiêu kế hoạch đầu tư công năm 2027")["id"]
    auth = BrowserAuth(page, live_server)
    auth.submit_password(people.signer)
    auth.expect_path("/login/otp")
    page.locator("input[name=code]").fill(code_for(app, people.signer))
    page.locator("input[name=code]").press("Enter")
    auth.expect_path("/")
    expect(page.locator(".section-signatures")).to_contain_text("giao chỉ tiêu")

    page.goto(live_server("/decisions"))
    submit = page.locator("#sign-form button[type=submit]")
    expect(submit).to_be_disabled()
    page.locator("[data-pick-all]").click()
    expect(submit).to_be_enabled()
    page.locator("#batch-pin").fill(PIN)
    page.locator("#batch-otp").fill(code_for(app, people.signer))
    assert small_targets(page, "#sign-form") == []
    assert horizontal_overflow(page) == 0
    screenshot(page, "decisions-inbox")
    page.once("dialog", lambda dialog: dialog.accept())
    submit.click()
    expect(page.locator(".flash-success")).to_be_visible()
    screenshot(page, "decisions-inbox-signed")
    for did in (first, second):
        page.goto(live_server(f"/decisions/{did}"))
        expect(page.locator(".dec-signatures li")).to_have_count(1)
    screenshot(page, "decision-page-signed")
