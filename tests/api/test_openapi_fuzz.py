"""Every operation of /api/v1/openapi.json, driven by schemathesis against the WSGI app on SQLite
(no network): no answer is a 5xx, and every answer matches what the description says — its
status is documented (every operation documents its errors as ``default``), its content type,
and its body (errors in the contract's ``{"error": {"code", "message"}}``).

Bounded: a few derandomized examples per operation, by a user with every role, against a
cabinet with a published meeting, an agenda and a document, so that ids 1, 2, … often exist.
"""

from __future__ import annotations

import tempfile

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from ecabinet import create_app
from ecabinet.docs.jobs import local_worker
from tests.conftest import bearer

pytestmark = pytest.mark.slow

#: Operations left out, and why (none yet: every operation is driven).
SKIPPED: dict[str, str] = {}

EXAMPLES = 5
METHODS = {"get", "post", "put", "patch", "delete"}


def not_a_server_error(ctx, response, case):
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} answered {response.status_code}: "
        f"{response.text[:500]}")


def _operations() -> list[str]:
    """The operations of the description, read from an app with an in-memory database."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "SECRET_KEY": "spec", "INSTANCE_PATH": tempfile.mkdtemp()})
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    return [f"{method.upper()} {path}" for path, item in spec["paths"].items()
            for method in item if method in METHODS]


def _seed(client, headers, make_user) -> None:
    """A little of everything, so that generated ids often find something."""
    member = make_user("member", name="Thành viên")
    meeting = client.post("/api/v1/meetings", headers=headers, json={
        "title": "Phiên họp thử", "starts_at": "2026-11-30T08:00:00+07:00"}).get_json()
    client.post(f"/api/v1/meetings/{meeting['id']}/participants", headers=headers,
                json={"user_id": member.id, "role": "member"})
    client.post(f"/api/v1/meetings/{meeting['id']}/agenda-items", headers=headers,
                json={"title": "Mục một", "duration_min": 10})


_schemas: dict = {}


def _schema_of(app):
    """The description loaded once per app of the process: the test process keeps its apps
    (tests/fixtures/apps.py), and schemathesis keeps, with a loaded description, the
    constants it reads from the app's code to seed the examples (a third of a second each)."""
    if _schemas.get("app") is not app:
        _schemas.update(app=app, schema=schemathesis.openapi.from_wsgi("/api/v1/openapi.json",
                                                                        app))
    return _schemas["schema"]


def _seeded(client, make_user, token_for) -> str:
    """A user with every role, their token, and the cabinet they seed (:func:`_seed`)."""
    everyone = make_user("admin", "secretariat", "member", "signer", "clerk",
                         name="Người thử nghiệm")
    token = token_for(everyone)
    _seed(client, bearer(token), make_user)
    return token


@pytest.mark.parametrize("label", _operations())
def test_every_operation_keeps_its_description(label, app, client, make_user, token_for,
                                               scenario):
    if label in SKIPPED:
        pytest.skip(SKIPPED[label])
    # The same seed for every operation: built once per test process, then restored
    # (tests/fixtures/snapshots.py).
    headers = bearer(scenario("openapi_seed", app,
                              lambda: _seeded(client, make_user, token_for)))
    operation = _schema_of(app).find_operation_by_label(label)

    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy() | operation.as_strategy(GenerationMode.NEGATIVE))
    def run(case):
        case.call_and_validate(headers=headers, checks=[
            not_a_server_error, status_code_conformance, content_type_conformance,
            response_schema_conformance])

    try:
        run()
    finally:  # a pack build the operation enqueued ends before the test's database goes
        assert local_worker().wait_idle(timeout=120)
