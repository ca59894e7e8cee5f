"""An item once confidential keeps its past confidential: after the secretariat opens it to all
(and renames it), the audit page still hides, from an administrator who does not see the item,
the details of the entries written while it was confidential (its former title)."""

from __future__ import annotations

from ecabinet.database import unit_of_work
from ecabinet.extensions import db
from ecabinet.identity.services import get_user
from ecabinet.meetings import services
from ecabinet.meetings.models import AgendaItem
from tests.meetings.conftest import api, cabinet  # noqa: F401 - fixtures

SECRET = "Phương án nhân sự (mật)"


def test_a_declassified_items_confidential_past_stays_hidden(app, client, auth, make_user,
                                                             cabinet):  # noqa: F811
    with app.app_context():
        with unit_of_work():
            actor = get_user(cabinet.users["secretariat"].id)
            item = db.session.get(AgendaItem, cabinet.confidential_item)
            services.update_item(actor, item, duration_min=20)  # still confidential
        with unit_of_work():
            actor = get_user(cabinet.users["secretariat"].id)
            item = db.session.get(AgendaItem, cabinet.confidential_item)
            services.update_item(actor, item, title="Công tác cán bộ", confidential=False)
    auth.login(make_user("admin", name="Quản trị"))
    page = client.get("/admin/audit")
    assert page.status_code == 200
    assert "Công tác cán bộ" in page.text or "agenda.update" in page.text
    assert SECRET not in page.text


def test_the_secretariat_still_reads_the_whole_history(app, client, auth, make_user,
                                                       cabinet):  # noqa: F811
    with app.app_context():
        with unit_of_work():
            actor = get_user(cabinet.users["secretariat"].id)
            item = db.session.get(AgendaItem, cabinet.confidential_item)
            services.update_item(actor, item, title="Công tác cán bộ", confidential=False)
    auth.login(make_user("admin", "secretariat", name="Quản trị và Văn phòng"))
    page = client.get("/admin/audit")
    assert SECRET in page.text and "Công tác cán bộ" in page.text
