"""/api/v1/tasks: the contract's shape, the errors of bad input (nothing changed), a list in
pages whose statements do not grow with the tasks."""

from __future__ import annotations

from datetime import date

import pytest

from tests.conftest import bearer
from tests.fixtures.statements import statements
from tests.tasks.helpers import new_task, task_row


@pytest.fixture
def tokens(world, token_for):
    return {name: token_for(world.users[name])
            for name in ("secretariat", "member", "btc", "btp")}


def _create(client, tokens, world, **body):
    payload = {"title": "Trình Chính phủ dự thảo Nghị định sửa đổi",
               "lead_id": world.orgs["btc"], "deadline": "2027-06-30", **body}
    return client.post("/api/v1/tasks", json=payload, headers=bearer(tokens["secretariat"]))


def test_create_read_report_done_accept(client, world, tokens):
    created = _create(client, tokens, world, coordinator_ids=[world.orgs["btp"]],
                      expected_product="Dự thảo Nghị định", source_kind="notice",
                      source_id=world.notice_id)
    assert created.status_code == 201, created.json
    task = created.json
    assert task["lead"] == "Bộ Tài chính" and task["standing"] == "on_time"
    assert task["meeting_id"] == world.meeting_id and task["product_required"] is True
    url = f"/api/v1/tasks/{task['id']}"
    reported = client.post(f"{url}/reports", json={"note": "Đã xin ý kiến"},
                           headers=bearer(tokens["btc"]))
    assert reported.status_code == 201 and reported.json["kind"] == "progress"
    missing = client.post(f"{url}/done", json={"note": "Xong"}, headers=bearer(tokens["btc"]))
    assert missing.status_code == 422
    assert missing.json["error"]["code"] == "validation_error"
    assert "result_document_id" in missing.json["error"]["details"]
    assert client.get(url, headers=bearer(tokens["btc"])).json["status"] == "in_progress"


def test_a_report_on_someone_elses_task_is_refused(client, world, tokens, app):
    task_id = new_task(app, world)
    response = client.post(f"/api/v1/tasks/{task_id}/reports", json={"note": "x"},
                           headers=bearer(tokens["btp"]))
    assert response.status_code == 404  # not involved: it does not exist for them
    task_id = new_task(app, world, coordinator_ids=[world.orgs["btp"]])
    response = client.post(f"/api/v1/tasks/{task_id}/reports", json={"note": "x"},
                           headers=bearer(tokens["btp"]))
    assert response.status_code == 403 and response.json["error"]["code"] == "not_the_lead"
    assert task_row(app, task_id)["reports"] == []


@pytest.mark.parametrize("body, status", [
    ({"deadline": "2027-02-01"}, 422),
    ({"lead_id": 99999}, 422),
    ({"coordinator_ids": [99999]}, 422),
    ({"deadline": "30/06/2027"}, 422),
    ({"source_kind": "vote", "source_id": 99999}, 422),
])
def test_bad_input_gets_a_clear_error(client, world, tokens, body, status):
    response = _create(client, tokens, world, **body)
    assert response.status_code == status
    assert response.json["error"]["message"]
    listed = client.get("/api/v1/tasks", headers=bearer(tokens["secretariat"]))
    assert listed.json == []


def test_only_the_secretariat_creates(client, world, tokens):
    assert _create(client, tokens | {"secretariat": tokens["member"]}, world).status_code == 403


def test_return_and_extension_through_the_api(client, world, tokens, app):
    task_id = new_task(app, world)
    url = f"/api/v1/tasks/{task_id}"
    assert client.post(f"{url}/done", json={}, headers=bearer(tokens["btc"])).status_code == 201
    returned = client.post(f"{url}/return", json={"reason": "Chưa đủ hồ sơ"},
                           headers=bearer(tokens["secretariat"]))
    assert returned.status_code == 200 and returned.json["status"] == "in_progress"
    assert returned.json["reports"][-1]["note"] == "Chưa đủ hồ sơ"
    asked = client.post(f"{url}/extensions", json={"deadline": "2027-09-30", "reason": "Chờ"},
                        headers=bearer(tokens["btc"]))
    assert asked.status_code == 201
    granted = client.post(f"{url}/extensions/{asked.json['id']}",
                          json={"grant": True, "answer": "Đồng ý"},
                          headers=bearer(tokens["secretariat"]))
    assert granted.status_code == 200 and granted.json["state"] == "granted"
    assert client.get(url, headers=bearer(tokens["btc"])).json["deadline"] == "2027-09-30"


def test_patch(client, world, tokens, app):
    task_id = new_task(app, world)
    response = client.patch(f"/api/v1/tasks/{task_id}", json={"ongoing": True},
                            headers=bearer(tokens["secretariat"]))
    assert response.status_code == 200 and response.json["deadline"] is None
    assert response.json["ongoing"] is True
    refused = client.patch(f"/api/v1/tasks/{task_id}", json={"title": "x"},
                           headers=bearer(tokens["btc"]))
    assert refused.status_code == 403


def test_list_filters_and_pages(client, world, tokens, app):
    for n in range(3):
        new_task(app, world, title=f"Nhiệm vụ {n}", lead_id=world.orgs["btp"])
    new_task(app, world, title="Của Bộ Tài chính", deadline=date(2027, 3, 2))
    headers = bearer(tokens["secretariat"])
    response = client.get(f"/api/v1/tasks?organisation_id={world.orgs['btp']}&page_size=2",
                          headers=headers)
    assert [t["title"] for t in response.json] == ["Nhiệm vụ 0", "Nhiệm vụ 1"]
    assert '"total": 3' in response.headers["X-Pagination"]
    everything = client.get("/api/v1/tasks", headers=headers)
    assert everything.status_code == 200, everything.json
    first = everything.json[0]
    assert first["title"] == "Của Bộ Tài chính"  # the nearest deadline first
    assert client.get("/api/v1/tasks?standing=late", headers=headers).json == []
    assert client.get("/api/v1/tasks?standing=soon", headers=headers).status_code == 422
    assert len(client.get("/api/v1/tasks", headers=bearer(tokens["btc"])).json) == 1


def test_the_list_costs_the_same_for_many_tasks(client, world, tokens, app):
    headers = bearer(tokens["member"])

    def count() -> int:
        with statements(app) as sent:
            assert client.get("/api/v1/tasks", headers=headers).status_code == 200
        return len(sent)

    new_task(app, world, coordinator_ids=[world.orgs["btp"]])
    few = count()
    for n in range(6):
        new_task(app, world, lead_id=world.orgs[("btc", "btp", "bkh")[n % 3]],
                 coordinator_ids=[world.orgs["bkh"]])
    assert count() == few


def test_openapi_describes_the_tasks(client):
    spec = client.get("/api/v1/openapi.json").json
    assert {"/api/v1/tasks", "/api/v1/tasks/{task_id}", "/api/v1/tasks/{task_id}/done",
            "/api/v1/tasks/{task_id}/extensions/{extension_id}"} <= set(spec["paths"])
