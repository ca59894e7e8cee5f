"""The document viewer in Chromium on a portrait tablet: a Vietnamese draft decree (.docx, converted
by LibreOffice) opened from the meeting room, turned to page 2, highlighted and annotated, still
annotated after a reload; the chair presenting while a member's tablet follows; the upload page
and the document page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from ecabinet.database import unit_of_work
from ecabinet.demo.documents import draft_decree
from ecabinet.demo.report import report_pdf
from ecabinet.docs import access as docs_access
from ecabinet.docs import jobs
from ecabinet.docs import services as documents
from ecabinet.docs.models import Annotation
from ecabinet.extensions import db
from ecabinet.i18n import VIETNAM
from ecabinet.identity.models import User
from ecabinet.meetings import access
from ecabinet.meetings import services as meetings
from tests.browser.conftest import BrowserAuth

pytestmark = pytest.mark.browser


@dataclass
class Dossier:
    meeting_id: int
    items: list[int]
    decree: int
    report: int
    users: dict


def _upload(secretariat, item, data, filename, title):
    document = documents.upload(secretariat, data=data, filename=filename, title=title,
                                classification="normal",
                                limits=documents.limits({"DOCUMENT_MAX_BYTES": 10_000_000}))
    documents.attach(secretariat, item, document.id)
    return document.id


@pytest.fixture
def dossier(app, make_user) -> Dossier:
    """A published meeting with the demo's draft decree (converted by LibreOffice) on item 1 and
    the demo's PDF report on item 2."""
    users = {
        "secretariat": make_user("secretariat", name="Vũ Thị Lan", title="Vụ trưởng"),
        "chair": make_user("member", name="Trần Minh Quang", title="Thủ tướng Chính phủ"),
        "member": make_user("member", name="Phạm Quốc Bảo", title="Bộ trưởng Bộ Tư pháp"),
    }
    with app.app_context(), unit_of_work():
        secretariat = db.session.get(User, users["secretariat"].id)
        meeting = meetings.create_meeting(
            secretariat, title="Phiên họp Chính phủ thường kỳ tháng 12 năm 2026",
            starts_at=datetime(2026, 12, 3, 8, 0, tzinfo=VIETNAM), location="Trụ sở Chính phủ")
        meetings.invite(secretariat, meeting, user_id=users["chair"].id, role="chair")
        meetings.invite(secretariat, meeting, user_id=users["member"].id, role="member")
        items = [meetings.add_item(secretariat, meeting,
                                   title="Dự thảo Nghị định quy định chi tiết Luật Đầu tư công",
                                   presenting_agency="Bộ Kế hoạch và Đầu tư", duration_min=30),
                 meetings.add_item(secretariat, meeting,
                                   title="Báo cáo tình hình kinh tế - xã hội tháng 11",
                                   presenting_agency="Bộ Kế hoạch và Đầu tư", duration_min=30)]
        decree = _upload(secretariat, items[0], draft_decree(), "du-thao-nghi-dinh.docx",
                         "Dự thảo Nghị định quy định chi tiết một số điều của Luật Đầu tư công")
        report = _upload(secretariat, items[1], report_pdf(), "bao-cao.pdf",
                         "Báo cáo tình hình kinh tế - xã hội tháng 11 năm 2026")
        meetings.transition(secretariat, meeting, "published")
        result = Dossier(meeting.id, [item.id for item in items], decree, report, users)
    # LibreOffice converts the .docx in the worker thread (a cold start takes a few seconds).
    assert jobs.local_worker().wait_idle(timeout=180), "the conversion did not finish"
    with app.app_context():
        version = docs_access.version_for(db.session.get(User, users["secretariat"].id), decree, 1)
        assert version.state == "ready", (version.error_code, version.error_detail)
        assert version.pages >= 2
    return result


def sign_in(page, live_server, user):
    auth = BrowserAuth(page, live_server)
    auth.submit_password(user)
    auth.expect_path("/")


def rendered(page, number: int):
    expect(page.locator("#viewer")).to_have_attribute("data-rendered-page", str(number),
                                                      timeout=20_000)


def snap(screenshot, page, name):
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, name)


