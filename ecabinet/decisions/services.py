"""Decisions: drafting, who sees what, the legal order of signing, issuing.

Services flush and raise domain errors; the caller commits. Signing and issuing are called
inside :func:`ecabinet.database.audited_attempt`: a refusal (wrong PIN, wrong code, the
time-stamping authority down) commits what it must keep — the used TOTP step, the PIN lockout
counter, the audit entry of the failure — and nothing else, because every check and the
signature itself come before the first change of the decision.

The legal order (Decree 30/2020, Articles 13–17 and 32):

1. draft: the secretariat writes it; the .docx is rendered to PDF by the documents feature's
   job queue and gets its form and signature fields (:mod:`.pdf`);
2. signed: the competent person (the decision's ``signer_id``, role signer) signs with their
   key's PIN and a TOTP code — a certification signature allowing only form filling and later
   signatures;
3. issued: a clerk takes the number from the register, fills number and date in, and applies
   the issuing body's seal signature, which is only possible on a signed decision. The PDF is
   then never changed again; its SHA-256 goes into the audit trail.

Two requests for the same step at once: the decision's row is locked (SELECT … FOR UPDATE,
BEGIN IMMEDIATE on SQLite) before the state is checked, so the second waits and then finds the
step done (409).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, select

from ecabinet import storage
from ecabinet.audit import services as audit
from ecabinet.audit.redaction import rule as audit_rule
from ecabinet.decisions import authority as authorities
from ecabinet.decisions import layout, register
from ecabinet.decisions import pdf as fields_pdf
from ecabinet.decisions.models import (
    Decision,
    DecisionAttachment,
    DecisionRecipient,
    DecisionSignature,
    DecisionState,
    RenderState,
)
from ecabinet.errors import Conflict, Forbidden, Invalid, NotFound
from ecabinet.extensions import db
from ecabinet.i18n import VIETNAM
from ecabinet.identity import signin
from ecabinet.identity.models import Organisation, Role, User

LEVELS = ("B-B", "B-T", "B-LT", "B-LTA")
MAX_BODY = 100_000


# --- who sees what -------------------------------------------------------------------------------

def _is_recipient(user: User, decision: Decision) -> bool:
    return any(r.user_id == user.id or (r.organisation_id is not None
                                        and r.organisation_id == user.organisation_id)
               for r in decision.recipients)


def _sees_source_meeting(user: User, decision: Decision) -> bool:
    """Whoever sees where it came from: the vote's item when drafted from a vote (a
    confidential item's vote stays with its invitees), else the meeting."""
    from ecabinet.meetings import access as meeting_access
    from ecabinet.meetings.models import Meeting, Vote

    if decision.vote_id is not None:
        vote = db.session.get(Vote, decision.vote_id)
        return vote is not None and meeting_access.can_see_vote(user, vote)
    if decision.meeting_id is None:
        return False
    meeting = db.session.get(Meeting, decision.meeting_id)
    return meeting is not None and meeting_access.can_see_meeting(user, meeting)


def can_read(user: User, decision: Decision) -> bool:
    """Drafts: the secretariat, the drafter, the competent person and the clerks (who must
    handle it, whatever it came from). Once issued, also its recipients (named on it by the
    secretariat) and whoever sees where it came from: the vote's item, else the meeting."""
    if user.has_role(Role.SECRETARIAT, Role.CLERK) or user.id in (decision.signer_id,
                                                                  decision.created_by_id):
        return True
    if decision.state != DecisionState.ISSUED:
        return False
    return _is_recipient(user, decision) or _sees_source_meeting(user, decision)


@audit_rule(Decision.__tablename__)
def _audit_entry_shown(viewer: User, entry, details: dict) -> bool:
    """The audit page shows a decision's entries in full unless it was drafted from a vote on
    a confidential item the viewer cannot see (as for the vote's own entries)."""
    from ecabinet.meetings.audit_rules import vote_shown
    from ecabinet.meetings.models import Vote

    decision = db.session.get(Decision, int(entry.object_id)) if entry.object_id else None
    if decision is None or decision.vote_id is None:
        return True
    return vote_shown(viewer, db.session.get(Vote, decision.vote_id))


