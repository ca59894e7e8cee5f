"""The clerk issues several signed documents with one PIN and one code, as signers sign
(issue 9, point 17): each in its own transaction, numbered in order, a failure reported without
undoing the others; a wrong code issues nothing; a wrong PIN stops the batch at once."""

from __future__ import annotations

from tests.conftest import AuthActions, csrf_from
from tests.decisions.conftest import PIN, code_for, headers
from tests.decisions.test_workflow import _issue, _sign


def _signed(app, client, people, drafted, count):
    ids = []
    for _ in range(count):
        did = drafted()["id"]
        assert _sign(client, people, app, did).status_code == 201
        ids.append(did)
    return ids


def _issue_many(client, people, ids, *, pin=PIN, otp):
    return client.post("/api/v1/decisions/issue", json={"ids": ids, "pin": pin, "otp": otp},
                       headers=headers(people, "clerk"))


def test_one_pin_and_one_code_issue_several(app, client, people, drafted, fake_signing):
    first, second, third = _signed(app, client, people, drafted, 3)
    # the third is issued meanwhile from another tablet: reported, the others issued
    assert _issue(client, people, app, third).status_code == 200
    response = _issue_many(client, people, [first, second, third],
                           otp=code_for(app, people.clerk))
    assert response.status_code == 200, response.get_json()
    results = {r["id"]: r for r in response.get_json()}
    assert results[first]["ok"] and results[first]["state"] == "issued"
    assert results[second]["ok"]
    assert results[third]["error"]["code"] == "already_issued"
    symbols = [client.get(f"/api/v1/decisions/{did}", headers=headers(people, "clerk"))
               .get_json()["symbol"] for did in (third, first, second)]
    assert symbols == ["01/QĐ-TTg", "02/QĐ-TTg", "03/QĐ-TTg"]


def test_a_wrong_code_issues_nothing_and_a_wrong_pin_stops(app, client, people, drafted,
                                                            fake_signing):
    first, second = _signed(app, client, people, drafted, 2)
    response = _issue_many(client, people, [first, second], otp="000000")
    assert response.status_code in (403, 422) and "error" in response.get_json()
    response = _issue_many(client, people, [first, second], pin="999",
                           otp=code_for(app, people.clerk))
    results = response.get_json()
    assert results[0]["error"]["code"] == "wrong_pin"
    assert results[1]["error"]["code"] == "not_attempted"
    for did in (first, second):
        state = client.get(f"/api/v1/decisions/{did}", headers=headers(people, "clerk"))
        assert state.get_json()["state"] == "signed"


def test_only_a_clerk_issues_in_batch(app, client, people, drafted, fake_signing):
    (first,) = _signed(app, client, people, drafted, 1)
    response = client.post("/api/v1/decisions/issue", json={
        "ids": [first], "pin": PIN, "otp": code_for(app, people.signer)},
        headers=headers(people, "signer"))
    assert response.status_code == 403


def test_the_clerks_inbox_issues_the_selected(app, people, drafted, fake_signing):
    client = app.test_client()
    first, second = _signed(app, client, people, drafted, 2)
    AuthActions(app, client).login(people.clerk)
    page = client.get("/decisions")
    assert 'id="issue-form"' in page.text
    response = client.post("/decisions/issue", data={
        "ids": [str(first), str(second)], "pin": PIN, "otp": code_for(app, people.clerk),
        "csrf_token": csrf_from(page.text)}, follow_redirects=True)
    assert response.status_code == 200
    assert "2 văn bản đã được ban hành" in response.text
