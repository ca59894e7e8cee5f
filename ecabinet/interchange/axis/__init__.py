"""The transport of packages through the exchange service (the national interchange axis):
its client, a local stand-in (``ecabinet axis serve``), the installation's outbox and inbox,
and the poller. See docs/interchange-transport.md."""

from flask import Flask


def init_app(app: Flask) -> None:
    from ecabinet.interchange.axis import models  # noqa: F401 - the tables, for migrations
    from ecabinet.interchange.axis.cli import axis_cli
    from ecabinet.interchange.axis.runner import start_ticker
    from ecabinet.interchange.axis.services import DEFAULTS

    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    app.cli.add_command(axis_cli)

    if app.config.get("AXIS_URL") and not app.testing:
        @app.before_request
        def _start_polling():
            # At the first request: a serving process polls, a CLI command (a migration) never.
            start_ticker(app)
