"""Decisions: the legal order of signing and issuing, and the external signer.

Services flush and raise domain errors; the caller commits. Signing and issuing are called
inside :func:`ecabinet.database.audited_attempt`: a refusal (wrong PIN, wrong code, the
time-stamping authority down) commits what it must keep — the used TOTP step, the PIN lockout
counter, the audit entry of the failure — and nothing else, because every check and the
signature itself come before the first change of the decision.

The legal order (Decree 30/2020, Articles 13–17 and 32):

1. draft: the secretariat writes it (:mod:`.drafting`); the .docx is rendered to PDF by the
   documents feature's job queue and gets its form and signature fields (:mod:`.pdf`);
2. signed: the competent person (the decision's ``signer_id``, role signer) signs with their
   key's PIN and a TOTP code — a certification signature allowing only form filling and later
   signatures;
3. issued: a clerk takes the number from the register, fills number and date in, and applies
   the issuing body's seal signature, which is only possible on a signed decision. The PDF is
   then never changed again; its SHA-256 goes into the audit trail. Its recipients are told
   (:func:`.distribution.deliver`).

Two requests for the same step at once: the decision's row is locked (SELECT … FOR UPDATE,
BEGIN IMMEDIATE on SQLite) before the state is checked, so the second waits and then finds the
step done (409).
"""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime

from flask import current_app
from flask_babel import gettext as _

from ecabinet import storage
from ecabinet.audit import services as audit
from ecabinet.decisions import access, distribution, layout, register
from ecabinet.decisions import pdf as fields_pdf
from ecabinet.decisions.drafting import locked, pdf_of
from ecabinet.decisions.models import Decision, DecisionSignature, DecisionState
from ecabinet.errors import Conflict, Forbidden, Invalid
from ecabinet.extensions import db
from ecabinet.i18n import VIETNAM
from ecabinet.identity import signin
from ecabinet.identity.models import User
from ecabinet.interchange.outgoing import services as outgoing

LEVELS = ("B-B", "B-T", "B-LT", "B-LTA")


# --- signing -------------------------------------------------------------------------------------

def level_for(kind: str, requested: str | None = None) -> str:
    if requested:
        if requested not in LEVELS:
            raise Invalid(_("A level is B-B, B-T, B-LT or B-LTA."), details={"level": [requested]})
        return requested
    config = current_app.config
    return (config.get("DECISION_LEVELS") or {}).get(kind) or \
        config.get("DECISION_DEFAULT_LEVEL", "B-LT")


def _require_signable(decision: Decision) -> fields_pdf.Fields:
    if decision.state == DecisionState.SIGNED:
        raise Conflict(_("This document is signed already."), code="already_signed")
    if decision.state == DecisionState.ISSUED:
        raise Conflict(_("This document is issued already."), code="already_issued")
    if decision.pdf_sha256 is None or decision.fields_json is None:
        raise Conflict(_("The PDF is being prepared. Try again in a moment."), code="rendering")
    return fields_pdf.Fields.from_json(decision.fields_json)


def check_otp(user: User, otp: str | None) -> None:
    """The TOTP code confirming a signature: each code once (identity's replay protection),
    and wrong ones counted against the account like wrong sign-ins (429 while it backs off)."""
    if not user.totp_enabled:
        raise Forbidden(_("Signing needs a second factor. Set it up in your account first."),
                        code="totp_enrolment_required")
    if not signin.reconfirm(user, otp=otp, purpose="decision"):
        raise Forbidden(_("The code is not right, or was used already. Wait for the next code "
                          "and try again."), code="invalid_otp")


def sign(actor: User, decision: Decision, *, pin: str, otp: str | None,
         level: str | None = None, otp_checked: bool = False) -> Decision:
    """The competent person signs (a certification signature: only form filling and more
    signatures may follow). ``otp_checked``: the code was checked once for a whole batch."""
    from ecabinet.signing import images, keys, pades
    from ecabinet.signing.appearance import Appearance

    access.require_signer(actor, decision)
    decision = locked(decision)
    found = _require_signable(decision)
    level = level_for(decision.kind, level)
    if not otp_checked:
        check_otp(actor, otp)
    key = keys.personal_key(actor)
    signed = pades.sign_pdf(
        pdf_of(decision), key=key, pin=pin, field_name=fields_pdf.SIGNER_FIELD, level=level,
        appearance=Appearance(kind="person", image=images.signature_image(actor)),
        box=found.signature, page=found.signature_page, certify=True,
        reason=_signing_reason(actor, decision))
    _record_signature(actor, decision, signed, level=level, external=False)
    return decision


