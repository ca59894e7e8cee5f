"""The published description says what an error looks like: the contract's
``{"error": {"code", "message", "details"?}}``, for every operation (issue 8, point 10)."""

from __future__ import annotations

import pytest


@pytest.fixture
def spec(client):
    return client.get("/api/v1/openapi.json").get_json()


def resolve(spec: dict, node: dict) -> dict:
    while "$ref" in node:
        kind, name = node["$ref"].split("/")[-2:]
        node = spec["components"][kind][name]
    return node


def test_the_error_schema_is_the_contracts(spec):
    error = spec["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    body = resolve(spec, error["properties"]["error"])
    assert set(body["required"]) == {"code", "message"}
    assert body["properties"]["code"]["type"] == "string"
    assert body["properties"]["message"]["type"] == "string"
    assert body["properties"]["details"]["type"] == "object"


def test_every_operation_documents_its_errors_in_that_shape(spec):
    checked = 0
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            responses = operation["responses"]
            assert "default" in responses, (method, path)
            for status, response in responses.items():
                if status != "default" and int(status) < 400:
                    continue
                content = resolve(spec, response).get("content", {})
                schema = content.get("application/json", {}).get("schema")
                assert schema == {"$ref": "#/components/schemas/Error"}, (method, path, status)
                checked += 1
    assert checked > 80


def test_a_path_id_is_documented_with_its_range(spec):
    parameter = spec["paths"]["/api/v1/meetings/{meeting_id}"]["parameters"][0]
    assert parameter["schema"] == {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
