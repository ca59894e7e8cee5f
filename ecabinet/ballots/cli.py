"""``ecabinet votes verify RECORD.json``: checks a secret vote's published record.

It imports only this package (and click, PyNaCl), never the app, its configuration or its
database: whoever downloads a record (``GET /api/v1/votes/{id}/record``) can check it on their
own machine with this folder alone: ``cd ecabinet && python -m ballots.cli verify RECORD.json``.
"""

from __future__ import annotations

import json

import click

from .record import verify_record


@click.group("votes", help="Secret votes: check a published record.")
def votes_cli() -> None:
    pass


@votes_cli.command("verify")
@click.argument("record_file", type=click.File("rb"))
def verify_command(record_file) -> None:
    """Recompute a closed secret vote's tally from its record and check every proof.

    Exit status 0 when everything holds, 1 when a check fails (each failure printed with where
    it is), 2 when the file is not a record.
    """
    try:
        record = json.loads(record_file.read())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise click.ClickException(f"{record_file.name} is not JSON: {exc}") from exc
    report = verify_record(record)
    if not report.ok:
        click.echo(f"FAILED: {record_file.name} does not verify "
                   f"({len(report.problems)} problem(s)):", err=True)
        for problem in report.problems:
            click.echo(f"  - {problem}", err=True)
        raise SystemExit(1)
    options = record["vote"]["options"]
    counts = ", ".join(f"{name}: {n}" for name, n in zip(options, report.tally, strict=True))
    click.echo(f"OK: vote {record['vote']['id']}, {report.ballots} ballot(s), "
               f"{len(record['decryptions'])} trustee(s); every proof holds; tally {counts}")


if __name__ == "__main__":
    votes_cli()
