"""A government for written polls: the secretariat, the Prime Minister, two members and a guest
(with a bearer token each); and the browser fixtures for the pages' tests."""

from __future__ import annotations

import pytest

from tests.browser.conftest import (  # noqa: F401 - fixtures of the browser tests here
    browser,
    context,
    live_server,
    page,
    screenshot,
)


@pytest.fixture
def people(make_user, token_for):
    users = {"secretariat": make_user("secretariat", name="Vũ Thị Lan"),
             "pm": make_user("member", name="Trần Minh Quang", title="Thủ tướng Chính phủ"),
             "m1": make_user("member", name="Phạm Quốc Bảo"),
             "m2": make_user("member", name="Nguyễn Thu Hà"),
             "guest": make_user("guest", name="Đinh Công Sơn")}
    return users, {name: token_for(user) for name, user in users.items()}