def decision_for(user: User, decision_id: int) -> Decision:
    """Load a decision the user may read, or 404 as if it did not exist."""
    decision = db.session.get(Decision, decision_id)
    if decision is None or not can_read(user, decision):
        raise NotFound(_("No such decision."))
    return decision


def list_for(user: User, *, state: str | None = None) -> list[Decision]:
    query = select(Decision).order_by(Decision.id.desc())
    if state:
        query = query.where(Decision.state == state)
    return [d for d in db.session.scalars(query) if can_read(user, d)]


def awaiting_signature(user: User) -> list[Decision]:
    """Chờ ký: the drafts this user is the competent person for."""
    return list(db.session.scalars(
        select(Decision).where(Decision.signer_id == user.id,
                               Decision.state == DecisionState.DRAFT.value)
        .order_by(Decision.id)))


def awaiting_issue(user: User) -> list[Decision]:
    """Chờ ban hành: signed decisions, for the clerks."""
    if not user.has_role(Role.CLERK):
        return []
    return list(db.session.scalars(
        select(Decision).where(Decision.state == DecisionState.SIGNED.value)
        .order_by(Decision.signed_at, Decision.id)))


def of_meeting(user: User, meeting_id: int) -> list[Decision]:
    """The decisions drafted from a meeting that ``user`` may read (the meeting page's links)."""
    return [d for d in db.session.scalars(select(Decision).where(Decision.meeting_id == meeting_id)
                                          .order_by(Decision.id)) if can_read(user, d)]


def reads_through_decision(user: User, document) -> bool:
    """The documents feature's reading grant: the competent person and the clerks read the
    draft .docx of a decision they handle."""
    decision = db.session.scalar(select(Decision).where(Decision.document_id == document.id))
    return decision is not None and (user.id == decision.signer_id or user.has_role(Role.CLERK))


def documents_read_through_decisions(user: User) -> Select:
    """:func:`reads_through_decision` as SQL: the ids of the draft documents ``user`` reads."""
    query = select(Decision.document_id).where(Decision.document_id.is_not(None))
    return query if user.has_role(Role.CLERK) else query.where(Decision.signer_id == user.id)


# --- drafting ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Basis:
    """Where a draft starts from: its meeting, its vote, and the body they suggest."""

    meeting_id: int | None
    vote_id: int | None
    body: str


def _vote_basis(actor: User, vote_id: int) -> Basis:
    from ecabinet.meetings import access as meeting_access
    from ecabinet.meetings.minutes import OUTCOME_WORDS, RULE_WORDS
    from ecabinet.meetings.models import VoteRule

    vote = meeting_access.vote_for(actor, vote_id)
    if vote.status != "closed":
        raise Conflict(_("A decision is drafted from a vote once the vote is closed."),
                       code="vote_open")
    meeting = vote.item.meeting
    body = "\n".join([
        f"Căn cứ kết quả biểu quyết của các thành viên Chính phủ tại {meeting.title} về nội "
        f"dung \"{vote.item.title}\": {vote.tally_yes} tán thành, {vote.tally_no} không tán "
        f"thành, {vote.tally_abstain} không biểu quyết, {vote.tally_absent} vắng mặt (nguyên "
        f"tắc thông qua: {RULE_WORDS[VoteRule(vote.rule)]}); kết quả: "
        f"{OUTCOME_WORDS.get(vote.outcome, vote.outcome)};",
        "QUYẾT ĐỊNH:",
        f"Điều 1. {vote.question.rstrip('?.')}.",
        "Điều 2. Quyết định này có hiệu lực thi hành kể từ ngày ký ban hành.",
    ])
    return Basis(meeting.id, vote.id, body)


