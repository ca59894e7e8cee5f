"""`ecabinet polls remind`: run from cron (or a scheduler) every hour."""

import click
from flask.cli import AppGroup

from ecabinet.database import unit_of_work
from ecabinet.polls import services

polls_cli = AppGroup("polls", help="Written polls.")


@polls_cli.command("remind")
def remind_command():
    """Remind members who have not answered a poll due within a day; list overdue polls."""
    with unit_of_work():
        due = services.remind()
    for poll, users in due:
        names = ", ".join(user.name for user in users)
        click.echo(f"Poll {poll.id} due {poll.deadline.isoformat()}: reminded {names}")
    for poll in services.overdue():
        click.echo(f"OVERDUE poll {poll.id}: deadline {poll.deadline.isoformat()} passed, "
                   f"{len(poll.recipients) - len(poll.responses)} without an answer")
