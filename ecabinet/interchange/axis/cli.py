"""``ecabinet axis serve | add-agency | poll | retry``."""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

axis_cli = AppGroup("axis", help="The document interchange axis (trục liên thông).")


def _service_database(url: str | None) -> str:
    """The local service's database: the option, the config, else a SQLite file beside the
    instance's own database (never inside it: the service stands for another party)."""
    return url or current_app.config.get("AXIS_SERVE_DATABASE_URL") or \
        f"sqlite:///{Path(current_app.instance_path) / 'axis-service.db'}"


_database_option = click.option(
    "--database", "database_url", default=None,
    help="SQLAlchemy URL of the service's own database (SQLite file or PostgreSQL); default "
         "ECABINET_AXIS_SERVE_DATABASE_URL, else <instance>/axis-service.db.")


@axis_cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=9290, show_default=True, type=int)
@click.option("--max-bytes", default=None, type=int,
              help="Largest package taken (default ECABINET_AXIS_SERVE_MAX_BYTES, else 30 MB).")
@_database_option
def serve_command(host: str, port: int, max_bytes: int | None, database_url: str | None):
    """A local exchange service (development, demo, tests), speaking the Government Office's
    protocol. Register the agencies with `ecabinet axis add-agency` first."""
    from ecabinet.interchange.axis.server import DEFAULT_MAX_BYTES, LiveServer, create_server_app

    limit = max_bytes or int(current_app.config.get("AXIS_SERVE_MAX_BYTES") or DEFAULT_MAX_BYTES)
    server = LiveServer(create_server_app(_service_database(database_url), max_bytes=limit),
                        host, port)
    click.echo(f" * axis exchange service on {server.url}/ (packages up to {limit} bytes)")
    try:
        server.server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server.server_close()


@axis_cli.command("add-agency")
@click.option("--code", required=True, help="The OrganId (mã định danh), e.g. 000.00.00.G22.")
@click.option("--name", required=True)
@click.option("--system-id", required=True, help="The system (installation) it belongs to.")
@click.option("--secret", prompt=True, hide_input=True, confirmation_prompt=True,
              help="The system's secret (prompted when left out, so it stays out of the "
                   "shell's history).")
@_database_option
def add_agency_command(code: str, name: str, system_id: str, secret: str,
                       database_url: str | None):
    """Register an agency in the local exchange service (a new system gets this secret)."""
    from ecabinet.interchange.axis.server_store import StoreError, open_store

    store = open_store(_service_database(database_url))
    try:
        created = store.add_agency(code, name, system_id, secret)
    except StoreError as refusal:
        raise click.ClickException(refusal.message) from None
    finally:
        store.engine.dispose()
    click.echo(f"{'Added' if created else 'Updated'} agency {code} ({name}) "
               f"for system {system_id}.")


@axis_cli.command("poll")
@click.option("--every", default=0, type=int,
              help="Run again every N seconds until stopped (instead of once).")
def poll_command(every: int):
    """Send what is due in the outbox, then fetch, keep and acknowledge what waits."""
    from ecabinet.interchange.axis.services import poll_once, send_pending
    from ecabinet.interchange.axis.transport import AxisRefused, AxisUnavailable, transport_for

    try:
        transport = transport_for(current_app.config)
    except ValueError as exc:  # a URL without its system id or secret
        raise click.ClickException(str(exc)) from None
    if transport is None:
        raise click.ClickException("no exchange service configured: set ECABINET_AXIS_URL, "
                                   "ECABINET_AXIS_SYSTEM_ID and ECABINET_AXIS_SECRET")
    while True:
        sent = send_pending(transport)
        click.echo(f"outbox: {len(sent.sent)} sent, {len(sent.retried)} to retry, "
                   f"{len(sent.failed)} failed")
        try:
            polled = poll_once(transport)
        except (AxisUnavailable, AxisRefused) as exc:
            if not every:
                raise click.ClickException(exc.message) from None
            click.echo(f"inbox: {exc.message}", err=True)
        else:
            click.echo(f"inbox: {len(polled.stored)} received, {len(polled.acknowledged)} "
                       f"acknowledged, {len(polled.handed_over)} handed over, "
                       f"{len(polled.failed)} failed")
        if not every:
            return
        time.sleep(every)


@axis_cli.command("retry")
@click.argument("outgoing_id", type=int)
def retry_command(outgoing_id: int):
    """Queue a failed outgoing package again, from its first try."""
    from ecabinet.database import unit_of_work
    from ecabinet.errors import DomainError
    from ecabinet.interchange.axis.services import retry_outgoing

    try:
        with unit_of_work():
            retry_outgoing(outgoing_id)
    except DomainError as refusal:
        raise click.ClickException(refusal.message) from None
    click.echo(f"Package {outgoing_id} queued again.")
