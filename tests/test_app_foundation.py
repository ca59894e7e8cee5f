"""Configuration, security headers, the OpenAPI description, languages and dates."""

import os
import re
import stat
from datetime import UTC, date, datetime

import pytest

from ecabinet import config, create_app
from ecabinet.i18n import vietnam_iso, vietnamese_date
from tests.conftest import PASSWORD, bearer, csrf_from


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path):
    first = config.load_secret_key(tmp_path, {})
    second = config.load_secret_key(tmp_path, {})
    assert first == second and len(first) == 64
    assert stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode) == 0o600
    assert config.load_secret_key(tmp_path, {"ECABINET_SECRET_KEY": "from-env"}) == "from-env"


def test_two_workers_starting_together_get_the_same_whole_key(tmp_path):
    """gunicorn -w 2 on a new instance folder: both generate the key at once. The one whose
    key is slower to write must not leave the other reading an empty file (it failed a CI run:
    "ECABINET_DATA_KEY must be Fernet keys")."""
    import threading
    import time

    slow_started, results = threading.Event(), {}

    def slow():
        slow_started.set()
        time.sleep(0.3)  # still writing when the other worker looks
        return "slow-key"

    def start(name, generate):
        results[name] = config._instance_secret(tmp_path, "data_key", generate)

    first = threading.Thread(target=start, args=("first", slow))
    first.start()
    assert slow_started.wait(5)
    second = threading.Thread(target=start, args=("second", lambda: "fast-key"))
    second.start()
    for thread in (first, second):
        thread.join(10)
    assert results["first"] == results["second"] == (tmp_path / "data_key").read_text()
    assert results["first"] in {"slow-key", "fast-key"}
    assert [p.name for p in tmp_path.iterdir()] == ["data_key"]  # no draft left behind
    assert stat.S_IMODE((tmp_path / "data_key").stat().st_mode) == 0o600


def test_the_receipt_key_is_generated_once_into_the_instance_folder(tmp_path):
    first = config.load_receipt_key(tmp_path, {})
    assert config.load_receipt_key(tmp_path, {}) == first and len(bytes.fromhex(first)) == 32
    assert stat.S_IMODE(os.stat(tmp_path / "receipt_key").st_mode) == 0o600
    given = "ab" * 32
    assert config.load_receipt_key(tmp_path, {"ECABINET_RECEIPT_KEY": given}) == given
    with pytest.raises(ValueError, match="ECABINET_RECEIPT_KEY"):
        config.load_receipt_key(tmp_path, {"ECABINET_RECEIPT_KEY": "not hex"})


