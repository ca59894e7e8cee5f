"""`ecabinet storage sweep`: remove old cached packs and the stored files nothing refers to."""

from datetime import timedelta

import click
from flask.cli import AppGroup

from ecabinet import storage_sweep

storage_cli = AppGroup("storage", help="Stored file bytes (STORAGE_DIR).")

#: Below this, a transaction that has stored its bytes but not committed yet could lose them.
MIN_GRACE_HOURS = 1.0


def _size(count: int) -> str:
    value = float(count)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{count} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


@storage_cli.command("sweep")
@click.option("--dry-run", is_flag=True, help="Report what would be removed; remove nothing.")
@click.option("--grace-hours", type=click.FloatRange(min=MIN_GRACE_HOURS), default=24.0,
              show_default=True,
              help="Keep anything written more recently than this (a transaction that has "
                   "stored its bytes may not have committed yet).")
def sweep_command(dry_run: bool, grace_hours: float):
    """Remove cached meeting packs older than the grace period, then every stored file that no
    row and no audit entry names and that is older than the grace period, and the temporary
    files of interrupted writes. Run it while the app runs: nothing recent is touched."""
    report = storage_sweep.sweep(timedelta(hours=grace_hours), dry_run=dry_run)
    verb = "Would remove" if dry_run else "Removed"
    if dry_run:
        click.echo("Dry run: nothing was removed.")
    click.echo(f"{verb} {report.packs_removed} cached meeting pack(s) older than "
               f"{grace_hours:g} h.")
    click.echo(f"{verb} {report.files_removed} unreferenced file(s), "
               f"{_size(report.bytes_removed)}.")
    click.echo(f"{verb} {report.temp_removed} temporary file(s) of interrupted writes, "
               f"{_size(report.temp_bytes_removed)}.")
    click.echo(f"Kept {report.kept_referenced} referenced file(s) and {report.kept_recent} "
               f"unreferenced file(s) newer than the grace period.")
    if report.ignored:
        click.echo(f"Left alone {report.ignored} entr{'y' if report.ignored == 1 else 'ies'} "
                   f"not named like a stored file.")
    if report.errors:
        click.echo(f"{report.errors} file(s) could not be removed: see the log.", err=True)
        raise SystemExit(1)
