"""Edge input on a few API corners the schema fuzzing may not reach: multipart text fields
(title, filename) with NUL or lone surrogates, odd dates, query strings with NUL."""

import io

import pytest

from tests.conftest import bearer
from tests.docs.corpus import pdf_bytes


@pytest.fixture
def sec(make_user, token_for):
    return bearer(token_for(make_user("secretariat")))


@pytest.mark.parametrize("title,filename", [
    ("a\x00b", "x.pdf"), ("ok", "a\x00b.pdf"),
    ("ok", "x" * 5000 + ".pdf"), ("ok", "../../etc/passwd.pdf"), ("x" * 100_000, "x.pdf"),
])
def test_upload_text_fields(client, sec, title, filename):
    form = {"file": (io.BytesIO(pdf_bytes()), filename), "title": title,
            "classification": "normal"}
    response = client.post("/api/v1/documents", data=form, headers=sec,
                           content_type="multipart/form-data")
    assert response.status_code < 500, response.data[:300]
    if response.status_code >= 400:
        assert "error" in response.get_json(), response.data[:300]


@pytest.mark.parametrize("deadline", [
    "0001-01-01T00:00:00Z", "9999-12-31T23:59:59+14:00", "2026-02-30T00:00:00Z",
    "2026-12-01T00:00:00", "1899-12-31T23:59:59Z", "2200-12-31T23:59:59-12:00",
    "+002026-12-01T00:00:00Z", "2026-12-01T24:00:00Z", "2026-W49-1T00:00:00Z",
])
def test_poll_deadlines(client, sec, deadline):
    response = client.post("/api/v1/polls", headers=sec, json={
        "question": "Q?", "deadline": deadline})
    assert response.status_code < 500, response.data[:300]
    assert response.status_code in (201, 400, 422), (deadline, response.get_json())


@pytest.mark.parametrize("path", [
    "/api/v1/search?q=%00", "/api/v1/search?q=%ED%A0%80", "/api/v1/search?q=a&limit=2147483648",
    "/api/v1/search?q=a&offset=99999999999999999999", "/api/v1/register?year=%00",
    "/api/v1/register?year=2026&format=%00", "/api/v1/documents/1/compare?from=1&to=99999999999",
    "/api/v1/meetings?%00=1", "/api/v1/search?q=" + "a%20" * 400,
    "/api/v1/search?q=%22%29%20OR%201%3D1--", "/api/v1/search?q=NEAR(a%20b)",
    "/api/v1/search?q=*", "/api/v1/search?q=a*%20-b%20%5E",
])
def test_query_strings(client, sec, path):
    response = client.get(path, headers=sec)
    assert response.status_code < 500, (path, response.data[:300])


@pytest.mark.parametrize("title,filename", [(b"\xed\xa0\x80", b"x.pdf"),
                                            (b"ok", b"\xed\xa0\x80.pdf"),
                                            (b"\xff\xfe", b"\xff.pdf")])
def test_upload_raw_bytes(client, sec, title, filename):
    boundary = b"XyZ"
    body = (b"--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\n" + title +
            b"\r\n--XyZ\r\nContent-Disposition: form-data; name=\"classification\"\r\n\r\n"
            b"normal\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" +
            filename + b"\"\r\nContent-Type: application/pdf\r\n\r\n" + pdf_bytes() +
            b"\r\n--XyZ--\r\n")
    response = client.post("/api/v1/documents", data=body, headers=sec,
                           content_type="multipart/form-data; boundary=" + boundary.decode())
    assert response.status_code < 500, response.data[:300]
