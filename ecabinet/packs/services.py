"""Meeting packs, per-reader copies and read receipts.

Services flush and raise domain errors; the caller commits (:func:`ecabinet.database.unit_of_work`).

- :func:`plan_for` — what one reader's pack holds: the items they see, in agenda order, and in
  each the documents they may read (:mod:`ecabinet.packs.access`);
- :func:`reader_pack` — the pack built once per plan (in the job queue, :mod:`.jobs`) and kept
  in storage, then the reader's copy: confidential pages watermarked with their name and the
  time, the download audited and counted as opening every document in it;
- :func:`reader_document` — the same for one document's PDF (the documents API calls it);
- :func:`reads_report` — for the secretariat: who has not yet opened which document.

Why a pack download counts as opening each of its documents: the pack is how members receive
the dossier on their tablets before the meeting (DOMAIN.md), and nothing can see which pages of
a downloaded PDF someone reads. A report that ignored packs would call everyone who read the
pack a non-reader; so each receipt keeps *how* it was first opened ("pack" or "document"), and
the report shows it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ecabinet import storage
from ecabinet.audit import services as audit
from ecabinet.database import on_commit
from ecabinet.docs import jobs
from ecabinet.docs.models import Document, DocumentVersion, ItemDocument
from ecabinet.extensions import db
from ecabinet.identity.models import User
from ecabinet.meetings import access as meeting_access
from ecabinet.meetings.models import (
    Meeting,
)
from ecabinet.packs import access as pack_access
from ecabinet.packs import build as builder
from ecabinet.packs import watermark
from ecabinet.packs.models import MeetingPack, PackBuild, ReadReceipt, ReadVia
from ecabinet.packs.plan import READY, PackDocument, PackItem, PackPlan


def _now() -> datetime:
    return datetime.now(UTC)


def _font_dir() -> str | None:
    return current_app.config.get("PACK_FONT_DIR")


# --- what a reader's pack holds ------------------------------------------------------------------

def _links(item_ids: list[int]) -> dict[int, list[Document]]:
    """The documents attached to each item, in the order they were attached."""
    found: dict[int, list[Document]] = {item_id: [] for item_id in item_ids}
    if not item_ids:
        return found
    rows = db.session.scalars(select(ItemDocument).where(ItemDocument.item_id.in_(item_ids))
                              .order_by(ItemDocument.id))
    for link in rows:
        found[link.item_id].append(link.document)
    return found


def _pack_document(document: Document) -> PackDocument:
    ready = [v for v in document.versions if v.state == READY]
    chosen = ready[-1] if ready else None
    latest = document.latest
    return PackDocument(
        document_id=document.id, title=document.title, confidential=document.confidential,
        version_id=chosen.id if chosen else None,
        version_number=chosen.number if chosen else None,
        pdf_sha256=chosen.pdf_sha256 if chosen else None,
        latest_number=latest.number if latest else None,
        latest_state=latest.state if latest else None)


def plan_for(user: User, meeting: Meeting) -> PackPlan:
    """The items ``user`` sees, in agenda order, each with the documents they may read."""
    items = pack_access.items_in_pack(user, meeting)
    links = _links([item.id for item in items])
    planned = []
    for item in items:
        documents = tuple(_pack_document(document) for document in links[item.id]
                          if pack_access.in_pack(user, document))
        planned.append(PackItem(item_id=item.id, position=item.position, title=item.title,
                                presenting_agency=item.presenting_agency,
                                confidential=bool(item.confidential), documents=documents))
    return PackPlan(meeting_id=meeting.id, title=meeting.title, kind=meeting.kind,
                    starts_at=meeting.starts_at, location=meeting.location, items=tuple(planned))


# --- the cache -----------------------------------------------------------------------------------

def _insert(table):
    """INSERT … ON CONFLICT, in the dialect of the database in use (SQLite or PostgreSQL)."""
    return pg_insert(table) if db.session.get_bind().dialect.name == "postgresql" \
        else sqlite_insert(table)


def stored_pack(key: str) -> builder.BuiltPack | None:
    """The pack built before for the plan named ``key``, or None (never built, or its file was
    removed by ``ecabinet storage sweep`` or damaged: then it is built again)."""
    row = db.session.scalar(select(MeetingPack).where(MeetingPack.cache_key == key))
    if row is None:
        return None
    try:
        return builder.BuiltPack.from_layout(storage.get(row.pdf_sha256), json.loads(row.layout))
    except OSError:
        return None


def keep_built(plan: PackPlan, built: builder.BuiltPack) -> None:
    """Keep a built pack for every later download of the same plan; its build is over. A
    rebuild writes the row whether or not it is still there."""
    key = plan.key()
    values = {"pdf_sha256": storage.put(built.data), "pages": built.pages,
              "layout": json.dumps(built.layout()), "created_at": _now()}
    statement = _insert(MeetingPack.__table__).values(meeting_id=plan.meeting_id,
                                                       cache_key=key, **values)
    db.session.execute(statement.on_conflict_do_update(index_elements=["cache_key"],
                                                       set_=values))
    db.session.execute(delete(PackBuild).where(PackBuild.cache_key == key))
    db.session.expire_all()  # written above, not through the ORM


# --- builds in the job queue ---------------------------------------------------------------------

BUILDING, FAILED, READY_STATE = "building", "failed", "ready"


@dataclass(frozen=True)
class PackStatus:
    #: "ready", "building" or "failed".
    state: str
    #: Percent of the build done (100 when ready).
    progress: int
    pages: int | None = None


def _seconds(name: str, default: int) -> timedelta:
    return timedelta(seconds=int(current_app.config.get(name, default)))


def request_build(plan: PackPlan) -> PackStatus:
    """Where the build of ``plan`` stands, enqueued (after the commit) unless one is under
    way. A build not heard of for ``PACK_BUILD_STALE_SECONDS`` (its worker stopped) is taken
    up again; a failed one is tried again after ``PACK_RETRY_SECONDS``, not at every poll."""
    key = plan.key()
    if _claim_build(plan, key, _now()):
        on_commit(lambda: jobs.enqueue_job(
            "ecabinet.worker.run_build", plan, description=f"meeting pack {key[:12]}",
            timeout=int(current_app.config.get("PACK_BUILD_TIMEOUT_SECONDS", 1800))))
    row = db.session.scalar(select(PackBuild).where(PackBuild.cache_key == key)
                            .execution_options(populate_existing=True))
    if row is None:  # built and kept in the meantime
        return PackStatus(BUILDING, 99)
    percent = min(99, 100 * row.done // max(row.total, 1)) if row.state == BUILDING else 0
    return PackStatus(row.state, percent)


def _claim_build(plan: PackPlan, key: str, now: datetime) -> bool:
    """Whether this caller starts the build: it wrote the row first, or took over a stale or
    failed one. Decided by the database (one row per plan, RETURNING what was written), so
    concurrent first requests enqueue one build."""
    inserted = db.session.execute(
        _insert(PackBuild.__table__).values(
            meeting_id=plan.meeting_id, cache_key=key, state=BUILDING, done=0,
            total=builder.steps(plan), updated_at=now)
        .on_conflict_do_nothing(index_elements=["cache_key"])
        .returning(PackBuild.__table__.c.id)).first()
    if inserted is not None:
        return True
    stale = now - _seconds("PACK_BUILD_STALE_SECONDS", 300)
    retry = now - _seconds("PACK_RETRY_SECONDS", 60)
    taken = db.session.execute(
        update(PackBuild).where(PackBuild.cache_key == key, or_(
            and_(PackBuild.state == BUILDING, PackBuild.updated_at < stale),
            and_(PackBuild.state == FAILED, PackBuild.updated_at < retry)))
        .values(state=BUILDING, done=0, error=None, updated_at=now)
        .returning(PackBuild.id).execution_options(synchronize_session=False)).first()
    return taken is not None


def pack_status(user: User, meeting: Meeting) -> PackStatus:
    """Whether the reader's pack is ready to download; its build started if it is not."""
    plan = plan_for(user, meeting)
    built = stored_pack(plan.key())
    if built is not None:
        return PackStatus(READY_STATE, 100, built.pages)
    return request_build(plan)