def _meeting_basis(actor: User, meeting_id: int) -> Basis:
    from ecabinet.meetings import access as meeting_access
    from ecabinet.meetings.minutes import MINUTES_OPEN, _outcome_lines, build_record
    from ecabinet.meetings.models import MeetingStatus

    meeting = meeting_access.meeting_for(actor, meeting_id)
    if MeetingStatus(meeting.status) not in MINUTES_OPEN:
        raise Conflict(_("Conclusions are drafted once the session is adjourned or closed."),
                       code="wrong_status")
    record = build_record(meeting)
    lines = [f"Ngày {record.began.day:02d} tháng {record.began.month:02d} năm "
             f"{record.began.year}, Chính phủ họp {record.summary}. Kết luận như sau:"]
    for item in record.items:
        if item.confidential:
            # A conclusions notice is read by everyone who sees the meeting: a confidential
            # item's title and outcome stay out of it (draft its own from its vote, read by
            # those who see the item).
            lines.append(f"{item.position}. Nội dung mật: có thông báo riêng.")
            continue
        outcome = " ".join(label + text for label, text in _outcome_lines(item))
        lines.append(f"{item.position}. {item.title}: {outcome}")
    return Basis(meeting.id, None, "\n".join(lines))


def basis_for(actor: User, *, vote_id: int | None = None, meeting_id: int | None = None
              ) -> Basis | None:
    """The body a draft from a closed vote or a meeting's conclusions starts with."""
    if vote_id is not None:
        return _vote_basis(actor, vote_id)
    if meeting_id is not None:
        return _meeting_basis(actor, meeting_id)
    return None


def _signer(signer_id: int) -> User:
    signer = db.session.get(User, signer_id)
    if signer is None or not signer.active:
        raise Invalid(_("No such signer."), details={"signer_id": ["unknown"]})
    if not signer.has_role(Role.SIGNER):
        raise Invalid(_("The competent person must hold the signer role."),
                      details={"signer_id": ["not_a_signer"]})
    return signer


def _issuer(issuer_id: int | None, signer: User) -> Organisation:
    issuer = db.session.get(Organisation, issuer_id) if issuer_id else signer.organisation
    if issuer is None or not issuer.code:
        raise Invalid(_("Choose the issuing body: an organisation with a code for the document "
                        "symbol (e.g. TTg)."), details={"issuer_id": ["missing"]})
    return issuer


def _recipients(user_ids, organisation_ids) -> list[DecisionRecipient]:
    rows = []
    for user_id in dict.fromkeys(user_ids or []):
        if db.session.get(User, user_id) is None:
            raise Invalid(_("No such recipient."), details={"recipient_user_ids": [user_id]})
        rows.append(DecisionRecipient(user_id=user_id))
    for organisation_id in dict.fromkeys(organisation_ids or []):
        if db.session.get(Organisation, organisation_id) is None:
            raise Invalid(_("No such recipient."),
                          details={"recipient_organisation_ids": [organisation_id]})
        rows.append(DecisionRecipient(organisation_id=organisation_id))
    return rows


MAX_ATTACHMENTS = 20


def _attachments(actor: User, document_ids) -> list[DecisionAttachment]:
    """Attachments are PDF documents the drafter may read, frozen as they are now."""
    from ecabinet.docs import access as docs_access
    from ecabinet.docs.models import VersionState

    rows = []
    for position, document_id in enumerate(dict.fromkeys(document_ids or []), start=1):
        if position > MAX_ATTACHMENTS:
            raise Invalid(_("Too many attachments."),
                          details={"attachment_document_ids": ["too_many"]})
        document = docs_access.document_for(actor, document_id)
        latest = document.latest
        if latest is None or latest.state != VersionState.READY:
            raise Conflict(_("An attachment's PDF is not ready yet."), code="attachment_not_ready",
                           details={"attachment_document_ids": [document_id]})
        rows.append(DecisionAttachment(position=position, document_id=document.id,
                                       title=document.title[:500],
                                       source_sha256=latest.pdf_sha256))
    return rows


def _clean_lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").replace("\r\n", "\n").split("\n")
            if line.strip()]


