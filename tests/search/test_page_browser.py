"""The search page in Chromium on a portrait tablet: a member types words without diacritics
into the box, finds the documents of the meeting they may read (highlighted snippets, not the
confidential one), and opens a result in the viewer at the page of the match."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.search.conftest import upload_pdf

pytestmark = pytest.mark.browser


def test_a_member_searches_without_diacritics(client, cabinet, api, page, live_server,
                                              browser_auth, screenshot):
    cab = cabinet
    secretariat = cab.headers("secretariat")
    land = upload_pdf(client, secretariat, "Tờ trình Chính phủ",
                      ["Dự án Luật Đất đai (sửa đổi) quy định về quyền sử dụng đất đai,",
                       "giá đất, thu hồi đất và bồi thường <khi Nhà nước thu hồi đất>."],
                      title="Tờ trình dự án Luật Đất đai (sửa đổi)")
    report = upload_pdf(client, secretariat,
                        "Báo cáo đánh giá tác động: quỹ đất đai dành cho nhà ở xã hội",
                        title="Báo cáo đánh giá tác động")
    secret = upload_pdf(client, secretariat, "Phương án nhân sự quản lý đất đai",
                        title="Phương án nhân sự", classification="confidential")
    for document in (land, report):
        assert api(cab, "POST", f"/api/v1/agenda-items/{cab.items[1]}/documents",
                   {"document_id": document}, who="secretariat")[0] == 201
    assert api(cab, "POST", f"/api/v1/agenda-items/{cab.items[1]}/documents",
               {"document_id": secret}, who="secretariat")[0] == 201

    browser_auth.submit_password(cab.users["m2"])
    page.goto(live_server("/"))
    page.locator(".mainnav a[href='/search']").click()
    box = page.locator("input[type=search][name=q]")
    expect(box).to_be_focused()
    box.fill("dat dai")
    box.press("Enter")
    hits = page.locator(".search-hit")
    expect(hits).to_have_count(2)
    expect(hits.first.locator("mark").first).to_have_text("Đất")
    expect(page.locator(".search-results")).not_to_contain_text("nhân sự")
    assert "&lt;khi Nhà nước" in page.locator(".search-snippet").first.inner_html()
    screenshot(page, "search-tablet-results")

    hits.first.locator("a.search-title").click()
    page.wait_for_url(f"**/documents/{land}/versions/1/view?page=2")
