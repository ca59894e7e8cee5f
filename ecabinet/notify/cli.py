"""`ecabinet remind`: run from cron every hour; reminds of meetings starting within a day."""

import click
from flask.cli import with_appcontext

from ecabinet.database import unit_of_work
from ecabinet.notify.meetings import remind_upcoming


@click.command("remind")
@with_appcontext
def notify_cli():
    """Send the reminder e-mail of meetings starting within 24 hours (once per meeting)."""
    with unit_of_work():
        reminded = remind_upcoming()
    for meeting in reminded:
        click.echo(f"Reminded the participants of meeting {meeting.id}: {meeting.title}")
    if not reminded:
        click.echo("No meeting to remind of.")
