"""A verifiable secret vote on three tablets (issue 10, the tablet): the chair opens it with the
trustees' PINs, a member's choice is encrypted on the member's tablet (only ciphertexts leave
it) and the tablet shows its tracking code, the chair closes with their PIN, the secretariat
decrypts on their own tablet, everyone sees the result, and the record the member's link
points at verifies and holds the member's tracking code."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from ecabinet.ballots.record import verify_record
from tests.browser import test_meeting_room as meeting_room
from tests.browser.test_meeting_room import item_row, open_room, sign_in

pytestmark = pytest.mark.browser

room = meeting_room.room  # chair, member, absent, guest; the secretariat user created it
SHOTS = Path(tempfile.gettempdir()) / "shots" / "e2eui"
PINS = {"chair": "246810", "secretariat": "135790"}


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_a_verifiable_vote_from_the_tablets(room, tablet, live_server):
    chair, secretary, member = tablet(), tablet(), tablet()
    cast_payloads: list[dict] = []
    member.on("websocket", lambda ws: ws.on("framesent", lambda frame: cast_payloads.append(
        frame) if isinstance(frame, str) and "ballot.cast" in frame else None))
    for page, who in ((chair, "chair"), (secretary, "secretariat"), (member, "member")):
        sign_in(page, live_server, room.users[who])
        open_room(page, live_server, room)
    for page in (chair, member):
        page.locator("[data-action=checkin]").click()
        expect(page.locator("[data-checked-in]")).to_be_visible()
    chair.locator("#chair-console [data-transition=in_session]:visible").click()
    chair.locator("[data-action=next-item]").click()
    expect(item_row(member, room.items[0])).to_have_class(re.compile("is-current"))

    # The chair: secret (always verifiable); the trustees by name, each with a PIN.
    console = chair.locator("#chair-console")
    expect(console.locator("[data-trustee-pins]")).to_be_hidden()
    expect(console.locator("input[name=verifiable]")).to_have_count(0)
    console.locator("input[name=secret]").check()
    pins = console.locator("[data-trustee-pins]")
    expect(pins).to_be_visible()
    expect(pins).to_contain_text(room.users["chair"].name)
    expect(pins).to_contain_text(room.users["secretariat"].name)
    chair_id, secretary_id = room.users["chair"].id, room.users["secretariat"].id
    pins.locator(f'[data-trustee-pin="{chair_id}"]').fill(PINS["chair"])
    pins.locator(f'[data-trustee-pin="{secretary_id}"]').fill(PINS["secretariat"])
    shot(chair, "1-chair-opens-verifiable")
    console.locator("[data-vote-form] button[type=submit]").click()
    expect(console.locator("[data-vote-running]")).to_be_visible()

    # The member: the choice is encrypted here; the tablet shows its tracking code.
    panel = member.locator("#vote-panel")
    expect(panel.locator("[data-vote-verifiable]")).to_be_visible()
    expect(panel.locator("[data-vote-encrypt-note]")).to_be_visible()
    panel.locator('[data-choice="yes"]').click()
    panel.locator("[data-action=confirm-ballot]").click()
    receipt = panel.locator("[data-vote-receipt]")
    expect(receipt).to_be_visible()
    expect(receipt).to_contain_text("Phiếu đã được mã hóa trên máy tính bảng này")
    code = panel.locator("[data-receipt-full]").input_value()
    assert re.fullmatch(r"[0-9a-f]{64}", code)
    expect(panel.locator("[data-receipt-short]")).to_have_text(
        f"{code[0:4]} {code[4:8]} {code[8:12]}")
    sent = "".join(cast_payloads)
    assert '"ciphertexts"' in sent and '"choice"' not in sent  # only the ciphertexts left
    expect(console.locator("[data-console-progress]")).to_contain_text("1")
    shot(member, "2-member-voted-encrypted")

    # The chair closes with their PIN: the secretariat is awaited, by name, on every tablet.
    console.locator("[data-close-pin]").fill(PINS["chair"])
    chair.once("dialog", lambda dialog: dialog.accept())
    console.locator("[data-action=close-vote]").click()
    waiting = f"Đang chờ giải mã: {room.users['secretariat'].name}"
    for page in (chair, secretary, member):
        expect(page.locator("#vote-panel [data-waiting-names]")).to_have_text(waiting)
    expect(console.locator("[data-console-tallying]")).to_have_text(waiting)
    expect(console.locator("[data-vote-form]")).to_be_hidden()  # no vote opens meanwhile
    expect(member.locator("#vote-panel [data-decrypt]")).to_be_hidden()
    expect(chair.locator("#vote-panel [data-decrypt]")).to_be_hidden()  # chair gave theirs
    expect(member.locator("#vote-panel [data-vote-receipt]")).to_be_visible()
    decrypt = secretary.locator("#vote-panel [data-decrypt]")
    expect(decrypt).to_be_visible()
    shot(secretary, "3-secretary-asked-to-decrypt")

    # A wrong PIN is refused (the toast says so); the right one gives the result.
    decrypt.locator("[data-decrypt-pin]").fill("000000")
    decrypt.locator("[data-action=decrypt-vote]").click()
    expect(secretary.locator("[data-toast]")).to_contain_text("PIN")
    decrypt.locator("[data-decrypt-pin]").fill(PINS["secretariat"])
    decrypt.locator("[data-action=decrypt-vote]").click()
    for page in (chair, secretary, member):
        expect(page.locator("#vote-panel [data-outcome]")).to_be_visible()
    result = member.locator("#vote-panel")
    expect(result.locator('[data-result="yes"]')).to_have_text("1")
    expect(result.locator("[data-vote-receipt] [data-receipt-short]")).to_have_text(
        f"{code[0:4]} {code[4:8]} {code[8:12]}")
    link = result.locator("[data-record-link]")
    expect(link).to_be_visible()
    expect(result.locator("[data-vote-record]")).to_contain_text("ecabinet votes verify")
    shot(member, "4-member-result-with-record")

    # The link is the record: it verifies, and the member's ballot is in it.
    href = link.get_attribute("href")
    assert re.fullmatch(r"/api/v1/votes/\d+/record", href)
    answer = member.request.get(live_server(href))
    assert answer.status == 200
    record = json.loads(answer.text())
    report = verify_record(record)
    assert report.ok, report.problems
    assert report.tally == [1, 0, 0]
    assert code in {ballot["tracking_code"] for ballot in record["ballots"]}
    expect(console.locator("[data-vote-form]")).to_be_visible()  # the next vote may open
