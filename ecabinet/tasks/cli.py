"""`ecabinet tasks remind`: run from cron (or a scheduler) every hour; each task is mailed about
at most once a day."""

import click
from flask.cli import AppGroup

from ecabinet.database import unit_of_work
from ecabinet.tasks import reminders

tasks_cli = AppGroup("tasks", help="The follow-up of the tasks the Government assigns.")


@tasks_cli.command("remind")
def remind_command():
    """Remind the lead organisations' liaisons of tasks due within a week; warn of late ones."""
    with unit_of_work():
        sent = reminders.remind()
    for task, users in sent:
        names = ", ".join(user.name for user in users)
        click.echo(f"Task {task.id} due {task.deadline.isoformat()}: mailed {names}")
    if not sent:
        click.echo("No task to remind of.")
