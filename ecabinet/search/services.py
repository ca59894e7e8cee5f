"""Indexing documents and searching them, on SQLite (FTS5) and PostgreSQL (unaccent + GIN).

Services flush, never commit; the caller owns the transaction. What a search returns is only
what the searcher may read (:mod:`ecabinet.search.access`): a document someone may not read is
not a result, is not counted, and lends neither its title nor its text to a snippet.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import (
    Text,
    and_,
    bindparam,
    column,
    delete,
    func,
    literal,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite

from ecabinet import storage
from ecabinet.audit import services as audit
from ecabinet.docs.models import (
    Document,
    DocumentVersion,
    VersionState,
)
from ecabinet.errors import Invalid
from ecabinet.extensions import db
from ecabinet.identity.models import User
from ecabinet.search import access as search_access
from ecabinet.search import extract
from ecabinet.search import text as search_text
from ecabinet.search.models import FTS_TABLE, PG_FOLD_FUNCTION, SearchEntry

log = logging.getLogger(__name__)

#: Longest query accepted (characters); only the first :data:`text.MAX_TERMS` words count.
MAX_QUERY_LENGTH = 500
MAX_LIMIT = 50
#: How many matching documents outside the SQL rule are checked one by one (see
#: :func:`_granted_elsewhere`).
DEFAULT_MAX_CANDIDATES = 50
#: The title counts this many times more than the body in the ranking (SQLite's bm25 weights;
#: PostgreSQL weighs the title with class A, the body with class D).
TITLE_WEIGHT = 10.0


def _dialect() -> str:
    return db.session.get_bind().dialect.name


# --- indexing ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Extracted:
    """The text of one version, or why there is none."""

    body: str
    error: str | None = None


def extract_text(version: DocumentVersion, config) -> Extracted:
    """The text of a ready version's PDF (see :func:`extract_pdf`)."""
    return extract_pdf(version.pdf_sha256, config,
                       label=f"document {version.document_id} version {version.number}")


def extract_pdf(pdf_sha256: str, config, *, label: str = "") -> Extracted:
    """The text of a stored PDF. Never raises for a bad or missing PDF: the document is then
    indexed by its title, with the reason kept."""
    try:
        pdf = storage.get(pdf_sha256)
        body = extract.pdf_text(pdf, timeout=float(config.get("SEARCH_EXTRACT_TIMEOUT",
                                                              extract.DEFAULT_TIMEOUT)),
                                max_chars=int(config.get("SEARCH_MAX_TEXT_CHARS",
                                                         extract.DEFAULT_MAX_CHARS)))
        return Extracted(body)
    except (extract.ExtractionError, OSError, ValueError) as exc:
        log.warning("search: no text for %s: %s", label or pdf_sha256, exc)
        return Extracted("", str(exc)[:200])


def store(version: DocumentVersion, extracted: Extracted) -> bool:
    """Make ``version`` the searchable text of its document, unless a later version is indexed
    already (versions may become ready out of order). True when the index changed.

    One statement decides (an upsert guarded by the version number), so two workers indexing
    two versions of one document at once cannot both win or collide.
    """
    document = version.document
    values = {"document_id": document.id, "version_id": version.id,
              "version_number": version.number, "title": document.title,
              "body": extracted.body, "extraction_error": extracted.error,
              "indexed_at": datetime.now(UTC)}
    dialect = _dialect()
    if dialect == "postgresql":
        values["search_vector"] = tsvector_of(literal(document.title, Text),
                                              literal(extracted.body, Text))
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(SearchEntry)
    statement = insert.values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=[SearchEntry.document_id],
        set_={key: statement.excluded[key] for key in values if key != "document_id"},
        where=SearchEntry.version_number <= statement.excluded.version_number,
    ).returning(SearchEntry.document_id)
    changed = db.session.execute(statement).first() is not None
    if changed and dialect == "sqlite":
        _write_fts(document.id, document.title, extracted.body)
    _forget_loaded_entry(document.id)
    return changed


def _forget_loaded_entry(document_id: int) -> None:
    """The upsert bypassed the ORM: a copy of the entry it already loaded is out of date."""
    for loaded in list(db.session.identity_map.values()):
        if isinstance(loaded, SearchEntry) and loaded.document_id == document_id:
            db.session.expire(loaded)


def _write_fts(document_id: int, title: str, body: str) -> None:
    db.session.execute(text("DELETE FROM search_fts WHERE rowid = :id"), {"id": document_id})
    db.session.execute(
        text("INSERT INTO search_fts (rowid, title, body) VALUES (:id, :title, :body)"),
        {"id": document_id, "title": search_text.fold(title), "body": search_text.fold(body)})


def index_version(version: DocumentVersion, config) -> bool:
    """Extract and store the text of a ready version (flushes)."""
    if version.state != VersionState.READY:
        return False
    return store(version, extract_text(version, config))


def latest_ready(document: Document) -> DocumentVersion | None:
    ready = [v for v in document.versions if v.state == VersionState.READY]
    return ready[-1] if ready else None


def remove_stale() -> int:
    """Forget entries whose document has no ready version any more, and on SQLite full-text
    rows without an entry."""
    ready = select(DocumentVersion.document_id).where(
        DocumentVersion.state == VersionState.READY.value)
    removed = db.session.execute(
        delete(SearchEntry).where(SearchEntry.document_id.not_in(ready))).rowcount
    if _dialect() == "sqlite":
        db.session.execute(text("DELETE FROM search_fts WHERE rowid NOT IN "
                                "(SELECT document_id FROM search_entries)"))
    db.session.flush()
    return removed or 0


