"""CSRF on every form and cookie-authenticated API call (README, Security). The check is
skipped whenever an ``Authorization: Bearer …`` header is present -- any value -- while the
caller is still authenticated by the session cookie (Flask-Login loads the session's user
first; the bearer is looked at only without one). So a cookie-authenticated request with a
junk bearer header needs no CSRF token, on the API and on the pages' forms alike.
(Browsers cannot add that header cross-site without a CORS preflight, which is why this is
defence in depth rather than an exploitable CSRF; anything that can add a header -- a
misconfigured proxy/CORS, a Flash-era plugin, a same-site subdomain script -- gets it.)"""


def test_a_junk_bearer_header_does_not_turn_off_csrf(client, make_user, auth):
    secretariat = make_user("secretariat")
    assert auth.login(secretariat).status_code == 302
    # without the header: refused for want of the CSRF token
    plain = client.post("/api/v1/meetings", json={"title": "Phiên họp",
                                                  "starts_at": "2026-12-30T08:00:00+07:00"})
    assert plain.status_code == 400, plain.get_json()
    junk = client.post("/api/v1/meetings", json={"title": "Phiên họp giả",
                                                 "starts_at": "2026-12-30T08:00:00+07:00"},
                       headers={"Authorization": "Bearer not-a-token"})
    assert junk.status_code == 400, (
        f"with a junk bearer header and the cookie: {junk.status_code} "
        f"{junk.get_json()} -- created as the cookie's user, no CSRF token")
