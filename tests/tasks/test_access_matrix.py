"""Who opens which page of the follow-up: every role against every page, as a table."""

from __future__ import annotations

import pytest

from tests.tasks.helpers import new_task

ROLES = ["admin", "secretariat", "member", "signer", "clerk", "guest", "liaison"]
EVERYONE = set(ROLES)
FOLLOWERS = {"secretariat", "member"}

PAGES = [
    ("/tasks", EVERYONE),
    ("/tasks/{task}", FOLLOWERS),  # and anyone of the organisations it involves (below)
    ("/tasks/new", {"secretariat"}),
    ("/tasks/dashboard", FOLLOWERS),
    ("/tasks/dashboard.xlsx", FOLLOWERS),
    ("/tasks/report.pdf", FOLLOWERS),
]


@pytest.mark.parametrize("organisation", [None, "Bộ Tài chính", "Bộ Tư pháp"])
@pytest.mark.parametrize("role", ROLES)
def test_pages_by_role(app, client, auth, make_user, world, role, organisation):
    """Of no organisation, of the lead, of a coordinating one: an organisation's people, in
    any role, see its tasks."""
    task = new_task(app, world, lead_id=world.orgs["btc"], coordinator_ids=[world.orgs["btp"]])
    user = make_user(role, organisation=organisation)
    auth.login(user)
    for path, allowed in PAGES:
        response = client.get(path.format(task=task))
        sees = role in allowed or ("{task}" in path and organisation is not None)
        expected = 200 if sees else (404 if "{task}" in path else 403)
        assert response.status_code == expected, (role, path)
