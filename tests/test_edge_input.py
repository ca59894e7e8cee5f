"""Bad input at the edges: a 4xx in the contract's shape (or a readable page), nothing changed,
and the server goes on serving everyone else (issue 8, point 10)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ecabinet.extensions import db
from ecabinet.meetings.models import Meeting
from tests.conftest import bearer

START = "2026-11-30T08:00:00+07:00"
DEEP = "[" * 100_000 + "]" * 100_000


@pytest.fixture
def secretariat(make_user, token_for):
    return bearer(token_for(make_user("secretariat", "admin")))


@pytest.fixture
def meeting_id(client, secretariat):
    response = client.post("/api/v1/meetings", json={"title": "Phiên họp", "starts_at": START},
                           headers=secretariat)
    assert response.status_code == 201
    return response.get_json()["id"]


def meeting_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Meeting))


def assert_contract_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert set(body) == {"error"}, body
    assert isinstance(body["error"]["code"], str) and isinstance(body["error"]["message"], str)
    if code:
        assert body["error"]["code"] == code
    return body["error"]


@pytest.mark.parametrize("path", [
    f"/api/v1/meetings/{2**63}",  # beyond SQLite's int64
    f"/api/v1/meetings/{2**31}",  # beyond PostgreSQL's int32
    "/api/v1/meetings/99999999999999999999999999",
    f"/api/v1/documents/{2**63}/versions/{2**63}/pdf",
    f"/api/v1/meetings/{2**63}/pack",
    "/api/v1/meetings/0",
    "/api/v1/meetings/1/minutes/a%00b/1.docx",
])
def test_an_id_beyond_the_database_range_in_a_path_is_404(client, secretariat, path):
    assert_contract_error(client.get(path, headers=secretariat), 404, "not_found")


def test_an_id_beyond_the_range_in_a_page_path_is_a_readable_404(client, auth, make_user):
    auth.login(make_user("secretariat"))
    response = client.get(f"/meetings/{2**63}/edit")
    assert response.status_code == 404
    assert response.mimetype == "text/html"


@pytest.mark.parametrize("body", [
    {"user_id": 2**63, "role": "member"},
    {"user_id": 2**31, "role": "member"},
    {"user_id": -(2**63), "role": "member"},
])
def test_an_id_beyond_the_range_in_a_body_is_422(client, secretariat, meeting_id, body):
    response = client.post(f"/api/v1/meetings/{meeting_id}/participants", json=body,
                           headers=secretariat)
    error = assert_contract_error(response, 422, "validation_error")
    assert "user_id" in error["details"]["json"]


def test_a_huge_integer_anywhere_in_a_body_is_422(client, secretariat, meeting_id):
    response = client.post(f"/api/v1/meetings/{meeting_id}/agenda-items",
                           json={"title": "Mục", "position": 2**63}, headers=secretariat)
    assert_contract_error(response, 422, "validation_error")


@pytest.mark.parametrize("raw", [
    DEEP,
    '{"title": ' + "[" * 50_000 + "]" * 50_000 + "}",
    b'{"title": "a\xff", "starts_at": "2026-11-30T08:00:00+07:00"}',
])
def test_json_nested_too_deep_or_not_utf8_is_400(app, client, secretariat, raw):
    before = meeting_count(app)
    response = client.post("/api/v1/meetings", data=raw, content_type="application/json",
                           headers=secretariat)
    assert_contract_error(response, 400, "bad_request")
    assert meeting_count(app) == before


def test_deep_json_to_a_page_posting_json_is_400_too(make_app, secretariat):
    """Flask's own ``request.get_json`` decodes with the same guard."""
    from flask import request

    app = make_app(fresh_app=True)  # a route of its own: an app that served nothing yet
    client = app.test_client()

    @app.post("/_edge_json")
    def _echo():  # pragma: no cover - the decoder raises first
        return {"n": len(request.get_json())}

    response = client.post("/_edge_json", data=DEEP, content_type="application/json",
                           headers={**secretariat, "Accept": "application/json"})
    assert_contract_error(response, 400, "bad_request")


def test_a_value_the_database_refuses_is_422_not_500(make_app, secretariat):
    """The guard behind the rules: whatever value slips past them and the database refuses
    (too long, out of range) is the caller's input."""
    from sqlalchemy.exc import DataError

    app = make_app(fresh_app=True)  # a route of its own: an app that served nothing yet
    client = app.test_client()

    @app.get("/api/v1/_edge_data")
    def _refused():
        raise DataError("INSERT …", {}, Exception("value too long for type character varying"))

    assert_contract_error(client.get("/api/v1/_edge_data", headers=secretariat), 422,
                          "validation_error")


@pytest.mark.parametrize("title", ["a\x00b", "a\ud800b", "\udfff", "x" * 5 + "\x00"])
def test_text_with_nul_or_a_lone_surrogate_is_422_and_nothing_is_stored(app, client,
                                                                       secretariat, title):
    before = meeting_count(app)
    response = client.post("/api/v1/meetings", json={"title": title, "starts_at": START},
                           headers=secretariat)
    error = assert_contract_error(response, 422, "validation_error")
    assert "title" in str(error["details"])
    assert meeting_count(app) == before


def test_a_lone_surrogate_as_an_escape_in_raw_json_is_422(client, secretariat):
    response = client.post("/api/v1/meetings", content_type="application/json",
                           data='{"title": "a\\ud800b", "starts_at": "2026-11-30T08:00:00Z"}',
                           headers=secretariat)
    assert_contract_error(response, 422, "validation_error")


