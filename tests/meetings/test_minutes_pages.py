"""The minutes page with the test client: who may open it, generating, uploading an edited .docx,
refused uploads, locking the final version, and the links to it."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from docx import Document
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from ecabinet.extensions import db
from ecabinet.meetings.models import MinutesVersion
from tests.conftest import csrf_from

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def stopped(session_open, api):
    """The cabinet's session ran and the chair adjourned it: the minutes can be drawn up."""
    cab = session_open
    assert api(cab, "POST", f"/api/v1/meetings/{cab.meeting_id}/transition",
               {"to": "adjourned"}, who="chair")[0] == 200
    return cab


def _page(cab) -> str:
    return f"/meetings/{cab.meeting_id}/minutes"


def _versions(app, cab, kind="minutes") -> list[tuple[int, str, bool]]:
    with app.app_context():
        rows = db.session.scalars(select(MinutesVersion).where(
            MinutesVersion.meeting_id == cab.meeting_id, MinutesVersion.kind == kind)
            .order_by(MinutesVersion.number))
        return [(v.number, v.source, v.locked_at is not None) for v in rows]


def _stored_files(app) -> int:
    root = Path(app.config["STORAGE_DIR"])
    return sum(1 for path in root.rglob("*") if path.is_file()) if root.exists() else 0


def _rows(html: str, kind: str) -> list[int]:
    """The version numbers the page lists for a kind, in the order shown."""
    return [int(n) for n in re.findall(rf'data-kind="{kind}" data-number="(\d+)"', html)]


def _generate(client, cab, kind="minutes", token=None):
    token = token or csrf_from(client.get(_page(cab)).text)
    return client.post(f"{_page(cab)}/{kind}/generate", data={"csrf_token": token})


