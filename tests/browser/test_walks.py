"""The meeting day and the decision day, end to end, as their users walk them (issue 9): each
person on a tablet of their own (768x1024), every step a page they see, a screenshot at each step
in /tmp/shots/walks/ for a human eye. What is not the walk (people, organisations, the document
the secretariat uploaded, the keys) is set up with the fixtures and services."""

from __future__ import annotations

import io
import re
import tempfile
from datetime import datetime
from pathlib import Path

import pytest
from docx import Document as Docx
from playwright.sync_api import expect

from ecabinet.database import unit_of_work
from ecabinet.demo.report import report_pdf
from ecabinet.docs import jobs
from ecabinet.docs import services as documents
from ecabinet.extensions import db
from ecabinet.i18n import VIETNAM
from ecabinet.identity.models import User
from ecabinet.meetings import services
from ecabinet.meetings.models import AgendaItem, Meeting
from tests.browser.conftest import BrowserAuth
from tests.browser.test_meeting_room import item_row, open_room, sign_in
from tests.decisions.conftest import PIN, code_for, fake_signing, people  # noqa: F401
from tests.docs.conftest import _jobs_finish_within_the_test  # noqa: F401 - autouse

pytestmark = pytest.mark.browser

SHOTS = Path(tempfile.gettempdir()) / "shots" / "walks"


class Shots:
    """Numbered screenshots of what each person sees, in the order of the walk."""

    def __init__(self, day: str):
        self.day, self.count = day, 0
        SHOTS.mkdir(parents=True, exist_ok=True)
        for old in SHOTS.glob(f"{day}-*.png"):
            old.unlink()

    def __call__(self, page, name: str, *, full: bool = False) -> None:
        self.count += 1
        if full:  # from the top: a scrolled page shows its sticky bar mid-way
            page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(SHOTS / f"{self.day}-{self.count:02d}-{name}.png"),
                        full_page=full)


# --- the meeting day ----------------------------------------------------------------------------

@pytest.fixture
def meeting_day(app, make_user):
    """A draft meeting with its chair and one member invited; the second member is invited on
    the page."""
    users = {
        "secretariat": make_user("secretariat", name="Vũ Thị Lan", title="Vụ trưởng",
                                 organisation="Văn phòng Chính phủ"),
        "chair": make_user("member", name="Trần Minh Quang", title="Thủ tướng Chính phủ"),
        "a": make_user("member", name="Phạm Quốc Bảo", title="Bộ trưởng Bộ Tư pháp"),
        "b": make_user("member", name="Nguyễn Thu Hà", title="Bộ trưởng Bộ Nội vụ"),
    }
    with app.app_context(), unit_of_work():
        secretariat = db.session.get(User, users["secretariat"].id)
        meeting = services.create_meeting(
            secretariat, title="Phiên họp Chính phủ thường kỳ tháng 11 năm 2026",
            starts_at=datetime(2026, 11, 30, 8, 0, tzinfo=VIETNAM), location="Trụ sở Chính phủ")
        services.invite(secretariat, meeting, user_id=users["chair"].id, role="chair")
        services.invite(secretariat, meeting, user_id=users["a"].id, role="member")
        return meeting.id, users


def _attach_report(app, secretariat_id: int, item_id: int) -> int:
    """The secretariat's upload of the item's report (not the walk: a PDF as it is)."""
    with app.app_context(), unit_of_work():
        secretariat = db.session.get(User, secretariat_id)
        document = documents.upload(secretariat, data=report_pdf(), filename="bao-cao.pdf",
                                    title="Báo cáo thẩm định dự án Luật",
                                    classification="normal",
                                    limits=documents.limits({"DOCUMENT_MAX_BYTES": 10_000_000}))
        documents.attach(secretariat, db.session.get(AgendaItem, item_id), document.id)
        document_id = document.id
    assert jobs.local_worker().wait_idle(timeout=120)
    return document_id


def _minutes_text(data: bytes) -> str:
    document = Docx(io.BytesIO(data))
    return "\n".join(p.text for p in document.paragraphs)


