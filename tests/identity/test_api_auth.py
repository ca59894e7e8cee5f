"""POST /api/v1/auth/token, GET /api/v1/me, and what bad input gets."""

from datetime import UTC, datetime, timedelta

from ecabinet.database import unit_of_work
from ecabinet.identity import services
from ecabinet.identity.models import ApiToken
from tests.conftest import PASSWORD, bearer, totp_code


def error_of(response):
    body = response.get_json()
    assert set(body) == {"error"}, body
    assert {"code", "message"} <= set(body["error"])
    return body["error"]["code"]


def test_token_then_me(client, make_user):
    member = make_user("member", name="Nguyễn Thu Hà", organisation="Bộ Tài chính")
    response = client.post("/api/v1/auth/token", json={"email": member.email,
                                                       "password": PASSWORD})
    assert response.status_code == 201
    body = response.get_json()
    assert body["token_type"] == "Bearer"
    expires = datetime.fromisoformat(body["expires_at"])
    assert timedelta(hours=11) < expires - datetime.now(UTC) <= timedelta(hours=12)
    me = client.get("/api/v1/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200
    assert me.get_json()["email"] == member.email
    assert me.get_json()["roles"] == ["member"]
    assert me.get_json()["organisation"]["name"] == "Bộ Tài chính"


def test_token_is_stored_hashed(app, client, make_user):
    member = make_user("member")
    secret = client.post("/api/v1/auth/token", json={"email": member.email, "password": PASSWORD}
                         ).get_json()["access_token"]
    with app.app_context():
        from ecabinet.extensions import db

        stored = db.session.scalars(db.select(ApiToken.token_hash)).all()
    assert secret not in stored
    assert len(stored) == 1 and len(stored[0]) == 64


def test_wrong_password_gets_401_in_the_contract_shape(client, make_user):
    member = make_user("member")
    response = client.post("/api/v1/auth/token", json={"email": member.email,
                                                       "password": "wrong-password"})
    assert response.status_code == 401
    assert error_of(response) == "invalid_credentials"


def test_signer_needs_otp_for_a_token(client, make_user):
    signer = make_user("signer")
    without = client.post("/api/v1/auth/token", json={"email": signer.email, "password": PASSWORD})
    assert without.status_code == 401 and error_of(without) == "otp_required"
    wrong = client.post("/api/v1/auth/token", json={"email": signer.email, "password": PASSWORD,
                                                    "otp": "000000"})
    assert wrong.status_code == 401 and error_of(wrong) == "invalid_otp"
    right = client.post("/api/v1/auth/token", json={"email": signer.email, "password": PASSWORD,
                                                    "otp": totp_code(signer)})
    assert right.status_code == 201


def test_signer_without_enrolled_factor_gets_no_token(client, make_user):
    signer = make_user("signer", totp=False)
    response = client.post("/api/v1/auth/token", json={"email": signer.email, "password": PASSWORD})
    assert response.status_code == 403
    assert error_of(response) == "totp_enrolment_required"


def test_expired_token_is_refused(app, client, make_user, token_for):
    member = make_user("member")
    token = token_for(member, ttl=timedelta(seconds=-1))
    response = client.get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 401
    assert error_of(response) == "unauthorized"


def test_revoked_token_is_refused(client, make_user, token_for):
    member = make_user("member")
    token = token_for(member)
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    assert client.delete("/api/v1/auth/token", headers=bearer(token)).status_code == 204
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_deactivated_user_token_stops_working(app, client, make_user, token_for):
    member = make_user("member")
    admin = make_user("admin")
    token = token_for(member)
    with app.app_context(), unit_of_work():
        services.update_user(services.get_user(member.id), active=False,
                             actor=services.get_user(admin.id))
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_garbage_bearer_token_is_401(client):
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401


def test_no_credentials_is_401_json(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert error_of(response) == "unauthorized"


def test_malformed_json_is_400(client):
    response = client.post("/api/v1/auth/token", data="{not json",
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert error_of(response) == "bad_request"


def test_missing_fields_is_422_with_details(client):
    response = client.post("/api/v1/auth/token", json={"email": "a@b.vn"})
    assert response.status_code == 422
    assert error_of(response) == "validation_error"
    assert "password" in str(response.get_json()["error"]["details"])


def test_oversized_body_is_413(make_app):
    app = make_app(MAX_CONTENT_LENGTH=1024)
    response = app.test_client().post("/api/v1/auth/token", data="x" * 4096,
                                      headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert error_of(response) == "payload_too_large"


def test_token_endpoint_is_rate_limited(make_app):
    app = make_app(LOGIN_RATE_LIMIT="2 per minute")
    client = app.test_client()
    statuses = [client.post("/api/v1/auth/token", json={"email": "x@y.vn", "password": "nope"}
                            ).status_code for _ in range(3)]
    assert statuses == [401, 401, 429]
    assert error_of(client.post("/api/v1/auth/token", json={})) == "rate_limited"


def test_unknown_route_is_404_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert error_of(response) == "not_found"


def test_no_stack_trace_leaks_on_500(make_app):
    app = make_app(fresh_app=True)  # a route of its own: an app that served nothing yet

    @app.get("/api/v1/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/api/v1/boom")
    assert response.status_code == 500
    assert error_of(response) == "internal_error"
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text
