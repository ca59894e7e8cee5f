"""The shell on a portrait tablet, a desktop and a phone: touch targets, no sideways scroll."""

from __future__ import annotations

import pytest

from tests.conftest import unused_code

pytestmark = pytest.mark.browser

TABLET = {"width": 768, "height": 1024}
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
VIEWPORTS = [pytest.param(TABLET, id="tablet"), pytest.param(DESKTOP, id="desktop"),
             pytest.param(PHONE, id="phone")]

#: What a finger has to hit (WCAG 2.5.5 and the platforms' guidelines: 44 CSS px).
MIN_TOUCH = 44
#: A checkbox is hit through its label, which is what has to be large.
CONTROLS = ("a, button, input:not([type=hidden], [type=checkbox], [type=radio]), select, "
            "textarea, summary, label.check")


def small_targets(page, scope: str) -> list[str]:
    """The visible controls under ``scope`` less than 44 px high, described for the message."""
    too_small = []
    for control in page.locator(scope).locator(CONTROLS).all():
        if not control.is_visible():
            continue
        box = control.bounding_box()
        if box["height"] < MIN_TOUCH:
            html = control.evaluate("el => el.outerHTML.slice(0, 120)")
            too_small.append(f"{box['height']:.0f}px {html}")
    return too_small


def horizontal_overflow(page) -> int:
    """How far the page scrolls sideways (0 when it fits the viewport)."""
    return page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")


def links_out_of_sight(page, viewport) -> list[str]:
    """The main navigation's links not wholly inside the viewport."""
    hidden = []
    for link in page.locator(".mainnav a").all():
        box = link.bounding_box()
        if box["x"] < 0 or box["x"] + box["width"] > viewport["width"]:
            hidden.append(link.inner_text())
    return hidden


def sign_in_admin(page, live_server, app, make_user, browser_auth):
    admin = make_user("admin", "secretariat", name="Phạm Minh Quản Trị Viên Hệ Thống",
                      title="Chánh Văn phòng", organisation="Văn phòng Chính phủ")
    browser_auth.submit_password(admin)
    browser_auth.expect_path("/login/otp")
    page.locator("input[name=code]").fill(unused_code(app, admin.email))
    page.locator("form.stack button[type=submit]").click()
    browser_auth.expect_path("/")
    return admin


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_sign_in_pages_fit_and_have_large_targets(viewport, page, live_server, make_user,
                                                  browser_auth, screenshot):
    page.set_viewport_size(viewport)
    page.goto(live_server("/login"))

    assert small_targets(page, ".auth-card") == []
    assert horizontal_overflow(page) <= 0
    card = page.locator(".auth-card").bounding_box()
    assert card["x"] >= 0 and card["x"] + card["width"] <= viewport["width"]
    screenshot(page, f"layout-login-{viewport['width']}")

    signer = make_user("signer")
    browser_auth.submit_password(signer)
    browser_auth.expect_path("/login/otp")
    assert small_targets(page, ".auth-card") == []
    assert horizontal_overflow(page) <= 0


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_signed_in_pages_fit_and_have_large_targets(viewport, page, live_server, app, make_user,
                                                    browser_auth, screenshot):
    page.set_viewport_size(viewport)
    sign_in_admin(page, live_server, app, make_user, browser_auth)

    for path, name in [("/", "dashboard"), ("/admin/users", "users"),
                       ("/admin/users/new", "user-form"), ("/admin/audit", "audit"),
                       ("/admin/organisations", "organisations"),
                       ("/admin/organisations/new", "organisation-form"),
                       ("/account", "account")]:
        page.goto(live_server(path))
        assert small_targets(page, ".topbar") == [], path
        assert small_targets(page, "main form") == [], path
        assert horizontal_overflow(page) <= 0, path
        topbar = page.locator(".topbar").bounding_box()
        assert topbar["width"] <= viewport["width"], path
        if viewport is not PHONE:  # a phone's bar scrolls; a tablet shows every link
            assert links_out_of_sight(page, viewport) == [], path
        screenshot(page, f"layout-{name}-{viewport['width']}")


def test_form_errors_are_shown_beside_their_field(page, live_server, app, make_user,
                                                  browser_auth, screenshot):
    sign_in_admin(page, live_server, app, make_user, browser_auth)
    page.goto(live_server("/admin/users/new"))
    page.locator("form.card button[type=submit]").click()

    page.wait_for_selector(".field.has-error")
    fields = page.locator(".field.has-error")
    assert fields.count() >= 2  # e-mail, name, roles
    for i in range(fields.count()):
        assert fields.nth(i).locator(".error").is_visible()
    border = fields.first.locator("input").evaluate("el => getComputedStyle(el).borderTopWidth")
    assert border == "2px"
    screenshot(page, "user-form-errors")


def test_focus_is_visible(page, live_server):
    page.goto(live_server("/login"))
    page.keyboard.press("Tab")  # from the autofocused e-mail field to the password field
    outline = page.evaluate("""() => {
        const style = getComputedStyle(document.activeElement);
        return {width: style.outlineWidth, style: style.outlineStyle, shadow: style.boxShadow};
    }""")
    assert outline["style"] != "none" or outline["shadow"] != "none"


def test_data_confirm_asks_before_submitting(page, live_server):
    page.goto(live_server("/login"))
    page.evaluate("""() => {
        const form = document.querySelector(".auth-card form");
        form.dataset.confirm = "Sure?";
        window.addEventListener("submit", event => {  // after app.js's listener on document
            if (!event.defaultPrevented) { window.submitted = true; }
            event.preventDefault();
        });
    }""")
    answers = iter([False, True])
    messages = []

    def answer(dialog):
        messages.append(dialog.message)
        dialog.accept() if next(answers) else dialog.dismiss()

    page.on("dialog", answer)
    page.locator(".auth-card form button[type=submit]").click()
    assert page.evaluate("window.submitted") is None
    page.locator(".auth-card form button[type=submit]").click()
    assert page.evaluate("window.submitted") is True
    assert messages == ["Sure?", "Sure?"]


def test_a_forbidden_page_offers_the_way_home(page, live_server, make_user, browser_auth,
                                              screenshot):
    member = make_user("member")
    browser_auth.submit_password(member)
    browser_auth.expect_path("/")

    response = page.goto(live_server("/admin/users"))

    assert response.status == 403
    assert page.locator(".error-page h1").inner_text().strip() == "403"
    assert page.locator(".topbar").is_visible()
    page.locator(".error-page a.btn").click()
    browser_auth.expect_path("/")
    page.goto(live_server("/admin/users"))
    screenshot(page, "error-403")


def test_saving_preferences_shows_a_message(page, live_server, make_user, browser_auth,
                                            screenshot):
    member = make_user("member")
    browser_auth.submit_password(member)
    browser_auth.expect_path("/")
    page.locator(".account-name").click()
    browser_auth.expect_path("/account")
    assert page.locator(".account-name").get_attribute("aria-current") == "page"

    page.get_by_role("button", name="Lưu").click()  # the preferences (not the certificates)

    browser_auth.expect_path("/account")
    flash = page.locator(".flash.flash-success")
    assert flash.is_visible()
    assert flash.get_attribute("role") == "status"
    screenshot(page, "account-saved")


def test_reduced_motion_is_respected(page, live_server):
    page.emulate_media(reduced_motion="reduce")
    page.goto(live_server("/login"))
    duration = page.locator(".auth-card button[type=submit]").evaluate(
        "el => getComputedStyle(el).transitionDuration")
    assert all(float(part.rstrip("s")) < 0.001 for part in duration.split(","))
