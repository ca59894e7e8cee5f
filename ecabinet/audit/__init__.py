"""The audit trail: who changed what, when and from where, in a hash chain."""

from flask import Flask


def init_app(app: Flask) -> None:
    from ecabinet.audit.cli import audit_cli
    from ecabinet.audit.routes import bp
    from ecabinet.audit.services import install

    install()
    app.register_blueprint(bp)
    app.cli.add_command(audit_cli)
