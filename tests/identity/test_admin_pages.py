"""Administrators manage users and roles from the browser."""

from ecabinet.identity import services
from tests.conftest import csrf_from


def _form(client, path):
    return csrf_from(client.get(path).text)


def test_admin_creates_a_user(app, client, auth, make_user):
    auth.login(make_user("admin"))
    token = _form(client, "/admin/users/new")
    response = client.post("/admin/users/new", data={
        "csrf_token": token, "email": "bt.ngoaigiao@example.gov.vn", "name": "Lý Minh Châu",
        "title": "Bộ trưởng Bộ Ngoại giao", "organisation": "Bộ Ngoại giao",
        "roles": ["member"], "locale": "vi", "password": "mat-khau-ban-dau"})
    assert response.status_code == 302
    assert "Lý Minh Châu" in client.get("/admin/users").text
    with app.app_context():
        user = services.user_by_email("bt.ngoaigiao@example.gov.vn")
        assert user.organisation.name == "Bộ Ngoại giao"
        assert [r.value for r in user.roles] == ["member"]


def test_admin_form_errors_are_shown_and_nothing_is_saved(app, client, auth, make_user):
    auth.login(make_user("admin"))
    token = _form(client, "/admin/users/new")
    cases = [
        {"email": "not-an-email", "name": "A", "roles": ["member"]},
        {"email": "ok@example.gov.vn", "name": "", "roles": ["member"]},
        {"email": "ok@example.gov.vn", "name": "A", "roles": ["emperor"]},
        {"email": "ok@example.gov.vn", "name": "A", "roles": []},
        {"email": "ok@example.gov.vn", "name": "A", "roles": ["member"], "password": "short"},
    ]
    for case in cases:
        response = client.post("/admin/users/new", data={"csrf_token": token, "locale": "vi",
                                                         **case})
        assert response.status_code == 422, case
        assert 'class="error"' in response.text
    with app.app_context():
        assert services.user_by_email("ok@example.gov.vn") is None


def test_admin_changes_roles_and_the_user_must_sign_in_again(app, client, auth, make_user):
    member = make_user("member")
    member_client = app.test_client()
    from tests.conftest import AuthActions

    AuthActions(app, member_client).login(member)
    assert member_client.get("/").status_code == 200
    auth.login(make_user("admin"))
    token = _form(client, f"/admin/users/{member.id}")
    response = client.post(f"/admin/users/{member.id}", data={
        "csrf_token": token, "name": member.name, "roles": ["member", "secretariat"],
        "locale": "vi", "active": "y"})
    assert response.status_code == 302
    with app.app_context():
        assert {r.value for r in services.get_user(member.id).roles} == {"member", "secretariat"}
    assert member_client.get("/").status_code == 302  # the old session ended


def test_admin_cannot_lock_themselves_out(app, client, auth, make_user):
    admin = make_user("admin")
    auth.login(admin)
    token = _form(client, f"/admin/users/{admin.id}")
    response = client.post(f"/admin/users/{admin.id}", data={
        "csrf_token": token, "name": admin.name, "roles": ["member"], "locale": "vi",
        "active": "y"})
    assert response.status_code == 422
    with app.app_context():
        assert "admin" in {r.value for r in services.get_user(admin.id).roles}


def test_unknown_user_is_404_page(client, auth, make_user):
    auth.login(make_user("admin"))
    response = client.get("/admin/users/99999")
    assert response.status_code == 404
    assert "<html" in response.text
