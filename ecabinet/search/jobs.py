"""Keeping the index up to date: on ``version_ready``, now or after the commit.

The signal arrives inside the uploader's request or the converter's job, in their transaction.
``pdftotext`` reads a dense page of Vietnamese in 2–3.5 ms (``tests/search/bench_extract.py``),
so a document of up to ``SEARCH_INLINE_MAX_PAGES`` pages (50: ~0.1–0.2 s) is indexed right
there, in the same transaction: it is searchable the moment its upload commits, and a rollback
takes the index entry with it. A longer one is indexed after the commit, in the documents' job
queue (the worker thread, or RQ with Redis), with the text extracted outside any transaction, so
that a 1,000-page upload does not hold SQLite's single write lock — and a live vote waiting on
it — for seconds.

Search must never cost anyone an upload or a conversion: indexing runs in a savepoint, and a
failure is logged and leaves the document unindexed (``ecabinet search reindex`` repairs).
"""

from __future__ import annotations

import logging

from flask import Flask, current_app
from sqlalchemy.exc import SQLAlchemyError

from ecabinet.database import on_commit, unit_of_work
from ecabinet.docs.models import DocumentVersion
from ecabinet.extensions import db
from ecabinet.search import services

log = logging.getLogger(__name__)

DEFAULT_INLINE_MAX_PAGES = 50


def on_version_ready(version: DocumentVersion, **_kwargs) -> None:
    """Receiver of :data:`ecabinet.docs.signals.version_ready`."""
    config = current_app.config
    inline_max = int(config.get("SEARCH_INLINE_MAX_PAGES", DEFAULT_INLINE_MAX_PAGES))
    if (version.pages or 0) > inline_max:
        document_id = version.document_id
        on_commit(lambda: enqueue(document_id))
        return
    index_safely(version, config)


def index_safely(version: DocumentVersion, config) -> None:
    """Index in a savepoint. Should the text be refused (PostgreSQL caps a tsvector at 1 MB),
    the document is indexed by its title; any other failure is logged, not raised."""
    extracted = services.extract_text(version, config)
    for attempt in (extracted, services.Extracted("", "the text could not be indexed")):
        try:
            with db.session.begin_nested():
                services.store(version, attempt)
            return
        except SQLAlchemyError:
            log.exception("search: indexing document %s version %s failed",
                          version.document_id, version.number)


def enqueue(document_id: int) -> None:
    """After the commit: index the document's latest ready version in the job queue."""
    app = current_app._get_current_object()
    if app.config.get("REDIS_URL"):
        from redis import Redis
        from rq import Queue

        with Redis.from_url(app.config["REDIS_URL"]) as connection:
            Queue(app.config.get("DOCUMENT_QUEUE", "ecabinet-docs"), connection=connection) \
                .enqueue_call("ecabinet.worker.run_index", args=(document_id,),
                              result_ttl=0, failure_ttl=7 * 24 * 3600,
                              description=f"index document {document_id} for search")
    else:
        from ecabinet.docs import jobs as document_jobs

        document_jobs.local_worker().submit_call(lambda: run_index(document_id, app))


def index_missing(app: Flask) -> int:
    """Queue the indexing of every ready document without an entry (see
    :func:`ecabinet.search.services.unindexed_documents`)."""
    with app.app_context():
        with unit_of_work():
            document_ids = services.unindexed_documents()
        for document_id in document_ids:
            enqueue(document_id)
    if document_ids:
        log.info("search: indexing %d document(s) missing from the index", len(document_ids))
    return len(document_ids)


def run_index(document_id: int, app: Flask | None = None) -> bool:
    """The job: index one document in its own transaction, in ``app`` or the current one (a
    plain ``rq worker`` runs :func:`ecabinet.worker.run_index`, which makes one). The text is
    extracted before the transaction starts, so the write lock is held only for the write."""
    if app is None:
        app = current_app._get_current_object()
    with app.app_context():
        with unit_of_work():
            version = _latest_ready(document_id)
            if version is None:
                return False
            version_id, pdf_sha256 = version.id, version.pdf_sha256
        extracted = services.extract_pdf(pdf_sha256, app.config,
                                         label=f"document {document_id}")
        with unit_of_work():
            version = db.session.get(DocumentVersion, version_id)
            return version is not None and services.store(version, extracted)


def _latest_ready(document_id: int) -> DocumentVersion | None:
    from ecabinet.docs.models import Document

    document = db.session.get(Document, document_id)
    return services.latest_ready(document) if document is not None else None

