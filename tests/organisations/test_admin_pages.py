"""Administrators keep the directory from the browser: list with search, add, edit; the
service's refusals shown beside the field; nobody else gets in."""

import re

from sqlalchemy import select

from ecabinet.extensions import db
from ecabinet.identity.models import Organisation
from ecabinet.organisations import services
from tests.conftest import csrf_from
from tests.fixtures.statements import statements

FORM = {"identifier": "000.00.00.G13", "code": "BTP", "name": "Bộ Tư pháp",
        "address": "58-60 Trần Phú, Ba Đình, Hà Nội", "email": "", "telephone": "",
        "fax": "", "website": "", "parent_id": "0"}


def _error_beside(html: str) -> list[str]:
    """The fields whose block (``_forms.html``'s ``field``) shows an error."""
    return re.findall(r'<div class="field has-error">\s*<label for="([a-z_]+)"', html)


def _seed(app):
    with app.app_context():
        ministry = services.create(identifier="000.00.00.G12", code="BTC", name="Bộ Tài chính")
        tax = services.create(identifier="000.00.18.G12", code="TCT", name="Tổng cục Thuế",
                              parent_id=ministry.id)
        db.session.commit()
        return ministry.id, tax.id


def test_only_administrators_see_the_pages(app, client, auth, make_user):
    ministry, _tax = _seed(app)
    for role in ("secretariat", "member", "clerk", "guest"):
        auth.login(make_user(role))
        for path in ("/admin/organisations", "/admin/organisations/new",
                     f"/admin/organisations/{ministry}"):
            assert client.get(path).status_code == 403, (role, path)
        assert client.post("/admin/organisations/new", data={
            "csrf_token": csrf_from(client.get("/").text), **FORM}).status_code == 403
        auth.logout()
    assert client.get("/admin/organisations").status_code == 302  # to the sign-in page
    with app.app_context():
        assert db.session.scalar(select(Organisation).where(Organisation.code == "BTP")) is None


def test_bad_input_is_shown_beside_its_field_and_nothing_is_saved(app, client, auth,
                                                                  make_user):
    _seed(app)
    auth.login(make_user("admin"))
    token = csrf_from(client.get("/admin/organisations/new").text)
    cases = [
        {"identifier": "000.00.00.G1"},
        {"identifier": "000.00.00.g12"},  # the ministry's, in lower case
        {"code": "btc"},                  # the ministry's
        {"code": "B TP"},
        {"name": ""},
        {"email": "không phải thư"},
        {"parent_id": "424242"},          # not one of the choices
    ]
    for change in cases:
        response = client.post("/admin/organisations/new",
                               data={"csrf_token": token, **FORM, **change})
        assert response.status_code == 422, change
        [name] = change
        assert _error_beside(response.text) == [name], change
    assert client.post("/admin/organisations/new", data=FORM).status_code == 400  # no CSRF
    with app.app_context():
        assert db.session.scalar(select(Organisation).where(Organisation.name == "Bộ Tư pháp")) \
            is None


def test_admin_adds_searches_and_edits(app, client, auth, make_user):
    ministry, tax = _seed(app)
    auth.login(make_user("admin"))
    page = client.get("/admin/organisations")
    assert page.status_code == 200
    assert "Tổng cục Thuế" in page.text and "000.00.18.G12" in page.text
    token = csrf_from(page.text)
    added = client.post("/admin/organisations/new", data={"csrf_token": token, **FORM})
    assert added.status_code == 302, added.text
    found = client.get("/admin/organisations?q=g13").text
    assert "Bộ Tư pháp" in found and "Bộ Tài chính" not in found
    assert "Bộ Tư pháp" not in client.get("/admin/organisations?q=thuế").text
    # Edit: the department's form offers every organisation but itself as a parent.
    form = client.get(f"/admin/organisations/{tax}").text
    assert f'<option selected value="{ministry}">' in form and f'value="{tax}"' not in form
    cycle = client.post(f"/admin/organisations/{ministry}", data={
        "csrf_token": token, "identifier": "000.00.00.G12", "code": "BTC",
        "name": "Bộ Tài chính", "parent_id": str(tax), "active": "y"})
    assert cycle.status_code == 422 and 'class="error"' in cycle.text
    saved = client.post(f"/admin/organisations/{tax}", data={
        "csrf_token": token, "identifier": "000.00.18.G12", "code": "TCT",
        "name": "Cục Thuế", "parent_id": str(ministry), "telephone": "024 3768 9679"})
    assert saved.status_code == 302
    with app.app_context():
        organisation = db.session.get(Organisation, tax)
        assert (organisation.name, organisation.telephone, organisation.active) == \
            ("Cục Thuế", "024 3768 9679", False)  # the box unticked: no longer active
        assert db.session.get(Organisation, ministry).parent_id is None


def test_the_page_is_vietnamese_first(app, client, auth, make_user):
    auth.login(make_user("admin"))
    page = client.get("/admin/organisations/new").text
    assert "Mã định danh" in page and "Tên cơ quan" in page and "Trực thuộc" in page
    assert "Cơ quan, tổ chức" in client.get("/admin/organisations").text


def test_the_list_costs_the_same_however_many_organisations(app, client, auth, make_user):
    """Each row shows its parent: loaded with the page, not one query a row (the parents of
    a search's rows are mostly not on the page)."""
    auth.login(make_user("admin"))

    def add(numbers) -> None:
        with app.app_context():
            for n in numbers:
                parent = services.create(identifier=f"000.{n:02d}.40.G12", code=f"V{n}",
                                         name=f"Vụ {n}")
                services.create(identifier=f"000.{n:02d}.30.G12", code=f"C{n}",
                                name=f"Cục {n}", parent_id=parent.id)
            db.session.commit()

    add([0])
    with statements(app) as few:
        assert "Cục 0" in client.get("/admin/organisations?q=cục").text
    add(range(1, 10))
    with statements(app) as many:
        assert "Cục 9" in client.get("/admin/organisations?q=cục").text
    assert len(many) == len(few), many.text()
