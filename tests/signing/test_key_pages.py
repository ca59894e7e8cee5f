"""The signing keys of chosen people, on a page (issue 9, point 9: a signed-ballot poll's
warning links here for its recipients without a key): the secretariat sees who has one; an
administrator issues one from the app's PKI, as `ecabinet pki enroll` does, confirming with
their own code; every issue audited. Then the poll that was refused goes out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from ecabinet.database import unit_of_work
from ecabinet.errors import DomainError
from ecabinet.extensions import db
from ecabinet.identity.models import User
from ecabinet.polls import services as polls
from ecabinet.signing import keys
from tests.browser.test_layout import horizontal_overflow, small_targets
from tests.conftest import AuthActions, csrf_from, unused_code
from tests.consultation.test_api import actions


def _signed_in(app, user):
    client = app.test_client()
    assert AuthActions(app, client).login(user).status_code == 302
    return client


def _signed_poll(app, secretariat, member):
    with app.app_context(), unit_of_work():
        return polls.create_poll(
            db.session.get(User, secretariat.id), question="Ý kiến về dự thảo?",
            deadline=datetime.now(UTC) + timedelta(days=2), recipient_ids=[member.id],
            signed_ballots=True).id


def test_an_administrator_enrols_a_key_and_the_signed_poll_goes_out(pki_app, make_user):
    admin = make_user("admin", name="Quản trị hệ thống")
    secretariat = make_user("secretariat", name="Vũ Thị Lan")
    member = make_user("member", name="Phạm Quốc Bảo")
    try:
        _signed_poll(pki_app, secretariat, member)
        raise AssertionError("a poll for a member without a key went out")
    except DomainError as refused:
        assert refused.code == "recipients_without_key"

    # The secretariat reads the page (who has a key), without the means to issue one.
    reader = _signed_in(pki_app, secretariat)
    page = reader.get(f"/signatures/keys?user={member.id}")
    assert page.status_code == 200
    assert "Phạm Quốc Bảo" in page.text and "Chưa có khóa ký số" in page.text
    assert 'name="pin"' not in page.text
    assert reader.post(f"/signatures/keys/{member.id}", data={
        "csrf_token": csrf_from(page.text), "pin": "246810", "pin_again": "246810",
        "otp": "123456"}).status_code == 403

    client = _signed_in(pki_app, admin)
    page = client.get(f"/signatures/keys?user={member.id}")
    assert 'name="pin"' in page.text

    def issue(**form):
        data = {"csrf_token": csrf_from(page.text), "pin": "246810", "pin_again": "246810",
                "back": [str(member.id)]}
        data.update(form)
        return client.post(f"/signatures/keys/{member.id}", data=data, follow_redirects=True)

    mismatch = issue(pin_again="246811")
    assert "Hai mã PIN không khớp" in mismatch.text
    wrong = issue(otp="000000")
    assert "không đúng" in wrong.text
    with pki_app.app_context():
        assert _key_of(member) is None
    done = issue(otp=unused_code(pki_app, admin.email))
    assert done.status_code == 200 and "Đã cấp khóa ký số cho Phạm Quốc Bảo" in done.text
    assert "Chưa có khóa ký số" not in done.text and "Còn hiệu lực đến" in done.text
    with pki_app.app_context():
        key = _key_of(member)
        assert key is not None and "Phạm Quốc Bảo" in key.subject
    enrolled = [d for a, d in actions(pki_app, "signing.") if a == "signing.key_enrolled"]
    assert enrolled and enrolled[-1]["owner"] == member.email

    # The poll that was refused now goes out with signed ballots.
    assert _signed_poll(pki_app, secretariat, member)


def _key_of(user):
    try:
        return keys.personal_key(db.session.get(User, user.id))
    except DomainError:
        return None


def test_the_page_is_not_for_members(app, make_user):
    member = make_user("member")
    other = make_user("member")
    assert _signed_in(app, member).get(f"/signatures/keys?user={other.id}").status_code == 403


@pytest.mark.browser
def test_the_administrator_s_page_on_a_tablet(app, make_user, page, live_server,
                                              browser_auth, screenshot):
    """The form an administrator opens to issue a key, at 768×1024 (issuing itself needs the
    PKI: the test above)."""
    admin = make_user("admin", name="Quản trị hệ thống")
    member = make_user("member", name="Phạm Quốc Bảo")
    browser_auth.submit_password(admin)
    browser_auth.expect_path("/login/otp")
    page.locator("input[name=code]").fill(unused_code(app, admin.email))
    page.locator("form.stack button[type=submit]").click()
    browser_auth.expect_path("/")
    page.goto(live_server(f"/signatures/keys?user={member.id}"))
    person = page.locator(f"#key-{member.id}")
    expect(person).to_contain_text("Chưa có khóa ký số")
    expect(person.locator("input[name=pin]")).to_be_visible()  # one person: the form is open
    assert small_targets(page, "main") == []
    assert horizontal_overflow(page) <= 0
    screenshot(page, "signing-keys-administrator")
