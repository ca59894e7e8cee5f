"""Sign-in throttling is per account: after 5 wrong passwords or codes the account backs off
(README, Security). POST /api/v1/me/certificates checks the account's password and a TOTP
code too, but a wrong one never counts against the account: someone holding a stolen tablet's
token guesses the password (403 invalid_password vs invalid_otp tells them when it is right)
and then the codes, limited only per address (LOGIN_RATE_LIMIT, 300 a minute by default)."""

from tests.conftest import PASSWORD, bearer
from tests.decisions.conftest import _self_signed


def test_wrong_passwords_at_enrolment_lock_the_account(app, client, make_user, token_for,
                                                       tmp_path):
    signer = make_user("member", "signer")
    headers = bearer(token_for(signer))
    pem = _self_signed("x", tmp_path)[2].decode()
    codes = []
    for n in range(20):
        response = client.post("/api/v1/me/certificates", headers=headers, json={
            "certificate": pem, "password": f"guess {n}", "otp": "000000"})
        codes.append(response.status_code)
    right = client.post("/api/v1/me/certificates", headers=headers, json={
        "certificate": pem, "password": PASSWORD, "otp": "000000"})
    # the answer tells a right password from a wrong one ...
    oracle = right.get_json()["error"]["code"]
    # ... and 20 wrong ones left the account as it was: sign-in is not backing off
    signin = client.post("/api/v1/auth/token", json={"email": signer.email,
                                                     "password": "wrong", "otp": "000000"})
    assert 429 in codes or signin.status_code == 429, (
        f"20 wrong passwords through enrolment: {set(codes)}, never throttled; the right one "
        f"answers {oracle!r}; sign-in still answers {signin.status_code}")


def test_enrolment_does_not_tell_a_right_password(client, make_user, token_for, tmp_path):
    signer = make_user("member", "signer")
    headers = bearer(token_for(signer))
    pem = _self_signed("x", tmp_path)[2].decode()
    answers = {}
    for password in ("a wrong guess", PASSWORD):
        response = client.post("/api/v1/me/certificates", headers=headers, json={
            "certificate": pem, "password": password, "otp": "000000"})
        answers[password == PASSWORD] = (response.status_code,
                                         response.get_json()["error"]["code"])
    assert answers[True] == answers[False] == (403, "invalid_credentials"), answers
