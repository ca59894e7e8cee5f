"""The documents' pages: the list a user may read, uploading through the form, a document with
its versions, attaching from the prepare page, the dossiers in the meeting room, the viewer."""

from __future__ import annotations

import io
import json
import re

import pytest

from ecabinet.security import script_hash
from tests.conftest import bearer, csrf_from
from tests.docs.conftest import upload, wait_for_state
from tests.docs.corpus import docx_bytes, pdf_bytes


def _viewer_config(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="viewer-data">(.*?)</script>', html,
                      re.S)
    assert match, "no viewer configuration on the page"
    return json.loads(match.group(1))


@pytest.fixture
def dossier(client, cabinet, api):
    """Three documents of the cabinet meeting: a normal one on item 1, a confidential one on the
    confidential item 3 (m1 invited), and one attached nowhere."""
    secretariat = cabinet.headers("secretariat")
    ids = {}
    for key, title, level in (("normal", "Tờ trình Luật Tổ chức chính quyền địa phương", "normal"),
                              ("secret", "Phương án nhân sự", "confidential"),
                              ("loose", "Tài liệu chưa gắn", "normal")):
        status, body = upload(client, secretariat, pdf_bytes(2), filename=f"{key}.pdf",
                              title=title, classification=level)
        assert status == 201, body
        ids[key] = body["id"]
    for key, item in (("normal", cabinet.items[0]), ("secret", cabinet.confidential_item)):
        status, body = api(cabinet, "POST", f"/api/v1/agenda-items/{item}/documents",
                           {"document_id": ids[key]}, who="secretariat")
        assert status == 201, body
    return ids


def _titles(html: str) -> set[str]:
    return set(re.findall(r'class="doc-title"[^>]*>([^<]+)</a>', html))


# --- the list ------------------------------------------------------------------------------------

@pytest.mark.parametrize("who, expected", [
    ("secretariat", {"normal", "secret", "loose"}),
    ("m1", {"normal", "secret"}),  # invited to the confidential item
    ("m2", {"normal"}),
    ("guest", {"normal"}),  # invited to item 1 only
    ("outsider", set()),
])
def test_the_list_shows_what_each_may_read(client, auth, cabinet, dossier, who, expected):
    titles = {"normal": "Tờ trình Luật Tổ chức chính quyền địa phương",
              "secret": "Phương án nhân sự", "loose": "Tài liệu chưa gắn"}
    auth.login(cabinet.users[who])
    page = client.get("/documents")
    assert page.status_code == 200
    assert _titles(page.text) == {titles[key] for key in expected}
    if "secret" in expected:
        assert "tag-secret" in page.text
    assert ('href="/documents/new"' in page.text) == (who != "guest")


