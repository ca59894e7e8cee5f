"""``ecabinet votes verify RECORD.json``: checks a secret vote's published record;
``ecabinet votes verify-receipt RECEIPT.json [RECORD.json]``: a named ballot's receipt.

It imports only this package (and click, PyNaCl), never the app, its configuration or its
database: whoever downloads a record (``GET /api/v1/votes/{id}/record``) can check it on their
own machine with this folder alone: ``cd ecabinet && python -m ballots.cli verify RECORD.json``.
"""

from __future__ import annotations

import json

import click

from .named_receipts import verify_receipt
from .record import verify_record


def _load(file) -> dict:
    try:
        return json.loads(file.read())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise click.ClickException(f"{file.name} is not JSON: {exc}") from exc


@click.group("votes", help="Votes: check a published record, or a named ballot's receipt.")
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


@votes_cli.command("verify-receipt")
@click.argument("receipt_file", type=click.File("rb"))
@click.argument("record_file", type=click.File("rb"), required=False)
@click.option("--key", help="the receipt key's public half (hex) to trust; default: the "
                            "record's")
def verify_receipt_command(receipt_file, record_file, key) -> None:
    """Check a named ballot's receipt: the server's signature, and with RECORD.json (the
    closed vote's record, GET /api/v1/votes/{id}/record) that the published named list says
    the same choice for the same member.

    Exit status 0 when it holds, 1 when a check fails (each failure printed), 2 on bad files.
    """
    receipt = _load(receipt_file)
    record = _load(record_file) if record_file is not None else None
    report = verify_receipt(receipt, record, key)
    if not report.ok:
        click.echo(f"FAILED: {receipt_file.name} does not verify:", err=True)
        for problem in report.problems:
            click.echo(f"  - {problem}", err=True)
        raise SystemExit(1)
    statement = receipt["statement"]
    against = "the published list agrees" if record is not None else \
        "no record given: only the signature was checked"
    click.echo(f"OK: vote {statement['vote_id']}, member {statement['member']['id']} "
               f"({statement['member']['name']}), {statement['choice']}; signed by "
               f"{receipt['public_key'][:16]}…; {against}")


if __name__ == "__main__":
    votes_cli()
