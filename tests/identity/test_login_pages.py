"""Sign-in in the browser: password, second factor, enrolment, CSRF, lockout by rate limit."""

import re

import pyotp

from ecabinet.identity import services
from tests.conftest import PASSWORD, csrf_from, totp_code


def test_login_page_is_vietnamese_by_default(client):
    page = client.get("/login")
    assert page.status_code == 200
    assert "Đăng nhập" in page.text
    assert 'lang="vi"' in page.text


def test_member_signs_in_with_password_and_sees_dashboard(client, auth, make_user):
    member = make_user("member", name="Phạm Quốc Bảo")
    response = auth.login(member)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "Phạm Quốc Bảo" in home.text


def test_wrong_password_is_refused_and_audited(app, client, make_user):
    member = make_user("member")
    page = client.get("/login")
    response = client.post("/login", data={"email": member.email, "password": "wrong password!",
                                           "csrf_token": csrf_from(page.text)})
    assert response.status_code == 401
    assert client.get("/").status_code == 302  # still signed out
    with app.app_context():
        from ecabinet.audit.services import search

        assert [e.action for e in search(action="auth.login_failed")] == ["auth.login_failed"]


def test_unknown_email_gets_the_same_answer_as_a_wrong_password(client, make_user):
    make_user("member", email="known@example.gov.vn")
    answers = []
    for email in ("known@example.gov.vn", "nobody@example.gov.vn"):
        page = client.get("/login")
        response = client.post("/login", data={"email": email, "password": "not the password",
                                               "csrf_token": csrf_from(page.text)})
        answers.append((response.status_code, re.sub(r'value="[^"]*"', "", response.text)))
    assert answers[0][0] == answers[1][0] == 401
    assert "Sai" in answers[1][1]


def test_login_without_csrf_token_is_refused(client, make_user):
    member = make_user("member")
    response = client.post("/login", data={"email": member.email, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_signer_must_give_second_factor(client, auth, make_user):
    signer = make_user("signer")
    page = client.get("/login")
    response = client.post("/login", data={"email": signer.email, "password": PASSWORD,
                                           "csrf_token": csrf_from(page.text)})
    assert response.headers["Location"].endswith("/login/otp")
    assert client.get("/").status_code == 302  # password alone is not a sign-in
    otp_page = client.get("/login/otp")
    wrong = client.post("/login/otp", data={"code": "000000",
                                            "csrf_token": csrf_from(otp_page.text)})
    assert wrong.status_code == 401
    right = client.post("/login/otp", data={"code": totp_code(signer),
                                            "csrf_token": csrf_from(otp_page.text)})
    assert right.status_code == 302
    assert client.get("/").status_code == 200


def test_a_totp_code_cannot_be_replayed(app, client, make_user):
    signer = make_user("signer")
    code = totp_code(signer)
    for expected in (302, 401):
        home = client.get("/")
        if home.status_code == 200:
            client.post("/logout", data={"csrf_token": csrf_from(home.text)})
        page = client.get("/login")
        client.post("/login", data={"email": signer.email, "password": PASSWORD,
                                    "csrf_token": csrf_from(page.text)})
        otp_page = client.get("/login/otp")
        response = client.post("/login/otp", data={"code": code,
                                                   "csrf_token": csrf_from(otp_page.text)})
        assert response.status_code == expected


def test_admin_without_second_factor_must_enrol_before_signing_in(app, client, make_user):
    admin = make_user("admin", totp=False)
    page = client.get("/login")
    response = client.post("/login", data={"email": admin.email, "password": PASSWORD,
                                           "csrf_token": csrf_from(page.text)})
    assert response.headers["Location"].endswith("/login/enrol")
    enrol = client.get("/login/enrol")
    assert enrol.status_code == 200
    assert "<svg" in enrol.text  # the QR code
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', enrol.text).group(1)
    assert client.get("/").status_code == 302
    bad = client.post("/login/enrol", data={"code": "123456", "csrf_token": csrf_from(enrol.text)})
    assert bad.status_code == 422
    good = client.post("/login/enrol", data={"code": pyotp.TOTP(secret).now(),
                                             "csrf_token": csrf_from(enrol.text)})
    assert good.status_code == 302
    assert client.get("/admin/users").status_code == 200
    with app.app_context():
        assert services.user_by_email(admin.email).totp_secret == secret


def test_login_is_rate_limited(make_app, make_user):
    app = make_app(LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    page = client.get("/login")
    statuses = [client.post("/login", data={"email": "x@example.gov.vn", "password": "nope-nope",
                                            "csrf_token": csrf_from(page.text)}).status_code
                for _ in range(4)]
    assert statuses == [401, 401, 401, 429]


def test_next_parameter_cannot_redirect_off_site(client, make_user):
    member = make_user("member")
    page = client.get("/login?next=//evil.example/")
    response = client.post("/login?next=//evil.example/", data={
        "email": member.email, "password": PASSWORD, "csrf_token": csrf_from(page.text)})
    assert response.headers["Location"] == "/"


def test_logout_ends_the_session(client, auth, make_user):
    member = make_user("member")
    auth.login(member)
    assert client.get("/").status_code == 200
    auth.logout()
    assert client.get("/").status_code == 302


def test_deactivating_a_user_ends_their_session(app, client, auth, make_user):
    member = make_user("member")
    admin = make_user("admin")
    auth.login(member)
    with app.app_context():
        from ecabinet.database import unit_of_work

        with unit_of_work():
            services.update_user(services.get_user(member.id), active=False,
                                 actor=services.get_user(admin.id))
    assert client.get("/").status_code == 302


def test_rate_limit_is_shared_through_redis_when_configured(make_app):
    """Two workers (two apps) count the same attempts when ECABINET_REDIS_URL is set."""
    import uuid

    import pytest
    import redis

    from tests.conftest import REDIS_URL

    url = REDIS_URL or "redis://127.0.0.1:6379/15"
    server = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        server.ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {url}")
    # A fresh key prefix so earlier runs' counters don't count.
    prefix = uuid.uuid4().hex
    settings = {"REDIS_URL": url, "RATELIMIT_STORAGE_URI": None,
                "RATELIMIT_KEY_PREFIX": prefix, "LOGIN_RATE_LIMIT": "2 per minute"}
    workers = [make_app(fresh_app=True, **settings).test_client() for _ in range(2)]
    statuses = [workers[n % 2].post("/api/v1/auth/token", json={
        "email": "x@example.gov.vn", "password": "nope-nope"}).status_code for n in range(3)]
    assert statuses == [401, 401, 429]
    assert server.keys(f"*{prefix}*"), "the counters are not in Redis"
    server.close()