def test_nul_in_a_query_string_is_422(client, secretariat):
    response = client.get("/api/v1/search?q=a%00b", headers=secretariat)
    assert_contract_error(response, 422, "validation_error")


@pytest.mark.parametrize("starts_at", [
    "0001-01-01T00:00:00+07:00",  # converting to UTC underflows
    "9999-12-31T23:59:00-07:00",  # converting to UTC overflows
    "9999-12-31T23:00:00Z",  # fine in UTC, overflows in Vietnam's time
    "1899-12-31T23:00:00Z",
    "2201-01-01T00:00:00Z",
])
def test_a_date_outside_1900_2200_is_422(app, client, secretariat, starts_at):
    before = meeting_count(app)
    response = client.post("/api/v1/meetings", json={"title": "Xa", "starts_at": starts_at},
                           headers=secretariat)
    error = assert_contract_error(response, 422, "validation_error")
    assert "starts_at" in str(error["details"])
    assert meeting_count(app) == before


def test_a_date_at_the_edge_of_the_range_is_accepted(client, secretariat):
    response = client.post("/api/v1/meetings", json={"title": "Xa",
                                                     "starts_at": "2200-12-31T23:00:00Z"},
                           headers=secretariat)
    assert response.status_code == 201


def test_a_meeting_stored_at_the_end_of_the_calendar_does_not_break_the_lists(
        app, client, auth, make_user, meeting_id):
    """A row written before the rule (or by hand) still shows: the display never raises."""
    from datetime import UTC, datetime

    with app.app_context():
        db.session.get(Meeting, meeting_id).starts_at = datetime(9999, 12, 31, 23, 0, tzinfo=UTC)
        db.session.commit()
    auth.login(make_user("secretariat"))
    assert client.get("/meetings").status_code == 200
    assert client.get(f"/meetings/{meeting_id}").status_code == 200
    assert client.get("/").status_code == 200


def test_a_page_form_with_a_date_beyond_the_range_is_refused_readably(app, client, auth,
                                                                        make_user):
    from tests.conftest import csrf_from

    auth.login(make_user("secretariat"))
    page = client.get("/meetings/new")
    before = meeting_count(app)
    response = client.post("/meetings/new", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "title": "Xa", "kind": "regular",
        "starts_at": "9999-12-31T23:00", "location": ""})
    assert response.status_code in (200, 422)
    assert "2200" in response.get_data(as_text=True)
    assert meeting_count(app) == before


@pytest.mark.parametrize("path", [
    "/decisions/new?meeting_id=99999999999999999999",
    "/decisions/new?vote_id=99999999999999999999",
    f"/admin/audit?actor={2**63}&before={2**63}",
    f"/search?q=luat&page={2**63}",
    f"/consultation/new?document_id={2**63}",
])
def test_a_huge_number_in_a_page_query_string_is_not_a_500(client, auth, make_user, path):
    auth.login(make_user("secretariat", "admin"))
    response = client.get(path)
    assert response.status_code < 500, response.get_data(as_text=True)[:300]


def test_a_page_form_with_nul_in_a_title_is_refused_readably(app, client, auth, make_user):
    from tests.conftest import csrf_from

    auth.login(make_user("secretariat"))
    page = client.get("/meetings/new")
    before = meeting_count(app)
    response = client.post("/meetings/new", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "title": "Phiên\x00họp",
        "kind": "regular", "starts_at": "2026-12-01T08:00", "location": ""})
    assert response.status_code == 422
    assert response.mimetype == "text/html"
    assert meeting_count(app) == before


def test_nul_in_a_multipart_upload_field_is_422(client, secretariat):
    import io

    response = client.post("/api/v1/documents", headers=secretariat, data={
        "file": (io.BytesIO(b"%PDF-1.4"), "a.pdf"), "title": "a\x00b"},
        content_type="multipart/form-data")
    assert_contract_error(response, 422, "validation_error")


# --- socket events -------------------------------------------------------------------------------

@pytest.fixture
def tablet(app, client, make_user, token_for):
    from ecabinet.extensions import socketio

    user = make_user("secretariat")
    socket = socketio.test_client(app, namespace="/live", auth={"token": token_for(user)})
    assert socket.is_connected("/live")
    yield socket
    socket.disconnect("/live")


@pytest.mark.parametrize("event,data", [
    ("meeting.join", {"meeting_id": 2**63}),
    ("meeting.join", {"meeting_id": 2**31}),
    ("meeting.join", {"meeting_id": 0}),
    ("attendance.checkin", {"meeting_id": True}),
    ("ballot.cast", {"vote_id": 2**63, "choice": "yes"}),
    ("presenter.follow", {"meeting_id": 2**63}),
    ("speaker.give_floor", {"meeting_id": 1, "agenda_item_id": 1, "request_id": 2**63}),
    ("vote.open", {"meeting_id": 1, "agenda_item_id": 1, "question": "a\x00b"}),
    ("ballot.cast", {"vote_id": 1, "choice": "\ud800"}),
])
def test_socket_events_with_bad_arguments_are_refused_in_the_contract_shape(tablet, event,
                                                                            data):
    ack = tablet.emit(event, data, namespace="/live", callback=True)
    assert ack["ok"] is False, ack
    assert ack["error"]["code"] in ("validation_error", "not_found"), ack
    assert ack["error"]["code"] != "internal_error"
