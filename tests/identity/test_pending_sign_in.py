"""A password change (or an administrator's "End all sessions", or a deactivation followed
by a reactivation) must end what a stolen password gave. The first step of sign-in (password
right, code not yet given) lives in the signed cookie for 5 minutes and is not tied to the
account's session_version: after the administrator changed the password because it leaked,
the thief holding that half-signed-in cookie still completes the sign-in with a code
(a phished code, or a tablet's authenticator) and gets a fresh, live session."""

from tests.conftest import bearer, csrf_from, unused_code


def test_half_signed_in_cookie_dies_with_a_password_change(app, client, make_user, token_for):
    victim = make_user("member", "signer")  # a signer: a second factor
    admin = make_user("admin")
    page = client.get("/login")
    response = client.post("/login", data={"email": victim.email,
                                           "password": "correct horse battery staple",
                                           "csrf_token": csrf_from(page.text)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login/otp")
    # the password leaked: the administrator changes it and ends every session
    other = app.test_client()
    headers = bearer(token_for(admin))
    changed = other.patch(f"/api/v1/users/{victim.id}",
                          json={"password": "a brand new long passphrase 2026"}, headers=headers)
    assert changed.status_code == 200, changed.get_json()
    assert other.delete(f"/api/v1/users/{victim.id}/sessions", headers=headers).status_code \
        in (200, 204)
    # the thief completes the second step with the old half sign-in
    # (the half sign-in is over: the code page sends back to the password page, whose form
    # gives the CSRF token the thief posts with)
    page = client.get("/login/otp", follow_redirects=True)
    response = client.post("/login/otp", data={"code": unused_code(app, victim.email),
                                               "csrf_token": csrf_from(page.text)})
    me = client.get("/api/v1/me")
    assert me.status_code == 401, (
        f"signed in after the password change: /login/otp -> {response.status_code}, "
        f"/api/v1/me -> {me.status_code}")


def test_half_done_enrolment_dies_when_sessions_end(app, client, make_user, token_for):
    """An account with no second factor yet: the thief with the password reaches the
    enrolment page; once the administrator ends the sessions, they cannot enrol their own
    authenticator (nor sign in) with that half sign-in."""
    import pyotp

    victim = make_user("member", "signer", totp=False)
    admin = make_user("admin")
    page = client.get("/login")
    response = client.post("/login", data={"email": victim.email,
                                           "password": "correct horse battery staple",
                                           "csrf_token": csrf_from(page.text)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login/enrol")
    enrol = client.get("/login/enrol")
    assert enrol.status_code == 200
    with app.app_context():
        from ecabinet.identity import services as identity
        secret = identity.user_by_email(victim.email).totp_pending_secret
    assert secret
    headers = bearer(token_for(admin))
    assert app.test_client().delete(f"/api/v1/users/{victim.id}/sessions",
                                    headers=headers).status_code in (200, 204)
    page = client.get("/login/enrol", follow_redirects=True)
    client.post("/login/enrol", data={"code": pyotp.TOTP(secret).now(),
                                      "csrf_token": csrf_from(page.text)})
    assert client.get("/api/v1/me").status_code == 401
    with app.app_context():
        from ecabinet.identity import services as identity
        assert identity.user_by_email(victim.email).totp_secret is None, \
            "the thief's authenticator was enrolled"
