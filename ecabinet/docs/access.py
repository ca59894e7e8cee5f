"""Who reads, uploads, edits and presents documents: the rules, written once.

A document someone may not read answers 404, as if it did not exist. Who reads a document:

- its uploader and the secretariat, always;
- a normal document: everyone who sees an agenda item it is attached to (the meeting's
  participants, a guest only on the items they are invited to, a confidential item only its
  invitees — :func:`ecabinet.meetings.access.sees_item`);
- a confidential document (mật): only the invitees of the items it is attached to, and the
  meeting's own secretary; of these, only the uploader and the secretariat download the
  original file, the others read the PDF watermarked with their name
  (:func:`can_read_original`);
- whoever another feature lets read it (:func:`grant_reading`: a written poll's recipients its
  dossier, a decision's signer its draft).

The rule is written twice, side by side: :func:`can_read` for one document and
:func:`readable_by` as SQL for lists and searches (``tests/search/test_access.py`` and
``tests/docs/test_access_twins.py`` check that the two agree).
"""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, and_, inspect, or_, select, true
from sqlalchemy.orm import aliased, joinedload, lazyload
from sqlalchemy.orm.attributes import set_committed_value

from ecabinet.docs.models import Classification, Document, DocumentVersion, ItemDocument
from ecabinet.errors import Forbidden, NotFound
from ecabinet.extensions import db
from ecabinet.identity.models import Role, User
from ecabinet.meetings import access as meeting_access
from ecabinet.meetings.models import AgendaItem, Meeting, Participant, ParticipantRole

#: Who may upload: the secretariat circulates, members (their ministries) submit drafts, an
#: organisation's liaison the products of the tasks it reports on (ecabinet/tasks).
UPLOADERS = (Role.SECRETARIAT, Role.MEMBER, Role.LIAISON)


def is_secretariat(user: User) -> bool:
    return user.has_role(Role.SECRETARIAT)


# --- reading through an agenda item --------------------------------------------------------------

def items_of(document: Document) -> list[AgendaItem]:
    """The agenda items the document is attached to."""
    return list(db.session.scalars(
        select(AgendaItem).join(ItemDocument, ItemDocument.item_id == AgendaItem.id)
        .where(ItemDocument.document_id == document.id).order_by(AgendaItem.id)
        .options(lazyload(AgendaItem.presenter))))  # not the access rule's: nor its roles


def reads_through(document: Document, item: AgendaItem, participant: Participant | None,
                  secretariat: bool) -> bool:
    """THE rule for reading a document through an item it is attached to: who sees the item in
    a meeting they see; of a confidential document, only the organisers (the secretariat, the
    meeting's secretary) and the item's invitees. Its SQL twin is :func:`_read_through_items`.

    Takes the participant row and whether the user is of the secretariat, like
    :func:`ecabinet.meetings.access.sees_item`, so that a whole meeting is checked without a
    query per person."""
    if not meeting_access.sees_meeting(item.meeting, participant, secretariat) or \
            not meeting_access.sees_item(item, participant, secretariat):
        return False
    if document.confidential:
        return secretariat or participant.role == ParticipantRole.SECRETARY or \
            participant.user_id in item.invitee_ids
    return True


def reads(document: Document, item: AgendaItem, participant: Participant,
          secretariat: bool) -> bool:
    """Whether a participant reads ``document``, attached to ``item``, through the meeting
    (:func:`can_read` without the other items and the other features' grants)."""
    return document.created_by_id == participant.user_id or secretariat or \
        reads_through(document, item, participant, secretariat)


def _reads_through_item(user: User, document: Document, item: AgendaItem) -> bool:
    return reads_through(document, item, item.meeting.participant(user.id), is_secretariat(user))


