"""The organisations directory: identifiers (mã định danh), symbol codes, names, parents.

The model is :class:`ecabinet.identity.models.Organisation` (users belong to organisations);
this package holds the rules and the ways in: API, admin pages, ``ecabinet orgs``.
"""

from flask import Flask


def init_app(app: Flask) -> None:
    from ecabinet import api
    from ecabinet.organisations.api import blp
    from ecabinet.organisations.cli import orgs_cli
    from ecabinet.organisations.routes import bp

    app.register_blueprint(bp)
    api.register(app, blp)
    app.cli.add_command(orgs_cli)
