"""The home page: what waits for the signed-in user."""

from flask import Flask


def init_app(app: Flask) -> None:
    from ecabinet.dashboard.routes import bp

    app.register_blueprint(bp)
