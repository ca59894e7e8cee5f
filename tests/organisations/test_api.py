"""/api/v1/organisations: every signed-in user reads the directory; administrators change it;
bad input, duplicates, unknown parents and cycles change nothing."""

import pytest

from tests.conftest import bearer

VPCP = {"identifier": "000.00.00.G22", "code": "VPCP", "name": "Văn phòng Chính phủ",
        "address": "16 Lê Hồng Phong, Ba Đình, Hà Nội", "email": "vpcp@chinhphu.vn",
        "telephone": "080 43162", "website": "https://vpcp.chinhphu.vn"}
BTC = {"identifier": "000.00.00.G12", "code": "BTC", "name": "Bộ Tài chính"}


@pytest.fixture
def admin_token(make_user, token_for):
    return token_for(make_user("admin"))


def _post(client, token, body):
    return client.post("/api/v1/organisations", headers=bearer(token), json=body)


@pytest.mark.parametrize("body,field", [
    ({**BTC, "identifier": "000.00.00.G2"}, "identifier"),        # 12 characters
    ({**BTC, "identifier": "000-00-00-G12"}, "identifier"),
    ({**BTC, "identifier": "00.000.00.G12"}, "identifier"),
    ({**BTC, "identifier": "000.00.00.122"}, "identifier"),       # the level is a letter
    ({**BTC, "identifier": "000.00.00.G12 "[:13] + "4"}, "identifier"),
    ({**BTC, "identifier": "0000000000000"}, "identifier"),
    ({**BTC, "identifier": ""}, "identifier"),
    ({**BTC, "code": "B TC"}, "code"),
    ({**BTC, "code": "BTC/1"}, "code"),                            # breaks a number/symbol
    ({**BTC, "code": "BTC,1"}, "code"),                            # breaks a DocumentId
    ({**BTC, "code": ""}, "code"),
    ({**BTC, "code": "B\x01TC"}, "code"),                         # a control character
    ({**BTC, "code": "BTC-"}, "code"),
    ({**BTC, "identifier": "٠٠٠.٠٠.٠٠.G١٢"}, "identifier"),       # digits, but not 0-9
    ({**BTC, "identifier": "000.00.00.Ĝ12"}, "identifier"),
    ({**BTC, "name": "   "}, "name"),
    ({**BTC, "email": "not an e-mail"}, "email"),
    ({**BTC, "telephone": "call me"}, "telephone"),
    ({**BTC, "website": "no spaces allowed"}, "website"),
    ({k: v for k, v in BTC.items() if k != "identifier"}, "identifier"),
    ({k: v for k, v in BTC.items() if k != "code"}, "code"),
    ({**BTC, "name": "x" * 201}, "name"),
    ({**BTC, "parent_id": "1"}, "parent_id"),
    ({**BTC, "parent_id": 0}, "parent_id"),
    ({**BTC, "unknown": 1}, "unknown"),
])
def test_bad_input_is_422_and_changes_nothing(client, admin_token, count_orgs, body, field):
    response = _post(client, admin_token, body)
    assert response.status_code == 422, response.text
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert field in error.get("details", {}) or field in str(error.get("details"))
    assert count_orgs() == 0


def test_an_unknown_parent_is_refused(client, admin_token, count_orgs):
    response = _post(client, admin_token, {**BTC, "parent_id": 424242})
    assert response.status_code == 422
    assert "parent_id" in response.get_json()["error"]["details"]
    assert count_orgs() == 0


@pytest.mark.parametrize("clash", [
    {"identifier": "000.00.00.g22"},          # the same identifier, typed in lower case
    {"code": "vpcp"},                         # the same code but for case: a trap in symbols
    {"name": "Văn phòng Chính phủ"},
])
def test_duplicates_are_409(client, admin_token, count_orgs, clash):
    assert _post(client, admin_token, VPCP).status_code == 201
    response = _post(client, admin_token, {**BTC, **clash})
    assert response.status_code == 409, response.text
    assert response.get_json()["error"]["code"] == "conflict"
    assert set(response.get_json()["error"]["details"]) == set(clash)
    assert count_orgs() == 1


def test_a_parent_cycle_is_refused(client, admin_token):
    ministry = _post(client, admin_token, BTC).get_json()
    tax = _post(client, admin_token, {"identifier": "000.00.18.G12", "code": "TCT",
                                      "name": "Tổng cục Thuế", "parent_id": ministry["id"]})
    assert tax.status_code == 201, tax.text
    tax = tax.get_json()
    team = _post(client, admin_token, {"identifier": "000.01.18.G12", "code": "TCT-KK",
                                       "name": "Vụ Kê khai", "parent_id": tax["id"]}).get_json()
    for org_id, parent_id in ((ministry["id"], team["id"]), (ministry["id"], tax["id"]),
                              (tax["id"], tax["id"])):
        response = client.patch(f"/api/v1/organisations/{org_id}", headers=bearer(admin_token),
                                json={"parent_id": parent_id})
        assert response.status_code == 422, (org_id, parent_id)
        assert response.get_json()["error"]["details"] == {"parent_id": ["cycle"]}
    got = client.get(f"/api/v1/organisations/{ministry['id']}", headers=bearer(admin_token))
    assert got.get_json()["parent_id"] is None