def draft(actor: User, *, kind: str, summary: str, body: str | None, signer_id: int,
          issuer_id: int | None = None, authority: str | None = None,
          recipients: str | None = None, recipient_user_ids=None,
          recipient_organisation_ids=None, vote_id: int | None = None,
          meeting_id: int | None = None, attachment_document_ids=None) -> Decision:
    """A new draft; its .docx goes to the documents feature, which renders it in the
    background (the decision can be signed once :func:`on_version_ready` has prepared it)."""
    from ecabinet.docs import services as docs

    _require_secretariat(actor)
    if kind not in layout.KINDS:
        raise Invalid(_("Unknown kind of document."), details={"kind": [kind]})
    summary = _clean_summary(summary)
    signer = _signer(signer_id)
    issuer = _issuer(issuer_id, signer)
    body = (body or "").strip()
    # A vote is always checked (closed, visible); a meeting gives the body when none is sent.
    basis = basis_for(actor, vote_id=vote_id, meeting_id=None if body else meeting_id)
    if basis is None and meeting_id is not None:
        from ecabinet.meetings import access as meeting_access

        basis = Basis(meeting_access.meeting_for(actor, meeting_id).id, None, "")
    body = _checked_body(body or (basis.body if basis else ""))
    authority_lines = [line.upper() for line in _clean_lines(authority)]
    if authority_lines:
        authorities.check_lines(authority_lines, signer.title)
    else:
        authority_lines = authorities.default_lines(kind, signer.title)
    decision = Decision(
        kind=kind, summary=summary[:500], body=body, issuer_id=issuer.id,
        authority="\n".join(line.upper() for line in authority_lines)[:300],
        recipients_text="\n".join(_clean_lines(recipients)),
        place=current_app.config.get("DECISION_PLACE", "Hà Nội"), signer_id=signer.id,
        created_by_id=actor.id, meeting_id=basis.meeting_id if basis else None,
        vote_id=basis.vote_id if basis else None, render_state=RenderState.RENDERING.value)
    decision.recipients = _recipients(recipient_user_ids, recipient_organisation_ids)
    decision.attachments = _attachments(actor, attachment_document_ids)
    db.session.add(decision)
    db.session.flush()
    docx = layout.render(draft_of(decision, issuer, signer))
    document = docs.upload(actor, data=docx, filename=_docx_name(decision),
                           title=_document_title(decision),
                           classification=_draft_classification(decision),
                           limits=docs.limits(current_app.config))
    decision.document_id = document.id
    db.session.flush()
    audit.record("decision.draft", actor=actor, target=decision, details={
        "kind": kind, "summary": decision.summary, "signer_id": signer.id,
        "issuer": issuer.code, "meeting_id": decision.meeting_id, "vote_id": decision.vote_id,
        "document_id": document.id})
    return decision


def _draft_classification(decision: Decision) -> str:
    """The draft .docx of a decision from a vote on a confidential item is confidential too:
    its title is the decision's summary, its readers get it watermarked, and the audit page
    hides it as it hides the vote (ecabinet/docs/audit_rules)."""
    from ecabinet.meetings.models import Vote

    vote = db.session.get(Vote, decision.vote_id) if decision.vote_id is not None else None
    return "confidential" if vote is not None and vote.item.confidential else "normal"


def _require_secretariat(actor: User) -> None:
    if not actor.has_role(Role.SECRETARIAT):
        raise Forbidden(_("Only the secretariat drafts decisions."))


def _clean_summary(summary: str | None) -> str:
    summary = " ".join((summary or "").split())
    if not summary:
        raise Invalid(_("A document needs its summary (trích yếu)."),
                      details={"summary": ["missing"]})
    return summary[:500]


def _checked_body(body: str) -> str:
    if not body:
        raise Invalid(_("A document needs a body."), details={"body": ["missing"]})
    if len(body) > MAX_BODY:
        raise Invalid(_("The body is too long."), details={"body": ["too_long"]})
    return body


def _docx_name(decision: Decision) -> str:
    return f"du-thao-{decision.id}.docx"


def _document_title(decision: Decision) -> str:
    """How the draft's .docx is listed among the documents."""
    return f"{layout.KINDS[decision.kind].type_name or 'Công văn'}: {decision.summary}"[:500]


#: What :func:`revise` may change (the issuing body and the kind stay as drafted).
REVISABLE = ("summary", "body", "authority", "recipients", "signer_id")


