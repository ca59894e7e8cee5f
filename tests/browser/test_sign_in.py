"""Signing in through the real pages, in Chromium on a portrait tablet."""

from __future__ import annotations

import re
import time

import pyotp
import pytest

from tests.conftest import unused_code

pytestmark = pytest.mark.browser


def test_member_signs_in_with_password(page, live_server, make_user, browser_auth, screenshot):
    member = make_user("member", name="Nguyễn Văn Thành")
    page.goto(live_server("/"))
    browser_auth.expect_path("/login")
    assert page.locator("body.auth .auth-card").is_visible()
    screenshot(page, "login")

    browser_auth.submit_password(member)

    browser_auth.expect_path("/")
    assert page.locator(".topbar .account-name").inner_text() == "Nguyễn Văn Thành"
    assert "Nguyễn Văn Thành" in page.locator("h1").inner_text()
    sections = page.locator(".sections > section.card")
    keys = [cls.split("section-")[-1] for cls in
            (sections.nth(i).get_attribute("class") for i in range(sections.count()))]
    assert keys == ["meetings", "polls", "drafts", "received"]
    for i in range(sections.count()):
        section = sections.nth(i)
        assert section.locator("h2 .icon").is_visible()
        assert section.locator(".empty").is_visible()
    assert page.locator(".mainnav a[aria-current=page]").get_attribute("href") == "/"
    screenshot(page, "dashboard-member")


def test_signer_signs_in_with_a_second_factor(page, live_server, make_user, browser_auth,
                                              screenshot):
    signer = make_user("signer", name="Trần Thị Ký")
    browser_auth.submit_password(signer)

    browser_auth.expect_path("/login/otp")
    code = page.locator("input[name=code]")
    assert code.is_visible()
    assert code.evaluate("el => el === document.activeElement")
    screenshot(page, "otp")

    code.fill(pyotp.TOTP(signer.totp_secret).now())
    page.locator("form.stack button[type=submit]").click()

    browser_auth.expect_path("/")
    assert page.locator(".topbar .account-name").inner_text() == "Trần Thị Ký"
    signatures = page.locator("section.section-signatures")
    assert signatures.locator("h2").inner_text().strip() in {"Documents to sign", "Văn bản chờ ký"}
    assert signatures.locator(".icon-pen").is_visible()


def test_admin_without_a_second_factor_enrols_on_first_sign_in(
        page, live_server, app, make_user, browser_auth, screenshot):
    admin = make_user("admin", name="Lê Quản Trị", totp=False)
    browser_auth.submit_password(admin)

    browser_auth.expect_path("/login/enrol")
    qr = page.locator(".qr svg")
    assert qr.is_visible()
    box = qr.bounding_box()
    assert 200 <= box["width"] <= 240 and 200 <= box["height"] <= 240
    screenshot(page, "enrol")

    page.locator("details summary").click()
    secret = page.locator("code.secret").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-7]{16,}", secret)
    page.locator("input[name=code]").fill(pyotp.TOTP(secret).now())
    page.locator("form.stack button[type=submit]").click()

    browser_auth.expect_path("/")
    assert page.locator(".topbar .account-name").inner_text() == "Lê Quản Trị"
    page.locator(".mainnav a[href='/admin/users']").click()
    browser_auth.expect_path("/admin/users")
    assert page.locator(".table-wrap table").is_visible()
    assert page.locator("td a", has_text="Lê Quản Trị").is_visible()
    assert page.locator(".mainnav a[aria-current=page]").get_attribute("href") == "/admin/users"
    screenshot(page, "admin-users")

    page.locator(".mainnav a[href='/admin/audit']").click()
    browser_auth.expect_path("/admin/audit")
    assert page.locator("form.filters").is_visible()
    assert page.locator("table.audit tbody tr").count() >= 1
    screenshot(page, "audit")


def test_wrong_password_stays_on_the_login_page(page, live_server, make_user, browser_auth):
    member = make_user("member")
    browser_auth.submit_password(member, password="not the password")

    browser_auth.expect_path("/login")
    password = page.locator(".field.has-error")
    assert password.locator("input[name=password]").get_attribute("aria-invalid") == "true"
    assert password.locator(".error").is_visible()
    assert page.locator("input[name=email]").input_value() == member.email
    assert page.locator(".topbar").count() == 0


def test_a_wrong_code_is_refused_and_the_right_one_then_accepted(page, live_server, app,
                                                                  make_user, browser_auth):
    signer = make_user("signer")
    browser_auth.submit_password(signer)
    browser_auth.expect_path("/login/otp")
    page.locator("input[name=code]").fill(_wrong_code(signer.totp_secret))
    page.locator("form.stack button[type=submit]").click()

    browser_auth.expect_path("/login/otp")
    assert page.locator(".field.has-error .error").is_visible()
    page.locator("input[name=code]").fill(unused_code(app, signer.email))
    page.locator("form.stack button[type=submit]").click()
    browser_auth.expect_path("/")


def _wrong_code(secret: str) -> str:
    """A code that no window the server accepts would produce."""
    totp = pyotp.TOTP(secret)
    now = time.time()
    near = {totp.at(now + 30 * step) for step in range(-2, 3)}
    return next(code for code in ("000000", "123456", "999999", "424242", "777777")
                if code not in near)