def reads_listed(document: Document, item: AgendaItem, user_id: int,
                 participant: Participant | None, secretariat: bool) -> bool:
    """THE rule for a document as listed under an item: its uploader, the secretariat, or
    whoever reads it through that item (:func:`reads_through`). On the user's id, seat and
    whether they are of the secretariat, like :func:`reads_through`, so that a meeting's read
    applies it to columns kept for every reader (``ecabinet.meetings.read_body``)."""
    return document.created_by_id == user_id or secretariat or \
        reads_through(document, item, participant, secretariat)


def reads_in_item(user: User, document: Document, item: AgendaItem) -> bool:
    """Whether ``user`` reads ``document`` as listed under ``item`` (:func:`reads_listed`)."""
    return reads_listed(document, item, user.id, item.meeting.participant(user.id),
                        is_secretariat(user))


def readers_through_item(document: Document, item: AgendaItem) -> list[User]:
    """The meeting's participants who read ``document`` through ``item``, besides the
    secretariat and the document's uploader (who always do) and the meeting's secretary: for a
    confidential document, the item's invitees. An empty list is worth a warning: nobody at the
    meeting, the chair included, would ever see it."""
    participants = list(item.meeting.participants)
    secretariat = meeting_access.secretariat_among([p.user_id for p in participants])
    return sorted((p.user for p in participants
                   if p.user_id != document.created_by_id and p.user_id not in secretariat
                   and p.role != ParticipantRole.SECRETARY
                   and reads_through(document, item, p, False)),
                  key=lambda user: user.name)


#: Where an item keeps its document links once loaded (for the request's session).
_LINKS = "_document_links"


def forget_documents(item: AgendaItem) -> None:
    """A document was attached to ``item``: its links are read again at the next look."""
    item.__dict__.pop(_LINKS, None)


def _links_of(item: AgendaItem) -> list[ItemDocument]:
    """The item's document links, with their documents and versions. The first look loads
    those of every loaded item of its meeting at once (one statement however long the
    agenda: the links with their documents and versions), so a page or an answer listing each
    item's documents does not query per item."""
    if _LINKS not in item.__dict__:
        meeting = item.meeting
        loaded = "items" not in inspect(meeting).unloaded
        items = {i.id: i for i in (meeting.items if loaded else [])} | {item.id: item}
        for each in items.values():
            each.__dict__[_LINKS] = []
        links = db.session.scalars(
            select(ItemDocument).where(ItemDocument.item_id.in_(list(items)))
            .options(joinedload(ItemDocument.document).options(
                lazyload(Document.created_by), joinedload(Document.versions)))
            .order_by(ItemDocument.id)).unique()
        for link in links:
            items[link.item_id].__dict__[_LINKS].append(link)
    return item.__dict__[_LINKS]


def documents_of_item(user: User, item: AgendaItem) -> list[dict]:
    """The documents of an agenda item the user may read (for the meeting's payload), with the
    state of their latest version. The caller has checked that the user sees the item."""
    return [entry for document, entry in listed_documents(item)
            if reads_in_item(user, document, item)]


def listed_documents(item: AgendaItem) -> list[tuple[Document, dict]]:
    """Every document attached to the item, whoever may read it (:func:`reads_listed`
    decides), each with its entry in the item's list: the state of its latest version."""
    found = []
    for link in _links_of(item):
        document = link.document
        latest = document.latest
        found.append((document, {"id": document.id, "title": document.title,
                                 "classification": document.classification,
                                 "version": latest.number if latest else None,
                                 "state": latest.state if latest else None,
                                 "pages": latest.pages if latest else None}))
    return found


def _read_through_items(user: User) -> ColumnElement[bool]:
    """:func:`reads_through` as SQL for ``user`` (not of the secretariat), over any item the
    document is attached to: a condition on :class:`Document`."""
    participant = aliased(Participant)
    return (
        select(ItemDocument.id)
        .join(AgendaItem, AgendaItem.id == ItemDocument.item_id)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .join(participant, and_(participant.meeting_id == Meeting.id,
                                participant.user_id == user.id))
        .where(ItemDocument.document_id == Document.id,
               meeting_access.meeting_seen_by(participant),
               meeting_access.item_seen_by(participant, user.id),
               or_(Document.classification != Classification.CONFIDENTIAL.value,
                   participant.role == ParticipantRole.SECRETARY.value,
                   meeting_access.invited(user.id)))
        .exists())