def revise(actor: User, decision: Decision, **changes) -> Decision:
    """The secretariat corrects a draft before it is signed: the .docx is generated again as a
    new version of its document (the earlier ones are kept) and rendered anew. Until then the
    draft has no PDF, so nobody can sign what is no longer the text. A signature prepared on
    an external device for the earlier text cannot be finished any more (it would not extend
    the new PDF)."""
    from ecabinet.docs import services as docs
    from ecabinet.docs.models import Document

    _require_secretariat(actor)
    decision = _locked(decision)
    if decision.state != DecisionState.DRAFT:
        raise Conflict(_("Only a draft can be changed; this document is signed already."),
                       code="not_a_draft")
    changed = _apply_revision(decision, {k: v for k, v in changes.items()
                                         if k in REVISABLE and v is not None})
    if not changed:
        return decision
    signer = db.session.get(User, decision.signer_id)
    document = db.session.get(Document, decision.document_id)
    document.title = _document_title(decision)
    version = docs.add_version(actor, document,
                               data=layout.render(draft_of(decision, decision.issuer, signer)),
                               filename=_docx_name(decision),
                               limits=docs.limits(current_app.config))
    decision.pdf_sha256, decision.fields_json = None, None
    decision.render_state = RenderState.RENDERING.value
    db.session.flush()
    db.session.expire(decision, ["signer"])  # loaded again from the new signer_id
    audit.record("decision.revise", actor=actor, target=decision,
                 details={"changed": changed, "version": version.number})
    return decision


def _apply_revision(decision: Decision, changes: dict) -> list[str]:
    """Set the changed fields (checked as when drafting); the names of those that changed."""
    new = {}
    if "summary" in changes:
        new["summary"] = _clean_summary(changes["summary"])
    if "body" in changes:
        new["body"] = _checked_body(changes["body"].strip())
    if "authority" in changes:
        lines = [line.upper() for line in _clean_lines(changes["authority"])]
        if lines:  # an emptied line keeps the one printed: a decision always has one
            title = _signer(changes.get("signer_id") or decision.signer_id).title
            authorities.check_lines(lines, title)
            new["authority"] = "\n".join(lines)[:300]
    if "recipients" in changes:
        new["recipients_text"] = "\n".join(_clean_lines(changes["recipients"]))
    if "signer_id" in changes:
        new["signer_id"] = _signer(changes["signer_id"]).id
    changed = [name for name, value in new.items() if getattr(decision, name) != value]
    for name in changed:
        setattr(decision, name, new[name])
    return changed


def draft_of(decision: Decision, issuer: Organisation, signer: User) -> layout.Draft:
    return layout.Draft(
        kind=decision.kind, issuer_name=issuer.name.upper(), issuer_code=issuer.code,
        summary=decision.summary, body=decision.body,
        authority=tuple(_clean_lines(decision.authority)), signer_name=signer.name,
        recipients=tuple(_clean_lines(decision.recipients_text)), place=decision.place)


def on_version_ready(version, **_kwargs) -> None:
    """The documents feature rendered a decision's .docx: add the fields and keep the PDF.
    Runs in the conversion job's transaction (flush only)."""
    decision = db.session.scalar(select(Decision).where(
        Decision.document_id == version.document_id,
        Decision.state == DecisionState.DRAFT.value))
    if decision is None or version.number != version.document.latest.number:
        return  # not a draft's, or an earlier text whose rendering finished late
    rendered = storage.get(version.pdf_sha256)
    try:
        found = fields_pdf.locate(rendered, signer_name=decision.signer.name)
        prepared = fields_pdf.prepare(rendered, found)
    except fields_pdf.LayoutNotFound as exc:
        decision.render_state = RenderState.FAILED.value
        audit.record("decision.render_failed", target=decision, details={"reason": str(exc)})
        return
    decision.pdf_sha256 = storage.put(prepared)
    decision.fields_json = found.to_json()
    decision.render_state = RenderState.READY.value
    db.session.flush()
    audit.record("decision.rendered", target=decision,
                 details={"pdf_sha256": decision.pdf_sha256, "version": version.number})