def _upload(client, cab, data: bytes, *, kind="minutes", filename="bien-ban-da-sua.docx",
            token=None):
    token = token or csrf_from(client.get(_page(cab)).text)
    # Encoded in memory, as in test_minutes: the test client would spool a body to a temporary
    # file it never closes (a ResourceWarning, an error in this suite).
    boundary, body = encode_multipart({f"{kind}-csrf_token": token, f"{kind}-file": FileStorage(
        io.BytesIO(data), filename=filename, content_type=DOCX)})
    return client.post(f"{_page(cab)}/{kind}/upload", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def _lock(client, cab, number, kind="minutes", token=None):
    token = token or csrf_from(client.get(_page(cab)).text)
    return client.post(f"{_page(cab)}/{kind}/{number}/lock", data={"csrf_token": token})


def _edited_docx(client, cab, number: int) -> bytes:
    """Version ``number`` downloaded, a paragraph added in "a word processor" (python-docx)."""
    response = client.get(f"/api/v1/meetings/{cab.meeting_id}/minutes/minutes/{number}.docx")
    assert response.status_code == 200 and response.mimetype == DOCX
    document = Document(io.BytesIO(response.data))
    document.add_paragraph("Thư ký đã bổ sung ý kiến phát biểu của Bộ trưởng Bộ Tư pháp.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- who may open the page -----------------------------------------------------------------------

#: Before any version is locked. m1 is invited to the confidential item; m2 is not.
BEFORE_LOCK = [("secretariat", 200), ("chair", 200), ("m1", 403), ("m2", 403), ("guest", 403),
               ("outsider", 404)]
#: After the minutes are locked: a member reads them when they may see every item they report.
AFTER_LOCK = [("secretariat", 200), ("chair", 200), ("m1", 200), ("m2", 403), ("guest", 403),
              ("outsider", 404)]


@pytest.mark.parametrize("who,status", BEFORE_LOCK)
def test_who_may_open_the_page_before_the_lock(client, auth, stopped, api, who, status):
    assert api(stopped, "POST", f"/api/v1/meetings/{stopped.meeting_id}/minutes",
               {"kind": "minutes"}, who="secretariat")[0] == 201
    auth.login(stopped.users[who])
    assert client.get(_page(stopped)).status_code == status


@pytest.mark.parametrize("who,status", AFTER_LOCK)
def test_who_may_open_the_page_after_the_lock(client, auth, stopped, api, who, status):
    mid = stopped.meeting_id
    assert api(stopped, "POST", f"/api/v1/meetings/{mid}/minutes", {"kind": "minutes"},
               who="secretariat")[0] == 201
    assert api(stopped, "POST", f"/api/v1/meetings/{mid}/minutes/minutes/1/lock",
               who="secretariat")[0] == 200
    auth.login(stopped.users[who])
    assert client.get(_page(stopped)).status_code == status


def test_unknown_meetings_and_signed_out_visitors(client, auth, stopped):
    assert "/login" in client.get(_page(stopped)).headers["Location"]
    auth.login(stopped.users["secretariat"])
    assert client.get("/meetings/99999/minutes").status_code == 404
    token = csrf_from(client.get(_page(stopped)).text)
    assert client.post(f"{_page(stopped)}/agenda/generate",
                       data={"csrf_token": token}).status_code == 404


def test_a_member_reads_only_the_locked_version(app, client, auth, stopped, api):
    mid = stopped.meeting_id
    for _n in range(2):
        assert api(stopped, "POST", f"/api/v1/meetings/{mid}/minutes", {"kind": "minutes"},
                   who="secretariat")[0] == 201
    assert api(stopped, "POST", f"/api/v1/meetings/{mid}/minutes/minutes/1/lock",
               who="secretariat")[0] == 200
    auth.login(stopped.users["m1"])
    page = client.get(_page(stopped))
    assert page.status_code == 200
    assert _rows(page.text, "minutes") == [1]
    assert _rows(page.text, "conclusions") == []
    assert f'href="/api/v1/meetings/{mid}/minutes/minutes/1.docx"' in page.text
    assert "/generate" not in page.text and "/upload" not in page.text
    assert "/lock" not in page.text
    assert client.get(f"/api/v1/meetings/{mid}/minutes/minutes/1.docx").status_code == 200
    assert client.get(f"/api/v1/meetings/{mid}/minutes/minutes/2.docx").status_code == 403
    # Members only read: every action answers 403.
    token = csrf_from(page.text)
    assert _generate(client, stopped, token=token).status_code == 403
    assert _lock(client, stopped, 2, token=token).status_code == 403
    assert _upload(client, stopped, b"x", token=token).status_code == 403
    assert _versions(app, stopped) == [(1, "generated", True), (2, "generated", False)]


def test_the_chair_reads_every_version_and_changes_nothing(app, client, auth, stopped, api):
    assert api(stopped, "POST", f"/api/v1/meetings/{stopped.meeting_id}/minutes",
               {"kind": "conclusions"}, who="secretariat")[0] == 201
    auth.login(stopped.users["chair"])
    page = client.get(_page(stopped))
    assert page.status_code == 200
    assert _rows(page.text, "conclusions") == [1]
    assert "/generate" not in page.text and "/lock" not in page.text
    token = csrf_from(page.text)
    assert _generate(client, stopped, token=token).status_code == 403
    assert _lock(client, stopped, 1, kind="conclusions", token=token).status_code == 403
    assert _versions(app, stopped, "conclusions") == [(1, "generated", False)]


# --- the secretariat's work ----------------------------------------------------------------------

def test_generate_upload_and_lock(app, client, auth, stopped):
    auth.login(stopped.users["secretariat"])
    page = client.get(_page(stopped))
    assert page.status_code == 200
    assert _rows(page.text, "minutes") == [] and 'class="empty"' in page.text
    token = csrf_from(page.text)

    # Generate: version 1 appears, with a download link.
    response = _generate(client, stopped, token=token)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{_page(stopped)}#minutes")
    page = client.get(_page(stopped))
    assert "flash-success" in page.text
    assert _rows(page.text, "minutes") == [1]
    assert f"/api/v1/meetings/{stopped.meeting_id}/minutes/minutes/1.docx" in page.text
    assert _versions(app, stopped) == [(1, "generated", False)]

    # Upload a version edited in a word processor: version 2, listed first.
    response = _upload(client, stopped, _edited_docx(client, stopped, 1), token=token,
                       filename="Biên bản (đã sửa).docx")
    assert response.status_code == 302, response.text
    page = client.get(_page(stopped))
    assert "flash-success" in page.text
    assert _rows(page.text, "minutes") == [2, 1]
    assert "Biên bản (đã sửa).docx" in page.text
    assert _versions(app, stopped) == [(1, "generated", False), (2, "uploaded", False)]
    download = client.get(f"/api/v1/meetings/{stopped.meeting_id}/minutes/minutes/2.docx")
    assert "Thư ký đã bổ sung" in "\n".join(
        p.text for p in Document(io.BytesIO(download.data)).paragraphs)

    # Lock version 2 (the button asks first): it is the final version, and the series is closed.
    assert 'data-confirm="' in page.text
    response = _lock(client, stopped, 2, token=token)
    assert response.status_code == 302
    page = client.get(_page(stopped))
    assert "flash-success" in page.text
    assert _versions(app, stopped) == [(1, "generated", False), (2, "uploaded", True)]
    minutes_section = page.text[page.text.index('id="minutes"'):page.text.index('id="conclusions"')]
    assert "is-locked" in minutes_section
    assert f"{_page(stopped)}/minutes/generate" not in page.text
    assert f"{_page(stopped)}/minutes/upload" not in page.text
    assert "/minutes/1/lock" not in page.text
    # The notice is a series of its own: still open.
    assert f"{_page(stopped)}/conclusions/generate" in page.text

    # Generating after the lock is refused with the service's reason; nothing is added.
    response = _generate(client, stopped, token=token)
    assert response.status_code == 302
    page = client.get(_page(stopped))
    error = re.search(r'<div class="flash flash-error"[^>]*>(.*?)</div>', page.text, re.S)
    assert error and "Bản chính thức đã được khóa" in error.group(1)  # the service's reason
    assert _versions(app, stopped) == [(1, "generated", False), (2, "uploaded", True)]
    # So is a second lock.
    assert _lock(client, stopped, 1, token=token).status_code == 302
    assert "flash-error" in client.get(_page(stopped)).text
    assert _versions(app, stopped)[0] == (1, "generated", False)


@pytest.mark.parametrize("data,filename", [
    (b"Day khong phai la tai lieu Word.\n", "bien-ban.docx"),
    (b"%PDF-1.7\n%%EOF\n", "bien-ban.pdf"),
    (b"PK\x03\x04not really a zip", "bien-ban.docx"),
    (b"MZ\x90\x00", "setup.docx"),
])
def test_a_bad_upload_is_refused_on_the_form_and_nothing_is_stored(app, client, auth, stopped,
                                                                   data, filename):
    auth.login(stopped.users["secretariat"])
    assert _generate(client, stopped).status_code == 302
    stored = _stored_files(app)
    response = _upload(client, stopped, data, filename=filename)
    assert response.status_code == 422
    form = response.text[response.text.index('id="minutes"'):]
    assert 'class="error" role="alert"' in form
    assert 'aria-invalid="true"' in form
    assert "Word" in form  # the validator's reason: only Word documents (.docx)
    assert _versions(app, stopped) == [(1, "generated", False)]
    assert _stored_files(app) == stored


def test_an_upload_without_a_file_is_refused(app, client, auth, stopped):
    auth.login(stopped.users["secretariat"])
    token = csrf_from(client.get(_page(stopped)).text)
    response = client.post(f"{_page(stopped)}/conclusions/upload",
                           data={"conclusions-csrf_token": token})
    assert response.status_code == 422
    conclusions = response.text[response.text.index('id="conclusions"'):]
    assert 'class="error" role="alert"' in conclusions
    assert _versions(app, stopped, "conclusions") == []


def test_the_actions_need_the_csrf_token(app, client, auth, stopped):
    auth.login(stopped.users["secretariat"])
    assert client.post(f"{_page(stopped)}/minutes/generate").status_code == 400
    assert _versions(app, stopped) == []


def test_nothing_is_drawn_up_before_the_session_stops(app, client, auth, cabinet):
    auth.login(cabinet.users["secretariat"])
    page = client.get(_page(cabinet))
    assert page.status_code == 200
    assert "flash-warning" in page.text
    assert "/generate" not in page.text
    response = _generate(client, cabinet, token=csrf_from(page.text))
    assert response.status_code == 302
    assert "flash-error" in client.get(_page(cabinet)).text
    assert _versions(app, cabinet) == []


# --- the links to the page -----------------------------------------------------------------------

def _room_links(client, cab) -> str | None:
    """The minutes card of the meeting room: None when absent, else its opening tag."""
    room = client.get(f"/meetings/{cab.meeting_id}")
    assert room.status_code == 200
    match = re.search(r'<section class="card minutes-link-card"[^>]*>', room.text)
    if match:
        assert f'href="{_page(cab)}"' in room.text
    return match.group(0) if match else None


def test_the_meeting_room_links_to_the_minutes(client, auth, cabinet, api):
    mid = cabinet.meeting_id
    # Published: the secretariat's and chair's link waits (hidden) for the session to stop.
    for who in ("secretariat", "chair"):
        auth.login(cabinet.users[who])
        tag = _room_links(client, cabinet)
        assert tag and "hidden" in tag and 'data-show-when="adjourned closed"' in tag
        auth.logout()
    auth.login(cabinet.users["m1"])
    assert _room_links(client, cabinet) is None
    auth.logout()

    for step in ("in_session", "adjourned"):
        assert api(cabinet, "POST", f"/api/v1/meetings/{mid}/transition", {"to": step},
                   who="chair")[0] == 200
    assert api(cabinet, "POST", f"/api/v1/meetings/{mid}/minutes", {"kind": "minutes"},
               who="secretariat")[0] == 201
    auth.login(cabinet.users["secretariat"])
    tag = _room_links(client, cabinet)
    assert tag and "hidden" not in tag
    auth.logout()
    auth.login(cabinet.users["m1"])
    assert _room_links(client, cabinet) is None  # a draft: not for members yet
    auth.logout()

    assert api(cabinet, "POST", f"/api/v1/meetings/{mid}/minutes/minutes/1/lock",
               who="secretariat")[0] == 200
    auth.login(cabinet.users["m1"])
    tag = _room_links(client, cabinet)
    assert tag and "data-show-when" not in tag and "hidden" not in tag
    auth.logout()
    for who in ("m2", "guest"):  # m2 is not invited to the confidential item
        auth.login(cabinet.users[who])
        assert _room_links(client, cabinet) is None
        auth.logout()


def test_the_top_bar_links_to_the_written_polls(client, auth, cabinet):
    auth.login(cabinet.users["m1"])
    page = client.get("/meetings")
    assert re.search(r'<nav class="mainnav"[^>]*>.*href="/polls".*</nav>', page.text, re.S)
    polls = client.get("/polls")
    assert polls.status_code == 200
    assert re.search(r'<a href="/polls" class="active"', polls.text)
