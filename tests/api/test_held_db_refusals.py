"""A value the database itself refuses is 422 (or 409), not 500."""

import pytest

from tests.conftest import bearer


@pytest.fixture
def admin(make_user, token_for):
    return bearer(token_for(make_user("admin")))


@pytest.mark.parametrize("second", ["Dup@Example.gov.vn", "dup@example.gov.vn ",
                                    "dup@example.gov.vn", "dup@EXAMPLE.GOV.VN"])
def test_duplicate_emails(client, admin, second):
    first = client.post("/api/v1/users", headers=admin, json={
        "email": "dup@example.gov.vn", "name": "A", "role": "member",
        "password": "a long enough passphrase 1"})
    assert first.status_code == 201, first.get_json()
    again = client.post("/api/v1/users", headers=admin, json={
        "email": second, "name": "B", "role": "member",
        "password": "a long enough passphrase 2"})
    assert again.status_code in (409, 422), (again.status_code, again.get_json())


def test_long_organisation_and_title(client, admin):
    response = client.post("/api/v1/users", headers=admin, json={
        "email": "long@example.gov.vn", "name": "x" * 5000, "role": "member",
        "organisation": "o" * 5000, "title": "t" * 5000,
        "password": "a long enough passphrase 1"})
    assert response.status_code < 500, response.data[:300]
