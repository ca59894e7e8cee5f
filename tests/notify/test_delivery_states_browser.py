"""The secretariat publishes on a portrait tablet (768×1024) while the mail server refuses one
invitee's address: the message says what was done, and the participants card shows, beside
"seen", one e-mail sent and one not sent, with why. Screenshot in tests/screenshots/."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import expect

from ecabinet.extensions import db
from ecabinet.identity.services import get_user
from tests.browser.test_layout import horizontal_overflow
from tests.browser.test_meeting_room import sign_in
from tests.fixtures import ports
from tests.fixtures.mail import Inbox, mail_config
from tests.notify.test_invitations import _prepare

pytestmark = pytest.mark.browser


class Refusing(Inbox):
    """Keeps what it receives, but refuses one address (550, as a mailbox that is gone)."""

    refused = "btp@ecabinet.gov.vn"

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
        if address == self.refused:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def app(make_app):
    inbox = Refusing()
    controller = Controller(inbox, hostname="127.0.0.1", port=ports.free_port())
    controller.start()
    yield make_app(**mail_config(controller))
    controller.stop()


def test_the_secretariat_sees_each_invitation_s_e_mail(app, make_user, page, live_server,
                                                       screenshot):
    meeting_id, actor_id = _prepare(app, make_user, datetime.now(UTC) + timedelta(days=3))
    with app.app_context():
        secretariat = get_user(actor_id)
        db.session.expunge(secretariat)
    sign_in(page, live_server, secretariat)
    page.goto(live_server(f"/meetings/{meeting_id}/prepare"))
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#publish button[type=submit]").click()
    expect(page.locator(".flash-success")).to_contain_text(
        "trên trang chủ của 2 người được mời")
    expect(page.locator(".flash-success")).to_contain_text("đưa vào hàng đợi")
    screenshot(page, "meeting-published-message")
    # The sender works after the commit: the page, reloaded, shows what it found.
    people = page.locator("#participants")
    for _ in range(50):
        page.reload()
        if people.locator(".mail-state.mail-queued").count() == 0:
            break
        page.wait_for_timeout(100)
    expect(people.locator(".mail-state.mail-sent")).to_have_count(1)
    failed = people.locator(".mail-state.mail-failed")
    expect(failed).to_have_count(1)
    expect(failed).to_contain_text("địa chỉ thư bị từ chối")
    expect(people.locator(".person", has=page.locator(".mail-failed"))).to_contain_text(
        "Phạm Quốc Bảo")
    expect(page.locator("#publish")).to_contain_text(re.compile(r"1 đã gửi, 0 đang chờ, 1 không"))
    assert horizontal_overflow(page) <= 0
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "meeting-invitations-e-mail")
