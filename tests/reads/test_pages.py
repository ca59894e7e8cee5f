"""The pages a tablet opens again and again — the meeting room, the document viewer, the
dashboard, the documents list — in a number of statements that does not grow with the agenda."""

import pytest

from tests.fixtures.statements import statements


def _counts(app, client, auth, build_hall, open_meeting, who, path_of):
    counts = {}
    for n in (2, 10):
        hall = build_hall(n)
        open_meeting(hall)
        assert auth.login(hall.users[who]).status_code == 302
        path = path_of(hall)
        assert client.get(path).status_code == 200  # warm: the first look records itself
        with statements(app) as sent:
            response = client.get(path)
        assert response.status_code == 200, path
        counts[n] = sent
        auth.logout()
    return counts


PAGES = {
    "room": lambda hall: f"/meetings/{hall.meeting_id}",
    "viewer": lambda hall: f"/documents/{hall.documents[0]}/versions/2/view"
                           f"?meeting={hall.meeting_id}",
    "dashboard": lambda hall: "/",
    "documents": lambda hall: "/documents",
}
#: Measured after the fix (room: 17 for a member and 22 → 30 for the secretariat before).
BOUNDS = {"room": 17, "viewer": 30, "dashboard": 12, "documents": 30}

#: Not fixed yet, kept failing so that they are seen (strict: a fix turns them green).
LEFT = {
    ("documents", "m1"): "the documents list checks can_read again per document: items_of and "
                         "the reader's seat, two queries a document (27 with 4, 107 with 20)",
    ("dashboard", "secretariat"): "My meetings looks the reader's seat up per meeting listed "
                                  "(the second hall adds a meeting: 11 → 12)",
}


def _cases():
    for page in sorted(PAGES):
        for who in ("m1", "secretariat"):
            reason = LEFT.get((page, who))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(page, who, marks=marks, id=f"{page}-{who}")


@pytest.mark.parametrize(("page", "who"), list(_cases()))
def test_a_page_costs_the_same_with_2_or_10_items(app, client, auth, build_hall, open_meeting,
                                                  page, who):
    counts = _counts(app, client, auth, build_hall, open_meeting, who, PAGES[page])
    assert len(counts[2]) == len(counts[10]), counts[10].text()
    assert len(counts[10]) <= BOUNDS[page], counts[10].text()