def test_an_identifier_or_code_is_never_removed(client, admin_token):
    org = _post(client, admin_token, VPCP).get_json()
    for body in ({"identifier": ""}, {"code": None}, {"code": "  "}):
        response = client.patch(f"/api/v1/organisations/{org['id']}",
                                headers=bearer(admin_token), json=body)
        assert response.status_code == 422, body
    got = client.get(f"/api/v1/organisations/{org['id']}", headers=bearer(admin_token))
    assert got.get_json()["identifier"] == "000.00.00.G22"
    assert got.get_json()["code"] == "VPCP"


def test_only_administrators_write_and_everyone_reads(client, make_user, token_for,
                                                      admin_token, count_orgs):
    org = _post(client, admin_token, VPCP).get_json()
    for role in ("secretariat", "member", "signer", "clerk", "guest"):
        token = token_for(make_user(role))
        assert _post(client, token, BTC).status_code == 403, role
        patched = client.patch(f"/api/v1/organisations/{org['id']}", headers=bearer(token),
                               json={"name": "Bị đổi"})
        assert patched.status_code == 403, role
        listed = client.get("/api/v1/organisations", headers=bearer(token))
        assert listed.status_code == 200 and listed.get_json()[0]["code"] == "VPCP"
        assert client.get(f"/api/v1/organisations/{org['id']}",
                          headers=bearer(token)).status_code == 200
    assert client.get("/api/v1/organisations").status_code == 401
    assert client.post("/api/v1/organisations", json=BTC).status_code == 401
    assert count_orgs() == 1


def test_create_read_search_update_and_audit(client, make_user, token_for, audit_of):
    admin = make_user("admin")
    token = token_for(admin)
    created = _post(client, token, {**VPCP, "identifier": " 000.00.00.g22 "})
    assert created.status_code == 201, created.text
    org = created.get_json()
    assert org["identifier"] == "000.00.00.G22"  # kept in the standard's upper case
    assert org["active"] is True and org["parent_id"] is None
    ministry = _post(client, token, BTC).get_json()
    tax = _post(client, token, {"identifier": "000.00.18.G12", "code": "TCT",
                                "name": "Tổng cục Thuế", "parent_id": ministry["id"]})
    assert tax.get_json()["parent_id"] == ministry["id"]
    freed = client.patch(f"/api/v1/organisations/{tax.get_json()['id']}", headers=bearer(token),
                         json={"parent_id": None})
    assert freed.get_json()["parent_id"] is None
    client.patch(f"/api/v1/organisations/{tax.get_json()['id']}", headers=bearer(token),
                 json={"parent_id": ministry["id"]})
    found = client.get("/api/v1/organisations?q=g12", headers=bearer(token)).get_json()
    assert [o["code"] for o in found] == ["BTC", "TCT"]
    assert [o["code"] for o in client.get("/api/v1/organisations?q=văn phòng",
                                          headers=bearer(token)).get_json()] == ["VPCP"]
    assert client.get("/api/v1/organisations?q=%25", headers=bearer(token)).get_json() == []
    patched = client.patch(f"/api/v1/organisations/{org['id']}", headers=bearer(token),
                           json={"telephone": "080 40000", "active": False})
    assert patched.status_code == 200
    assert patched.get_json()["telephone"] == "080 40000"
    assert [o["code"] for o in client.get("/api/v1/organisations?active=true",
                                          headers=bearer(token)).get_json()] == ["BTC", "TCT"]
    created_entries = audit_of("organisation.create")
    assert [details["code"] for _actor, details in created_entries] == ["VPCP", "BTC", "TCT"]
    assert all(actor == admin.id for actor, _details in created_entries)
    assert audit_of("organisation.update")[-1] == (
        admin.id, {"telephone": "080 40000", "active": False})
    assert [d.get("parent") for _a, d in audit_of("organisation.update")[:2]] == [
        None, "000.00.00.G12"]
    # Nothing changed, nothing recorded.
    client.patch(f"/api/v1/organisations/{org['id']}", headers=bearer(token),
                 json={"telephone": "080 40000"})
    assert len(audit_of("organisation.update")) == 3


def test_unknown_organisation_is_404(client, admin_token):
    assert client.get("/api/v1/organisations/424242",
                      headers=bearer(admin_token)).status_code == 404
    assert client.patch("/api/v1/organisations/424242", headers=bearer(admin_token),
                        json={"name": "x"}).status_code == 404


def test_a_users_organisation_keeps_its_old_fields(client, make_user, token_for, admin_token):
    """UserSchema nests the directory's entry: name and code as before, the rest beside."""
    _post(client, admin_token, VPCP)
    member = make_user("member", organisation="VPCP")
    me = client.get("/api/v1/me", headers=bearer(token_for(member))).get_json()
    assert me["organisation"]["name"] == "Văn phòng Chính phủ"
    assert me["organisation"]["code"] == "VPCP"
    assert me["organisation"]["identifier"] == "000.00.00.G22"
    by_identifier = make_user("member", organisation="000.00.00.g22")
    me = client.get("/api/v1/me", headers=bearer(token_for(by_identifier))).get_json()
    assert me["organisation"]["code"] == "VPCP"
    assert len(client.get("/api/v1/organisations", headers=bearer(admin_token)).get_json()) == 1


def test_the_openapi_description_names_the_operations(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/organisations"])
    assert {"get", "patch"} <= set(paths["/api/v1/organisations/{organisation_id}"])
