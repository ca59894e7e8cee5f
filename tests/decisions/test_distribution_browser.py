"""Distribution in Chromium on a tablet: a ministry's member finds the issued decision on their
dashboard and opens it; the clerk's page of the decision then shows, per recipient, delivered
and opened (when, by whom)."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect
from pypdf import PdfWriter

from ecabinet.database import unit_of_work
from ecabinet.decisions import distribution
from ecabinet.extensions import db
from ecabinet.identity.models import User
from tests.browser.conftest import BrowserAuth
from tests.browser.test_layout import horizontal_overflow
from tests.decisions.conftest import code_for
from tests.decisions.test_distribution import _decision

pytestmark = pytest.mark.browser


def _blank_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_the_recipient_is_told_and_the_clerk_sees_who_opened(app, page, tablet, live_server,
                                                             people, make_user, screenshot):
    make_user("member", name="Hoàng Văn Tài", organisation="Bộ Tài chính")
    with app.app_context(), unit_of_work():
        decision = _decision(people, organisations=["Bộ Tài chính"], pdf=_blank_pdf())
        distribution.deliver(db.session.get(User, people.clerk.id), decision, datetime.now(UTC))
        decision_id = decision.id

    member = tablet()
    BrowserAuth(member, live_server).submit_password(people.member)
    received = member.locator(".section-received")
    expect(received).to_contain_text("07/QĐ-TTg")
    expect(received.locator(".tag")).to_have_text("Mới")
    screenshot(member, "distribution-dashboard")
    received.locator("a").first.click()
    expect(member.locator("h1")).to_contain_text("chuyển đổi số")
    # The recipient sees the printed Nơi nhận, not who else opened it.
    expect(member.locator(".dec-lines")).to_contain_text("Bộ Tư pháp (để thực hiện)")
    expect(member.locator(".dec-recipients")).to_have_count(0)

    auth = BrowserAuth(page, live_server)
    auth.submit_password(people.clerk)
    auth.expect_path("/login/otp")
    page.locator("input[name=code]").fill(code_for(app, people.clerk))
    page.locator("input[name=code]").press("Enter")
    auth.expect_path("/")
    page.goto(live_server(f"/decisions/{decision_id}"))
    rows = page.locator(".dec-recipients tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Đã gửi")
    expect(rows.nth(0)).to_contain_text("Đã mở")
    expect(rows.nth(0)).to_contain_text(people.member.name)
    expect(rows.nth(1)).to_contain_text("Chưa mở")
    assert horizontal_overflow(page) == 0
    screenshot(page, "distribution-clerk")
