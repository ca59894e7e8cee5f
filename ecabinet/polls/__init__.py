"""Written polls of the Government's members between meetings (phiếu lấy ý kiến)."""

from flask import Flask


def init_app(app: Flask) -> None:
    from ecabinet import api
    from ecabinet.dashboard.sections import register_provider
    from ecabinet.docs.access import grant_reading
    from ecabinet.polls import audit_rules  # noqa: F401 - how the audit page shows its entries
    from ecabinet.polls.access import documents_read_through_polls, reads_through_poll
    from ecabinet.polls.api import blp
    from ecabinet.polls.cli import polls_cli
    from ecabinet.polls.dashboard import polls_to_answer, polls_under_way
    from ecabinet.polls.routes import bp

    app.register_blueprint(bp)
    api.register(app, blp)
    app.cli.add_command(polls_cli)
    register_provider("polls", polls_to_answer)
    register_provider("polls_followup", polls_under_way)
    grant_reading(reads_through_poll, sql=documents_read_through_polls)
