"""`ecabinet audit verify`."""

import click
from flask.cli import AppGroup

from ecabinet.audit.services import verify_chain

audit_cli = AppGroup("audit", help="The audit trail.")


@audit_cli.command("verify")
def verify_command():
    """Walk the hash chain; exit non-zero naming the first broken entry."""
    report = verify_chain()
    if report.ok:
        click.echo(f"Audit trail intact: {report.checked} entries verified.")
        return
    where = f"entry #{report.broken_seq}"
    if report.broken_id is not None:
        where += f" (row id {report.broken_id})"
    click.echo(f"Audit trail BROKEN at {where}: {report.reason}. "
               f"{report.checked} entries before it are intact.", err=True)
    raise SystemExit(1)
