from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ecabinet.database import unit_of_work
from ecabinet.demo.services import seed


@click.command("seed-demo")
@with_appcontext
@click.option("--quiet", is_flag=True, help="Print the accounts only when something was created.")
def seed_demo_command(quiet: bool):
    """Create the demo government (idempotent) and print the demo accounts."""
    credentials_file = Path(current_app.instance_path) / "demo-accounts.json"
    with unit_of_work():
        result = seed(credentials_file)
    if quiet and not result.created:
        click.echo(f"Demo data present. Accounts: {credentials_file}")
        return
    click.echo(f"Demo data: {len(result.created)} created. Demo accounts "
               f"(also in {credentials_file}):")
    for account in result.accounts:
        line = f"  {account.email:32} {account.password or '(unchanged)':14} " \
               f"{','.join(account.roles):16} {account.title}"
        if account.totp_secret:
            line += f"\n  {'':32} TOTP secret {account.totp_secret} (for an authenticator app)"
        click.echo(line)