def test_the_list_shows_states_and_why_a_conversion_failed(make_app, make_user, fake_converter):
    app = make_app(CONVERTER_COMMAND=fake_converter)
    client = app.test_client()
    user = make_user("secretariat")
    from tests.conftest import AuthActions

    AuthActions(app, client).login(user)
    form = client.get("/documents/new")
    response = client.post("/documents/new", data={
        "csrf_token": csrf_from(form.text), "title": "Dự thảo hỏng", "classification": "normal",
        "file": (io.BytesIO(docx_bytes("REFUSE")), "hong.docx")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    document_id = int(response.headers["Location"].rsplit("/", 1)[1])
    from ecabinet.docs import jobs

    assert jobs.local_worker().wait_idle(timeout=60)
    page = client.get("/documents")
    assert 'data-version-state="failed"' in page.text
    assert "doc-error" in page.text  # the reason, in words
    shown = client.get(f"/documents/{document_id}")
    assert 'data-version-state="failed"' in shown.text and "doc-error" in shown.text


def test_a_version_converting_is_refreshed_by_the_page(make_app, make_user, fake_converter):
    from tests.conftest import AuthActions

    app = make_app(CONVERTER_COMMAND=fake_converter)
    client = app.test_client()
    user = make_user("secretariat")
    AuthActions(app, client).login(user)
    form = client.get("/documents/new")
    response = client.post("/documents/new", data={
        "csrf_token": csrf_from(form.text), "title": "Dự thảo Nghị định",
        "classification": "normal", "file": (io.BytesIO(docx_bytes("SLOW")), "du-thao.docx")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    # Rendered while converting: the badge says so and tells the script where to poll.
    assert 'data-version-state="converting"' in page.text
    document_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert f'data-status-url="/api/v1/documents/{document_id}"' in page.text
    assert "js/documents.js" in page.text
    from ecabinet.docs import jobs

    assert jobs.local_worker().wait_idle(timeout=60)
    page = client.get(response.headers["Location"])
    assert 'data-version-state="ready"' in page.text
    assert f"/documents/{document_id}/versions/1/view" in page.text


# --- uploading -----------------------------------------------------------------------------------

def _post_upload(client, data: bytes, filename: str, *, title="Báo cáo", level="normal",
                 token=None):
    form = client.get("/documents/new")
    response = client.post("/documents/new", data={
        "csrf_token": token if token is not None else csrf_from(form.text), "title": title,
        "classification": level, "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data")
    # A large body is spooled to a temporary file the test client leaves open.
    response.request.input_stream.close()
    return response


def test_the_secretariat_uploads_through_the_form(client, auth, make_user, token_for):
    user = make_user("secretariat")
    auth.login(user)
    response = _post_upload(client, pdf_bytes(3), "bao-cao.pdf", title="Báo cáo thẩm định",
                            level="confidential")
    assert response.status_code == 302
    document_id = int(response.headers["Location"].rsplit("/", 1)[1])
    body = client.get(f"/api/v1/documents/{document_id}",
                      headers=bearer(token_for(user))).get_json()
    assert body["title"] == "Báo cáo thẩm định" and body["classification"] == "confidential"
    assert body["versions"][0]["state"] == "ready" and body["versions"][0]["pages"] == 3
    page = client.get(response.headers["Location"])
    assert "Báo cáo thẩm định" in page.text and "tag-secret" in page.text
    assert f"/documents/{document_id}/versions/1/view" in page.text


def test_the_form_needs_its_csrf_token(client, auth, make_user):
    auth.login(make_user("secretariat"))
    response = _post_upload(client, pdf_bytes(), "a.pdf", token="forged")
    assert response.status_code == 400
    assert "doc-title" not in client.get("/documents").text


def test_a_guest_cannot_upload(client, auth, make_user):
    auth.login(make_user("guest"))
    assert client.get("/documents/new").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/documents")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("data, filename, status", [
    (b"MZ\x90\x00 not a document", "virus.pdf", 415),
    (b"%PDF-1.7\n broken", "broken.pdf", 422),
])
def test_a_refused_file_is_explained_on_the_form(client, auth, make_user, data, filename,
                                                 status):
    auth.login(make_user("secretariat"))
    response = _post_upload(client, data, filename)
    assert response.status_code == status
    assert 'class="error"' in response.text and 'enctype="multipart/form-data"' in response.text
    assert "doc-title" not in client.get("/documents").text


def test_a_missing_file_is_a_form_error(client, auth, make_user):
    auth.login(make_user("secretariat"))
    form = client.get("/documents/new")
    response = client.post("/documents/new", data={"csrf_token": csrf_from(form.text),
                                                   "title": "x", "classification": "normal"},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and 'class="error"' in response.text


def test_a_hostile_classification_is_refused(client, auth, make_user):
    auth.login(make_user("secretariat"))
    response = _post_upload(client, pdf_bytes(), "a.pdf", level="top-secret")
    assert response.status_code == 422
    assert "doc-title" not in client.get("/documents").text


def test_too_large_files_get_a_clear_message(make_app, make_user):
    from tests.conftest import AuthActions

    app = make_app(DOCUMENT_MAX_BYTES=50_000)
    client = app.test_client()
    AuthActions(app, client).login(make_user("secretariat"))
    # Over the limit but within the envelope: the validator refuses it.
    response = _post_upload(client, pdf_bytes(1) + b"%" * 60_000, "big.pdf")
    assert response.status_code == 413
    assert "48 KB" in response.text  # the limit, in words
    assert 'class="error"' in response.text
    # Far over it: refused before the body is read, still with the form and the message.
    response = _post_upload(client, b"%PDF-1.7\n" + b"0" * (2 * 1024 * 1024), "huge.pdf")
    assert response.status_code == 413
    assert 'class="error"' in response.text and 'enctype="multipart/form-data"' in response.text
    assert "doc-title" not in client.get("/documents").text


# --- a document and its versions -----------------------------------------------------------------

def test_a_new_version_through_the_document_page(client, auth, cabinet, dossier):
    auth.login(cabinet.users["secretariat"])
    document_id = dossier["normal"]
    page = client.get(f"/documents/{document_id}")
    assert page.status_code == 200 and f'action="/documents/{document_id}/versions"' in page.text
    response = client.post(f"/documents/{document_id}/versions", data={
        "csrf_token": csrf_from(page.text), "file": (io.BytesIO(pdf_bytes(4)), "v2.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    page = client.get(f"/documents/{document_id}")
    assert "/versions/2/view" in page.text and "/versions/1/view" in page.text
    # On the agenda of the cabinet's meeting, linked to its room.
    assert f'href="/meetings/{cabinet.meeting_id}"' in page.text


def test_a_reader_who_is_not_the_uploader_cannot_add_versions(client, auth, cabinet, dossier):
    auth.login(cabinet.users["m2"])
    page = client.get(f"/documents/{dossier['normal']}")
    document_id = dossier["normal"]
    assert page.status_code == 200
    assert f'action="/documents/{document_id}/versions"' not in page.text
    response = client.post(f"/documents/{dossier['normal']}/versions", data={
        "csrf_token": csrf_from(page.text), "file": (io.BytesIO(pdf_bytes()), "v2.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 403


@pytest.mark.parametrize("who, key", [("m2", "secret"), ("outsider", "normal"),
                                      ("guest", "loose"), ("m1", "loose")])
def test_documents_one_may_not_read_do_not_exist(client, auth, cabinet, dossier, who, key):
    auth.login(cabinet.users[who])
    assert client.get(f"/documents/{dossier[key]}").status_code == 404
    assert client.get(f"/documents/{dossier[key]}/versions/1/view").status_code == 404
    assert client.get("/documents/999999").status_code == 404


# --- attaching from the prepare page, the meeting room --------------------------------------------

def test_the_secretariat_attaches_from_the_prepare_page(client, auth, cabinet, dossier):
    auth.login(cabinet.users["secretariat"])
    item = cabinet.items[1]
    prepare = client.get(f"/meetings/{cabinet.meeting_id}/prepare")
    assert f'action="/agenda-items/{item}/documents"' in prepare.text
    token = csrf_from(prepare.text)
    response = client.post(f"/agenda-items/{item}/documents",
                           data={"csrf_token": token, "document_id": dossier["loose"]})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/meetings/{cabinet.meeting_id}/prepare#item-{item}")
    prepare = client.get(f"/meetings/{cabinet.meeting_id}/prepare")
    assert "Tài liệu chưa gắn" in prepare.text
    # A second submit of the same form: told, nothing duplicated.
    again = client.post(f"/agenda-items/{item}/documents",
                        data={"csrf_token": token, "document_id": dossier["loose"]},
                        follow_redirects=True)
    assert again.status_code == 200 and "flash-error" in again.text
    # A document that does not exist.
    missing = client.post(f"/agenda-items/{item}/documents",
                          data={"csrf_token": token, "document_id": 999999},
                          follow_redirects=True)
    assert "flash-error" in missing.text


def test_only_organisers_attach(client, auth, cabinet, dossier):
    auth.login(cabinet.users["m1"])
    token = auth.csrf()
    response = client.post(f"/agenda-items/{cabinet.items[1]}/documents",
                           data={"csrf_token": token, "document_id": dossier["normal"]})
    assert response.status_code == 403
    # An item one cannot see is not found.
    auth.logout()
    auth.login(cabinet.users["outsider"])
    response = client.post(f"/agenda-items/{cabinet.items[1]}/documents",
                           data={"csrf_token": auth.csrf(), "document_id": dossier["normal"]})
    assert response.status_code == 404


def test_attaching_without_csrf_is_refused(client, auth, cabinet, dossier):
    auth.login(cabinet.users["secretariat"])
    response = client.post(f"/agenda-items/{cabinet.items[1]}/documents",
                           data={"document_id": dossier["loose"]})
    assert response.status_code == 400


def test_the_room_links_each_document_to_the_viewer_in_the_meeting(client, auth, cabinet,
                                                                   dossier):
    auth.login(cabinet.users["m2"])
    room = client.get(f"/meetings/{cabinet.meeting_id}")
    assert room.status_code == 200
    link = f'/documents/{dossier["normal"]}/versions/1/view?meeting={cabinet.meeting_id}'
    assert link in room.text
    assert f'/documents/{dossier["secret"]}/' not in room.text  # m2 is not invited
    auth.logout()
    auth.login(cabinet.users["m1"])
    room = client.get(f"/meetings/{cabinet.meeting_id}")
    assert f'/documents/{dossier["secret"]}/versions/1/view?meeting=' in room.text


# --- the viewer ----------------------------------------------------------------------------------

def test_the_viewer_page(client, auth, cabinet, dossier):
    auth.login(cabinet.users["chair"])
    page = client.get(f"/documents/{dossier['normal']}/versions/1/view"
                      f"?meeting={cabinet.meeting_id}&page=2")
    assert page.status_code == 200
    config = _viewer_config(page.text)
    assert config["pdfUrl"] == f"/api/v1/documents/{dossier['normal']}/versions/1/pdf"
    assert config["workerSrc"].endswith("vendor/pdfjs/pdf.worker.min.mjs")
    assert config["meetingId"] == cabinet.meeting_id and config["canPresent"] is True
    assert config["page"] == 2 and config["pages"] == 2
    assert '<script type="module" src="/static/js/viewer.js">' in page.text
    csp = page.headers["Content-Security-Policy"]
    # 'self' and one inline script: the import map on the page, by its hash (no nonce, no unsafe)
    maps = re.findall(r'<script type="importmap">(.*?)</script>', page.text)
    assert len(maps) == 1 and "/static/vendor/noble/curves/" in maps[0]
    assert f"script-src 'self' {script_hash(maps[0])};" in csp and "'unsafe" not in csp
    assert page.headers["X-Frame-Options"] == "DENY"


def test_a_member_views_but_does_not_present(client, auth, cabinet, dossier):
    auth.login(cabinet.users["m2"])
    page = client.get(f"/documents/{dossier['normal']}/versions/1/view"
                      f"?meeting={cabinet.meeting_id}&page=99")
    config = _viewer_config(page.text)
    assert config["canPresent"] is False and config["meetingId"] == cabinet.meeting_id
    assert config["page"] == 2  # clamped to the last page
    assert "toggle-present" not in page.text


def test_the_viewer_ignores_a_meeting_the_document_is_not_in(client, auth, cabinet, dossier,
                                                             make_user):
    auth.login(cabinet.users["secretariat"])
    page = client.get(f"/documents/{dossier['loose']}/versions/1/view"
                      f"?meeting={cabinet.meeting_id}")
    assert _viewer_config(page.text)["meetingId"] is None
    # A meeting one cannot see is not found.
    auth.logout()
    auth.login(cabinet.users["guest"])
    assert client.get(f"/documents/{dossier['normal']}/versions/1/view"
                      f"?meeting=999999").status_code == 404


def test_the_viewer_of_a_missing_version(client, auth, cabinet, dossier):
    auth.login(cabinet.users["secretariat"])
    assert client.get(f"/documents/{dossier['normal']}/versions/7/view").status_code == 404


def test_the_viewer_of_a_converting_version_waits_for_it(make_app, make_user, fake_converter,
                                                         token_for):
    from tests.conftest import AuthActions

    app = make_app(CONVERTER_COMMAND=fake_converter, CONVERT_TIMEOUT_SECONDS=3)
    client = app.test_client()
    user = make_user("secretariat")
    AuthActions(app, client).login(user)
    response = _post_upload(client, docx_bytes("HANG"), "d.docx")
    document_id = int(response.headers["Location"].rsplit("/", 1)[1])
    config = _viewer_config(client.get(f"/documents/{document_id}/versions/1/view").text)
    assert config["state"] == "converting" and config["pages"] is None
    assert config["statusUrl"] == f"/api/v1/documents/{document_id}"
    version = wait_for_state(client, bearer(token_for(user)), document_id)
    assert version["state"] == "failed" and version["error_code"] == "timeout"
    config = _viewer_config(client.get(f"/documents/{document_id}/versions/1/view").text)
    assert config["state"] == "failed"