def test_the_meeting_day(app, meeting_day, tablet, live_server):
    meeting_id, users = meeting_day
    shot = Shots("meeting")
    sec, chair, a, b = tablet(), tablet(), tablet(), tablet()

    # 1. The secretariat builds the agenda in place, invites the second member, publishes.
    sign_in(sec, live_server, users["secretariat"])
    sec.goto(live_server(f"/meetings/{meeting_id}/prepare"))
    add = sec.locator("#add-item")
    titles = ["Dự án Luật Tổ chức chính quyền địa phương (sửa đổi)",
              "Báo cáo tình hình kinh tế - xã hội tháng 11 năm 2026"]
    for number, (title, agency) in enumerate(zip(titles, ("Bộ Nội vụ", "Bộ Tài chính"),
                                                 strict=True), start=1):
        add.locator("[name=title]").fill(title)
        add.locator("[name=presenting_agency]").fill(agency)
        add.locator("[name=duration_min]").fill("30")
        add.locator("button[type=submit]").click()
        expect(sec.locator("#agenda .agenda-row")).to_have_count(number)
    shot(sec, "secretariat-agenda-built", full=True)
    invite = sec.locator("#invite")
    invite.locator("[name=user_id]").select_option(str(users["b"].id))
    invite.locator("[name=role]").select_option("member")
    invite.locator("button[type=submit]").click()
    expect(sec.locator("#participants .person")).to_have_count(3)
    shot(sec, "secretariat-member-invited", full=True)
    sec.once("dialog", lambda dialog: dialog.accept())
    sec.locator("#publish button[type=submit]").click()
    expect(sec.locator(".head-actions .status-badge")).to_have_class(
        re.compile("status-published"))
    expect(sec.locator("#publish")).not_to_contain_text("ngày ngày")
    shot(sec, "secretariat-published", full=True)
    with app.app_context():
        items = [i.id for i in sorted(db.session.get(Meeting, meeting_id).items,
                                      key=lambda i: i.position)]
    report = _attach_report(app, users["secretariat"].id, items[0])

    # 2. The members see the invitation on their dashboard and state positions before the
    # session: A agrees to both; B asks to speak on the bill, with a note, and agrees to the
    # report. The chair agrees to the report too: it passes uncontested.
    for who, tab in (("a", a), ("b", b)):
        sign_in(tab, live_server, users[who])
        invitation = tab.locator("main li", has_text="Phiên họp Chính phủ thường kỳ tháng 11")
        expect(invitation.locator(".tag")).to_have_text("Giấy mời mới")
        shot(tab, f"member-{who}-dashboard-invitation", full=True)
        invitation.locator("a").click()
        expect(tab.locator("[data-connection]")).to_have_attribute("data-state", "online")
    # The secretariat sees who has opened the invitation: both members, not yet the chair.
    sec.goto(live_server(f"/meetings/{meeting_id}/prepare"))
    invitees = sec.locator("#participants .person")
    for who, opened in (("a", True), ("b", True), ("chair", False)):
        expect(invitees.filter(has_text=users[who].name).locator(
            ".opened.is-opened" if opened else ".opened.not-opened")).to_have_count(1)
    sec.locator("#participants").scroll_into_view_if_needed()
    shot(sec, "secretariat-sees-who-opened")
    note = "Đề nghị làm rõ phân cấp cho chính quyền cấp xã."
    for item_id in items:
        item_row(a, item_id).locator("[data-stance=agree]").click()
        expect(item_row(a, item_id).locator("[data-stance=agree]")).to_have_attribute(
            "aria-pressed", "true")
    first = item_row(b, items[0])
    first.locator("summary").click()
    first.locator("[data-note]").fill(note)
    first.locator("[data-stance=speak]").click()
    expect(first.locator("[data-stance=speak]")).to_have_attribute("aria-pressed", "true")
    item_row(b, items[1]).locator("[data-stance=agree]").click()
    expect(item_row(b, items[1]).locator("[data-stance=agree]")).to_have_attribute(
        "aria-pressed", "true")
    shot(a, "member-a-positions", full=True)
    shot(b, "member-b-positions-speak-with-note", full=True)

    sign_in(chair, live_server, users["chair"])
    open_room(chair, live_server, type("R", (), {"meeting_id": meeting_id}))
    item_row(chair, items[1]).locator("[data-stance=agree]").click()
    expect(item_row(chair, items[1]).locator("[data-stance=agree]")).to_have_attribute(
        "aria-pressed", "true")
    expect(item_row(chair, items[0]).locator("[data-position-notes]")).to_contain_text(note)
    shot(chair, "chair-room-before-session", full=True)

    # 3. The chair opens the session and checks in; the members check in.
    chair.locator("#chair-console [data-transition=in_session]:visible").click()
    for tab in (chair, a, b):
        tab.locator("[data-action=checkin]").click()
        expect(tab.locator("[data-checked-in]")).to_be_visible()
    expect(chair.locator("[data-present]")).to_have_text("3")
    shot(chair, "chair-session-open-all-present")

    # 4. The bill comes up: B, registered to speak, is in the queue; the chair gives the floor.
    chair.locator("[data-action=next-item]").click()
    expect(item_row(b, items[0])).to_have_class(re.compile("is-current"))
    queue = chair.locator("[data-speaker-queue] .speaker")
    expect(queue).to_have_count(1)
    expect(queue.first).to_contain_text("Nguyễn Thu Hà")
    shot(chair, "chair-speaker-queue")
    chair.locator("[data-action=give-floor]").first.click()
    expect(b.locator("[data-speaker-now]")).to_be_visible()
    expect(b.locator("[data-speaker-name]")).to_contain_text("Nguyễn Thu Hà")
    shot(b, "member-b-has-the-floor")
    chair.locator("[data-action=finish-speaker]").click()
    expect(b.locator("[data-speaker-now]")).to_be_hidden()

    # 5. A reads the bill's report in the viewer; the chair opens a vote; A votes from the
    # viewer, B in the room; the vote closes: rejected (1 of 3 members in favour).
    a.locator(f'.item-doc-link[data-document-id="{report}"]').click()
    expect(a.locator("#viewer")).to_have_attribute("data-rendered-page", "1", timeout=20_000)
    question = "Thông qua dự án Luật Tổ chức chính quyền địa phương (sửa đổi)?"
    chair.locator("[data-vote-form] input[name=question]").fill(question)
    chair.locator("[data-vote-form] select[name=rule]").select_option("majority_of_all")
    chair.locator("[data-vote-form] button[type=submit]").click()
    overlay = a.locator("#viewer-room #vote-panel")
    expect(overlay).to_be_visible()
    expect(overlay.locator("[data-vote-question]")).to_have_text(question)
    shot(a, "member-a-vote-over-the-viewer")
    overlay.locator("[data-choice=yes]").click()
    overlay.locator("[data-action=confirm-ballot]").click()
    expect(overlay.locator("[data-vote-done]")).to_be_visible()
    # Read at once, not waited for: the tablet counts its own acknowledged ballot without
    # waiting for the coalesced count ("Đã biểu quyết: Tán thành" beside "0/3" was seen).
    assert "0/3" not in overlay.locator("[data-progress-text]").inner_text()
    shot(a, "member-a-voted-in-the-viewer")
    panel = b.locator("#vote-panel")
    expect(panel).to_be_visible()
    panel.locator("[data-choice=no]").click()
    panel.locator("[data-action=confirm-ballot]").click()
    expect(panel.locator("[data-vote-done]")).to_be_visible()
    shot(b, "member-b-voted")
    expect(chair.locator("[data-console-progress]")).to_contain_text("2")
    # Every tablet counts the ballots, not only the chair's.
    expect(panel.locator("[data-progress-text]")).to_contain_text("2/3")
    expect(overlay.locator("[data-progress-text]")).to_contain_text("2/3")
    shot(chair, "chair-vote-progress")
    chair.once("dialog", lambda dialog: dialog.accept())
    chair.locator("[data-action=close-vote]").click()
    for tab in (chair, b):
        result = tab.locator("#vote-panel [data-vote-result]")
        expect(result).to_be_visible()
        expect(result.locator("[data-outcome]")).to_have_class(re.compile("outcome-rejected"))
    expect(overlay.locator("[data-vote-result] [data-outcome]")).to_have_class(
        re.compile("outcome-rejected"))
    # The chair, present, did not vote: not called absent.
    expect(overlay.locator(".result-absent dt")).to_have_text("Vắng mặt hoặc không tham gia")
    expect(a.locator("#viewer-room")).to_contain_text("Không có ai đang phát biểu")
    # The item voted on is never offered again: no position buttons, its outcome instead.
    bill_row = item_row(b, items[0])
    expect(bill_row.locator("[data-positions]")).to_be_hidden()
    expect(bill_row.locator("[data-results] .result-line")).to_have_count(1)
    shot(a, "member-a-result-in-the-viewer")
    shot(b, "member-b-result")
    shot(chair, "chair-result")

    # 6. The report is adopted without discussion (everyone agreed, nobody asked to speak).
    # The chair puts the result away: the console is back under the item and its floor.
    chair.locator("#vote-panel [data-action=dismiss-result]").click()
    expect(chair.locator("#vote-panel [data-vote-result]")).to_be_hidden()
    # The rule is shown beside the offer, and the offer names the item, not a count.
    expect(chair.locator(".console-adopt")).to_contain_text(
        "không có ý kiến không tán thành, không đăng ký phát biểu và chưa biểu quyết")
    expect(chair.locator("[data-uncontested]")).to_have_text(
        "Có thể thông qua không thảo luận: nội dung số 2.")
    chair.locator("[data-uncontested]").scroll_into_view_if_needed()
    shot(chair, "chair-uncontested-offered")
    chair.once("dialog", lambda dialog: dialog.accept())
    chair.locator("[data-action=adopt-uncontested]").click()
    expect(item_row(b, items[1]).locator("[data-adopted]")).to_be_visible()
    expect(item_row(b, items[0]).locator("[data-adopted]")).to_be_hidden()
    expect(item_row(b, items[1]).locator("[data-positions]")).to_be_hidden()
    item_row(b, items[1]).scroll_into_view_if_needed()
    shot(b, "member-b-item-adopted")

    # 7. The chair ends the meeting.
    chair.evaluate("window.scrollTo(0, 0)")
    chair.once("dialog", lambda dialog: dialog.accept())
    chair.locator("#chair-console [data-transition=closed]").click()
    for tab in (chair, b):
        expect(tab.locator("[data-status-badge]")).to_have_class(re.compile("status-closed"))
    # Nothing of the session is left on screen: B had not put the result away, it goes with
    # the session (the bill's row keeps its outcome), as a reload shows it.
    expect(b.locator("#vote-panel [data-vote-result]")).to_be_hidden()
    expect(item_row(b, items[0]).locator("[data-results] .result-line")).to_have_count(1)
    expect(b.locator(".room-item.is-current")).to_have_count(0)
    shot(chair, "chair-meeting-ended", full=True)
    shot(b, "member-b-meeting-ended", full=True)

    # 8. The secretariat generates the minutes: one outcome per item.
    open_room(sec, live_server, type("R", (), {"meeting_id": meeting_id}))
    for item_id in items:  # the tallies it fetches on joining are in (not cut by leaving)
        expect(item_row(sec, item_id).locator("[data-tally]")).not_to_be_empty()
    sec.locator(".minutes-link-card a[href$='/minutes']").click()
    sec.locator("#minutes .minutes-generate button").click()
    expect(sec.locator(".flash-success")).to_be_visible()
    shot(sec, "secretariat-minutes-generated", full=True)
    download = sec.locator("#minutes .minutes-version a[href$='/minutes/minutes/1.docx']")
    with sec.expect_download() as fetched:
        download.click()
    text = _minutes_text(Path(fetched.value.path()).read_bytes())
    (SHOTS / "meeting-minutes.txt").write_text(text, encoding="utf-8")  # for a human eye
    bill, report_part = text.split(titles[1])[0].split(titles[0])[1], text.split(titles[1])[1]
    assert "Kết luận: không thông qua." in bill, bill
    assert "thông qua không thảo luận" not in bill
    assert "Nguyễn Thu Hà" in bill  # who spoke
    assert "nội dung được thông qua không thảo luận" in report_part, report_part
    assert "Biểu quyết" not in report_part

    # The conclusions notice, too: one outcome per item.
    sec.locator("#conclusions .minutes-generate button").click()
    expect(sec.locator("#conclusions .minutes-version")).to_have_count(1)
    with sec.expect_download() as fetched:
        sec.locator("#conclusions .minutes-version a[href$='/minutes/conclusions/1.docx']").click()
    text = _minutes_text(Path(fetched.value.path()).read_bytes())
    (SHOTS / "meeting-conclusions.txt").write_text(text, encoding="utf-8")  # for a human eye
    bill, report_part = text.split(titles[1])[0].split(titles[0])[1], text.split(titles[1])[1]
    assert bill.count("Kết quả") == 1 and ": không thông qua (" in bill, bill
    assert "không thảo luận" not in bill
    assert report_part.count("Kết quả") == 1, report_part
    assert "Kết quả: nội dung được thông qua không thảo luận" in report_part, report_part


