"""A long list page is cut in pages (``?page=&page_size=``) with prev/next links that keep the
list's other parameters; a page number out of range is the first page, not an error."""

from __future__ import annotations

from datetime import UTC, datetime

from ecabinet.extensions import db
from ecabinet.meetings.models import Meeting


def _meetings(app, creator, count: int) -> None:
    with app.app_context():
        for n in range(count):
            db.session.add(Meeting(title=f"Phiên họp số {n}", created_by_id=creator.id,
                                   starts_at=datetime(2026, 11, 1 + n, 1, tzinfo=UTC)))
        db.session.commit()


def test_the_meetings_list_in_pages(app, client, make_user, auth):
    secretariat = make_user("secretariat")
    _meetings(app, secretariat, 5)
    assert auth.login(secretariat).status_code == 302

    first = client.get("/meetings?page_size=2").get_data(as_text=True)
    assert "Phiên họp số 4" in first and "Phiên họp số 3" in first
    assert "Phiên họp số 2" not in first
    assert 'rel="next" href="/meetings?page_size=2&amp;page=2"' in first
    assert 'rel="prev"' not in first

    last = client.get("/meetings?page_size=2&page=3").get_data(as_text=True)
    assert "Phiên họp số 0" in last and "Phiên họp số 1" not in last
    assert 'rel="prev" href="/meetings?page_size=2&amp;page=2"' in last
    assert 'rel="next"' not in last

    whole = client.get("/meetings?page=0&page_size=99999999999").get_data(as_text=True)
    assert all(f"Phiên họp số {n}" in whole for n in range(5))
    assert 'class="pager"' not in whole  # one page: no links
