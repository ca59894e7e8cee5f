"""After sign-in, ``next`` leads only to a path of this site (issue 8, point 9).

Browsers drop tabs and line breaks from a URL and read a backslash as a slash, so
``/\t/evil.example`` is ``//evil.example`` to them: another site. The target is parsed, and
anything but a plain same-origin path is replaced by the dashboard, never answered with a 500.
"""

from __future__ import annotations

import pytest

from ecabinet.security import local_path
from tests.conftest import PASSWORD, csrf_from

HOSTILE = [
    "/%09/evil.example",            # tab: //evil.example once the browser strips it
    "/%0a/evil.example",
    "/%0d%0aSet-Cookie:%20x=y",     # a header injection: 500 before
    "/%0d%0a",
    "//evil.example/",
    "/%5Cevil.example",             # backslash
    "%5C%5Cevil.example",
    "https://evil.example/",
    "https:/evil.example",
    "javascript:alert(1)",
    "%20//evil.example",
    "/%E2%80%8B/evil.example",      # a zero-width space
    "evil.example",
]


@pytest.mark.parametrize("target", HOSTILE)
def test_sign_in_never_leaves_the_site(app, client, make_user, target):
    member = make_user("member")
    page = client.get(f"/login?next={target}")
    assert page.status_code == 200
    response = client.post(f"/login?next={target}", data={
        "email": member.email, "password": PASSWORD, "csrf_token": csrf_from(page.text)})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    with app.app_context():
        from ecabinet.audit.services import search

        assert [e.action for e in search(action="security.redirect_refused")] == \
            ["security.redirect_refused"]


def test_a_nul_in_next_is_refused_before_anything(client):
    """NUL in any query string is refused by the input rule (ecabinet/inputs.py): a readable
    422, never a redirect nor a 500."""
    for path in ("/login?next=/%00", "/login?next=%00//evil.example"):
        response = client.get(path)
        assert response.status_code == 422 and "Location" not in response.headers
        assert "evil.example" not in response.text


def test_a_local_target_is_kept(client, make_user):
    member = make_user("member")
    page = client.get("/login")
    response = client.post("/login?next=/meetings/3?tab=agenda%23item-2", data={
        "email": member.email, "password": PASSWORD, "csrf_token": csrf_from(page.text)})
    assert response.headers["Location"] == "/meetings/3?tab=agenda#item-2"


@pytest.mark.parametrize("target", ["/", "/meetings", "/a/b?c=d&e=f", "/docs/1#p2",
                                    "/t%C3%A0i-li%E1%BB%87u"])
def test_local_paths(target):
    assert local_path(target) == target


@pytest.mark.parametrize("target", [None, "", "//x", "/\t/x", "/\\x", "\\\\x", "http://x/",
                                    "x", "/\r\n", " /x", "/x\x7f", "/\u2028x", "///x"])
def test_not_local_paths(target):
    assert local_path(target) is None


def test_language_switch_keeps_to_the_site(client):
    page = client.get("/login")
    response = client.post("/language/en", data={"next": "/\t/evil.example",
                                                  "csrf_token": csrf_from(page.text)})
    assert response.status_code == 302
    assert "evil" not in response.headers["Location"]
