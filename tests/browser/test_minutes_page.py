"""The minutes page in Chromium on a portrait tablet: the secretariat opens the minutes of an
adjourned meeting from the meeting room, generates them, sees version 1 and locks it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ecabinet.database import unit_of_work
from ecabinet.extensions import db
from ecabinet.identity.models import User
from ecabinet.meetings import services, sitting
from ecabinet.meetings.models import Meeting, MinutesVersion
from tests.browser.test_layout import horizontal_overflow, small_targets
from tests.browser.test_meeting_room import Room, room, sign_in  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser


@pytest.fixture
def adjourned(app, room: Room) -> Room:  # noqa: F811 - the fixture imported above
    """The room's meeting after its session: the chair and a member checked in, then the chair
    opened the session, took the first item and adjourned."""
    with app.app_context(), unit_of_work():
        meeting = db.session.get(Meeting, room.meeting_id)
        chair = db.session.get(User, room.users["chair"].id)
        for who in ("chair", "member"):
            sitting.check_in(db.session.get(User, room.users[who].id), meeting)
        services.transition(chair, meeting, "in_session")
        sitting.set_current_item(chair, meeting, room.items[0])
        services.transition(chair, meeting, "adjourned")
    return room


def _versions(app, meeting: Room):
    with app.app_context():
        return [(v.kind, v.number, v.locked_at is not None) for v in db.session.scalars(
            db.select(MinutesVersion).where(MinutesVersion.meeting_id == meeting.meeting_id)
            .order_by(MinutesVersion.kind, MinutesVersion.number))]


def test_the_secretariat_generates_and_locks_the_minutes(app, adjourned, tablet, live_server,
                                                         screenshot):
    page = tablet()
    sign_in(page, live_server, adjourned.users["secretariat"])

    # From the meeting room of the adjourned meeting to its minutes.
    page.goto(live_server(f"/meetings/{adjourned.meeting_id}"))
    expect(page.locator("[data-connection]")).to_have_attribute("data-state", "online")
    link = page.locator(f".minutes-link-card a[href=\"/meetings/{adjourned.meeting_id}/minutes\"]")
    expect(link).to_be_visible()
    screenshot(page, "minutes-room-link")
    link.click()
    page.wait_for_url(re.compile(rf"/meetings/{adjourned.meeting_id}/minutes$"))
    minutes = page.locator("#minutes")
    expect(minutes.locator(".empty")).to_be_visible()
    assert small_targets(page, "main") == []
    assert horizontal_overflow(page) <= 0

    # Generate from the session record: version 1 is listed with its download.
    minutes.locator(".minutes-generate button").click()
    page.wait_for_load_state()
    expect(page.locator(".flash-success")).to_be_visible()
    versions = page.locator("#minutes .minutes-version")
    expect(versions).to_have_count(1)
    expect(versions.first).to_have_attribute("data-number", "1")
    download = versions.first.locator("a[href$='/minutes/minutes/1.docx']")
    expect(download).to_be_visible()
    with page.expect_download() as fetched:
        download.click()
    assert fetched.value.suggested_filename.endswith(".docx")
    assert _versions(app, adjourned) == [("minutes", 1, False)]
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "minutes-generated")

    # Lock it, after the confirmation: the final version, and no more generating.
    page.once("dialog", lambda dialog: dialog.accept())
    versions.first.locator(".btn-lock").click()
    page.wait_for_load_state()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator("#minutes .minutes-version.is-locked")).to_have_count(1)
    expect(page.locator("#minutes .minutes-version .tag-ok")).to_be_visible()
    expect(page.locator("#minutes .minutes-generate")).to_have_count(0)
    expect(page.locator("#minutes .minutes-upload")).to_have_count(0)
    expect(page.locator("#conclusions .minutes-generate")).to_be_visible()
    assert _versions(app, adjourned) == [("minutes", 1, True)]

    assert small_targets(page, "main") == []
    assert horizontal_overflow(page) <= 0
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "minutes")


def test_a_refused_upload_is_shown_on_its_form(app, adjourned, tablet, live_server, tmp_path):
    page = tablet()
    sign_in(page, live_server, adjourned.users["secretariat"])
    page.goto(live_server(f"/meetings/{adjourned.meeting_id}/minutes"))
    not_word = tmp_path / "bien-ban.docx"
    not_word.write_text("Đây không phải tài liệu Word.", encoding="utf-8")
    form = page.locator("#conclusions .minutes-upload")
    # In the page's words, not Chromium's "Choose File / No file chosen"; the input itself
    # keeps its label and takes the keyboard's focus.
    pick = form.locator(".file-pick")
    expect(pick.locator(".file-pick-button")).to_have_text("Chọn tệp")
    expect(pick.locator(".file-pick-name")).to_have_text("Chưa chọn tệp")
    file_input = form.locator("input[type=file]")
    assert page.locator(f'label[for="{file_input.get_attribute("id")}"]').count() == 1
    file_input.focus()
    assert page.evaluate("document.activeElement.type") == "file"
    file_input.set_input_files(str(not_word))
    expect(pick.locator(".file-pick-name")).to_have_text("bien-ban.docx")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator("#conclusions .minutes-upload .error")).to_be_visible()
    expect(page.locator("#conclusions .minutes-upload input[type=file]")).to_have_attribute(
        "aria-invalid", "true")
    assert _versions(app, adjourned) == []
    assert horizontal_overflow(page) <= 0
