"""The validation page in Chromium: upload a signed PDF, read the report (Vietnamese UI)."""

from __future__ import annotations

import pytest

from ecabinet.database import audited_attempt
from ecabinet.extensions import db
from ecabinet.identity.models import User
from ecabinet.signing import images, keys, pades
from ecabinet.signing.appearance import Appearance
from tests.pki import PIN, blank_pdf

pytestmark = pytest.mark.browser


@pytest.fixture
def app(pki_app):
    """The browser fixtures serve ``app``: here, the app wired to the demo PKI."""
    return pki_app


def test_validation_page_shows_the_report(app, page, live_server, browser_auth, make_user,
                                          signing_keys, screenshot, tmp_path):
    with app.app_context():
        signer = db.session.get(User, signing_keys.signer_id)
        with audited_attempt():
            signed = pades.sign_pdf(blank_pdf(), key=keys.personal_key(signer), pin=PIN,
                                       field_name="ChuKy", level="B-LTA",
                                       appearance=Appearance(
                                           "person", image=images.signature_image(signer)),
                                       box=(300, 500, 500, 600))
    good = tmp_path / "quyet-dinh.pdf"
    good.write_bytes(signed)
    position = signed.index(b"/MediaBox")
    bad = tmp_path / "da-sua.pdf"
    bad.write_bytes(signed[:position] + b"/MediaBoy" + signed[position + 9:])

    browser_auth.submit_password(make_user("member", name="Lê Thị Kiểm"))
    page.goto(live_server("/signatures/validate"))
    page.locator("input[type=file]").set_input_files(str(good))
    page.locator("form.validate-form button[type=submit]").click()
    page.wait_for_load_state()
    report = page.locator(".signature-report")
    assert report.locator(".verdict").get_attribute("class") == "verdict verdict-valid"
    assert "Nguyễn Văn Ký" in report.inner_text()
    assert "B-LTA" in report.inner_text()
    assert report.locator("article.signature-entry").count() == 2  # signature + timestamp
    screenshot(page, "signing-validate-valid")

    page.locator("input[type=file]").set_input_files(str(bad))
    page.locator("form.validate-form button[type=submit]").click()
    page.wait_for_load_state()
    report = page.locator(".signature-report")
    assert "verdict-invalid" in report.locator(".verdict").get_attribute("class")
    assert report.locator(".reasons li").count() >= 1
    screenshot(page, "signing-validate-tampered")