def build_failed(key: str, error: str) -> None:
    db.session.execute(update(PackBuild).where(PackBuild.cache_key == key)
                       .values(state=FAILED, error=error[:2000], updated_at=_now())
                       .execution_options(synchronize_session=False))


def build_progress(key: str, done: int, total: int) -> None:
    db.session.execute(update(PackBuild)
                       .where(PackBuild.cache_key == key, PackBuild.state == BUILDING)
                       .values(done=done, total=total, updated_at=_now())
                       .execution_options(synchronize_session=False))


# --- read receipts -------------------------------------------------------------------------------

def record_reads(user: User, version_ids: list[int], via: ReadVia) -> None:
    """The first open of each version by ``user``; later ones (and a concurrent duplicate)
    change nothing."""
    if not version_ids:
        return
    now = _now()
    statement = _insert(ReadReceipt.__table__).values([
        {"version_id": version_id, "user_id": user.id, "first_opened_at": now, "via": via.value}
        for version_id in sorted(set(version_ids))])
    db.session.execute(statement.on_conflict_do_nothing(index_elements=["version_id",
                                                                        "user_id"]))


# --- the reader's copies -------------------------------------------------------------------------

@dataclass(frozen=True)
class ReaderCopy:
    data: bytes
    filename: str
    pages: int
    watermarked: bool


