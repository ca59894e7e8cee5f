"""Signing, and issuing, several documents with one confirmation (the inboxes of the signer
and of the clerk).

Each document is signed in its own transaction: a failure on one (the time-stamping authority
down for a moment, a document signed meanwhile from another tablet) is reported and leaves the
others signed. All-or-nothing would have to undo PAdES signatures already made — each is a
complete legal act of its own, and the signer expects what they confirmed to be signed — and
one slow or failing document would hold a database lock for the whole batch.

The TOTP code is checked once, in a first transaction of its own (one code confirms the
batch); a wrong PIN, a locked PIN or a missing key stops the batch at once, so a mistyped PIN
counts once towards the lockout instead of once per document.
"""

from __future__ import annotations

from flask_babel import gettext as _

from ecabinet.database import audited_attempt
from ecabinet.decisions import access, workflow
from ecabinet.errors import DomainError

#: Refusals that would repeat identically for every other document of the batch.
STOPPING = {"wrong_pin", "pin_locked", "certificate_revoked", "certificate_expired",
            "not_found", "no_key", "no_seal_key", "totp_enrolment_required",
            "certificate_not_enrolled", "not_a_clerk"}


def sign_batch(actor, decision_ids: list[int], *, pin: str, otp: str | None,
               level: str | None = None) -> list[dict]:
    """``[{id, ok, state, error}]`` in the order asked. Raises only when nothing was tried
    (a wrong code, a document that is not the actor's)."""
    return _run(actor, decision_ids, otp, check=workflow.check_batch,
                act=lambda decision: workflow.sign(actor, decision, pin=pin, otp=None,
                                                   level=level, otp_checked=True))


def issue_batch(actor, decision_ids: list[int], *, pin: str, otp: str | None) -> list[dict]:
    """The clerk's batch: each document numbered and sealed in its own transaction, in the
    order asked (so the register's numbers follow it); the same reports as :func:`sign_batch`."""
    return _run(actor, decision_ids, otp, check=workflow.check_issue_batch,
                act=lambda decision: workflow.issue(actor, decision, pin=pin, otp=None,
                                                    otp_checked=True))


def _run(actor, decision_ids: list[int], otp: str | None, *, check, act) -> list[dict]:
    with audited_attempt():
        decisions = check(actor, decision_ids, otp)
        ids = [d.id for d in decisions]
    results, stopped = [], None
    for decision_id in ids:
        if stopped is not None:
            results.append({"id": decision_id, "ok": False, "state": None, "error": {
                "code": "not_attempted", "message": _("Not attempted: %(reason)s",
                                                      reason=stopped.message)}})
            continue
        try:
            with audited_attempt():
                decision = access.decision_for(actor, decision_id)
                act(decision)
                state = decision.state
            results.append({"id": decision_id, "ok": True, "state": state, "error": None})
        except DomainError as exc:
            results.append({"id": decision_id, "ok": False, "state": None,
                            "error": {"code": exc.code, "message": exc.message}})
            if exc.code in STOPPING:
                stopped = exc
    return results
