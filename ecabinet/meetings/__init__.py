"""Meetings: agendas, invitations, live sessions, check-in and quorum, positions, the speaker
queue, votes with majority rules."""

from flask import Flask


def init_app(app: Flask) -> None:
    from ecabinet import api
    from ecabinet.dashboard.sections import register_provider
    from ecabinet.meetings import (
        audit_rules,  # noqa: F401 - how the audit page shows its entries
        early,
        events,  # noqa: F401 - declares the /live handlers
    )
    from ecabinet.meetings.api import blp
    from ecabinet.meetings.dashboard import meeting_news, my_meetings
    from ecabinet.meetings.minutes_api import blp as minutes_blp
    from ecabinet.meetings.minutes_routes import bp as minutes_bp
    from ecabinet.meetings.routes import bp
    from ecabinet.meetings.snapshots import install as joins_follow_changes
    from ecabinet.meetings.versions import init_app as versions_follow_changes

    api.register(app, blp)
    early.install(app)  # a tablet's read of the meeting, before any other hook
    api.register(app, minutes_blp)
    app.register_blueprint(bp)
    app.register_blueprint(minutes_bp)
    register_provider("meetings", my_meetings)
    app.context_processor(meeting_news)
    versions_follow_changes()
    joins_follow_changes()  # meeting.join's shared part: changes move its version