def render_state(decision: Decision) -> str:
    """rendering / ready / failed — a conversion that failed leaves the decision "rendering",
    so the documents' own state is asked too."""
    if decision.render_state != RenderState.RENDERING or decision.document_id is None:
        return decision.render_state
    from ecabinet.docs.models import Document, VersionState

    document = db.session.get(Document, decision.document_id)
    latest = document.latest if document else None
    if latest is not None and latest.state == VersionState.FAILED:
        return RenderState.FAILED.value
    return decision.render_state


def pdf_of(decision: Decision) -> bytes:
    """The current PDF: prepared, signed, or issued."""
    if decision.pdf_sha256 is None:
        if render_state(decision) == RenderState.FAILED:
            raise Invalid(_("The document could not be rendered to PDF."),
                          code="render_failed")
        raise Conflict(_("The PDF is being prepared. Try again in a moment."), code="rendering")
    return storage.get(decision.pdf_sha256)


# --- signing -------------------------------------------------------------------------------------

def _locked(decision: Decision) -> Decision:
    """The decision re-read under its row lock: a concurrent signer or clerk waits here and
    then sees what the first one did."""
    return db.session.execute(select(Decision).where(Decision.id == decision.id)
                              .with_for_update(of=Decision)
                              .execution_options(populate_existing=True)
                              ).scalar_one()


def level_for(kind: str, requested: str | None = None) -> str:
    if requested:
        if requested not in LEVELS:
            raise Invalid(_("A level is B-B, B-T, B-LT or B-LTA."), details={"level": [requested]})
        return requested
    config = current_app.config
    return (config.get("DECISION_LEVELS") or {}).get(kind) or \
        config.get("DECISION_DEFAULT_LEVEL", "B-LT")


