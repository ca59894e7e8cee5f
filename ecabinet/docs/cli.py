"""`ecabinet docs worker`: the conversion worker when ECABINET_REDIS_URL is set;
`ecabinet docs requeue`: take up again the versions left converting."""

import click
from flask import current_app
from flask.cli import AppGroup

from ecabinet.docs import converter, jobs

docs_cli = AppGroup("docs", help="Documents: the conversion worker.")


@docs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker_command(burst: bool):
    """Convert uploaded .docx to PDF, one at a time, with this process's own LibreOffice.
    Run one per core."""
    from redis import Redis
    from rq import Queue

    app = current_app._get_current_object()
    redis_url = app.config.get("REDIS_URL")
    if not redis_url:
        raise click.ClickException("ECABINET_REDIS_URL is not set: without Redis, documents are "
                                   "converted inside the web process and no worker is needed.")
    requeued = jobs.requeue_pending(app)
    if requeued:
        click.echo(f"Requeued {requeued} version(s) left converting.")
    # SimpleWorker runs jobs in this process (no fork per job), so LibreOffice stays warm.
    with Redis.from_url(redis_url) as connection:
        queue = Queue(app.config["DOCUMENT_QUEUE"], connection=connection)
        worker = jobs.worker_for([queue], connection)
        try:
            worker.work(burst=burst)
        finally:
            converter.close_for(app.config)


@docs_cli.command("requeue")
def requeue_command():
    """Enqueue again every version still converting (after a worker stopped mid-way)."""
    count = jobs.requeue_pending(current_app._get_current_object())
    if not current_app.config.get("REDIS_URL"):
        jobs.local_worker().wait_idle(timeout=3600)
    click.echo(f"Requeued {count} version(s).")
