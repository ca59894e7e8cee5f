"""Errors under /api/v1 are {"error": {"code", "message"}} with the right status, whatever
went wrong: unknown path, wrong method, wrong content type, body not an object, too large."""

import pytest

from tests.conftest import bearer


@pytest.fixture
def sec(make_user, token_for):
    return bearer(token_for(make_user("secretariat")))


CASES = [
    ("GET", "/api/v1/nope", None, None),
    ("PUT", "/api/v1/meetings", None, None),
    ("DELETE", "/api/v1/meetings/1", None, None),
    ("POST", "/api/v1/meetings", "text/plain", b"hello"),
    ("POST", "/api/v1/meetings", "application/json", b"null"),
    ("POST", "/api/v1/meetings", "application/json", b"[1,2]"),
    ("POST", "/api/v1/meetings", "application/json", b'"x"'),
    ("POST", "/api/v1/meetings", "application/json", b"\xff\xfe{}"),
    ("POST", "/api/v1/meetings", "application/json", b'{"title": 1e999}'),
    ("POST", "/api/v1/meetings", "application/json", b'{"title": NaN}'),
    ("POST", "/api/v1/meetings", "application/json", b'{"a":1,"a":2}'),
    ("POST", "/api/v1/meetings", "application/json", b"[" * 100_000),
    ("POST", "/api/v1/meetings", "application/json; charset=latin-1", b'{"title":"\xe9"}'),
    ("POST", "/api/v1/polls", "multipart/form-data; boundary=x", b"--x--"),
    ("POST", "/api/v1/votes/1/ballots", "application/json", b'{"choice": "yes", "receipt": 5}'),
    ("GET", "/api/v1/meetings/0", None, None),
    ("GET", "/api/v1/meetings/-1", None, None),
    ("GET", "/api/v1/meetings/01", None, None),
    ("GET", "/api/v1/meetings/1.0", None, None),
    ("GET", "/api/v1/meetings/%EF%BC%91", None, None),  # fullwidth digit one
    ("GET", "/api/v1/meetings/\u0661", None, None),  # Arabic-Indic digit one
    ("GET", "/api/v1/documents/1/versions/99999999999999999999/pdf", None, None),
]


@pytest.mark.parametrize("method,path,ctype,body", CASES)
def test_api_errors_have_the_contract_shape(client, sec, method, path, ctype, body):
    kwargs = {"headers": sec}
    if ctype:
        kwargs.update(content_type=ctype, data=body)
    response = client.open(path, method=method, **kwargs)
    assert response.status_code < 500, (path, response.status_code, response.data[:200])
    if response.status_code >= 400:
        data = response.get_json(silent=True)
        assert isinstance(data, dict) and set(data.get("error", {})) >= {"code", "message"}, \
            (response.status_code, response.content_type, response.data[:200])