# --- reading granted by other features -----------------------------------------------------------

#: Rules of other features that let someone read a document (a written poll's recipients its
#: dossier, a consultation round's reviewers the draft): ``rule(user, document) -> bool``.
_reading_grants: list[Callable[[User, Document], bool]] = []
#: The same rules as SQL, for those that have one: ``sql(user)`` selects the ids of exactly
#: the documents ``rule`` lets the user read. Lists and searches use it instead of asking
#: ``rule`` document by document.
_reading_grants_sql: dict[Callable[[User, Document], bool], Callable[[User], Select]] = {}


def grant_reading(rule: Callable[[User, Document], bool], *,
                  sql: Callable[[User], Select] | None = None) -> None:
    """Called by a feature's init_app; registering the same rule twice is harmless."""
    if rule not in _reading_grants:
        _reading_grants.append(rule)
    if sql is not None:
        _reading_grants_sql[rule] = sql


def granted_ids(user: User) -> list[Select]:
    """Selects of the ids of the documents other features let ``user`` read (their SQL
    forms; see :func:`rules_without_sql` for the rest)."""
    return [sql(user) for sql in _reading_grants_sql.values()]


def rules_without_sql() -> list[Callable[[User, Document], bool]]:
    return [rule for rule in _reading_grants if rule not in _reading_grants_sql]


# --- the whole rule ------------------------------------------------------------------------------

def can_read(user: User, document: Document, *, items: list[AgendaItem] | None = None,
             granted: set[int] | None = None) -> bool:
    """THE rule for reading a document (see the module's docstring).

    ``items`` and ``granted`` are for a caller that checks many documents at once and loaded
    for all of them in a few statements (:func:`readable_documents`) what the rule otherwise
    asks of each: the agenda items the document is attached to (:func:`items_of`), and which
    of them the reading grants with an SQL form let the user read (their rules are asked one
    by one only when ``granted`` is not given; the rules without one always are)."""
    if document.created_by_id == user.id or is_secretariat(user):
        return True
    if any(_reads_through_item(user, document, item)
           for item in (items_of(document) if items is None else items)):
        return True
    if granted is None:
        return any(rule(user, document) for rule in _reading_grants)
    return document.id in granted or any(rule(user, document) for rule in rules_without_sql())


def readable_by(user: User) -> ColumnElement[bool]:
    """:func:`can_read` as a condition on :class:`Document`, but for the reading grants of
    other features without an SQL form (:func:`rules_without_sql`): the uploader and the
    secretariat; :func:`reads_through` an item the document is attached to; the grants with
    an SQL form (a poll's dossier for its recipients, a draft decision for its signer and the
    clerks)."""
    if is_secretariat(user):
        return true()
    granted = [Document.id.in_(ids) for ids in granted_ids(user)]
    return or_(Document.created_by_id == user.id, _read_through_items(user), *granted)


def readable_query(user: User) -> Select:
    """The documents the user may read by :func:`readable_by`, newest first."""
    return select(Document).where(readable_by(user)).order_by(Document.id.desc())


def readable_documents(user: User, rows=None) -> list[Document]:
    """Every document the user may read (or the page ``rows(query)`` cuts of them), each
    checked again with :func:`can_read` (the two cannot disagree unseen) — on what is loaded
    for the whole page at once (:func:`_reading_context`), so that a page costs the same
    however many documents it lists."""
    query = readable_query(user)
    candidates = list(rows(query) if rows is not None else db.session.scalars(query))
    items, granted = _reading_context(user, candidates)
    return [document for document in candidates
            if can_read(user, document, items=items.get(document.id, []), granted=granted)]


