"""Who may do what: every role against every route, written as a table."""

import pytest

from tests.conftest import bearer, csrf_from

ROLES = ["admin", "secretariat", "member", "signer", "clerk", "guest"]
EVERYONE = set(ROLES)

PAGES = [
    ("/", EVERYONE),
    ("/account", EVERYONE),
    ("/admin/users", {"admin"}),
    ("/admin/users/new", {"admin"}),
    ("/admin/users/{other}", {"admin"}),
    ("/admin/organisations", {"admin"}),
    ("/admin/organisations/new", {"admin"}),
    ("/admin/audit", {"admin"}),
    ("/admin/audit/checkpoints", {"admin"}),
    ("/interchange/outgoing", {"secretariat", "clerk"}),
]

API = [
    ("GET", "/api/v1/me", EVERYONE),
    ("GET", "/api/v1/users", {"admin", "secretariat"}),
    ("GET", "/api/v1/users/{other}", {"admin", "secretariat"}),
    ("POST", "/api/v1/users", {"admin"}),
    ("PATCH", "/api/v1/users/{other}", {"admin"}),
    ("GET", "/api/v1/organisations", EVERYONE),
    ("GET", "/api/v1/audit/checkpoints", {"admin"}),
]


@pytest.mark.parametrize("role", ROLES)
def test_pages_by_role(client, auth, make_user, role):
    other = make_user("guest")
    user = make_user(role)
    auth.login(user)
    for path, allowed in PAGES:
        response = client.get(path.format(other=other.id))
        expected = 200 if role in allowed else 403
        assert response.status_code == expected, (role, path)


@pytest.mark.parametrize("path", [path for path, _ in PAGES])
def test_pages_send_anonymous_users_to_login(client, make_user, path):
    other = make_user("guest")
    response = client.get(path.format(other=other.id))
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def _body(method: str, n: int) -> dict | None:
    if method == "POST":
        return {"email": f"new{n}@example.gov.vn", "name": "Người mới", "role": "guest"}
    if method == "PATCH":
        return {"title": "Chuyên viên"}
    return None


@pytest.mark.parametrize("role", ROLES)
def test_api_by_role(client, make_user, token_for, role):
    other = make_user("guest")
    token = token_for(make_user(role))
    for n, (method, path, allowed) in enumerate(API):
        response = client.open(path.format(other=other.id), method=method,
                               json=_body(method, n), headers=bearer(token))
        if role in allowed:
            assert response.status_code in (200, 201), (role, method, path, response.text)
        else:
            assert response.status_code == 403, (role, method, path)
            assert response.get_json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize("method,path,_allowed", API)
def test_api_refuses_anonymous_callers(client, make_user, method, path, _allowed):
    other = make_user("guest")
    response = client.open(path.format(other=other.id), method=method, json=_body(method, 0))
    assert response.status_code == 401


def test_api_with_session_cookie_needs_csrf_token(client, auth, make_user):
    """A browser page may call the API with its cookie, but only with the CSRF token."""
    admin = make_user("admin")
    auth.login(admin)
    body = {"email": "csrf@example.gov.vn", "name": "Thử CSRF", "role": "guest"}
    forged = client.post("/api/v1/users", json=body)
    assert forged.status_code == 400
    assert forged.get_json()["error"]["code"] == "csrf_failed"
    token = csrf_from(client.get("/").text)
    genuine = client.post("/api/v1/users", json=body, headers={"X-CSRFToken": token})
    assert genuine.status_code == 201
