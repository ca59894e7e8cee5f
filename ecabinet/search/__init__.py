"""Full-text search over the documents a reader may see.

- :mod:`.text` folds Vietnamese ("quyet dinh" finds "Quyết định"), reads queries, cuts snippets;
- :mod:`.extract` the text of a PDF (``pdftotext``);
- :mod:`.services` indexing and searching, on SQLite (FTS5) and PostgreSQL (unaccent + GIN);
- :mod:`.jobs` indexing each version as its PDF becomes ready
  (:data:`ecabinet.docs.signals.version_ready`);
- :mod:`.api` ``GET /api/v1/search``; :mod:`.routes` the page ``/search``;
- :mod:`.cli` ``ecabinet search reindex``.

Configuration (app config; embedded defaults): ``SEARCH_INLINE_MAX_PAGES`` (50: longer PDFs
are indexed after the upload commits, in the documents' job queue), ``SEARCH_EXTRACT_TIMEOUT``
(60 s for ``pdftotext``), ``SEARCH_MAX_TEXT_CHARS`` (2,000,000 characters of text kept per
document), ``SEARCH_MAX_CANDIDATES`` (50: matching documents checked one by one against the
reading rules other features add).
"""

from __future__ import annotations

from flask import Flask

DEFAULTS = {
    "SEARCH_INLINE_MAX_PAGES": 50,
    "SEARCH_EXTRACT_TIMEOUT": 60,
    "SEARCH_MAX_TEXT_CHARS": 2_000_000,
    "SEARCH_MAX_CANDIDATES": 50,
}


def init_app(app: Flask) -> None:
    from ecabinet import api
    from ecabinet.docs.signals import version_ready
    from ecabinet.search import models  # noqa: F401 - the table, for migrations
    from ecabinet.search.api import blp
    from ecabinet.search.cli import search_cli
    from ecabinet.search.jobs import on_version_ready
    from ecabinet.search.routes import bp

    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    api.register(app, blp)
    app.register_blueprint(bp)
    app.cli.add_command(search_cli)
    # A module-level function: blinker keeps one reference however many apps connect.
    version_ready.connect(on_version_ready)
    _skip_full_text_index_in_migrations(app)
    if not app.testing:
        _index_the_missing_after_first_request(app)


def _index_the_missing_after_first_request(app: Flask) -> None:
    """A database upgraded to search has documents nobody indexed: after the first request,
    their indexing is queued (the documents' worker thread, or RQ), as ``ecabinet search
    reindex`` would do. Documents whose indexing failed are retried the same way."""
    from ecabinet.docs import jobs as document_jobs
    from ecabinet.search import jobs

    document_jobs.after_first_request(app, lambda: jobs.index_missing(app))


def _skip_full_text_index_in_migrations(app: Flask) -> None:
    """``flask db migrate`` (and the models-versus-migrations test) must not see the FTS5
    tables or the GIN index as strays to drop: they are made by hand in the migration."""
    from ecabinet.search.models import include_in_schema_comparison

    options = app.extensions["migrate"].configure_args
    previous = options.get("include_name")
    if previous is None:
        options["include_name"] = include_in_schema_comparison
    elif previous is not include_in_schema_comparison:
        options["include_name"] = lambda name, type_, parents: (
            previous(name, type_, parents) and include_in_schema_comparison(name, type_, parents))
