"""Consultation rounds: opening and closing rounds, comments, replies, answers.

Services flush and raise domain errors; the caller commits. Who is who in a round, and who sees
what, is :mod:`ecabinet.consultation.access`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import gettext as _
from sqlalchemy import select

from ecabinet.audit import services as audit
from ecabinet.consultation import access, signals
from ecabinet.consultation import text as texts
from ecabinet.consultation.models import (
    Answer,
    AnswerKind,
    CloseReason,
    Comment,
    ConsultationRound,
    RoundReviewer,
    RoundState,
)
from ecabinet.docs import services as docs
from ecabinet.docs.models import Document, DocumentVersion
from ecabinet.errors import Conflict, Forbidden, Invalid, NotFound
from ecabinet.extensions import db
from ecabinet.identity.models import Role, User

MAX_TEXT = 10_000
#: How much of a paragraph a comment keeps as its quote.
MAX_QUOTE = 2_000


def _now() -> datetime:
    return datetime.now(UTC)


# --- who is who ----------------------------------------------------------------------------------

def version_of(document: Document, number: int) -> DocumentVersion:
    version = next((v for v in document.versions if v.number == number), None)
    if version is None:
        raise NotFound(_("No such version."))
    return version


def candidate_reviewers() -> list[User]:
    """Who can be asked for comments: active members, secretariat and guests."""
    users = db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.name))
    wanted = (Role.MEMBER, Role.SECRETARIAT, Role.GUEST)
    return [user for user in users if user.has_role(*wanted)]


def accepting_comments(round_: ConsultationRound, now: datetime | None = None) -> bool:
    return round_.is_open and (now or _now()) <= round_.deadline


# --- the text of a version -----------------------------------------------------------------------

def units(version: DocumentVersion) -> list[texts.Unit]:
    """The numbered paragraphs (.docx) or pages (PDF) of a version, from its uploaded bytes."""
    return texts.units_of(version.kind, version.sha256, lambda: docs.original_of(version))


def labels_of(version: DocumentVersion) -> dict[str, str]:
    """How each anchor of a version is cited ("Điều 2, khoản 2, điểm a", else "Đoạn 15")."""
    try:
        return {unit.anchor: unit.label for unit in units(version)}
    except OSError:  # the original is unreadable: fall back to the paragraph numbers
        return {}


def unit_at(version: DocumentVersion, anchor: str) -> texts.Unit:
    """The paragraph or page an anchor names; 422 if it names none of this version."""
    parts = texts.anchor_parts(anchor)
    expected = texts.PARAGRAPH_PREFIX if version.kind == "docx" else texts.PAGE_PREFIX
    if parts is None or parts[0] != expected:
        example = "p:12" if expected == texts.PARAGRAPH_PREFIX else "page:3"
        raise Invalid(_("An anchor names a paragraph of a .docx or a page of a PDF, like "
                        "%(example)s.", example=example), code="invalid_anchor",
                      details={"anchor": [str(anchor)[:40]]})
    found = units(version)
    if parts[1] > len(found):
        raise Invalid(_("This version has no %(anchor)s: it has %(count)d.",
                        anchor=anchor, count=len(found)), code="invalid_anchor",
                      details={"anchor": [anchor]})
    return found[parts[1] - 1]


#: C0 controls other than tab and newline: not allowed in XML, so not in the .docx table.
_CONTROL = dict.fromkeys(i for i in range(32) if i not in (9, 10))


def _clean_text(value: str | None, field: str = "text") -> str:
    value = (value or "").replace("\r\n", "\n").translate(_CONTROL).strip()
    if not value:
        raise Invalid(_("Write something first."), details={field: ["missing"]})
    if len(value) > MAX_TEXT:
        raise Invalid(_("This is too long (at most %(n)d characters).", n=MAX_TEXT),
                      details={field: ["too long"]})
    return value


# --- rounds --------------------------------------------------------------------------------------

def create_round(actor: User, document: Document, *, version_number: int,
                 reviewer_ids: list[int], deadline: datetime, title: str | None = None,
                 now: datetime | None = None) -> ConsultationRound:
    """Send one version of a document to reviewers for comments until ``deadline``."""
    access.require_drafting_side(actor, document)
    # One round opening at a time per document: two clicks open one round, not two.
    # One round opened at a time per document; FOR NO KEY UPDATE leaves the rows that refer to
    # the document (a search entry written by a conversion finishing now) free to go on.
    db.session.execute(select(Document.id).where(Document.id == document.id)
                       .with_for_update(key_share=True))
    version = version_of(document, version_number)
    if version.number != document.latest.number:
        raise Conflict(_("Comments are asked on the latest version only."),
                       code="not_latest_version")
    if deadline.tzinfo is None:
        raise Invalid(_("The deadline needs a time zone."), details={"deadline": ["naive"]})
    if deadline <= (now or _now()):
        raise Invalid(_("The deadline must be in the future."),
                      details={"deadline": ["in the past"]})
    reviewers = _reviewers(reviewer_ids)
    existing = db.session.scalar(select(ConsultationRound.id).where(
        ConsultationRound.version_id == version.id,
        ConsultationRound.state == RoundState.OPEN.value))
    if existing is not None:
        raise Conflict(_("A consultation round on this version is open already."),
                       code="round_open")
    title = (title or "").strip()[:500] or document.title
    round_ = ConsultationRound(document_id=document.id, version_id=version.id, title=title,
                               deadline=deadline.astimezone(UTC), created_by_id=actor.id,
                               state=RoundState.OPEN.value)
    round_.reviewers = [RoundReviewer(user_id=user.id) for user in reviewers]
    db.session.add(round_)
    db.session.flush()
    audit.record("consultation.open", actor=actor, target=round_,
                 details={"document_id": document.id, "version": version.number,
                          "reviewers": [user.id for user in reviewers],
                          "deadline": round_.deadline.isoformat()})
    signals.round_opened.send(round_, actor=actor)
    return round_


def _reviewers(ids: list[int]) -> list[User]:
    wanted = sorted({int(i) for i in ids or []})
    if not wanted:
        raise Invalid(_("Choose at least one reviewer."), details={"reviewer_ids": ["empty"]})
    found = list(db.session.scalars(select(User).where(User.id.in_(wanted),
                                                       User.active.is_(True))))
    missing = sorted(set(wanted) - {user.id for user in found})
    if missing:
        raise Invalid(_("Some reviewers do not exist."), details={"reviewer_ids": missing})
    return sorted(found, key=lambda user: user.id)


def close_round(actor: User | None, round_: ConsultationRound, *,
                reason: CloseReason = CloseReason.MANUAL,
                new_version: int | None = None) -> ConsultationRound:
    """Stop comments and freeze the answers."""
    if actor is not None and reason == CloseReason.MANUAL:
        access.require_drafting_side(actor, round_.document)
    if not round_.is_open:
        raise Conflict(_("This consultation round is closed already."), code="round_closed")
    round_.state, round_.closed_at, round_.close_reason = \
        RoundState.CLOSED.value, _now(), reason.value
    db.session.flush()
    audit.record("consultation.close", actor=actor, target=round_,
                 details={"reason": reason.value, "document_id": round_.document_id,
                          "version": round_.version.number, "new_version": new_version})
    signals.round_closed.send(round_, actor=actor, reason=reason.value)
    return round_


def newer_version(round_: ConsultationRound) -> int | None:
    """The number of the document's latest version when it is newer than the round's (its
    reviewers comment on an earlier text), else None."""
    latest = round_.document.latest
    return latest.number if latest is not None and latest.number > round_.version.number \
        else None


def superseded_rounds(document: Document) -> list[ConsultationRound]:
    """The open rounds on versions older than the document's latest that the drafting side
    has not yet decided about: after an upload, it is asked what becomes of each
    (:func:`move_round` or :func:`keep_round`)."""
    latest = document.latest
    return list(db.session.scalars(
        select(ConsultationRound).join(DocumentVersion,
                                       DocumentVersion.id == ConsultationRound.version_id)
        .where(ConsultationRound.document_id == document.id,
               ConsultationRound.state == RoundState.OPEN.value,
               DocumentVersion.number < latest.number,
               (ConsultationRound.kept_beside_version.is_(None))
               | (ConsultationRound.kept_beside_version < latest.number))
        .order_by(ConsultationRound.id)).unique())


def keep_round(actor: User, round_: ConsultationRound) -> ConsultationRound:
    """Keep a round on its earlier version until its deadline, beside the newer one just
    uploaded: the reviewers are told which version they are reviewing and that a newer one
    exists (:data:`signals.round_superseded`: the dashboard and the round's page say it too).
    The same choice sent again changes nothing and tells nobody twice."""
    access.require_drafting_side(actor, round_.document)
    if not round_.is_open:
        raise Conflict(_("This consultation round is closed already."), code="round_closed")
    newer = newer_version(round_)
    if newer is None:
        raise Conflict(_("The round is on the latest version already."),
                       code="already_latest_version")
    if round_.kept_beside_version == newer:
        return round_
    round_.kept_beside_version = newer
    db.session.flush()
    audit.record("consultation.keep", actor=actor, target=round_, details={
        "document_id": round_.document_id, "version": round_.version.number,
        "newer_version": newer, "deadline": round_.deadline.isoformat()})
    signals.round_superseded.send(round_, actor=actor, choice="keep", newer_version=newer,
                                  successor=None)
    return round_


def superseded_followup(user: User, document: Document) -> str | None:
    """After ``user`` uploaded a new version: the page that asks them about the rounds still
    open on earlier versions, if any."""
    from flask import url_for

    if access.is_drafting_side(user, document) and superseded_rounds(document):
        return url_for("consultation.superseded", document_id=document.id)
    return None


def move_round(actor: User, round_: ConsultationRound, *, deadline: datetime | None = None,
               now: datetime | None = None) -> ConsultationRound:
    """Close a round on an earlier version and ask the same reviewers about the latest one
    (until the same deadline unless another is given). A new version never closes a round by
    itself: uploading v2 three days before the deadline must not silently cut the comments
    on v1 short."""
    access.require_drafting_side(actor, round_.document)
    if not round_.is_open:
        raise Conflict(_("This consultation round is closed already."), code="round_closed")
    latest = round_.document.latest
    if latest.number == round_.version.number:
        raise Conflict(_("The round is on the latest version already."),
                       code="already_latest_version")
    close_round(actor, round_, reason=CloseReason.NEW_VERSION, new_version=latest.number)
    successor = create_round(actor, round_.document, version_number=latest.number,
                             reviewer_ids=sorted(round_.reviewer_ids()),
                             deadline=deadline or round_.deadline, title=round_.title, now=now)
    round_.successor_id = successor.id
    db.session.flush()
    audit.record("consultation.move", actor=actor, target=round_, details={
        "document_id": round_.document_id, "from_version": round_.version.number,
        "to_version": latest.number, "new_round_id": successor.id})
    signals.round_superseded.send(round_, actor=actor, choice="move",
                                  newer_version=latest.number, successor=successor)
    return successor


# --- comments and replies ------------------------------------------------------------------------

def _require_accepting(round_: ConsultationRound, now: datetime | None) -> None:
    if not round_.is_open:
        raise Conflict(_("This consultation round is closed."), code="round_closed")
    if (now or _now()) > round_.deadline:
        raise Conflict(_("The deadline for comments has passed."), code="deadline_passed")


def add_comment(actor: User, round_: ConsultationRound, *, anchor: str, text: str,
                now: datetime | None = None) -> Comment:
    """A reviewer's comment on a paragraph or a page of the round's version."""
    access.require_reviewer(actor, round_)
    _require_accepting(round_, now)
    text = _clean_text(text)
    unit = unit_at(round_.version, anchor)
    same = _same_comment(round_, actor, None, unit.anchor, text)
    if same is not None:  # a form sent twice (a double tap, a retried request)
        return same
    comment = Comment(round=round_, author_id=actor.id, anchor=unit.anchor,
                      position=unit.number, quote=unit.text[:MAX_QUOTE], text=text)
    db.session.add(comment)
    db.session.flush()
    audit.record("consultation.comment", actor=actor, target=comment,
                 details={"round_id": round_.id, "anchor": unit.anchor})
    return comment


def _same_comment(round_: ConsultationRound, author: User, parent_id: int | None, anchor: str,
                  text: str) -> Comment | None:
    """The author's identical comment (or reply) already there, if any."""
    parent = Comment.parent_id.is_(None) if parent_id is None else Comment.parent_id == parent_id
    return db.session.scalar(select(Comment).where(
        Comment.round_id == round_.id, Comment.author_id == author.id, parent,
        Comment.anchor == anchor, Comment.text == text).limit(1))


def round_to_comment_on(document: Document, version_number: int) -> ConsultationRound:
    """The round open on a version (what ``POST /documents/{id}/comments`` comments in); the
    latest closed one when none is open, so that the refusal says the round is closed."""
    version = version_of(document, version_number)
    rounds = list(db.session.scalars(select(ConsultationRound).where(
        ConsultationRound.version_id == version.id).order_by(ConsultationRound.id.desc())))
    round_ = next((r for r in rounds if r.is_open), rounds[0] if rounds else None)
    if round_ is None:
        raise Conflict(_("No consultation round is open on this version."),
                       code="no_open_round")
    return round_


def reply(actor: User, comment: Comment, *, text: str, now: datetime | None = None) -> Comment:
    """A reply in a comment's thread: the comment's author until the deadline, the drafting
    side until the round closes. A reply to a reply joins the same thread."""
    root = comment.parent or comment
    round_ = root.round
    drafting = access.is_drafting_side(actor, round_.document)
    if root.author_id != actor.id and not drafting:
        raise Forbidden(_("Only the author of the comment and the drafting side can reply."))
    if drafting and root.author_id != actor.id:
        if not round_.is_open:
            raise Conflict(_("This consultation round is closed."), code="round_closed")
    else:
        _require_accepting(round_, now)
    text = _clean_text(text)
    same = _same_comment(round_, actor, root.id, root.anchor, text)
    if same is not None:
        return same
    answer = Comment(round=round_, parent=root, author_id=actor.id, anchor=root.anchor,
                     position=root.position, quote="", text=text)
    db.session.add(answer)
    db.session.flush()
    audit.record("consultation.reply", actor=actor, target=answer,
                 details={"round_id": round_.id, "comment_id": root.id})
    return answer


def answer_comment(actor: User, comment: Comment, *, kind: str, text: str) -> Answer:
    """Taken in (tiếp thu) or explained (giải trình); may change until the round closes."""
    round_ = comment.round
    access.require_drafting_side(actor, round_.document)
    if comment.parent_id is not None:
        raise Invalid(_("Answers go to comments, not to replies."),
                      details={"comment_id": ["a reply"]})
    try:
        kind = AnswerKind(kind).value
    except ValueError:
        raise Invalid(_("An answer is accepted (tiếp thu) or explained (giải trình)."),
                      details={"kind": [str(kind)[:40]]}) from None
    if not round_.is_open:
        raise Conflict(_("The round is closed: its answers can no longer change."),
                       code="round_closed")
    text = _clean_text(text)
    answer = comment.answer
    if answer is not None and (answer.kind, answer.text) == (kind, text):
        return answer  # sent twice: nothing changes, nothing to record
    previous = None
    if answer is None:
        answer = Answer(comment=comment, kind=kind, text=text, answered_by_id=actor.id)
        db.session.add(answer)
    else:
        previous = {"kind": answer.kind, "text": answer.text}
        answer.kind, answer.text, answer.answered_by_id, answer.answered_at = \
            kind, text, actor.id, _now()
    db.session.flush()
    audit.record("consultation.answer", actor=actor, target=comment,
                 details={"round_id": round_.id, "kind": kind, "changed": previous is not None,
                          "previous_kind": previous and previous["kind"]})
    return answer


def all_threads(round_: ConsultationRound) -> list[Comment]:
    return list(db.session.scalars(select(Comment).where(
        Comment.round_id == round_.id, Comment.parent_id.is_(None))
        .order_by(Comment.position, Comment.id)))


# --- comparing versions --------------------------------------------------------------------------

def compare_versions(user: User, document: Document, old_number: int, new_number: int) -> dict:
    """The difference between two versions of a document the user may both read (any two, in
    either order)."""
    old = access.version_for(user, document, old_number)
    new = access.version_for(user, document, new_number)
    if old.number == new.number:
        raise Invalid(_("Choose two different versions."), details={"to": ["same version"]})
    blocks = texts.compare(units(old), units(new))
    counts = {op: sum(1 for block in blocks if block["op"] == op)
              for op in ("equal", "insert", "delete", "change")}
    return {"document_id": document.id, "old": old.number, "new": new.number,
            "old_kind": old.kind, "new_kind": new.kind, "counts": counts, "blocks": blocks}
