"""The `ecabinet` console script: a Flask CLI group (`flask --app wsgi …` works the same)."""

from __future__ import annotations

import os

import click
from flask.cli import FlaskGroup, routes_command, shell_command

from ecabinet import create_app
from ecabinet.ballots.cli import votes_cli


@click.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--debug/--no-debug", default=False)
@click.pass_context
def run_command(ctx, host: str, port: int, debug: bool):
    """The development server, sockets included (Werkzeug, threading mode)."""
    from flask.cli import ScriptInfo

    from ecabinet.extensions import socketio
    from ecabinet.serving import settle_startup_heap

    app = ctx.ensure_object(ScriptInfo).load_app()
    settle_startup_heap()
    # FlaskGroup marks the process as "run from the CLI", which makes app.run() (called by
    # socketio.run in threading mode) return at once; this command is the server, so unmark it.
    os.environ.pop("FLASK_RUN_FROM_CLI", None)
    click.echo(f" * ecabinet on http://{host}:{port}/ (async mode: {socketio.async_mode})")
    socketio.run(app, host=host, port=port, debug=debug, use_reloader=False,
                 allow_unsafe_werkzeug=True, log_output=debug)


def _create_cli_app():
    return create_app()


cli = FlaskGroup(create_app=_create_cli_app, add_default_commands=False,
                 help="ecabinet: paperless cabinet meetings.")
cli.add_command(run_command)
cli.add_command(shell_command)
cli.add_command(routes_command)
# Needs no app: a published record is checked with the protocol code alone.
cli.add_command(votes_cli)


def main() -> None:
    cli.main(prog_name="ecabinet")