def test_read_turn_highlight_and_annotate_on_a_tablet(app, dossier, tablet, live_server,
                                                     screenshot):
    page = tablet()
    workers = []
    page.on("worker", lambda worker: workers.append(worker.url))
    sign_in(page, live_server, dossier.users["member"])
    # From the meeting room: the dossier of item 1 links to the viewer in the meeting's context.
    page.goto(live_server(f"/meetings/{dossier.meeting_id}"))
    link = page.locator(f'.item-doc-link[data-document-id="{dossier.decree}"]')
    expect(link).to_have_attribute("href", re.compile(rf"meeting={dossier.meeting_id}"))
    snap(screenshot, page, "documents-meeting-room")
    link.click()
    rendered(page, 1)
    # pdf.js runs in its module worker, loaded from 'self' under the CSP (no fake worker).
    assert any(url.endswith("/static/vendor/pdfjs/pdf.worker.min.mjs") for url in workers)
    expect(page.locator("[data-page-count]")).not_to_have_text("…")
    expect(page.locator(".viewer-thumb")).to_have_count(int(
        page.locator("[data-page-count]").inner_text()))
    expect(page.locator(".viewer-thumb.is-drawn").first).to_be_visible()
    snap(screenshot, page, "viewer-tablet-page1")

    # The large "next page" button.
    next_button = page.locator('[data-action="next-page"]')
    box = next_button.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44
    next_button.click()
    rendered(page, 2)
    expect(page.locator("[data-page-input]")).to_have_value("2")
    expect(page.locator(".viewer-thumb.is-current")).to_have_attribute("data-page", "2")

    # Zoom by the buttons (pinching does the same on a touch screen).
    page.locator('[data-action="zoom-in"]').click()
    expect(page.locator("[data-zoom-value]")).to_have_text("125%")
    page.locator('[data-action="zoom-fit"]').click()
    expect(page.locator("[data-zoom-value]")).to_have_text("100%")
    # Pinch: two touch pointers moving apart from 100 px to 150 px zoom by half as much again.
    page.evaluate("""() => {
        const stage = document.querySelector("[data-stage]");
        const box = stage.getBoundingClientRect();
        const cx = box.left + box.width / 2, cy = box.top + 300;
        const touch = (type, id, x) => stage.dispatchEvent(new PointerEvent(type, {
            pointerId: id, pointerType: "touch", isPrimary: id === 11, clientX: x, clientY: cy,
            bubbles: true}));
        touch("pointerdown", 11, cx - 50);
        touch("pointerdown", 12, cx + 50);
        touch("pointermove", 11, cx - 75);
        touch("pointermove", 12, cx + 75);
        touch("pointerup", 12, cx + 75);
        touch("pointerup", 11, cx - 75);
    }""")
    expect(page.locator("[data-zoom-value]")).to_have_text("150%")
    rendered(page, 2)
    page.locator('[data-action="zoom-fit"]').click()
    expect(page.locator("[data-zoom-value]")).to_have_text("100%")

    # Highlight a rectangle by dragging over the page.
    page.locator('[data-tool-button="highlight"]').click()
    sheet = page.locator("[data-sheet]").bounding_box()
    x0, y0 = sheet["x"] + sheet["width"] * 0.15, sheet["y"] + sheet["height"] * 0.2
    page.mouse.move(x0, y0)
    page.mouse.down()
    for step in range(1, 9):
        page.mouse.move(x0 + sheet["width"] * 0.6 * step / 8,
                        y0 + sheet["height"] * 0.04 * step / 8)
    page.mouse.up()
    expect(page.locator(".annotation-highlight")).to_have_count(1)

    # Pin a note.
    page.locator('[data-tool-button="note"]').click()
    page.mouse.click(sheet["x"] + sheet["width"] * 0.85, sheet["y"] + sheet["height"] * 0.3)
    page.locator("[data-note-editor] textarea").fill("Đề nghị làm rõ thời hạn giải ngân.")
    page.locator("[data-note-editor] button[type=submit]").click()
    expect(page.locator(".annotation-note")).to_have_count(1)
    expect(page.locator(".note-entry")).to_have_count(2)
    page.locator('[data-tool-button="note"]').click()  # back to reading
    expect(page.locator("#viewer")).to_have_attribute("data-tool", "read")
    snap(screenshot, page, "viewer-tablet-annotated")

    with app.app_context():
        stored = db.session.scalars(select(Annotation).order_by(Annotation.id)).all()
        assert [(a.kind, a.page, a.user_id) for a in stored] == [
            ("highlight", 2, dossier.users["member"].id), ("note", 2, dossier.users["member"].id)]
        assert 0.55 < stored[0].width < 0.65

    # Reload: the same page, the same marks, from the server.
    page.reload()
    rendered(page, 2)
    expect(page.locator(".annotation-highlight")).to_have_count(1)
    expect(page.locator(".annotation-note")).to_have_count(1)
    expect(page.locator(".note-entry.note-note")).to_contain_text("thời hạn giải ngân")

    # The strip of pages folds away on a portrait tablet, and comes back.
    page.locator('[data-action="toggle-thumbs"]').click()
    expect(page.locator("[data-thumbs]")).to_be_hidden()
    snap(screenshot, page, "viewer-tablet-thumbs-folded")
    page.locator('[data-action="toggle-thumbs"]').click()
    expect(page.locator("[data-thumbs]")).to_be_visible()

    # Delete the highlight from the list: gone after a reload too.
    page.locator(".note-entry.note-highlight button").click()
    expect(page.locator(".annotation-highlight")).to_have_count(0)
    page.reload()
    rendered(page, 2)
    expect(page.locator(".annotation-highlight")).to_have_count(0)
    expect(page.locator(".annotation-note")).to_have_count(1)


