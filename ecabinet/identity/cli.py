"""Provisioning from the command line: `ecabinet create-user`, `ecabinet import-users`."""

from __future__ import annotations

import csv
import sys

import click
from flask.cli import with_appcontext

from ecabinet.database import unit_of_work
from ecabinet.errors import DomainError
from ecabinet.identity import services
from ecabinet.organisations import services as organisations


def _interactive() -> bool:
    return sys.stdin.isatty()


@click.command("create-user")
@with_appcontext
@click.option("--email", help="Login e-mail (unique).")
@click.option("--name", help="Full name, e.g. 'Nguyễn Văn A'.")
@click.option("--role", "role", help="admin, secretariat, member, signer, clerk or guest "
              "(several separated by commas).")
@click.option("--password", help="At least 10 characters; prompted for in a terminal.")
@click.option("--totp-secret", help="Base32 TOTP secret, to provision the second factor.")
@click.option("--org", "organisation", help="Organisation name, symbol code or identifier; "
              "it must exist unless --create-org is given.")
@click.option("--create-org", is_flag=True, help="Add the organisation named by --org to the "
              "directory, with --org-identifier and --org-code.")
@click.option("--org-identifier", help="With --create-org: its mã định danh, e.g. 000.00.00.G13.")
@click.option("--org-code", help="With --create-org: its symbol code, e.g. BTP.")
@click.option("--title", help="Position, e.g. 'Bộ trưởng Bộ Tư pháp'.")
def create_user_command(email, name, role, password, totp_secret, organisation, create_org,
                        org_identifier, org_code, title):
    """Create a user; prompts for what is missing when run in a terminal."""
    if (create_org or org_identifier or org_code) and not organisation:
        raise click.UsageError("--create-org, --org-identifier and --org-code go with --org NAME")
    if create_org and not (org_identifier and org_code):
        raise click.UsageError("--create-org needs --org-identifier and --org-code: an "
                               "organisation without them cannot send or number documents")
    if _interactive():
        email = email or click.prompt("E-mail")
        name = name or click.prompt("Name")
        role = role or click.prompt("Role")
        if password is None:
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    missing = [flag for flag, value in
               (("--email", email), ("--name", name), ("--role", role)) if not value]
    if missing:
        raise click.UsageError(f"missing {', '.join(missing)}")
    try:
        with unit_of_work():
            if organisation:
                organisation = _organisation(organisation, create_org, org_identifier,
                                             org_code).name
            user = services.create_user(email=email, name=name, roles=role, password=password,
                                        totp_secret=totp_secret, organisation=organisation,
                                        title=title)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    roles = ", ".join(sorted(r.value for r in user.roles))
    click.echo(f"Created user {user.id}: {user.email} ({roles})")


def _organisation(reference: str, create: bool, identifier: str | None, code: str | None):
    """The user's organisation from the directory. It used to be made on the spot with a bare
    name, which left an organisation without the identifier and the code that documents need:
    now a new one is added only on request, and with both."""
    found = organisations.find(reference)
    if found is not None:
        if create and (found.identifier or "").upper() != (identifier or "").strip().upper():
            raise click.ClickException(
                f"the organisation {found.name!r} exists already with the identifier "
                f"{found.identifier or '(none)'}; leave out --create-org to use it")
        return found
    if not create:
        raise click.ClickException(
            f"no organisation {reference!r} in the directory. Add it first (ecabinet orgs add), "
            f"or pass --create-org --org-identifier … --org-code … to add it now.")
    return organisations.create(name=reference, identifier=identifier, code=code)


@click.command("import-users")
@with_appcontext
@click.argument("roster", type=click.File("r", encoding="utf-8-sig"))
def import_users_command(roster):
    """Create or update users from a CSV roster: email,name,role,organisation,password."""
    reader = csv.DictReader(roster)
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [column for column in ("email", "name", "role") if column not in header]
    if missing:
        raise click.ClickException(
            f"the roster's header lacks {', '.join(missing)}; expected "
            f"{','.join(services.ROSTER_HEADER)}")
    rows = [{(k or "").strip(): (v or "").strip() for k, v in row.items()} for row in reader]
    try:
        with unit_of_work():
            result = services.import_users(rows)
    except DomainError as exc:
        raise click.ClickException(f"{exc.message} Nothing was imported.") from exc
    click.echo(f"Imported {len(rows)} rows: {result.created} created, {result.updated} updated.")
