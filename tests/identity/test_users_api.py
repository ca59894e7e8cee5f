"""/api/v1/users: administrators provision accounts; bad input changes nothing."""

from tests.conftest import bearer


def test_create_list_and_update(client, make_user, token_for):
    token = token_for(make_user("admin"))
    created = client.post("/api/v1/users", headers=bearer(token), json={
        "email": "Thuky2@Example.gov.vn", "name": "Trịnh Thu Trang", "role": "secretariat",
        "organisation": "Văn phòng Chính phủ", "password": "mat-khau-ban-dau"})
    assert created.status_code == 201
    body = created.get_json()
    assert body["email"] == "thuky2@example.gov.vn"  # e-mails are kept in lower case
    assert body["roles"] == ["secretariat"] and "password" not in body
    listed = client.get("/api/v1/users", headers=bearer(token)).get_json()
    assert "thuky2@example.gov.vn" in [u["email"] for u in listed]
    patched = client.patch(f"/api/v1/users/{body['id']}", headers=bearer(token),
                           json={"roles": ["secretariat", "clerk"], "locale": "en"})
    assert patched.status_code == 200
    assert patched.get_json()["roles"] == ["clerk", "secretariat"]
    assert patched.get_json()["locale"] == "en"


def test_duplicate_email_is_409(client, make_user, token_for):
    token = token_for(make_user("admin"))
    make_user("member", email="trung@example.gov.vn")
    response = client.post("/api/v1/users", headers=bearer(token), json={
        "email": "TRUNG@example.gov.vn", "name": "Trùng", "role": "member"})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"


def test_bad_input_is_422(client, make_user, token_for):
    token = token_for(make_user("admin"))
    for body in (
        {"email": "a@example.gov.vn", "name": "A", "role": "emperor"},
        {"email": "a@example.gov.vn", "name": "A"},
        {"email": "not-an-email", "name": "A", "role": "member"},
        {"email": "a@example.gov.vn", "name": "", "role": "member"},
        {"email": "a@example.gov.vn", "name": "A", "role": "member", "password": "short"},
    ):
        response = client.post("/api/v1/users", headers=bearer(token), json=body)
        assert response.status_code == 422, body
        assert response.get_json()["error"]["code"] == "validation_error"
    assert len(client.get("/api/v1/users", headers=bearer(token)).get_json()) == 1


def test_patch_unknown_user_is_404(client, make_user, token_for):
    token = token_for(make_user("admin"))
    response = client.patch("/api/v1/users/424242", headers=bearer(token), json={"title": "x"})
    assert response.status_code == 404
