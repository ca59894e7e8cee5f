"""Documents (not documentation): uploads of .docx and PDF, versions, rendering to PDF with a
LibreOffice kept running, attaching documents to agenda items.

- :mod:`.validation` decides by content what is accepted (also used by the minutes);
- :mod:`.services` who reads what, uploading, versions, attaching;
- :mod:`.converter` the LibreOffice process of a worker; :mod:`.jobs` the queue;
- :mod:`.api` ``/api/v1/documents…`` and ``/api/v1/agenda-items/{id}/documents``;
- :mod:`.routes` the pages (list, upload, a document, the tablet viewer);
- :mod:`.private_annotations` (+ :mod:`.annotations_api`) private highlights and notes;
- :mod:`.events` following the presenter over /live.

Configuration (app config; embedded defaults):

``DOCUMENT_MAX_BYTES`` (50 MB → 413), ``DOCUMENT_MAX_PAGES`` (2000 → 422),
``DOCUMENT_MAX_UNPACKED_BYTES`` (a .docx unpacked, 250 MB), ``CONVERT_TIMEOUT_SECONDS`` (60),
``CONVERTER_COMMAND`` (the converter process; default LibreOffice's Python running
:mod:`.uno_bridge`), ``DOCUMENT_QUEUE`` (the RQ queue's name when ``REDIS_URL`` is set).
"""

from __future__ import annotations

from flask import Flask

DEFAULTS = {
    "DOCUMENT_MAX_BYTES": 50 * 1024 * 1024,
    "DOCUMENT_MAX_PAGES": 2000,
    "DOCUMENT_MAX_UNPACKED_BYTES": 250 * 1024 * 1024,
    "CONVERT_TIMEOUT_SECONDS": 60,
    "CONVERTER_COMMAND": None,
    "DOCUMENT_QUEUE": "ecabinet-docs",
}


def init_app(app: Flask) -> None:
    from ecabinet import api
    from ecabinet.docs import (
        audit_rules,  # noqa: F401 - how the audit page shows its entries
        events,  # noqa: F401 - declares the viewer's /live handlers
        jobs,
        models,  # noqa: F401 - the tables, for migrations
        signals,
    )
    from ecabinet.docs.annotations_api import blp as annotations_blp
    from ecabinet.docs.api import blp
    from ecabinet.docs.cli import docs_cli
    from ecabinet.docs.routes import bp

    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    api.register(app, blp)
    api.register(app, annotations_blp)
    app.register_blueprint(bp)
    app.cli.add_command(docs_cli)
    # A module-level function: blinker keeps one reference however many apps connect.
    signals.version_added.connect(jobs.on_version_added)
    _meetings_show_documents()
    if not app.testing and not app.config.get("REDIS_URL"):
        _requeue_on_first_request(app)


def _meetings_show_documents() -> None:
    """A meeting's read lists its items' documents with their latest version: attaching one,
    renaming one, a version uploaded or converted bumps the meeting's version (its ETag)."""
    from sqlalchemy import select

    from ecabinet.docs.models import Document, DocumentVersion, ItemDocument
    from ecabinet.meetings.models import AgendaItem
    from ecabinet.meetings.versions import track

    def of_documents(ids: set[int]):
        return (select(AgendaItem.meeting_id)
                .join(ItemDocument, ItemDocument.item_id == AgendaItem.id)
                .where(ItemDocument.document_id.in_(ids)))

    track(ItemDocument, lambda links: select(AgendaItem.meeting_id).where(
        AgendaItem.id.in_({link.item_id for link in links})))
    track(Document, lambda documents: of_documents({d.id for d in documents}))
    track(DocumentVersion, lambda versions: of_documents({v.document_id for v in versions}))


def _requeue_on_first_request(app: Flask) -> None:
    """Without Redis, conversions live in the web process: versions a previous process left
    converting are taken up again, in the worker thread, after the first request."""
    from ecabinet.docs import jobs

    jobs.after_first_request(app, lambda: jobs.requeue_pending(app))


def documents_of_item(user, item) -> list[dict]:
    """The documents of an agenda item that ``user`` may read (the meetings API lists them)."""
    from ecabinet.docs.access import documents_of_item as documents

    return documents(user, item)