def _signing_reason(actor: User, decision: Decision) -> str:
    return f"{actor.name} ký {layout.KINDS[decision.kind].type_name or 'công văn'}"


def _record_signature(actor: User, decision: Decision, signed: bytes, *, level: str,
                      external: bool) -> None:
    digest = storage.put(signed)
    now = datetime.now(UTC)
    decision.pdf_sha256, decision.state = digest, DecisionState.SIGNED.value
    decision.signed_at, decision.level = now, level
    db.session.add(DecisionSignature(decision=decision, role="signer", user_id=actor.id,
                                     field_name=fields_pdf.SIGNER_FIELD, level=level,
                                     external=external, signed_at=now, pdf_sha256=digest))
    db.session.flush()
    audit.record("decision.sign", actor=actor, target=decision, details={
        "level": level, "external": external, "pdf_sha256": digest})


def check_batch(actor: User, decision_ids: list[int], otp: str | None) -> list[Decision]:
    """Before a batch: the decisions (each the actor's to sign) and the one code for all."""
    decisions = []
    for decision_id in dict.fromkeys(decision_ids):
        decision = access.decision_for(actor, decision_id)
        access.require_signer(actor, decision)
        decisions.append(decision)
    if not decisions:
        raise Invalid(_("Select at least one document."), details={"ids": ["empty"]})
    check_otp(actor, otp)
    return decisions


def check_issue_batch(actor: User, decision_ids: list[int], otp: str | None) -> list[Decision]:
    """Before the clerk's batch: a clerk, the documents they may read, and the one code."""
    access.require_clerk(actor)
    decisions = [access.decision_for(actor, decision_id)
                 for decision_id in dict.fromkeys(decision_ids)]
    if not decisions:
        raise Invalid(_("Select at least one document."), details={"ids": ["empty"]})
    check_otp(actor, otp)
    return decisions


# --- the external signer (the key on the official's own device) ----------------------------------

def _certificate_bytes(value: str) -> bytes:
    from ecabinet.signing import certificates

    return certificates.from_text(value)


def prepare_external(actor: User, decision: Decision, *, certificate: str,
                     otp: str | None = None, level: str | None = None) -> dict:
    """What the device signs: the signed attributes of a signature over the current PDF.

    A fresh TOTP code confirms it, as for a signature with the server's key; the certificate
    must be one enrolled for the actor (the signing core refuses any other, audited)."""
    from ecabinet.signing import external, images
    from ecabinet.signing.appearance import Appearance

    access.require_signer(actor, decision)
    decision = locked(decision)
    found = _require_signable(decision)
    level = level_for(decision.kind, level)
    check_otp(actor, otp)
    pending = external.prepare_external(
        pdf_of(decision), user=actor, certificate=_certificate_bytes(certificate),
        field_name=fields_pdf.SIGNER_FIELD, level=level,
        appearance=Appearance(kind="person", image=images.signature_image(actor)),
        box=found.signature, page=found.signature_page, certify=True,
        reason=_signing_reason(actor, decision))
    audit.record("decision.sign_prepared", actor=actor, target=decision,
                 details={"pending_id": pending.id, "level": level})
    return {**pending.as_json(), "level": level}


def finish_external(actor: User, decision: Decision, *, pending_id: int, signature: str,
                    certificate: str | None = None, level: str | None = None) -> Decision:
    from ecabinet.signing import external

    access.require_signer(actor, decision)
    decision = locked(decision)
    _require_signable(decision)
    try:
        raw = base64.b64decode(signature or "", validate=True)
    except (binascii.Error, ValueError):
        raise Invalid(_("The signature is not valid base64."),
                      details={"signature": ["invalid"]}) from None
    signed = external.finish_external(
        pending_id, raw, user=actor, prepared_from=pdf_of(decision),
        certificate=_certificate_bytes(certificate) if certificate else None)
    _record_signature(actor, decision, signed, level=level_for(decision.kind, level),
                      external=True)
    return decision


# --- issuing -------------------------------------------------------------------------------------

def _month(value: int) -> str:
    """Months 1 and 2 take a leading zero (so "tháng 01" cannot be altered to "tháng 11")."""
    return f"{value:02d}" if value < 3 else str(value)


