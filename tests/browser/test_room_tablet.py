"""The meeting day on tablets (issue 9, points 6 and 8): the room fits a portrait and a landscape
tablet (a compact header that slides away, the chair's console and the speakers on one screen,
the vote's rule read whole), nothing stays "under discussion" once the meeting ended, and a member
reading a document sees the vote over the viewer and votes from there."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from ecabinet.database import unit_of_work
from ecabinet.demo.report import report_pdf
from ecabinet.docs import jobs
from ecabinet.docs import services as documents
from ecabinet.extensions import db
from ecabinet.identity.models import User
from ecabinet.meetings.models import AgendaItem, Ballot, Vote
from tests.browser import test_meeting_room as meeting_room
from tests.browser.test_meeting_room import item_row, open_room, sign_in

pytestmark = pytest.mark.browser

room = meeting_room.room  # the published meeting with a chair, members and a guest (a fixture)
SHOTS = Path(tempfile.gettempdir()) / "shots" / "room"
PORTRAIT = {"width": 768, "height": 1024}
LANDSCAPE = {"width": 1024, "height": 768}
#: The compact header's height at the top of the page (the full one took 168 px in portrait).
HEADER_MAX = 60


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def box(page, selector):
    return page.locator(selector).first.bounding_box()


def clipped_options(page, selector) -> list[str]:
    """The options of a select whose text is wider than the select's box shows."""
    return page.evaluate("""(selector) => {
        const select = document.querySelector(selector);
        const style = getComputedStyle(select);
        const canvas = document.createElement("canvas").getContext("2d");
        canvas.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
        const room = select.clientWidth - parseFloat(style.paddingLeft)
            - parseFloat(style.paddingRight);
        return [...select.options].filter((o) => canvas.measureText(o.text).width > room)
            .map((o) => `${o.text}: ${Math.round(canvas.measureText(o.text).width)} > ${room}`);
    }""", selector)


def in_session_with_a_speaker(room, chair, member):
    for tab in (chair, member):
        tab.locator("[data-action=checkin]").click()
        expect(tab.locator("[data-checked-in]")).to_be_visible()
    chair.locator("#chair-console [data-transition=in_session]:visible").click()
    chair.locator("[data-action=next-item]").click()
    expect(item_row(member, room.items[0])).to_have_class(re.compile("is-current"))
    member.locator("[data-action=request-floor]").click()
    expect(chair.locator("[data-speaker-queue] .speaker")).to_have_count(1)


def test_the_room_fits_a_tablet_and_forgets_the_item_when_the_meeting_ends(room, tablet,
                                                                          live_server):
    chair, member = tablet(), tablet()
    sign_in(chair, live_server, room.users["chair"])
    sign_in(member, live_server, room.users["member"])
    open_room(chair, live_server, room)
    open_room(member, live_server, room)
    in_session_with_a_speaker(room, chair, member)

    for name, viewport in (("portrait", PORTRAIT), ("landscape", LANDSCAPE)):
        for who, tab in (("chair", chair), ("member", member)):
            tab.set_viewport_size(viewport)
            tab.evaluate("window.scrollTo(0, 0)")
            expect(tab.locator(".topbar")).to_be_in_viewport(ratio=1)
            assert box(tab, ".topbar")["height"] <= HEADER_MAX, (name, who)
            shot(tab, f"room-{who}-{name}")
        # The chair's console and the speakers' queue on one screen, from the top of the page.
        for selector in ("#chair-console", "#now"):
            found = box(chair, selector)
            assert found["y"] >= 0 and found["y"] + found["height"] <= viewport["height"], \
                (name, selector, found)
        # The rule of the vote is read whole, whichever is chosen.
        assert clipped_options(chair, "#vote-rule-input") == [], name
        # Scrolling down to the agenda, the header slides away; scrolling up, it comes back.
        chair.mouse.wheel(0, 600)
        expect(chair.locator("body")).to_have_class(re.compile("header-hidden"))
        expect(chair.locator(".topbar")).not_to_be_in_viewport()
        chair.mouse.wheel(0, -200)
        expect(chair.locator(".topbar")).to_be_in_viewport()

    # The chair ends the meeting: no tablet still says the item is under discussion, nor after
    # a reload.
    chair.evaluate("window.scrollTo(0, 0)")
    chair.on("dialog", lambda dialog: dialog.accept())
    chair.locator("#chair-console [data-transition=closed]").click()
    for tab in (chair, member):
        expect(tab.locator("[data-status-badge]")).to_have_class(re.compile("status-closed"))
        expect(tab.locator(".room-item.is-current")).to_have_count(0)
        expect(tab.locator("[data-live]:visible")).to_have_count(0)
    member.reload()
    expect(member.locator("[data-connection]")).to_have_attribute("data-state", "online")
    expect(member.locator(".room-item.is-current")).to_have_count(0)
    expect(member.locator("[data-live]:visible")).to_have_count(0)


