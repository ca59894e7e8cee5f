"""A refusal's reason travels back to the sender in a status 02: it has a stable code, and its
message is in Vietnamese in the app (the language of the organisations at the other end)."""

from __future__ import annotations

import pytest

from ecabinet.interchange.edxml import errors

REFUSALS = [errors.TooLarge, errors.NotWellFormed, errors.ForbiddenDtd, errors.SchemaInvalid,
            errors.Unsigned, errors.BadSignature, errors.UntrustedCertificate,
            errors.SignerMismatch, errors.BadAttachment, errors.ManifestMismatch,
            errors.BadIdentifier]


def test_every_reason_is_distinct_and_stable():
    reasons = [refusal.reason for refusal in REFUSALS]
    assert len(set(reasons)) == len(reasons)
    assert all(refusal().code == f"edxml_{refusal.reason}" for refusal in REFUSALS)
    assert all(refusal().status == 422 for refusal in REFUSALS)


@pytest.mark.parametrize("refusal", REFUSALS)
def test_the_message_is_vietnamese_in_the_app(app, refusal):
    with app.test_request_context(headers={"Accept-Language": "vi"}):
        message = refusal("detail").message
    english = refusal("detail")
    assert message != english.message, f"{refusal.__name__} has no Vietnamese message"
    assert english.detail == "detail" and "detail" not in message
