"""In Chromium on a portrait tablet: the secretariat goes from preparing the meeting to the read
receipts, sees who has not opened what, and a member downloads the pack from the meeting room."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.test_layout import horizontal_overflow, small_targets
from tests.browser.test_meeting_room import sign_in
from tests.packs.conftest import fetch_pack

pytestmark = pytest.mark.browser


def test_the_secretariat_follows_who_has_read(client, cabinet, dossier, live_server, page,
                                              screenshot):
    # m1 opens the law; the guest downloads the pack
    assert client.get(f"/api/v1/documents/{dossier.law}/versions/1/pdf",
                      headers=cabinet.headers("m1")).status_code == 200
    assert fetch_pack(client, f"/api/v1/meetings/{cabinet.meeting_id}/pack",
                      headers=cabinet.headers("guest")).status_code == 200

    sign_in(page, live_server, cabinet.users["secretariat"])
    page.goto(live_server(f"/meetings/{cabinet.meeting_id}/prepare"))
    # (by address: the link's words change with the interface language)
    page.locator(f"a[href='/meetings/{cabinet.meeting_id}/reads']").click()
    page.wait_for_url(live_server(f"/meetings/{cabinet.meeting_id}/reads"))
    law = page.locator(f"#document-{dossier.law}-item-{cabinet.items[0]}")
    expect(law.locator(".reads-count")).to_contain_text("2/6")
    unread = law.locator(".reads-unread li")
    expect(unread).to_have_count(4)
    expect(law.locator(".reads-unread")).not_to_contain_text(cabinet.users["m1"].name)
    law.locator(".reads-opened summary").click()
    expect(law.locator(".reads-opened")).to_contain_text(cabinet.users["guest"].name)
    staffing = page.locator(f"#document-{dossier.staffing}-item-{cabinet.items[2]}")
    expect(staffing.locator(".reads-unread li")).to_have_count(1)
    assert horizontal_overflow(page) == 0
    assert small_targets(page, "main") == []
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "packs-reads-tablet")


def test_a_member_downloads_the_pack_from_the_room(cabinet, dossier, live_server, page):
    sign_in(page, live_server, cabinet.users["m2"])
    page.goto(live_server(f"/meetings/{cabinet.meeting_id}"))
    link = page.locator(f".agenda-card a[href='/meetings/{cabinet.meeting_id}/pack.pdf']")
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == f"tai-lieu-phien-hop-{cabinet.meeting_id}.pdf"
    with open(download.path(), "rb") as pdf:
        reader = PdfReader(io.BytesIO(pdf.read()))
    assert len(reader.pages) == 2 + 3 + 2
