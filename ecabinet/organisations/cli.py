"""``ecabinet orgs list / add / import FILE.csv``: the directory from the command line."""

from __future__ import annotations

import csv

import click
from flask.cli import AppGroup

from ecabinet.database import unit_of_work
from ecabinet.errors import DomainError
from ecabinet.extensions import db
from ecabinet.organisations import imports, services

orgs_cli = AppGroup("orgs", help="The organisations directory (identifier, symbol code, name).")


@orgs_cli.command("list")
@click.option("--search", "-s", help="Part of the name, the code or the identifier.")
def list_command(search):
    """One organisation a line: identifier, code, name, parent (tab-separated)."""
    for organisation in db.session.scalars(services.directory_query(search, with_parents=True)):
        parent = organisation.parent
        click.echo("\t".join([
            organisation.identifier or "-", organisation.code or "-", organisation.name,
            (parent.identifier or parent.name) if parent else "-",
            "" if organisation.active else "inactive"]).rstrip("\t"))


@orgs_cli.command("add")
@click.option("--identifier", required=True, help="mã định danh, e.g. 000.00.00.G22")
@click.option("--code", required=True, help="Symbol code for document numbers, e.g. VPCP.")
@click.option("--name", required=True, help="Full name, e.g. 'Văn phòng Chính phủ'.")
@click.option("--address")
@click.option("--email")
@click.option("--telephone")
@click.option("--fax")
@click.option("--website")
@click.option("--parent", help="The parent's identifier, code or name.")
def add_command(parent, **values):
    """Add one organisation."""
    values = {name: value for name, value in values.items() if value is not None}
    try:
        with unit_of_work():
            parent_id = None
            if parent:
                found = services.find(parent)
                if found is None:
                    raise click.ClickException(f"no organisation {parent!r} (the parent)")
                parent_id = found.id
            organisation = services.create(parent_id=parent_id, **values)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Added organisation {organisation.id}: {organisation.identifier} "
               f"{organisation.code} {organisation.name}")


@orgs_cli.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8-sig"))
def import_command(file):
    """Create or update organisations from a CSV file (by identifier; all lines or none).

    Columns: identifier,code,name (required), address, email, telephone, fax, website,
    parent_identifier, active (1 or 0). A column left out is left as it is.
    """
    try:
        reader = csv.DictReader(file)
        imports.check_header([(name or "").strip() for name in reader.fieldnames or []])
        rows = [{(k or "").strip(): (v or "").strip() for k, v in row.items() if k}
                for row in reader]
        with unit_of_work():
            result = imports.import_rows(rows)
    except csv.Error as exc:
        raise click.ClickException(f"not a CSV file ({exc}). Nothing was imported.") from exc
    except UnicodeDecodeError as exc:  # a spreadsheet saved as UTF-16 or in a legacy code page
        raise click.ClickException("the file is not UTF-8 text: save it as \"CSV UTF-8\". "
                                   "Nothing was imported.") from exc
    except DomainError as exc:
        raise click.ClickException(f"{exc.message}\nNothing was imported.") from exc
    click.echo(f"Imported {len(rows)} lines: {result.created} created, {result.updated} "
               f"updated, {result.unchanged} unchanged.")