def _reading_context(user: User, documents: list[Document]) -> tuple[dict, set[int]]:
    """What :func:`can_read` asks of each of ``documents``, for all of them: the items each
    is attached to (with their meetings and invitees), the user's place in those meetings,
    and the documents the reading grants' SQL forms let the user read (one statement for the
    grants, whichever documents the other rules left)."""
    items: dict[int, list[AgendaItem]] = {}
    if is_secretariat(user) or not documents:
        return items, set()
    rest = [d.id for d in documents if d.created_by_id != user.id]
    if not rest:
        return items, set()
    rows = db.session.execute(
        select(ItemDocument.document_id, AgendaItem)
        .join(AgendaItem, AgendaItem.id == ItemDocument.item_id)
        .where(ItemDocument.document_id.in_(rest))
        .options(lazyload(AgendaItem.presenter), joinedload(AgendaItem.meeting))
        .order_by(AgendaItem.id))
    for document_id, item in rows:
        items.setdefault(document_id, []).append(item)
    Meeting.remember_seats(list({item.meeting for found in items.values() for item in found}),
                           user.id)
    ids = granted_ids(user)
    granted = set(db.session.scalars(select(Document.id).where(
        Document.id.in_(rest), or_(*[Document.id.in_(each) for each in ids])))) if ids else set()
    return items, granted


def document_for(user: User, document_id: int) -> Document:
    """Load a document the user may read, or 404."""
    document = db.session.get(Document, document_id)
    if document is None or not can_read(user, document):
        raise NotFound(_("No such document."))
    return document


def version_for(user: User, document_id: int, number: int) -> DocumentVersion:
    document = document_for(user, document_id)
    version = next((v for v in document.versions if v.number == number), None)
    if version is None:
        raise NotFound(_("No such version."))
    # The version holds its document: the session keeps loaded rows only while something
    # does, and ``version.document`` would load it again.
    set_committed_value(version, "document", document)
    return version


def can_read_original(user: User, document: Document) -> bool:
    """The file as uploaded carries no reader's watermark: of a confidential document only its
    uploader and the secretariat get it, every other reader the watermarked PDF. The caller has
    checked :func:`can_read`."""
    if not document.confidential:
        return True
    return document.created_by_id == user.id or is_secretariat(user)


def original_for(user: User, document_id: int, number: int) -> DocumentVersion:
    """A version whose original file the user may download: 404 for a document they may not
    read, 403 for a confidential one's reader who is neither its uploader nor the
    secretariat."""
    version = version_for(user, document_id, number)
    if not can_read_original(user, version.document):
        raise Forbidden(_("The original file of a confidential document stays with the "
                          "secretariat; read the PDF, marked with your name."),
                        code="original_withheld")
    return version


def visible_items(user: User, document: Document) -> list[AgendaItem]:
    """The agenda items the document is attached to that the user sees."""
    return [item for item in items_of(document)
            if meeting_access.can_see_meeting(user, item.meeting)
            and meeting_access.can_see_item(user, item)]


# --- uploading, editing, presenting --------------------------------------------------------------

def require_uploader(user: User) -> None:
    if not user.has_role(*UPLOADERS):
        raise Forbidden(_("Only the secretariat and members of the Government can upload "
                          "documents."))


def can_edit(user: User, document: Document) -> bool:
    """Adding a version: the uploader and the secretariat."""
    return document.created_by_id == user.id or is_secretariat(user)


def require_editor(user: User, document: Document) -> None:
    if not can_edit(user, document):
        raise Forbidden(_("Only the uploader and the secretariat can add a version."))


def can_present(user: User, meeting: Meeting) -> bool:
    """Who turns the pages for the whole room: the meeting's chair, or its organisers (the
    secretariat and the meeting's own secretary), who work the screen for the presenting
    agency."""
    return meeting_access.is_chair(user, meeting) or meeting_access.is_organiser(user, meeting)


def require_presenter(user: User, meeting: Meeting) -> None:
    if not can_present(user, meeting):
        raise Forbidden(_("Only the chair and the secretariat can present documents."))