def pack_filename(meeting: Meeting) -> str:
    return f"tai-lieu-phien-hop-{meeting.id}.pdf"


def reader_pack(user: User, meeting: Meeting) -> ReaderCopy | PackStatus:
    """The reader's copy of the meeting pack (the caller has checked that they see the
    meeting), or, when the pack of what they may see is not built yet, where its build stands:
    a build never runs inside a request (a pack of hundreds of items takes seconds of CPU, and
    every other tablet served by the same worker would wait). The download is audited and
    counts as opening every document in it."""
    plan = plan_for(user, meeting)
    built = stored_pack(plan.key())
    if built is None:
        return request_build(plan)
    at = _now()
    secret_pages = built.confidential_pages()
    data = built.data
    if secret_pages:
        data = watermark.watermark(data, reader_name=user.name, at=at, pages=secret_pages,
                                   font_dir=_font_dir())
    versions = [p.version_id for p in built.placed]
    record_reads(user, versions, ReadVia.PACK)
    audit.record("meeting.pack_download", actor=user, target=meeting, details={
        "documents": [{"document_id": p.document_id, "version_id": p.version_id,
                       "confidential": p.confidential} for p in built.placed],
        "pages": built.pages, "watermarked_pages": len(secret_pages),
        "sha256": storage.sha256_of(data)})
    return ReaderCopy(data, pack_filename(meeting), built.pages, bool(secret_pages))


def reader_document(user: User, version: DocumentVersion, pdf: bytes) -> bytes:
    """The reader's copy of one version's PDF: the first open recorded; a confidential one
    watermarked on every page, and its download audited."""
    record_reads(user, [version.id], ReadVia.DOCUMENT)
    if not version.document.confidential:
        return pdf
    data = watermark.watermark(pdf, reader_name=user.name, at=_now(), font_dir=_font_dir())
    audit.record("document.confidential_download", actor=user, target=version.document,
                 details={"version": version.number, "version_id": version.id,
                          "sha256": storage.sha256_of(data)})
    return data


# --- who has not opened what ---------------------------------------------------------------------

@dataclass(frozen=True)
class ReaderState:
    user_id: int
    name: str
    title: str | None
    role: str
    #: "opened" (this version), "earlier" (only an older version) or "not_opened".
    state: str
    opened_at: datetime | None = None
    via: str | None = None


@dataclass
class DocumentReads:
    item_id: int
    item_position: int
    item_title: str
    document_id: int
    title: str
    classification: str
    version: int | None
    version_id: int | None
    readers: list[ReaderState] = field(default_factory=list)

    @property
    def not_opened(self) -> list[ReaderState]:
        return [r for r in self.readers if r.state != "opened"]

    @property
    def opened_count(self) -> int:
        return len(self.readers) - len(self.not_opened)


def reads_report(actor: User, meeting: Meeting) -> list[DocumentReads]:
    """For every document of the agenda (its latest ready version), each participant who may
    read it and whether they have opened it. The secretariat only."""
    pack_access.require_reads_report(actor, meeting)
    participants = [p for p in meeting.participants if p.role in pack_access.READERS]
    secretariat = meeting_access.secretariat_among([p.user_id for p in participants])
    items = sorted(meeting.items, key=lambda item: item.position)
    links = _links([item.id for item in items])
    report: list[DocumentReads] = []
    for item in items:
        for document in links[item.id]:
            planned = _pack_document(document)
            entry = DocumentReads(item.id, item.position, item.title, document.id,
                                  document.title, document.classification,
                                  planned.version_number, planned.version_id)
            entry.readers = [p for p in participants
                             if pack_access.reader_of(p, document, item, secretariat)]
            report.append(entry)
    _fill_states(report)
    return report


def _fill_states(report: list[DocumentReads]) -> None:
    document_ids = {entry.document_id for entry in report}
    if not document_ids:
        return
    rows = db.session.execute(
        select(ReadReceipt, DocumentVersion.document_id)
        .join(DocumentVersion, DocumentVersion.id == ReadReceipt.version_id)
        .where(DocumentVersion.document_id.in_(document_ids))).all()
    exact = {(receipt.version_id, receipt.user_id): receipt for receipt, _doc in rows}
    any_version = {(doc_id, receipt.user_id) for receipt, doc_id in rows}
    for entry in report:
        states = []
        for participant in entry.readers:
            receipt = exact.get((entry.version_id, participant.user_id))
            if receipt is not None:
                state = ReaderState(participant.user_id, participant.user.name,
                                    participant.user.title, participant.role, "opened",
                                    receipt.first_opened_at, receipt.via)
            else:
                earlier = (entry.document_id, participant.user_id) in any_version
                state = ReaderState(participant.user_id, participant.user.name,
                                    participant.user.title, participant.role,
                                    "earlier" if earlier else "not_opened")
            states.append(state)
        entry.readers = states
