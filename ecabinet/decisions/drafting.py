"""Decisions: the draft's legal wording and its rendering.

The secretariat drafts: the body from a closed vote or a meeting's conclusions, the authority
line, the Nơi nhận, the attachments. The .docx (:mod:`.layout`) goes to the documents feature,
whose job queue renders it to PDF; :func:`on_version_ready` then adds its form and signature
fields (:mod:`.pdf`). A correction (:func:`revise`) renders it anew. Services flush and raise
domain errors; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from ecabinet import storage
from ecabinet.audit import services as audit
from ecabinet.decisions import access, distribution, layout
from ecabinet.decisions import authority as authorities
from ecabinet.decisions import pdf as fields_pdf
from ecabinet.decisions.models import (
    Decision,
    DecisionAttachment,
    DecisionState,
    RenderState,
)
from ecabinet.errors import Conflict, Invalid, NotFound
from ecabinet.extensions import db
from ecabinet.identity.models import Organisation, Role, User

MAX_BODY = 100_000


# --- drafting ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Basis:
    """Where a draft starts from: its meeting, its vote, and the body they suggest."""

    meeting_id: int | None
    vote_id: int | None
    body: str


def _vote_basis(actor: User, vote_id: int) -> Basis:
    from ecabinet.meetings import access as meeting_access
    from ecabinet.meetings.minutes.record import OUTCOME_WORDS, RULE_WORDS
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
    from ecabinet.meetings.minutes.record import build_record
    from ecabinet.meetings.minutes.services import MINUTES_OPEN
    from ecabinet.meetings.minutes.wording import outcome_lines
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
        outcome = " ".join(label + text for label, text in outcome_lines(item))
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


def clean_lines(text: str | None) -> list[str]:
    """The non-empty lines of a text field, stripped (authority, Nơi nhận)."""
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

    access.require_drafter(actor)
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
    authority_lines = [line.upper() for line in clean_lines(authority)]
    if authority_lines:
        authorities.check_lines(authority_lines, signer.title)
    else:
        authority_lines = authorities.default_lines(kind, signer.title)
    decision = Decision(
        kind=kind, summary=summary[:500], body=body, issuer_id=issuer.id,
        authority="\n".join(line.upper() for line in authority_lines)[:300],
        place=current_app.config.get("DECISION_PLACE", "Hà Nội"), signer_id=signer.id,
        created_by_id=actor.id, meeting_id=basis.meeting_id if basis else None,
        vote_id=basis.vote_id if basis else None, render_state=RenderState.RENDERING.value)
    decision.recipients = distribution.build(recipients, recipient_organisation_ids,
                                             recipient_user_ids)
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
        "document_id": document.id, "recipients": decision.recipient_lines})
    return decision


def _draft_classification(decision: Decision) -> str:
    """The draft .docx of a decision from a vote on a confidential item is confidential too:
    its title is the decision's summary, its readers get it watermarked, and the audit page
    hides it as it hides the vote (ecabinet/docs/audit_rules)."""
    from ecabinet.meetings.models import Vote

    vote = db.session.get(Vote, decision.vote_id) if decision.vote_id is not None else None
    return "confidential" if vote is not None and vote.item.confidential else "normal"


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
REVISABLE = ("summary", "body", "authority", "recipients", "recipient_organisation_ids",
             "recipient_user_ids", "signer_id")
#: The Nơi nhận: its text lines, the organisations and the people it names.
_BLOCK = ("recipients", "recipient_organisation_ids", "recipient_user_ids")


def revise(actor: User, decision: Decision, **changes) -> Decision:
    """The secretariat corrects a draft before it is signed: the .docx is generated again as a
    new version of its document (the earlier ones are kept) and rendered anew. Until then the
    draft has no PDF, so nobody can sign what is no longer the text. A signature prepared on
    an external device for the earlier text cannot be finished any more (it would not extend
    the new PDF)."""
    from ecabinet.docs import services as docs
    from ecabinet.docs.models import Document

    access.require_drafter(actor)
    decision = locked(decision)
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
    details = {"changed": changed, "version": version.number}
    if "recipients" in changed:  # who will read it once issued, as the draft's entry says
        details["recipients"] = decision.recipient_lines
    audit.record("decision.revise", actor=actor, target=decision, details=details)
    return decision


def _apply_revision(decision: Decision, changes: dict) -> list[str]:
    """Set the changed fields (checked as when drafting); the names of those that changed."""
    new = {}
    if "summary" in changes:
        new["summary"] = _clean_summary(changes["summary"])
    if "body" in changes:
        new["body"] = _checked_body(changes["body"].strip())
    if "authority" in changes:
        lines = [line.upper() for line in clean_lines(changes["authority"])]
        if lines:  # an emptied line keeps the one printed: a decision always has one
            title = _signer(changes.get("signer_id") or decision.signer_id).title
            authorities.check_lines(lines, title)
            new["authority"] = "\n".join(lines)[:300]
    if "signer_id" in changes:
        new["signer_id"] = _signer(changes["signer_id"]).id
    block = None
    if any(key in changes for key in _BLOCK):  # what is left out stays as it is
        block = distribution.build(
            changes.get("recipients", "\n".join(distribution.text_lines(decision))),
            changes.get("recipient_organisation_ids",
                        [r.organisation_id for r in decision.addressees if r.organisation_id]),
            changes.get("recipient_user_ids",
                        [r.user_id for r in decision.addressees if r.user_id]),
            labels={r.organisation_id: r.label for r in decision.addressees})
    changed = [name for name, value in new.items() if getattr(decision, name) != value]
    for name in changed:
        setattr(decision, name, new[name])
    if block is not None and distribution.replace(decision, block):
        changed.append("recipients")
    return changed


# --- rendering -----------------------------------------------------------------------------------

def draft_of(decision: Decision, issuer: Organisation, signer: User) -> layout.Draft:
    return layout.Draft(
        kind=decision.kind, issuer_name=issuer.name.upper(), issuer_code=issuer.code,
        summary=decision.summary, body=decision.body,
        authority=tuple(clean_lines(decision.authority)), signer_name=signer.name,
        recipients=tuple(decision.recipient_lines), place=decision.place)


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


def locked(decision: Decision) -> Decision:
    """The decision re-read under its row lock: a concurrent signer, clerk or corrector waits
    here and then sees what the first one did."""
    return db.session.execute(select(Decision).where(Decision.id == decision.id)
                              .with_for_update(of=Decision)
                              .execution_options(populate_existing=True)
                              ).scalar_one()


# --- what the pages and the API show -------------------------------------------------------------

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
