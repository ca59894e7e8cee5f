"""The three registers read their filters alike, page and API (ecabinet.registers.filters): a
value a register does not know is refused with a page that says which and why, an empty value
is no filter."""

from __future__ import annotations

import pytest

from tests.conftest import bearer


@pytest.fixture
def clerk(client, make_user, auth):
    """A clerk keeps the registers and follows the distribution: every page opens."""
    user = make_user("clerk")
    assert auth.login(user).status_code == 302
    return user


@pytest.mark.parametrize(("url", "says"), [
    ("/register?year=abc", "Năm: Không phải là số nguyên."),
    ("/register?year=1800", "Năm: Không có sổ đăng ký của năm này."),
    ("/register?year=2147483648", "Năm: Không có sổ đăng ký của năm này."),
    ("/interchange/incoming?state=bogus",
     "Trạng thái: “bogus” không phải là một lựa chọn của sổ này."),
    ("/interchange/incoming?organisation_id=0", "Nơi gửi: Mã định danh không hợp lệ."),
    ("/interchange/incoming?year=1999", "Năm: Không có sổ đăng ký của năm này."),
    ("/interchange/incoming?format=csv", "Định dạng: Không xuất được sổ dạng “csv”"),
    ("/interchange/outgoing?status=99", "Trạng thái: “99” không phải là một lựa chọn của sổ này."),
    ("/interchange/outgoing?organisation_id=" + "9" * 30, "Cơ quan: Mã định danh không hợp lệ."),
    ("/interchange/outgoing?format=pdf", "Định dạng: Không xuất được sổ dạng “pdf”"),
])
def test_a_page_refuses_a_filter_it_does_not_know_and_says_why(client, clerk, url, says):
    page = client.get(url)
    assert page.status_code == 422
    assert "Không thể lọc sổ theo điều kiện này: " in page.text
    assert says in page.text


@pytest.mark.parametrize("url", [
    "/register?year=", "/interchange/incoming?year=&state=&organisation_id=&format=",
    "/interchange/outgoing?year=&status=&organisation_id=&format=",
])
def test_an_empty_filter_is_no_filter(client, clerk, url):
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(("url", "status"), [
    ("/api/v1/register?year=1800", 422), ("/api/v1/register?format=pdf", 422),
    ("/api/v1/register?year=", 200),
    ("/api/v1/incoming?state=bogus", 422), ("/api/v1/incoming?organisation_id=0", 422),
    # the API reads an id from the query string (its schema once took only a JSON number)
    ("/api/v1/incoming?organisation_id=5", 200),
])
def test_the_api_reads_the_same_filters(client, make_user, token_for, url, status):
    answer = client.get(url, headers=bearer(token_for(make_user("clerk"))))
    assert answer.status_code == status, answer.get_json()
    if status == 422:
        assert answer.get_json()["error"]["code"] == "validation_error"
