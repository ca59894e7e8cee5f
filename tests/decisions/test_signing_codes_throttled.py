"""The fresh TOTP code that confirms a signature or an issue is under the account's sign-in
back-off (ecabinet.identity.signin.reconfirm): wrong codes count, and past the allowed number
the account answers 429 too_many_attempts."""

from tests.conftest import bearer


def test_wrong_signing_codes_are_throttled(app, client, people):
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