def _require_signer(actor: User, decision: Decision) -> None:
    if not actor.has_role(Role.SIGNER) or decision.signer_id != actor.id:
        raise Forbidden(_("Only the competent person named on this document can sign it."),
                        code="not_the_signer")


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
    from ecabinet.signing import services as signing

    _require_signer(actor, decision)
    decision = _locked(decision)
    found = _require_signable(decision)
    level = level_for(decision.kind, level)
    if not otp_checked:
        check_otp(actor, otp)
    key = signing.personal_key(actor)
    signed = signing.sign_pdf(
        pdf_of(decision), key=key, pin=pin, field_name=fields_pdf.SIGNER_FIELD, level=level,
        appearance=signing.Appearance(kind="person", image=signing.signature_image(actor)),
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
        decision = decision_for(actor, decision_id)
        _require_signer(actor, decision)
        decisions.append(decision)
    if not decisions:
        raise Invalid(_("Select at least one document."), details={"ids": ["empty"]})
    check_otp(actor, otp)
    return decisions


def check_issue_batch(actor: User, decision_ids: list[int], otp: str | None) -> list[Decision]:
    """Before the clerk's batch: a clerk, the documents they may read, and the one code."""
    if not actor.has_role(Role.CLERK):
        raise Forbidden(_("Only a clerk (văn thư) issues documents."), code="not_a_clerk")
    decisions = [decision_for(actor, decision_id) for decision_id in dict.fromkeys(decision_ids)]
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
    from ecabinet.signing import services as signing

    _require_signer(actor, decision)
    decision = _locked(decision)
    found = _require_signable(decision)
    level = level_for(decision.kind, level)
    check_otp(actor, otp)
    pending = signing.prepare_external(
        pdf_of(decision), user=actor, certificate=_certificate_bytes(certificate),
        field_name=fields_pdf.SIGNER_FIELD, level=level,
        appearance=signing.Appearance(kind="person", image=signing.signature_image(actor)),
        box=found.signature, page=found.signature_page, certify=True,
        reason=_signing_reason(actor, decision))
    audit.record("decision.sign_prepared", actor=actor, target=decision,
                 details={"pending_id": pending.id, "level": level})
    return {**pending.as_json(), "level": level}


def finish_external(actor: User, decision: Decision, *, pending_id: int, signature: str,
                    certificate: str | None = None, level: str | None = None) -> Decision:
    from ecabinet.signing import services as signing

    _require_signer(actor, decision)
    decision = _locked(decision)
    _require_signable(decision)
    try:
        raw = base64.b64decode(signature or "", validate=True)
    except (binascii.Error, ValueError):
        raise Invalid(_("The signature is not valid base64."),
                      details={"signature": ["invalid"]}) from None
    signed = signing.finish_external(
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
    from ecabinet.signing import services as signing

    if not actor.has_role(Role.CLERK):
        raise Forbidden(_("Only a clerk (văn thư) issues documents."), code="not_a_clerk")
    decision = _locked(decision)
    if decision.state == DecisionState.DRAFT:
        raise Conflict(_("The competent person has not signed this document yet."),
                       code="not_signed")
    if decision.state == DecisionState.ISSUED:
        raise Conflict(_("This document is issued already."), code="already_issued")
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
        filled = signing.add_revocation_info(filled)
    sealed = signing.sign_pdf(
        filled, key=signing.seal_key(issuer), pin=pin, field_name=fields_pdf.SEAL_FIELD,
        level=level, appearance=signing.Appearance(kind="seal", image=signing.seal_image(issuer),
                                                   organisation=issuer.name),
        box=found.seal, page=found.signature_page, reason=f"{issuer.name} ban hành")
    symbol = layout.symbol(decision.kind, issuer.code, number)
    signed_attachments = [
        (attachment, signing.sign_pdf(
            storage.get(attachment.source_sha256), key=signing.seal_key(issuer), pin=pin,
            field_name=fields_pdf.SEAL_FIELD, level=level,
            appearance=signing.Appearance(kind="attachment", organisation=issuer.name,
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
    return decision


# --- what the API and pages show -----------------------------------------------------------------

def payload(decision: Decision) -> dict:
    return {
        "id": decision.id, "kind": decision.kind, "state": decision.state,
        "summary": decision.summary, "body": decision.body,
        "issuer": {"id": decision.issuer.id, "name": decision.issuer.name,
                   "code": decision.issuer.code},
        "authority": _clean_lines(decision.authority),
        "signer": {"id": decision.signer.id, "name": decision.signer.name},
        "render_state": render_state(decision),
        "number": decision.number, "year": decision.year, "symbol": decision.symbol,
        "number_line": f"Số: {decision.symbol}" if decision.symbol else None,
        "level": decision.level, "signed_at": decision.signed_at,
        "issued_at": decision.issued_at, "pdf_sha256": decision.pdf_sha256,
        "meeting_id": decision.meeting_id, "vote_id": decision.vote_id,
        "document_id": decision.document_id,
        "recipients": _clean_lines(decision.recipients_text),
        "recipient_user_ids": [r.user_id for r in decision.recipients if r.user_id],
        "recipient_organisation_ids": [r.organisation_id for r in decision.recipients
                                       if r.organisation_id],
        "signatures": [{"role": s.role, "field_name": s.field_name, "level": s.level,
                        "external": s.external, "signed_at": s.signed_at,
                        "user": {"id": s.user.id, "name": s.user.name} if s.user else None,
                        "pdf_sha256": s.pdf_sha256} for s in decision.signatures],
        "attachments": [{"position": a.position, "title": a.title,
                         "document_id": a.document_id, "signed": a.pdf_sha256 is not None,
                         "pdf_sha256": a.pdf_sha256 or a.source_sha256}
                        for a in decision.attachments],
        "created_at": decision.created_at,
    }


def attachment_pdf(decision: Decision, position: int):
    """An attachment: signed once issued, as drafted before; with the document version it was
    frozen from (None once the document is deleted), so that it reaches a reader through
    :func:`ecabinet.packs.delivery.send_reader_pdf` -- a confidential one watermarked."""
    from ecabinet.docs.models import Document

    attachment = next((a for a in decision.attachments if a.position == position), None)
    if attachment is None:
        raise NotFound(_("No such attachment."))
    sha256 = attachment.pdf_sha256 or attachment.source_sha256
    document = (db.session.get(Document, attachment.document_id)
                if attachment.document_id is not None else None)
    versions = document.versions if document is not None else []
    version = next((v for v in versions if v.pdf_sha256 == attachment.source_sha256),
                   versions[-1] if versions else None)
    return storage.get(sha256), sha256, version


def fields_of(decision: Decision) -> dict | None:
    return json.loads(decision.fields_json) if decision.fields_json else None
