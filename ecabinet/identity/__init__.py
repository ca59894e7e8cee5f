"""Identity: organisations, users and roles, sign-in with a second factor, API tokens."""

from flask import Flask


def init_app(app: Flask) -> None:
    from ecabinet import api
    from ecabinet.identity import access  # noqa: F401 - registers the Flask-Login loaders
    from ecabinet.identity.api import blp
    from ecabinet.identity.cli import create_user_command, import_users_command
    from ecabinet.identity.routes import bp

    if app.config.get("PASSWORD_HASH_CHEAP"):
        from ecabinet.identity import passwords

        passwords.use_cheapest_parameters()
    app.register_blueprint(bp)
    api.register(app, blp)
    app.cli.add_command(create_user_command)
    app.cli.add_command(import_users_command)
