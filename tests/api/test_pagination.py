"""The API's lists are cut in pages (``?page=&page_size=``) by the database: the body is the page
(a list, as before), the ``X-Pagination`` header says where it stands, and a bad page parameter
is a 422 in the contract's error shape."""

import json

import pytest

from tests.conftest import bearer


@pytest.fixture
def admin(make_user, token_for):
    return bearer(token_for(make_user("admin", name="Quản trị")))


def _emails(response) -> list[str]:
    return [user["email"] for user in response.get_json()]


def test_a_page_is_the_right_slice_with_its_header(client, admin, make_user):
    for n in range(6):
        make_user("member", name=f"Thành viên {n}", email=f"tv{n}@example.gov.vn")
    whole = client.get("/api/v1/users", headers=admin)
    assert whole.status_code == 200 and len(whole.get_json()) == 7  # the default page: all
    assert json.loads(whole.headers["X-Pagination"])["total"] == 7

    second = client.get("/api/v1/users?page=2&page_size=3", headers=admin)
    assert second.status_code == 200
    assert _emails(second) == _emails(whole)[3:6]
    assert json.loads(second.headers["X-Pagination"]) == {
        "total": 7, "total_pages": 3, "first_page": 1, "last_page": 3, "page": 2,
        "previous_page": 1, "next_page": 3}

    past = client.get("/api/v1/users?page=9&page_size=3", headers=admin)
    assert past.status_code == 200 and past.get_json() == []
    assert json.loads(past.headers["X-Pagination"])["total"] == 7


def test_a_list_of_objects_keeps_its_shape(client, make_user, token_for):
    secretariat = bearer(token_for(make_user("secretariat")))
    for n in range(3):
        assert client.post("/api/v1/meetings", headers=secretariat, json={
            "title": f"Phiên họp {n}", "starts_at": f"2026-11-2{n}T08:00:00+07:00"}
        ).status_code == 201
    page = client.get("/api/v1/meetings?page=1&page_size=2", headers=secretariat)
    assert [m["title"] for m in page.get_json()] == ["Phiên họp 2", "Phiên họp 1"]
    assert json.loads(page.headers["X-Pagination"])["next_page"] == 2


@pytest.mark.parametrize("query", [
    "page=0", "page=-1", "page=abc", "page=2147483648", "page=99999999999999999999",
    "page_size=0", "page_size=501", "page_size=x", "page=1.5"])
def test_a_bad_page_parameter_is_422_in_the_error_shape(client, admin, query):
    response = client.get(f"/api/v1/users?{query}", headers=admin)
    assert response.status_code == 422, (query, response.data[:200])
    error = response.get_json()["error"]
    assert error["code"] == "validation_error" and error["message"]


def test_the_parameters_and_the_header_are_described(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/users"]["get"]
    names = {p["name"] for p in operation["parameters"] if p.get("in") == "query"}
    assert {"page", "page_size"} <= names
    assert "X-Pagination" in operation["responses"]["200"]["headers"]
