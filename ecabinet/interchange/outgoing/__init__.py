"""The outgoing side of the interchange: issued decisions sent as edXML packages to the
organisations reached through the axis, their recipients' statuses coming back, the recall,
and the clerk's outgoing register (/interchange/outgoing). See docs/interchange.md."""

from flask import Flask


def init_app(app: Flask) -> None:
    from ecabinet.interchange.installation import register_receiver
    from ecabinet.interchange.outgoing import models  # noqa: F401 - the tables, for migrations
    from ecabinet.interchange.outgoing.routes import bp
    from ecabinet.interchange.outgoing.services import receive_status

    register_receiver("status", receive_status)
    app.register_blueprint(bp)
