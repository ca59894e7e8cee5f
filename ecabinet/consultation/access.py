"""Who sees and does what in consultation rounds: the rules, written once.

- the **drafting side** (cơ quan chủ trì soạn thảo) is who edits the document
  (:func:`ecabinet.docs.access.can_edit`: its uploader and the secretariat). They open and
  close rounds, see every comment and answer each one;
- the **reviewers** chosen for a round read the round's *version* through it (even a document
  the documents feature would not show them) — exactly that version: a round grants its
  version, not the versions uploaded after it nor those before (:func:`readable_versions`) —,
  comment until the deadline, and see their own comments with the replies to them;
- anyone else who may read the document (:func:`ecabinet.docs.access.can_read`) sees that the
  round exists, not the comments. Everybody else gets 404.

Lists are filtered in SQL by the twins of these rules (:func:`drafted_by` for
:func:`is_drafting_side`, the author for :func:`sees_thread`).
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, case, or_, select, true

from ecabinet.consultation.models import Comment, ConsultationRound, RoundReviewer, RoundState
from ecabinet.docs import access as docs_access
from ecabinet.docs.models import Document, DocumentVersion
from ecabinet.errors import Forbidden, NotFound
from ecabinet.extensions import db
from ecabinet.identity.models import User


def is_drafting_side(user: User, document: Document) -> bool:
    """The drafting side is who edits the document: its uploader and the secretariat."""
    return docs_access.can_edit(user, document)


def is_reviewer(user: User, round_: ConsultationRound) -> bool:
    return user.id in round_.reviewer_ids()


def role_of(user: User, round_: ConsultationRound) -> str:
    """"drafting", "reviewer" or "reader": what the user does in the round."""
    if is_drafting_side(user, round_.document):
        return "drafting"
    return "reviewer" if is_reviewer(user, round_) else "reader"


def _reviews_document(user: User, document: Document) -> bool:
    return db.session.scalar(
        select(RoundReviewer.id).join(ConsultationRound)
        .where(ConsultationRound.document_id == document.id, RoundReviewer.user_id == user.id)
        .limit(1)) is not None


def can_read_document(user: User, document: Document) -> bool:
    """The documents feature's rule, widened to the reviewers of the document's rounds."""
    return (is_drafting_side(user, document) or docs_access.can_read(user, document)
            or _reviews_document(user, document))


def document_for(user: User, document_id: int) -> Document:
    """A document the user may read here (reviewers included), or 404."""
    document = db.session.get(Document, document_id)
    if document is None or not can_read_document(user, document):
        raise NotFound(_("No such document."))
    return document


def _granted_version_ids(user: User, document: Document) -> set[int]:
    """The versions of ``document`` that rounds the user reviews were opened on."""
    return set(db.session.scalars(
        select(ConsultationRound.version_id).join(RoundReviewer)
        .where(ConsultationRound.document_id == document.id, RoundReviewer.user_id == user.id)))


def readable_versions(user: User, document: Document) -> list[DocumentVersion]:
    """The versions the user may read here: every one for the drafting side and whoever the
    documents feature lets read the document; for a reviewer, exactly the versions of their
    rounds (a round on v1 never shares v2, uploaded after it closed)."""
    if is_drafting_side(user, document) or docs_access.can_read(user, document):
        return list(document.versions)
    granted = _granted_version_ids(user, document)
    return [version for version in document.versions if version.id in granted]


def version_for(user: User, document: Document, number: int) -> DocumentVersion:
    """A version of ``document`` the user may read (:func:`readable_versions`), or 404."""
    version = next((v for v in readable_versions(user, document) if v.number == number), None)
    if version is None:
        raise NotFound(_("No such version."))
    return version


def round_for(user: User, round_id: int) -> ConsultationRound:
    """A round the user may see, or 404."""
    round_ = db.session.get(ConsultationRound, round_id)
    if round_ is None or not (is_reviewer(user, round_)
                              or is_drafting_side(user, round_.document)
                              or docs_access.can_read(user, round_.document)):
        raise NotFound(_("No such consultation round."))
    return round_


def rounds_query(user: User) -> Select:
    """The rounds the user reviews or runs, open ones first, newest first."""
    reviewed = select(RoundReviewer.round_id).where(RoundReviewer.user_id == user.id)
    still_open = case((ConsultationRound.state == RoundState.OPEN.value, 0), else_=1)
    return (select(ConsultationRound).join(Document)
            .where(or_(ConsultationRound.id.in_(reviewed), drafted_by(user)))
            .order_by(still_open, ConsultationRound.id.desc()))


def rounds_for(user: User) -> list[ConsultationRound]:
    return list(db.session.scalars(rounds_query(user)).unique())


def drafting_documents(user: User) -> list[Document]:
    """Documents for which the user may open a round: their own uploads (the secretariat: all),
    by :func:`drafted_by`, the SQL twin of :func:`is_drafting_side`."""
    query = select(Document).where(drafted_by(user)).order_by(Document.id.desc())
    return list(db.session.scalars(query).unique())


def drafted_by(user: User) -> ColumnElement[bool]:
    """:func:`is_drafting_side` as a condition on :class:`Document`."""
    if docs_access.is_secretariat(user):
        return true()
    return Document.created_by_id == user.id


def require_drafting_side(user: User, document: Document) -> None:
    if not is_drafting_side(user, document):
        raise Forbidden(_("Only the drafting side (the document's uploader) and the secretariat "
                          "can do this."))


def require_reviewer(user: User, round_: ConsultationRound) -> None:
    if not is_reviewer(user, round_):
        raise Forbidden(_("Only the reviewers of this round can comment."), code="not_a_reviewer")


def sees_thread(user: User, comment: Comment) -> bool:
    root = comment.parent or comment
    return root.author_id == user.id or is_drafting_side(user, comment.round.document)


def comment_for(user: User, comment_id: int) -> Comment:
    """A comment whose thread the user sees, or 404."""
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        raise NotFound(_("No such comment."))
    round_for(user, comment.round_id)
    if not sees_thread(user, comment):
        raise NotFound(_("No such comment."))
    return comment


def threads_query(user: User, round_: ConsultationRound) -> Select:
    """The top-level comments the user sees, in document order (then in order of writing):
    all of them for the drafting side, their own for a reviewer."""
    query = select(Comment).where(Comment.round_id == round_.id, Comment.parent_id.is_(None))
    if not is_drafting_side(user, round_.document):
        query = query.where(Comment.author_id == user.id)
    return query.order_by(Comment.position, Comment.id)


def threads_for(user: User, round_: ConsultationRound) -> list[Comment]:
    return list(db.session.scalars(threads_query(user, round_)))
