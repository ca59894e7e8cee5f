"""`ecabinet audit verify` and `ecabinet audit checkpoint`."""

import tempfile
from pathlib import Path

import click
from flask.cli import AppGroup

audit_cli = AppGroup("audit", help="The audit trail.")


@audit_cli.command("verify")
@click.option("--checkpoint", "copies", multiple=True,
              type=click.Path(exists=True, path_type=Path),
              help="A checkpoint kept elsewhere (the downloaded .zip, a .json with its .p7s and "
                   ".tst beside it, or a folder of them); may be repeated.")
def verify_command(copies):
    """Walk the hash chain and check it against every signed checkpoint; exit non-zero naming
    the first broken entry, a rewrite or truncation before a checkpoint, a bad or missing
    checkpoint."""
    from ecabinet.audit import checkpoint_verify

    with tempfile.TemporaryDirectory() as scratch:
        kept = []
        for n, path in enumerate(copies):
            try:
                kept += checkpoint_verify.load_copies(path, Path(scratch) / str(n))
            except ValueError as exc:
                raise click.BadParameter(str(exc), param_hint="--checkpoint") from exc
        chain, report = checkpoint_verify.verify(kept)
    if not chain.ok:
        where = f"entry #{chain.broken_seq}"
        if chain.broken_id is not None:
            where += f" (row id {chain.broken_id})"
        click.echo(f"Audit trail BROKEN at {where}: {chain.reason}. "
                   f"{chain.checked} entries before it are intact.", err=True)
    for problem in report.problems:
        click.echo(f"Audit checkpoints BROKEN: {problem}.", err=True)
    for warning in report.warnings:
        click.echo(f"Warning: {warning}.", err=True)
    if not chain.ok or not report.ok:
        raise SystemExit(1)
    message = f"Audit trail intact: {chain.checked} entries verified"
    if report.latest is not None:
        latest = report.latest
        message += (f"; {report.checked} checkpoint(s) verified, the latest (#{latest.checkpoint}"
                    f", {latest.time:%Y-%m-%d %H:%M} UTC) covers entry {latest.tree_size}")
    click.echo(message + ".")


@audit_cli.command("checkpoint")
def checkpoint_command():
    """Sign and time-stamp the chain's head if it moved (run it hourly from cron); time-stamp
    the checkpoints made while the TSA was down."""
    from ecabinet.audit import checkpoints

    try:
        made = checkpoints.make("command")
    except checkpoints.CheckpointError as exc:
        raise click.ClickException(f"No checkpoint made: {exc}.") from exc
    for number in made.stamped_later:
        click.echo(f"Time-stamped checkpoint {number}.")
    item = made.checkpoint
    if item is None:
        click.echo("No checkpoint needed: nothing new since the last one.")
        return
    stamp = ("time-stamped" if item.timestamped else
             "NOT time-stamped: the TSA is unreachable; the next run stamps it")
    click.echo(f"Checkpoint {item.checkpoint}: entries 1–{item.tree_size}, head "
               f"{item.head_hash[:16]}…, signed and {stamp}.")