def issue(actor: User, decision: Decision, *, pin: str, otp: str | None,
          otp_checked: bool = False) -> Decision:
    """The clerk: number and date from the register, filled in; the issuing body's seal.
    ``otp_checked``: the code was checked once for a whole batch."""
    from ecabinet.signing import images, keys, pades
    from ecabinet.signing.appearance import Appearance

    access.require_clerk(actor)
    decision = locked(decision)
    if decision.state == DecisionState.DRAFT:
        raise Conflict(_("The competent person has not signed this document yet."),
                       code="not_signed")
    if decision.state == DecisionState.ISSUED:
        raise Conflict(_("This document is issued already."), code="already_issued")
    # Before anything is numbered or sealed: a recipient reached through the interchange axis
    # needs the installation's seal for its package (a refusal here leaves nothing half-issued).
    outgoing.check_sealable(decision)
    if not otp_checked:
        check_otp(actor, otp)
    found = fields_pdf.Fields.from_json(decision.fields_json)
    issuer = decision.issuer
    now = datetime.now(UTC)
    local = now.astimezone(VIETNAM)
    year = register.register_year(now)
    number = register.next_number(issuer.id, year)
    filled = fields_pdf.fill(pdf_of(decision), {
        fields_pdf.NUMBER_FIELD: f"{number:02d}", fields_pdf.DAY_FIELD: f"{local.day:02d}",
        fields_pdf.MONTH_FIELD: _month(local.month), fields_pdf.YEAR_FIELD: str(local.year)})
    level = current_app.config.get("DECISION_SEAL_LEVEL", "B-LT")
    if level in ("B-LT", "B-LTA") and decision.level in ("B-B", "B-T"):
        # The seal brings a DSS: the competent person's material goes in first, or validators
        # reading that DSS would not find it.
        filled = pades.add_revocation_info(filled)
    sealed = pades.sign_pdf(
        filled, key=keys.seal_key(issuer), pin=pin, field_name=fields_pdf.SEAL_FIELD,
        level=level, appearance=Appearance(kind="seal", image=images.seal_image(issuer),
                                                   organisation=issuer.name),
        box=found.seal, page=found.signature_page, reason=f"{issuer.name} ban hành")
    symbol = layout.symbol(decision.kind, issuer.code, number)
    signed_attachments = [
        (attachment, pades.sign_pdf(
            storage.get(attachment.source_sha256), key=keys.seal_key(issuer), pin=pin,
            field_name=fields_pdf.SEAL_FIELD, level=level,
            appearance=Appearance(kind="attachment", organisation=issuer.name,
                                          reference=f"Số: {symbol}"),
            box=fields_pdf.attachment_box(storage.get(attachment.source_sha256)), page=0,
            reason=f"{issuer.name} ban hành kèm theo văn bản số {symbol}"))
        for attachment in decision.attachments]
    # Every signature made: only now is the number used (a refusal above leaves no gap).
    register.use_number(issuer.id, year, number)
    for attachment, data in signed_attachments:
        attachment.pdf_sha256 = storage.put(data)
    digest = storage.put(sealed)
    decision.year, decision.number = year, number
    decision.symbol = symbol
    decision.pdf_sha256, decision.state = digest, DecisionState.ISSUED.value
    decision.issued_at, decision.issued_by_id = now, actor.id
    db.session.add(DecisionSignature(decision=decision, role="seal", user_id=actor.id,
                                     field_name=fields_pdf.SEAL_FIELD, level=level,
                                     signed_at=now, pdf_sha256=digest))
    db.session.flush()
    audit.record("decision.issue", actor=actor, target=decision, details={
        "symbol": decision.symbol, "number": number, "year": year,
        "issued_at": now.isoformat(), "pdf_sha256": digest, "size": len(sealed),
        "attachments": [{"position": a.position, "pdf_sha256": a.pdf_sha256}
                        for a in decision.attachments]})
    if decision.meeting_id is not None:
        audit.record("meeting.decision_issued", actor=actor, object_type="meetings",
                     object_id=decision.meeting_id,
                     details={"decision_id": decision.id, "symbol": decision.symbol})
    # Issued is sent: the recipients are told in the same transaction (Decree 30, Art. 18).
    distribution.deliver(actor, decision, now)
    return decision
