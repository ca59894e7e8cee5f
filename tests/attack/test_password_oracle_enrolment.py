"""Sign-in throttling is per account: after 5 wrong passwords or codes the account backs off
(README, Security). POST /api/v1/me/certificates checks the account's password and a TOTP
code too, but a wrong one never counts against the account: someone holding a stolen tablet's
token guesses the password (403 invalid_password vs invalid_otp tells them when it is right)
and then the codes, limited only per address (LOGIN_RATE_LIMIT, 300 a minute by default)."""

from tests.conftest import PASSWORD, bearer
from tests.decisions.conftest import _self_signed, people  # noqa: F401


def test_wrong_passwords_at_enrolment_do_not_lock_the_account(app, client, make_user,
                                                                token_for, tmp_path):
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


def test_wrong_signing_codes_are_never_throttled(app, client, people):
    """The "fresh TOTP code" that confirms a signature: wrong codes at POST
    /api/v1/decisions/signatures (and /signatures, /external/prepare, /issue) are neither
    rate-limited nor counted against the account, so a stolen tablet's token can run through
    the 10^6 codes; the second factor of signing falls back to the PIN alone."""
    from ecabinet.database import unit_of_work
    from ecabinet.decisions.models import Decision, DecisionState
    from ecabinet.extensions import db

    with app.app_context(), unit_of_work():
        decision = Decision(kind="quyet_dinh", state=DecisionState.DRAFT.value, summary="x",
                            body="Điều 1.", issuer_id=people.issuer_id, authority="THỦ TƯỚNG",
                            signer_id=people.signer.id, created_by_id=people.secretariat.id)
        db.session.add(decision)
        db.session.flush()
        did = decision.id
    headers = bearer(people.tokens["signer"])
    statuses = set()
    for n in range(60):
        response = client.post("/api/v1/decisions/signatures", headers=headers,
                               json={"ids": [did], "pin": "000000", "otp": f"{n:06d}"})
        statuses.add((response.status_code, (response.get_json() or {}).get(
            "error", {}).get("code")))
    assert any(status == 429 for status, _code in statuses), (
        f"60 wrong signing codes in a row, answers {statuses}: never throttled")