@pytest.fixture
def report_on_item(app, room) -> int:
    """The demo's PDF report on the room's second item (no LibreOffice: a PDF as it is)."""
    with app.app_context(), unit_of_work():
        secretariat = db.session.get(User, room.users["secretariat"].id)
        document = documents.upload(secretariat, data=report_pdf(), filename="bao-cao.pdf",
                                    title="Báo cáo tình hình kinh tế - xã hội tháng 11",
                                    classification="normal",
                                    limits=documents.limits({"DOCUMENT_MAX_BYTES": 10_000_000}))
        documents.attach(secretariat, db.session.get(AgendaItem, room.items[1]), document.id)
        document_id = document.id
    assert jobs.local_worker().wait_idle(timeout=120)
    return document_id


def test_a_member_votes_from_the_document_viewer(app, room, report_on_item, tablet, live_server):
    chair, member = tablet(), tablet()
    sign_in(chair, live_server, room.users["chair"])
    sign_in(member, live_server, room.users["member"])
    open_room(chair, live_server, room)
    open_room(member, live_server, room)
    in_session_with_a_speaker(room, chair, member)
    chair.locator("[data-action=next-item]").click()  # item 2, whose report the member reads
    expect(item_row(member, room.items[1])).to_have_class(re.compile("is-current"))

    member.locator(f'.item-doc-link[data-document-id="{report_on_item}"]').click()
    expect(member.locator("#viewer")).to_have_attribute("data-rendered-page", "1",
                                                        timeout=20_000)
    overlay = member.locator("#viewer-room")
    # The bar over the document: the item under discussion and the floor.
    expect(overlay.locator("[data-room-item]")).to_contain_text("Báo cáo tình hình")
    assert box(member, ".topbar")["height"] <= HEADER_MAX
    overlay.locator("[data-action=toggle-room]").click()
    expect(overlay.locator("#now")).to_be_visible()
    shot(member, "viewer-room-bar-portrait")

    # The chair opens a vote: it appears over the document, and the member votes from there.
    chair.locator("[data-vote-form] input[name=question]").fill(
        "Thông qua Báo cáo tình hình kinh tế - xã hội tháng 11?")
    chair.locator("[data-vote-form] button[type=submit]").click()
    panel = overlay.locator("#vote-panel")
    expect(panel).to_be_visible()
    expect(panel).to_be_in_viewport()
    expect(panel.locator("[data-vote-question]")).to_have_text(
        "Thông qua Báo cáo tình hình kinh tế - xã hội tháng 11?")
    shot(member, "viewer-vote-portrait")
    member.set_viewport_size(LANDSCAPE)
    expect(panel.locator("[data-choice=yes]")).to_be_in_viewport()
    shot(member, "viewer-vote-landscape")
    panel.locator("[data-choice=yes]").click()
    panel.locator("[data-action=confirm-ballot]").click()
    expect(panel.locator("[data-vote-done]")).to_be_visible()
    expect(chair.locator("[data-console-progress]")).to_contain_text("1")
    shot(member, "viewer-voted-landscape")
    with app.app_context():
        vote = db.session.scalars(select(Vote).where(Vote.item_id == room.items[1])).one()
        ballots = db.session.scalars(select(Ballot).where(Ballot.vote_id == vote.id)).all()
        assert [(b.user_id, b.choice) for b in ballots] == [(room.users["member"].id, "yes")]
    assert member.url.endswith("page=1") or "/view" in member.url  # still in the viewer
