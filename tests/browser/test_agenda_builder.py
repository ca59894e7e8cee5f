"""The agenda built in place on a portrait tablet, by touch: the secretariat adds three items,
corrects one (title, presenter from outside the invitees, confidential with one invitee) and
moves one, all without leaving the page: one page load for the whole builder."""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path

import pytest
from playwright.sync_api import expect

from ecabinet.database import unit_of_work
from ecabinet.extensions import db
from ecabinet.i18n import VIETNAM
from ecabinet.identity.models import User
from ecabinet.meetings import services
from ecabinet.meetings.models import Meeting
from tests.browser.conftest import TABLET, watch
from tests.browser.test_meeting_room import sign_in

pytestmark = pytest.mark.browser

SHOTS = Path(tempfile.gettempdir()) / "shots" / "agenda"  # for a human eye, not kept


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def draft(app, make_user):
    users = {
        "secretariat": make_user("secretariat", name="Vũ Thị Lan", title="Vụ trưởng"),
        "chair": make_user("member", name="Trần Minh Quang", title="Thủ tướng Chính phủ"),
        "member": make_user("member", name="Phạm Quốc Bảo", title="Bộ trưởng Bộ Tư pháp"),
        "presenter": make_user("member", name="Lê Thị Trình", title="Thứ trưởng Bộ Tài chính"),
    }
    with app.app_context(), unit_of_work():
        secretariat = db.session.get(User, users["secretariat"].id)
        meeting = services.create_meeting(
            secretariat, title="Phiên họp Chính phủ chuyên đề xây dựng pháp luật",
            starts_at=datetime(2026, 12, 18, 8, 0, tzinfo=VIETNAM), location="Trụ sở Chính phủ")
        services.invite(secretariat, meeting, user_id=users["chair"].id, role="chair")
        services.invite(secretariat, meeting, user_id=users["member"].id, role="member")
        return meeting.id, users


def test_a_three_item_agenda_is_built_and_corrected_in_place(app, browser, draft, live_server):
    meeting_id, users = draft
    context = browser.new_context(viewport=TABLET, has_touch=True, locale="vi-VN",
                                  timezone_id="Asia/Ho_Chi_Minh")
    page = context.new_page()
    errors = watch(page)
    try:
        sign_in(page, live_server, users["secretariat"])
        loads = []
        page.on("framenavigated", lambda frame: loads.append(frame.url)
                if frame == page.main_frame else None)
        page.goto(live_server(f"/meetings/{meeting_id}/prepare"))
        add = page.locator("#add-item")
        expect(page.locator("#agenda .empty")).to_be_visible()
        # The presenter may be anyone active, not only the invitees.
        expect(add.locator("select[name=presenter_id] option",
                           has_text="Lê Thị Trình")).to_have_count(1)

        items = [("Dự án Luật Thủ đô (sửa đổi)", "Bộ Tư pháp", "30"),
                 ("Báo cáo tình hình kinh tế - xã hội tháng 11", "Bộ Tài chính", "45"),
                 ("Nghị quyết phiên họp", "Văn phòng Chính phủ", "15")]
        for number, (title, agency, minutes) in enumerate(items, start=1):
            add.locator("[name=title]").fill(title)
            add.locator("[name=presenting_agency]").fill(agency)
            add.locator("[name=duration_min]").fill(minutes)
            add.locator("button[type=submit]").tap()
            expect(page.locator("#agenda .agenda-row")).to_have_count(number)
            expect(add.locator("[name=title]")).to_have_value("")  # ready for the next one
        shot(page, "1-three-items")
        # A title is needed: said at once, nothing sent.
        add.locator("button[type=submit]").tap()
        expect(add.locator(".add-error")).to_be_visible()
        expect(page.locator("#agenda .agenda-row")).to_have_count(3)

        # Correct the second item in its row.
        row = page.locator("#agenda .agenda-row").nth(1)
        row.locator("[data-edit-item]").tap()
        form = row.locator(".item-edit-form")
        expect(form.locator("[name=edit-title]")).to_have_value(items[1][0])
        form.locator("[name=edit-title]").fill("Báo cáo kinh tế - xã hội tháng 11 (bản sửa)")
        form.locator("[name=edit-presenter_id]").select_option(str(users["presenter"].id))
        form.locator("[name=edit-duration_min]").fill("50")
        form.locator("[name=edit-confidential]").tap()
        form.locator(f"input[name=edit-invitee_ids][value='{users['member'].id}']").tap()
        shot(page, "2-editing")
        form.locator("button[type=submit]").tap()
        second = page.locator("#agenda .agenda-row").nth(1)
        expect(second.locator(".agenda-title")).to_have_text(
            "Báo cáo kinh tế - xã hội tháng 11 (bản sửa)")
        expect(second.locator(".tag-secret")).to_be_visible()
        expect(second).to_contain_text("Lê Thị Trình")
        expect(second).to_contain_text("Phạm Quốc Bảo")

        # Move the third up by its arrow (a button, not only a drag).
        third = page.locator("#agenda .agenda-row").nth(2)
        third.locator("form[data-move=up] button").tap()
        expect(page.locator("#agenda .agenda-row").nth(1).locator(".agenda-title")).to_have_text(
            "Nghị quyết phiên họp")
        # The publication checklist was redrawn too.
        expect(page.locator("#publish .checklist li").nth(1)).to_have_class("done")
        page.evaluate("window.scrollTo(0, 0)")
        shot(page, "3-done")

        assert len(loads) == 1, loads  # the builder never left the page
        with app.app_context():
            meeting = db.session.get(Meeting, meeting_id)
            ordered = sorted(meeting.items, key=lambda i: i.position)
            assert [i.title for i in ordered] == [
                "Dự án Luật Thủ đô (sửa đổi)", "Nghị quyết phiên họp",
                "Báo cáo kinh tế - xã hội tháng 11 (bản sửa)"]
            edited = ordered[2]
            assert (edited.presenter_id, edited.duration_min, edited.confidential,
                    edited.invitee_ids) == (users["presenter"].id, 50, True, {users["member"].id})
        # Published, opened by the member: the secretariat sees who has opened the invitation.
        with app.app_context(), unit_of_work():
            services.transition(db.session.get(User, users["secretariat"].id),
                                db.session.get(Meeting, meeting_id), "published")
        member = browser.new_context(viewport=TABLET, locale="vi-VN")
        sign_in(member.new_page(), live_server, users["member"])
        member.pages[0].goto(live_server(f"/meetings/{meeting_id}"))
        member.close()
        page.goto(live_server(f"/meetings/{meeting_id}/prepare"))
        people = page.locator("#participants")
        expect(people.locator(".opened.is-opened")).to_have_count(1)
        expect(people.locator(".opened.not-opened")).to_have_count(1)
        people.scroll_into_view_if_needed()
        page.evaluate("window.scrollTo(0, 0)")
        shot(page, "4-published-who-opened")
    finally:
        context.close()
    assert not errors, f"the browser reported problems: {errors}"