# --- the decision day ---------------------------------------------------------------------------

def _sign_in_with_code(app, page, live_server, user):
    """A signer's or a clerk's sign-in: the password, then the authenticator's code."""
    BrowserAuth(page, live_server).submit_password(user)
    page.wait_for_url(re.compile(r"/login/otp"))
    page.locator("input[name=code]").fill(code_for(app, user))
    page.locator("input[name=code]").press("Enter")
    page.wait_for_url(live_server("/"))


def test_the_decision_day(app, people, fake_signing, tablet, live_server):  # noqa: F811
    shot = Shots("decision")
    sec, signer, clerk, recipient = tablet(), tablet(), tablet(), tablet()
    summary = "Về việc phê duyệt Đề án chuyển đổi số trong hoạt động của Chính phủ"

    # 1. The secretariat drafts the decision, sent to the Ministry of Justice.
    sign_in(sec, live_server, people.secretariat)
    sec.goto(live_server("/decisions/new"))
    sec.locator("#summary").fill(summary)
    sec.locator("#body").fill("Căn cứ Luật Tổ chức Chính phủ ngày 19 tháng 6 năm 2015;\n"
                              "Điều 1. Phê duyệt Đề án chuyển đổi số trong hoạt động của "
                              "Chính phủ.\nĐiều 2. Quyết định này có hiệu lực thi hành kể từ "
                              "ngày ký ban hành.")
    sec.locator("#signer_id").select_option(str(people.signer.id))
    # The authority line is left to the signer's position (the Prime Minister: THỦ TƯỚNG).
    expect(sec.locator("#authority")).to_have_value("")
    sec.locator("label.check", has_text="Bộ Tư pháp").locator("input").check()
    sec.locator("#recipients").fill("Như Điều 2;\nLưu: VT, TCCV.")
    shot(sec, "secretariat-drafting", full=True)
    sec.locator("form.card button[type=submit]").click()
    expect(sec.locator(".flash-success")).to_be_visible()
    shot(sec, "secretariat-draft-created", full=True)
    assert jobs.local_worker().wait_idle(timeout=120)
    # No reload: the page polls its decision and shows the PDF once it is ready.
    expect(sec.locator(".page-head .tag")).to_have_text("Chờ ký", timeout=30_000)
    expect(sec.get_by_role("link", name="Đọc tệp PDF")).to_be_visible()
    expect(sec.locator("dl")).to_contain_text("THỦ TƯỚNG — Trần Minh Quang")
    shot(sec, "secretariat-draft-ready", full=True)

    # 2. The signer signs from the batch inbox with PIN and code.
    _sign_in_with_code(app, signer, live_server, people.signer)
    expect(signer.locator(".section-signatures")).to_contain_text("chuyển đổi số")
    shot(signer, "signer-dashboard", full=True)
    signer.goto(live_server("/decisions"))
    signer.locator("[data-pick-all]").click()
    signer.locator("#batch-pin").fill(PIN)
    signer.locator("#batch-otp").fill(code_for(app, people.signer))
    shot(signer, "signer-inbox-picked", full=True)
    signer.once("dialog", lambda dialog: dialog.accept())
    signer.locator("#sign-form button[type=submit]").click()
    expect(signer.locator(".flash-success")).to_be_visible()
    shot(signer, "signer-signed", full=True)

    # 3. The clerk issues in batch: the register gives it its number.
    _sign_in_with_code(app, clerk, live_server, people.clerk)
    clerk.goto(live_server("/decisions"))
    form = clerk.locator("#issue-form")
    expect(form.locator(".dec-row")).to_have_count(1)
    form.locator("[data-pick-all]").click()
    form.locator("#issue-batch-pin").fill(PIN)
    form.locator("#issue-batch-otp").fill(code_for(app, people.clerk))
    shot(clerk, "clerk-inbox-picked", full=True)
    clerk.once("dialog", lambda dialog: dialog.accept())
    # Issuing seals and time-stamps each PDF before the page comes back: on a loaded machine
    # that takes longer than a click's usual wait.
    form.locator("button[type=submit]").click(timeout=60_000)
    expect(clerk.locator(".flash-success")).to_be_visible()
    shot(clerk, "clerk-issued", full=True)
    clerk.goto(live_server("/register"))
    row = clerk.locator("table.register tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("01/QĐ-TTg")
    expect(row).to_contain_text(summary)
    expect(row).to_contain_text("Bộ Tư pháp")
    expect(clerk.locator("table.register th").last).to_have_text("Nơi nhận")
    # The whole register is read on a portrait tablet: no column cut at the card's edge.
    assert clerk.evaluate("""() => { const box = document.querySelector('.table-scroll');
        return box.scrollWidth - box.clientWidth; }""") <= 0
    shot(clerk, "clerk-register", full=True)

    # 4. The Ministry of Justice's member finds it on the dashboard and opens it.
    sign_in(recipient, live_server, people.member)
    received = recipient.locator(".section-received")
    expect(received).to_contain_text("Văn bản được gửi đến")
    expect(received).to_contain_text("01/QĐ-TTg")
    shot(recipient, "recipient-dashboard", full=True)
    received.locator("a").first.click()
    expect(recipient.locator("h1")).to_have_text(summary)
    shot(recipient, "recipient-opened", full=True)

    # 5. The clerk sees that the Ministry opened it, when and by whom.
    row.locator("a").first.click()
    recipients = clerk.locator(".dec-recipients tbody tr", has_text="Bộ Tư pháp")
    expect(recipients).to_contain_text("Đã mở")
    expect(recipients).to_contain_text(people.member.name)
    shot(clerk, "clerk-sees-opened", full=True)