def test_environment_is_read_with_embedded_defaults(tmp_path):
    defaults = config.from_environment(tmp_path, {})
    assert defaults["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'ecabinet.db'}"
    assert defaults["STORAGE_DIR"] == str(tmp_path / "files")
    assert defaults["REDIS_URL"] is None
    assert defaults["PKCS11_MODULE"] == "/usr/lib/softhsm/libsofthsm2.so"
    assert defaults["SESSION_COOKIE_SECURE"] is True
    custom = config.from_environment(tmp_path, {
        "ECABINET_DATABASE_URL": "postgresql+psycopg://db/ecabinet",
        "ECABINET_REDIS_URL": "redis://cache:6379/0",
        "ECABINET_STORAGE_DIR": "/srv/files",
        "ECABINET_TSA_URL": "http://tsa.example/",
        "ECABINET_PKCS11_MODULE": "/opt/hsm.so",
        "ECABINET_SECRET_KEY": "k"})
    assert custom["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://db/ecabinet"
    assert custom["REDIS_URL"] == "redis://cache:6379/0"
    assert (custom["STORAGE_DIR"], custom["TSA_URL"], custom["PKCS11_MODULE"]) == \
        ("/srv/files", "http://tsa.example/", "/opt/hsm.so")


def test_security_headers_and_cookie_flags(make_app, make_user):
    app = make_app(SESSION_COOKIE_SECURE=True)
    client = app.test_client()
    page = client.get("/login")
    csp = page.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["X-Frame-Options"] == "DENY"
    cookie = page.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_security_headers_are_added_once_and_never_over_a_views_own(make_app):
    """Read in one pass over the response's names (``security._add_security_headers``): a
    header a view set itself, in any case, is kept and not doubled; the API's answers and
    pages get ``Cache-Control: no-store`` unless they chose their own."""
    app = make_app(fresh_app=True)  # routes of its own

    @app.route("/api/v1/test-own-headers")
    def own_headers():
        return {"ok": True}, 200, {"x-frame-options": "SAMEORIGIN",
                                   "cache-control": "private, no-cache"}

    @app.route("/api/v1/test-plain")
    def plain():
        return {"ok": True}

    client = app.test_client()
    own = client.get("/api/v1/test-own-headers")
    assert own.headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert own.headers.getlist("Cache-Control") == ["private, no-cache"]
    assert own.headers.getlist("X-Content-Type-Options") == ["nosniff"]
    others = client.get("/api/v1/test-plain")
    assert others.headers.getlist("X-Frame-Options") == ["DENY"]
    assert others.headers.getlist("Cache-Control") == ["no-store"]
    assert len(others.headers.getlist("Content-Security-Policy")) == 1
    assert "Strict-Transport-Security" not in others.headers
    secure = client.get("/api/v1/test-plain", base_url="https://localhost")
    assert secure.headers.getlist("Strict-Transport-Security") == ["max-age=31536000"]


def test_a_request_without_the_session_cookie_gets_an_empty_session(app, client, auth,
                                                                    make_user):
    """No signer is built for a request that sends no session cookie (``security.
    SessionInterface``): its session is Flask's new empty one; a signed cookie still opens."""
    from flask import request, session
    from flask.sessions import SecureCookieSession

    with app.test_request_context("/api/v1/me"):
        opened = app.session_interface.open_session(app, request)
        assert type(opened) is SecureCookieSession and not opened and not opened.modified
    user = make_user("member")
    auth.login(user)
    with client:
        assert client.get("/").status_code == 200
        assert session.get("login_id")  # the cookie's session, opened and read


def test_openapi_description_is_generated(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    for path in ("/api/v1/auth/token", "/api/v1/me", "/api/v1/users", "/api/v1/users/{user_id}"):
        assert path in spec["paths"], path
    token_request = spec["components"]["schemas"]["TokenRequest"]
    assert set(token_request["required"]) == {"email", "password"}
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_api_docs_page_is_served(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    assert "swagger-ui" in page.text


@pytest.mark.parametrize("day,expected", [
    (date(2026, 2, 5), "ngày 05 tháng 02 năm 2026"),
    (date(2026, 1, 31), "ngày 31 tháng 01 năm 2026"),
    (date(2026, 11, 3), "ngày 03 tháng 11 năm 2026"),
    (date(2026, 3, 15), "ngày 15 tháng 3 năm 2026"),
])
def test_vietnamese_dates(day, expected):
    assert vietnamese_date(day) == expected
    assert vietnamese_date(day, "Hà Nội") == f"Hà Nội, {expected}"


def test_vietnamese_date_uses_vietnam_time():
    # 20:00 UTC on 31 December is already 1 January in Ha Noi.
    assert vietnamese_date(datetime(2025, 12, 31, 20, 0, tzinfo=UTC)) == "ngày 01 tháng 01 năm 2026"


def test_iso_time_with_vietnamese_offset():
    assert vietnam_iso(datetime(2026, 11, 23, 7, 30, 5, 123, tzinfo=UTC)) == \
        "2026-11-23T14:30:05+07:00"


def test_user_can_switch_to_english(client, auth, make_user):
    member = make_user("member")
    auth.login(member)
    assert "Đăng xuất" in client.get("/").text
    token = csrf_from(client.get("/account").text)
    client.post("/account", data={"locale": "en", "csrf_token": token})
    page = client.get("/")
    assert "Sign out" in page.text and 'lang="en"' in page.text


def test_visitor_can_choose_english_on_the_login_page(client):
    token = csrf_from(client.get("/login").text)
    client.post("/language/en", data={"csrf_token": token, "next": "/login"})
    assert "Sign in" in client.get("/login").text


@pytest.mark.parametrize("role,sections", [
    # "received": anyone may be sent an issued document (their organisation, or by name).
    ("member", {"meetings", "polls", "drafts", "received"}),
    # "to_assign": the leaders (signers) direct the incoming documents presented to them.
    ("signer", {"meetings", "signatures", "to_assign", "received"}),
    ("clerk", {"signatures", "received"}),
    ("guest", {"meetings", "drafts", "received"}),
    ("secretariat", {"meetings", "polls_followup", "drafts", "received"}),
])
def test_dashboard_sections_follow_roles(app, make_user, role, sections):
    from ecabinet.dashboard.sections import sections_for
    from ecabinet.identity.services import get_user

    user = make_user(role)
    with app.test_request_context():
        shown = {section.key for section in sections_for(get_user(user.id))}
    assert shown == sections


def test_bearer_calls_need_no_csrf_token(client, make_user, token_for):
    token = token_for(make_user("admin"))
    response = client.post("/api/v1/users", headers=bearer(token), json={
        "email": "moi@example.gov.vn", "name": "Người mới", "role": "member",
        "password": PASSWORD})
    assert response.status_code == 201


def test_create_app_without_config_reads_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("ECABINET_INSTANCE_DIR", str(tmp_path))
    monkeypatch.setenv("ECABINET_DATABASE_URL", f"sqlite:///{tmp_path}/env.db")
    monkeypatch.delenv("ECABINET_SECRET_KEY", raising=False)
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/env.db"
    assert (tmp_path / "secret_key").exists()
    assert app.config["SECRET_KEY"] == (tmp_path / "secret_key").read_text()


def test_vietnamese_date_and_time():
    from ecabinet.i18n import vietnamese_datetime

    assert vietnamese_datetime(datetime(2026, 12, 1, 1, 0, tzinfo=UTC)) == \
        "08:00, ngày 01 tháng 12 năm 2026"


def test_pages_write_dates_in_the_reader_s_language(app, client, auth, make_user):
    """The date filters and the dashboards' dates follow the page's language; the documents
    keep the decree's Vietnamese date (vietnamese_date, called by them directly)."""
    from flask_babel import force_locale

    from ecabinet.i18n import VIETNAM, page_date, page_datetime

    moment = datetime(2026, 2, 5, 1, 30, tzinfo=UTC)  # 08:30 on 5 February in Hà Nội
    with app.test_request_context():
        with force_locale("en"):
            assert page_date(moment, "Hà Nội") == "Hà Nội, 5 February 2026"
            assert page_datetime(moment) == "08:30, 5 February 2026"
        with force_locale("vi"):
            assert page_date(moment) == "ngày 05 tháng 02 năm 2026"
            assert page_datetime(moment) == "08:30, ngày 05 tháng 02 năm 2026"
    member = make_user("member")
    auth.login(member)
    today = datetime.now(VIETNAM).date()
    assert f"ngày {today.day:02d} tháng" in client.get("/").text
    token = csrf_from(client.get("/account").text)
    client.post("/account", data={"locale": "en", "csrf_token": token})
    page = client.get("/").text
    assert f"Hà Nội, {today.day} {today:%B} {today.year}" in page
    assert f"ngày {today.day:02d} tháng" not in page


@pytest.mark.parametrize("title,organisation,line", [
    (None, "Bộ Tư pháp", "Bộ Tư pháp"),  # no stray "· " before the organisation
    ("Thủ tướng Chính phủ", "Thủ tướng Chính phủ", "Thủ tướng Chính phủ"),  # said once
    ("Bộ trưởng", "Bộ Tư pháp", "Bộ trưởng · Bộ Tư pháp"),
])
def test_the_dashboard_says_who_you_are_without_stray_separators(client, auth, make_user,
                                                                  title, organisation, line):
    auth.login(make_user("member", title=title, organisation=organisation))
    found = re.search(r'<h1>.*?</h1>\s*<p class="muted">(.*?)</p>', client.get("/").text, re.S)
    assert found and found.group(1).strip() == line