def documents_to_index() -> list[int]:
    """Every document with a ready version, for a rebuild."""
    return list(db.session.scalars(
        select(DocumentVersion.document_id).where(
            DocumentVersion.state == VersionState.READY.value)
        .distinct().order_by(DocumentVersion.document_id)))


def unindexed_documents() -> list[int]:
    """Documents with a ready version but no entry: uploaded before search existed, or whose
    indexing failed."""
    ready = select(DocumentVersion.document_id).where(
        DocumentVersion.state == VersionState.READY.value)
    indexed = select(SearchEntry.document_id)
    return list(db.session.scalars(
        select(Document.id).where(Document.id.in_(ready), Document.id.not_in(indexed))
        .order_by(Document.id)))


def record_reindex(indexed: int, removed: int) -> None:
    audit.record("search.reindex", details={"indexed": indexed, "removed": removed})


# --- searching -----------------------------------------------------------------------------------

@dataclass
class Hit:
    document: Document
    entry: SearchEntry
    title_html: Markup
    snippet: search_text.Snippet | None


@dataclass
class Results:
    query: str
    terms: list[str]
    total: int = 0
    #: False when more documents matched than the rules outside SQL could check (the total is
    #: then a lower bound); see :func:`_granted_elsewhere`.
    total_exact: bool = True
    hits: list[Hit] = field(default_factory=list)


def check_query(query: str | None) -> str:
    """The query, stripped; 422 when empty or longer than :data:`MAX_QUERY_LENGTH`."""
    query = (query or "").strip()
    if not query:
        raise Invalid(_("Type what to search for."), code="empty_query",
                      details={"q": ["empty"]})
    if len(query) > MAX_QUERY_LENGTH:
        raise Invalid(_("The search is too long (at most %(n)d characters).",
                        n=MAX_QUERY_LENGTH), code="query_too_long",
                      details={"q": ["too long"]})
    return query


def search(user: User, query: str, *, limit: int = 20, offset: int = 0,
           max_candidates: int = DEFAULT_MAX_CANDIDATES) -> Results:
    """The documents ``user`` may read that contain every word of ``query`` (in the title or
    the text, with or without diacritics), best first, with a snippet around the match."""
    query = check_query(query)
    words = search_text.terms(query)
    results = Results(query=query, terms=words)
    if not words:
        return results  # only punctuation: nothing to look for
    limit, offset = max(1, min(limit, MAX_LIMIT)), max(0, offset)
    match, rank = (_sqlite_match if _dialect() == "sqlite" else _postgresql_match)(words)
    readable, results.total_exact = search_access.readable_matches(user, match, rank,
                                                                   max_candidates)
    found = (select(SearchEntry.document_id)
             .join(Document, Document.id == SearchEntry.document_id)
             .where(match, readable))
    results.total = db.session.scalar(select(func.count()).select_from(found.subquery()))
    if not results.total or offset >= results.total:
        return results
    rows = db.session.execute(
        select(SearchEntry, Document)
        .join(Document, Document.id == SearchEntry.document_id)
        .where(match, readable)
        .order_by(rank, SearchEntry.document_id)
        .limit(limit).offset(offset)).all()
    for entry, document in rows:
        if not search_access.shows(user, document):
            # The SQL rule and the documents' rule disagree: never show it, and say so loudly.
            log.error("search: document %s matched the SQL rule but can_read refuses user %s",
                      document.id, user.id)
            results.total -= 1
            continue
        results.hits.append(Hit(document=document, entry=entry,
                                title_html=search_text.highlight(document.title, words),
                                snippet=search_text.snippet(entry.body, words)))
    return results


def _sqlite_match(words: list[str]):
    """``search_fts MATCH '"w1" "w2"'``, its rowid being the entry's document; bm25 is lower
    for better matches."""
    fts = table(FTS_TABLE, column("rowid"))
    match = and_(fts.c.rowid == SearchEntry.document_id,
                 literal_column(FTS_TABLE).op("MATCH")(
                     bindparam("fts_query", search_text.fts5_query(words))))
    return match, func.bm25(literal_column(FTS_TABLE), TITLE_WEIGHT, 1.0)


def _postgresql_match(words: list[str]):
    """The stored tsvector ``@@`` the folded words (the GIN index answers); ``ts_rank``,
    higher for better matches, reads the same stored vector."""
    query = func.plainto_tsquery(literal_column("'simple'::regconfig"),
                                 fold_function(" ".join(words)))
    vector = SearchEntry.search_vector
    return vector.op("@@")(query), func.ts_rank(vector, query).desc()


def fold_function(value):
    return getattr(func, PG_FOLD_FUNCTION)(value)


def tsvector_of(title, body):
    """What :attr:`SearchEntry.search_vector` holds: title with weight A, body with weight D, both
    folded by the migration's ``ecabinet_search_fold`` (unaccent, lower case, words only)."""
    simple = literal_column("'simple'::regconfig")
    return func.setweight(func.to_tsvector(simple, fold_function(title)),
                          literal_column("'A'")).op("||")(
        func.setweight(func.to_tsvector(simple, fold_function(body)), literal_column("'D'")))
