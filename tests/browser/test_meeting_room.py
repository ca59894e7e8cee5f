"""The meetings pages in Chromium on portrait tablets: the secretariat prepares, the chair runs the
session from one tablet and a member follows it on another, live, without reloading."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import pytest
from playwright.sync_api import expect

from ecabinet.database import unit_of_work
from ecabinet.extensions import db
from ecabinet.i18n import VIETNAM
from ecabinet.identity.models import User
from ecabinet.meetings import services
from ecabinet.meetings.models import Meeting
from tests.browser.conftest import SCREENSHOTS, BrowserAuth
from tests.fixtures.secret_votes import TRUSTEE_PINS as PINS

pytestmark = pytest.mark.browser


@dataclass
class Room:
    meeting_id: int
    items: list[int]
    users: dict


@pytest.fixture
def room(app, make_user) -> Room:
    """A published regular meeting: a chair, two members, a guest; three agenda items."""
    users = {
        "secretariat": make_user("secretariat", name="Vũ Thị Lan", title="Vụ trưởng",
                                 organisation="Văn phòng Chính phủ"),
        "chair": make_user("member", name="Trần Minh Quang", title="Thủ tướng Chính phủ"),
        "member": make_user("member", name="Phạm Quốc Bảo", title="Bộ trưởng Bộ Tư pháp"),
        "absent": make_user("member", name="Nguyễn Thu Hà", title="Bộ trưởng Bộ Nội vụ"),
        "guest": make_user("guest", name="Đinh Công Sơn", title="Chủ tịch UBND tỉnh"),
    }
    with app.app_context(), unit_of_work():
        secretariat = db.session.get(User, users["secretariat"].id)
        meeting = services.create_meeting(
            secretariat, title="Phiên họp Chính phủ thường kỳ tháng 11 năm 2026",
            starts_at=datetime(2026, 11, 30, 8, 0, tzinfo=VIETNAM), location="Trụ sở Chính phủ")
        for who, role in (("chair", "chair"), ("member", "member"), ("absent", "member"),
                          ("guest", "guest")):
            services.invite(secretariat, meeting, user_id=users[who].id, role=role)
        items = [
            services.add_item(secretariat, meeting,
                              title="Dự án Luật Tổ chức chính quyền địa phương (sửa đổi)",
                              presenting_agency="Bộ Nội vụ", duration_min=30,
                              invitee_ids=[users["guest"].id]),
            services.add_item(secretariat, meeting,
                              title="Báo cáo tình hình kinh tế - xã hội tháng 11 năm 2026",
                              presenting_agency="Bộ Tài chính", duration_min=45),
            services.add_item(secretariat, meeting,
                              title="Nghị quyết phiên họp Chính phủ thường kỳ tháng 11",
                              presenting_agency="Văn phòng Chính phủ", duration_min=15),
        ]
        services.transition(secretariat, meeting, "published")
        return Room(meeting.id, [item.id for item in items], users)


def sign_in(page, live_server, user):
    auth = BrowserAuth(page, live_server)
    auth.submit_password(user)
    auth.expect_path("/")


def open_room(page, live_server, room):
    page.goto(live_server(f"/meetings/{room.meeting_id}"))
    expect(page.locator("[data-connection]")).to_have_attribute("data-state", "online")


def snap(screenshot, page, name):
    """The whole page from its top (a scrolled page would show its sticky bar mid-way)."""
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, name)


def item_row(page, item_id):
    return page.locator(f'.room-item[data-item-id="{item_id}"]')


def test_secretariat_lists_and_prepares_meetings(app, room, tablet, live_server, screenshot):
    page = tablet()
    sign_in(page, live_server, room.users["secretariat"])

    page.goto(live_server("/meetings"))
    expect(page.locator(".meeting-card")).to_have_count(1)
    expect(page.locator(".page-head .btn-primary")).to_be_visible()  # New meeting
    screenshot(page, "meetings-list")

    page.goto(live_server(f"/meetings/{room.meeting_id}/prepare"))
    rows = page.locator("#agenda-list .agenda-row")
    expect(rows).to_have_count(3)
    screenshot(page, "meeting-prepare")

    # Drag the third item by its handle to the top: the order is saved at once.
    handle = rows.nth(2).locator(".drag-handle").bounding_box()
    target = rows.nth(0).bounding_box()
    page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
    page.mouse.down()
    steps = 12
    for step in range(1, steps + 1):
        page.mouse.move(handle["x"] + handle["width"] / 2,
                        handle["y"] + (target["y"] + 4 - handle["y"]) * step / steps)
        page.wait_for_timeout(30)
    page.mouse.up()
    expect(page.locator(".order-status")).not_to_be_empty()
    expect(page.locator(".order-status")).not_to_have_class(re.compile("is-error"))
    expect(rows.nth(0)).to_have_attribute("data-item-id", str(room.items[2]))
    expect(rows.nth(0).locator(".agenda-number")).to_have_text("1")
    with app.app_context():
        meeting = db.session.get(Meeting, room.meeting_id)
        assert [i.id for i in sorted(meeting.items, key=lambda i: i.position)] == \
            [room.items[2], room.items[0], room.items[1]]

    # After a reload the page shows the order the server keeps.
    page.reload()
    expect(rows.nth(0)).to_have_attribute("data-item-id", str(room.items[2]))


def test_the_chair_runs_the_session_and_a_member_follows_live(room, tablet, live_server,
                                                             screenshot):
    chair, member = tablet(), tablet()
    sign_in(chair, live_server, room.users["chair"])
    sign_in(member, live_server, room.users["member"])
    open_room(chair, live_server, room)
    open_room(member, live_server, room)
    member.evaluate("window.__sameDocument = true")  # gone if the member's page reloads

    # Both check in; the chair's page counts the member without reloading.
    chair.locator("[data-action=checkin]").click()
    expect(chair.locator("[data-checked-in]")).to_be_visible()
    member.locator("[data-action=checkin]").click()
    expect(member.locator("[data-checked-in]")).to_be_visible()
    expect(chair.locator("[data-present]")).to_have_text("2")
    expect(member.locator("#chair-console")).to_have_count(0)

    # The chair opens the session and moves through the agenda: the member's tablet follows.
    chair.locator("#chair-console [data-transition=in_session]:visible").click()
    expect(member.locator("[data-status-badge]")).to_have_class(re.compile("status-in_session"))
    chair.locator("[data-action=next-item]").click()
    expect(item_row(member, room.items[0])).to_have_class(re.compile("is-current"))
    chair.locator("[data-action=next-item]").click()
    expect(item_row(member, room.items[1])).to_have_class(re.compile("is-current"))
    expect(item_row(member, room.items[0])).not_to_have_class(re.compile("is-current"))
    expect(member.locator("[data-current-title]")).to_contain_text("Báo cáo tình hình")

    # The member asks to speak; the chair gives the floor and the timer runs on both tablets.
    member.locator("[data-action=request-floor]").click()
    expect(chair.locator("[data-speaker-queue] .speaker")).to_have_count(1)
    chair.locator("[data-action=give-floor]").first.click()
    expect(member.locator("[data-speaker-now]")).to_be_visible()
    expect(member.locator("[data-speaker-name]")).to_contain_text("Phạm Quốc Bảo")
    chair.locator("[data-action=finish-speaker]").click()
    expect(member.locator("[data-speaker-now]")).to_be_hidden()

    # The chair opens a vote: the member's tablet shows the vote panel without reloading.
    chair.locator("[data-vote-form] input[name=question]").fill(
        "Thông qua Báo cáo tình hình kinh tế - xã hội tháng 11 năm 2026?")
    chair.locator("[data-vote-form] select[name=rule]").select_option("majority_of_all")
    chair.locator("[data-vote-form] button[type=submit]").click()
    panel = member.locator("#vote-panel")
    expect(panel).to_be_visible()
    expect(panel.locator("[data-vote-question]")).to_have_text(
        "Thông qua Báo cáo tình hình kinh tế - xã hội tháng 11 năm 2026?")
    expect(panel.locator("[data-choice]")).to_have_count(3)
    member.wait_for_timeout(600)  # the panel scrolls into view
    member.screenshot(path=str(SCREENSHOTS / "meeting-room-vote-tablet.png"))
    snap(screenshot, member, "meeting-room-vote")

    # The member votes, with a confirmation step; the chair sees the progress.
    panel.locator("[data-choice=yes]").click()
    expect(panel.locator("[data-vote-confirm]")).to_be_visible()
    expect(panel.locator("[data-vote-choices]")).to_be_hidden()
    panel.locator("[data-action=confirm-ballot]").click()
    expect(panel.locator("[data-vote-done]")).to_be_visible()
    done_choice = panel.locator("[data-done-choice]").inner_text()
    assert done_choice in ("Tán thành", "In favour")
    expect(chair.locator("[data-console-progress]")).to_contain_text("1")
    expect(chair.locator("#vote-panel [data-progress-text]")).to_contain_text("1")
    assert member.evaluate("window.__sameDocument") is True
    snap(screenshot, chair, "meeting-chair-console")

    # The member's tablet reloads mid-vote: its own ballot is shown again at once.
    member.reload()
    expect(member.locator("[data-connection]")).to_have_attribute("data-state", "online")
    panel = member.locator("#vote-panel")
    expect(panel).to_be_visible()
    expect(panel.locator("[data-vote-done]")).to_be_visible()
    expect(panel.locator("[data-done-choice]")).to_have_text(done_choice)

    # The chair votes too and closes the vote: both tablets show the result.
    chair_panel = chair.locator("#vote-panel")
    chair_panel.locator("[data-choice=yes]").click()
    chair_panel.locator("[data-action=confirm-ballot]").click()
    expect(chair_panel.locator("[data-vote-done]")).to_be_visible()
    chair.once("dialog", lambda dialog: dialog.accept())
    chair.locator("[data-action=close-vote]").click()
    for tab in (chair, member):
        result = tab.locator("#vote-panel [data-vote-result]")
        expect(result).to_be_visible()
        expect(result.locator("[data-outcome]")).to_have_class(re.compile("outcome-adopted"))
        expect(result.locator('[data-result="yes"]')).to_have_text("2")
        expect(result.locator('[data-result="absent"]')).to_have_text("1")
        expect(item_row(tab, room.items[1]).locator(".result-line")).to_have_count(1)
    snap(screenshot, member, "meeting-result")
    snap(screenshot, chair, "meeting-chair-result")


def test_a_secret_ballot_can_be_changed_after_a_reload(room, tablet, live_server):
    chair, member = tablet(), tablet()
    sign_in(chair, live_server, room.users["chair"])
    sign_in(member, live_server, room.users["member"])
    open_room(chair, live_server, room)
    open_room(member, live_server, room)
    for tab in (chair, member):
        tab.locator("[data-action=checkin]").click()
        expect(tab.locator("[data-checked-in]")).to_be_visible()
    chair.locator("#chair-console [data-transition=in_session]:visible").click()
    chair.locator("[data-action=next-item]").click()
    expect(item_row(member, room.items[0])).to_have_class(re.compile("is-current"))
    # A secret vote is always verifiable: its trustees (the chair, the secretariat) type PINs.
    form = chair.locator("[data-vote-form]")
    form.locator("input[name=secret]").check()
    for who, pin in PINS.items():
        form.locator(f'[data-trustee-pin="{room.users[who].id}"]').fill(pin)
    form.locator("button[type=submit]").click()

    panel = member.locator("#vote-panel")
    expect(panel.locator("[data-vote-secret]")).to_be_visible()
    panel.locator("[data-choice=no]").click()
    panel.locator("[data-action=confirm-ballot]").click()
    expect(panel.locator("[data-vote-done]")).to_be_visible()
    member.reload()
    panel = member.locator("#vote-panel")
    expect(panel.locator("[data-vote-done]")).to_be_visible()
    no_label = panel.locator("[data-choice=no] > span:last-child").inner_text().strip()
    expect(panel.locator("[data-done-choice]")).to_have_text(no_label)
    # Changing a secret ballot: a new encrypted ballot replaces the stored one.
    panel.locator("[data-action=change-ballot]").click()
    panel.locator("[data-choice=yes]").click()
    panel.locator("[data-action=confirm-ballot]").click()
    yes_label = panel.locator("[data-choice=yes] > span:last-child").inner_text().strip()
    expect(panel.locator("[data-done-choice]")).to_have_text(yes_label)
    expect(member.locator("[data-toast]")).to_be_hidden()
    # The chair closes with their PIN; the secretariat decrypts the sums on their own tablet.
    chair.locator("[data-close-pin]").fill(PINS["chair"])
    chair.once("dialog", lambda dialog: dialog.accept())
    chair.locator("[data-action=close-vote]").click()
    expect(member.locator("#vote-panel [data-waiting-names]")).to_be_visible()
    secretariat = tablet()
    sign_in(secretariat, live_server, room.users["secretariat"])
    open_room(secretariat, live_server, room)
    decrypt = secretariat.locator("#vote-panel [data-decrypt]")
    decrypt.locator("[data-decrypt-pin]").fill(PINS["secretariat"])
    decrypt.locator("[data-action=decrypt-vote]").click()
    result = member.locator("#vote-panel")
    expect(result.locator('[data-result="yes"]')).to_have_text("1")
    expect(result.locator('[data-result="no"]')).to_have_text("0")


def test_a_guest_sees_only_their_items_and_never_the_vote(room, tablet, live_server):
    guest = tablet()
    sign_in(guest, live_server, room.users["guest"])
    open_room(guest, live_server, room)
    expect(guest.locator(".room-item")).to_have_count(1)
    expect(guest.locator("#vote-panel")).to_have_count(0)
    expect(guest.locator("[data-positions]")).to_have_count(0)
    expect(guest.locator("[data-action=checkin]")).to_be_visible()


def test_positions_before_the_session_and_adopting_uncontested_items(app, room, tablet,
                                                                    live_server, screenshot):
    chair, member = tablet(), tablet()
    sign_in(chair, live_server, room.users["chair"])
    sign_in(member, live_server, room.users["member"])
    open_room(member, live_server, room)

    # Before the session the member states positions, one with a note.
    first, last = item_row(member, room.items[0]), item_row(member, room.items[2])
    first.locator("[data-stance=agree]").click()
    expect(first.locator("[data-stance=agree]")).to_have_attribute("aria-pressed", "true")
    last.locator("summary").click()
    last.locator("[data-note]").fill("Đề nghị làm rõ thẩm quyền ban hành.")
    last.locator("[data-stance=object]").click()
    expect(last.locator("[data-stance=object]")).to_have_attribute("aria-pressed", "true")
    expect(last.locator("[data-position-status]")).not_to_be_empty()
    member.reload()
    expect(item_row(member, room.items[2]).locator("[data-stance=object]")).to_have_attribute(
        "aria-pressed", "true")
    expect(item_row(member, room.items[2]).locator("[data-note]")).to_have_value(
        "Đề nghị làm rõ thẩm quyền ban hành.")

    # The others who vote agree to items 1 and 2 (silence is not agreement).
    from ecabinet.meetings import sitting
    from ecabinet.meetings.models import AgendaItem

    with app.app_context(), unit_of_work():
        for who in ("chair", "absent", "member"):
            for item_id in room.items[:2]:
                sitting.set_position(db.session.get(User, room.users[who].id),
                                     db.session.get(AgendaItem, item_id), "agree")

    # The chair sees the tally, opens the session and adopts the two uncontested items at once.
    open_room(chair, live_server, room)
    expect(item_row(chair, room.items[2]).locator("[data-tally]")).to_contain_text("1")
    # ... and each position's note, with who wrote it (issue 9, point 2)
    expect(item_row(chair, room.items[2]).locator("[data-position-notes]")).to_contain_text(
        "Phạm Quốc Bảo (không tán thành): Đề nghị làm rõ thẩm quyền ban hành.")
    expect(item_row(member, room.items[2]).locator("[data-position-notes]")).to_have_count(0)
    item_row(chair, room.items[2]).scroll_into_view_if_needed()
    screenshot(chair, "meeting-room-chair-notes")
    chair.locator("#chair-console [data-transition=in_session]:visible").click()
    expect(chair.locator("[data-uncontested]")).to_contain_text("1, 2")
    chair.once("dialog", lambda dialog: dialog.accept())
    chair.locator("[data-action=adopt-uncontested]").click()
    for item_id in room.items[:2]:
        expect(item_row(member, item_id).locator("[data-adopted]")).to_be_visible()
    expect(item_row(member, room.items[2]).locator("[data-adopted]")).to_be_hidden()
    expect(chair.locator("[data-action=adopt-uncontested]")).to_be_disabled()
    snap(screenshot, member, "meeting-room-adopted")

    # Adjourning and resuming reach the member's tablet too.
    chair.once("dialog", lambda dialog: dialog.accept())
    chair.locator("#chair-console [data-transition=adjourned]").click()
    expect(member.locator("[data-status-badge]")).to_have_class(re.compile("status-adjourned"))
    chair.locator("#chair-console [data-transition=in_session]:visible").click()
    expect(member.locator("[data-status-badge]")).to_have_class(re.compile("status-in_session"))


def test_the_agenda_is_reordered_with_a_finger(app, browser, room, live_server):
    context = browser.new_context(viewport={"width": 768, "height": 1024}, has_touch=True,
                                  is_mobile=True, locale="vi-VN",
                                  timezone_id="Asia/Ho_Chi_Minh")
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        sign_in(page, live_server, room.users["secretariat"])
        page.goto(live_server(f"/meetings/{room.meeting_id}/prepare"))
        rows = page.locator("#agenda-list .agenda-row")
        handle = rows.nth(0).locator(".drag-handle").bounding_box()
        target = rows.nth(2).bounding_box()
        x, y = handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2
        end = target["y"] + target["height"] - 4
        cdp = context.new_cdp_session(page)

        def touch(kind, at_y):
            points = [] if kind == "touchEnd" else [{"x": x, "y": at_y}]
            cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

        touch("touchStart", y)
        for step in range(1, 16):
            touch("touchMove", y + (end - y) * step / 15)
            page.wait_for_timeout(30)
        touch("touchEnd", end)
        expect(rows.nth(2)).to_have_attribute("data-item-id", str(room.items[0]))
        expect(page.locator(".order-status")).not_to_be_empty()
        with app.app_context():
            meeting = db.session.get(Meeting, room.meeting_id)
            assert [i.id for i in sorted(meeting.items, key=lambda i: i.position)] == \
                [room.items[1], room.items[2], room.items[0]]
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [{"width": 768, "height": 1024},
                                      {"width": 360, "height": 740}], ids=["tablet", "phone"])
def test_meeting_pages_fit_and_have_large_targets(viewport, room, tablet, live_server,
                                                  screenshot):
    from tests.browser.test_layout import horizontal_overflow, small_targets

    pages = [("secretariat", "/meetings"), ("secretariat", "/meetings/new"),
             ("secretariat", f"/meetings/{room.meeting_id}/prepare"),
             ("secretariat", f"/meetings/{room.meeting_id}/edit"),
             ("chair", f"/meetings/{room.meeting_id}"),
             ("member", f"/meetings/{room.meeting_id}")]
    tabs = {}
    for who, path in pages:
        if who not in tabs:
            tabs[who] = tablet()
            tabs[who].set_viewport_size(viewport)
            sign_in(tabs[who], live_server, room.users[who])
        page = tabs[who]
        page.goto(live_server(path))
        if path.endswith(str(room.meeting_id)):
            expect(page.locator("[data-connection]")).to_have_attribute("data-state", "online")
        assert small_targets(page, "main") == [], path
        assert horizontal_overflow(page) <= 0, path
    snap(screenshot, tabs["chair"], f"meeting-room-chair-{viewport['width']}")


def test_a_tablet_whose_account_is_switched_off_goes_back_to_the_sign_in_page(app, room, tablet,
                                                                             live_server):
    """The server cuts the live connection when the account's sessions end; the room page
    reloads at once and, the session being gone, shows the sign-in page."""
    from ecabinet.identity import services as identity

    page = tablet()
    sign_in(page, live_server, room.users["member"])
    open_room(page, live_server, room)
    with app.app_context(), unit_of_work():
        identity.update_user(identity.get_user(room.users["member"].id), active=False,
                             actor=identity.get_user(room.users["secretariat"].id))
    expect(page).to_have_url(re.compile(r"/login"), timeout=15_000)


def test_a_tablet_joins_again_when_the_agenda_changes(app, room, tablet, live_server):
    """An item added while tablets follow the published meeting changes what each may hear:
    the member's page joins again by itself and still follows the session, without a reload."""
    chair, member = tablet(), tablet()
    sign_in(chair, live_server, room.users["chair"])
    sign_in(member, live_server, room.users["member"])
    open_room(chair, live_server, room)
    open_room(member, live_server, room)
    member.evaluate("window.__sameDocument = true")
    with app.app_context(), unit_of_work():
        services.add_item(db.session.get(User, room.users["secretariat"].id),
                          db.session.get(Meeting, room.meeting_id),
                          title="Phương án nhân sự (mật)", confidential=True)
    chair.locator("#chair-console [data-transition=in_session]:visible").click()
    expect(member.locator("[data-status-badge]")).to_have_class(re.compile("status-in_session"))
    assert member.evaluate("window.__sameDocument") is True
    expect(member.get_by_text("Phương án nhân sự (mật)")).to_have_count(0)
