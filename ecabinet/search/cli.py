"""`ecabinet search reindex`: rebuild the search index from every document's latest PDF."""

import click
from flask import current_app
from flask.cli import AppGroup

from ecabinet.database import unit_of_work
from ecabinet.search import jobs, services

search_cli = AppGroup("search", help="Full-text search over documents.")


@search_cli.command("reindex")
def reindex_command():
    """Extract and index again the latest ready version of every document, and forget what
    no longer exists. One short transaction per document: the app keeps running meanwhile."""
    app = current_app._get_current_object()
    with unit_of_work():
        document_ids = services.documents_to_index()
    indexed = sum(1 for document_id in document_ids if jobs.run_index(document_id, app))
    with unit_of_work():
        removed = services.remove_stale()
        services.record_reindex(indexed, removed)
    click.echo(f"Indexed {indexed} document(s); removed {removed} stale entr"
               f"{'y' if removed == 1 else 'ies'}.")