def test_a_tablet_follows_the_presenter(app, dossier, tablet, live_server, screenshot):
    with app.app_context(), unit_of_work():
        chair_user = db.session.get(User, dossier.users["chair"].id)
        meeting = access.meeting_for(chair_user, dossier.meeting_id)
        meetings.transition(chair_user, meeting, "in_session")
    chair, member = tablet(), tablet()
    sign_in(chair, live_server, dossier.users["chair"])
    sign_in(member, live_server, dossier.users["member"])
    viewer = f"/documents/{dossier.decree}/versions/1/view?meeting={dossier.meeting_id}"

    member.goto(live_server(viewer))
    rendered(member, 1)
    follow = member.locator('[data-action="toggle-follow"]')
    expect(follow).to_be_visible()
    expect(member.locator('[data-action="toggle-present"]')).to_have_count(0)
    follow.click()
    expect(follow).to_have_attribute("aria-pressed", "true")

    chair.goto(live_server(viewer))
    rendered(chair, 1)
    present = chair.locator('[data-action="toggle-present"]')
    expect(present).to_be_visible()
    present.click()
    expect(present).to_have_attribute("aria-pressed", "true")
    chair.locator('[data-action="next-page"]').click()
    rendered(chair, 2)
    rendered(member, 2)  # the member's tablet jumped by itself
    snap(screenshot, member, "viewer-following")
    snap(screenshot, chair, "viewer-presenting")

    # The presenter opens the report: the follower's tablet opens it too, at the same page.
    chair.goto(live_server(f"/documents/{dossier.report}/versions/1/view"
                           f"?meeting={dossier.meeting_id}"))
    rendered(chair, 1)
    chair.locator('[data-action="toggle-present"]').click()
    chair.locator('[data-action="next-page"]').click()
    rendered(chair, 2)
    member.wait_for_url(re.compile(rf"/documents/{dossier.report}/versions/1/view"))
    rendered(member, 2)
    expect(member.locator('[data-action="toggle-follow"]')).to_have_attribute("aria-pressed",
                                                                             "true")

    # The presenter stops: the follower is told (issue 9, point 6), then presents again.
    chair.locator('[data-action="toggle-present"]').click()
    expect(chair.locator('[data-action="toggle-present"]')).to_have_attribute("aria-pressed",
                                                                              "false")
    expect(member.get_by_text("Người trình bày đã dừng trình chiếu.")).to_be_visible()
    chair.locator('[data-action="toggle-present"]').click()

    # Not following any more: the presenter's page turns leave this tablet alone.
    member.locator('[data-action="toggle-follow"]').click()
    chair.locator('[data-action="prev-page"]').click()
    rendered(chair, 1)
    member.wait_for_timeout(1000)
    expect(member.locator("#viewer")).to_have_attribute("data-rendered-page", "2")


def test_upload_page_and_document_page(app, dossier, tablet, live_server, screenshot, tmp_path):
    page = tablet()
    sign_in(page, live_server, dossier.users["secretariat"])
    page.goto(live_server("/documents"))
    expect(page.locator(".doc-title")).to_have_count(2)
    snap(screenshot, page, "documents-list")

    page.goto(live_server("/documents/new"))
    file = tmp_path / "to-trinh.docx"
    file.write_bytes(draft_decree())
    page.locator("input[name=file]").set_input_files(str(file))
    page.locator("input[name=title]").fill("Tờ trình dự thảo Nghị định (lần 2)")
    page.locator("select[name=classification]").select_option("confidential")
    snap(screenshot, page, "documents-upload")
    page.locator("form.upload-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/documents/\d+$"))
    expect(page.locator("h1")).to_contain_text("Tờ trình dự thảo Nghị định (lần 2)")
    expect(page.locator("h1 .tag-secret")).to_be_visible()
    snap(screenshot, page, "documents-converting")
    # The page refreshes itself once LibreOffice is done: the "Read" button appears.
    expect(page.locator('[data-version-state="ready"]')).to_be_visible(timeout=90_000)
    expect(page.locator(".head-actions a.btn-primary")).to_be_visible()
    snap(screenshot, page, "documents-document")

    # The prepare page: each item's dossier and a form to attach one more.
    page.goto(live_server(f"/meetings/{dossier.meeting_id}/prepare"))
    expect(page.locator(".prepare-docs .item-doc")).to_have_count(2)
    snap(screenshot, page, "documents-prepare")


@pytest.mark.parametrize("viewport", [{"width": 768, "height": 1024},
                                      {"width": 360, "height": 740}], ids=["tablet", "phone"])
def test_document_pages_fit_and_have_large_targets(dossier, tablet, live_server, screenshot,
                                                   viewport):
    from tests.browser.test_layout import horizontal_overflow, small_targets

    page = tablet()
    page.set_viewport_size(viewport)
    sign_in(page, live_server, dossier.users["secretariat"])
    for path in ("/documents", "/documents/new", f"/documents/{dossier.decree}",
                 f"/documents/{dossier.decree}/versions/1/view?meeting={dossier.meeting_id}"):
        page.goto(live_server(path))
        if "/view" in path:
            rendered(page, 1)
        assert small_targets(page, "main") == [], path
        assert horizontal_overflow(page) <= 0, path
    snap(screenshot, page, f"viewer-{viewport['width']}")
