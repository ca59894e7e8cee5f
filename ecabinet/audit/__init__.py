"""The audit trail: who changed what, when and from where, in a hash chain whose head is
signed and time-stamped at checkpoints kept outside the database (:mod:`.checkpoints`).

Configuration (app config; see :data:`.checkpoints.DEFAULTS`): ``AUDIT_CHECKPOINT_EVERY``,
``AUDIT_CHECKPOINT_INTERVAL_SECONDS``, ``AUDIT_CHECKPOINT_ACTIONS``, ``AUDIT_SEAL_ORGANISATION``,
``AUDIT_SEAL_PIN``, ``AUDIT_CHECKPOINT_DIR``, ``AUDIT_LINK_AFTER_COMMIT``.
"""

from flask import Flask


def init_app(app: Flask) -> None:
    from ecabinet import api
    from ecabinet.audit import checkpoint_schedule, checkpoints, linker
    from ecabinet.audit.api import blp
    from ecabinet.audit.cli import audit_cli
    from ecabinet.audit.routes import bp
    from ecabinet.audit.services import install

    for key, value in checkpoints.DEFAULTS.items():
        app.config.setdefault(key, value)
    # A ballot's entry is linked into the chain right after its commit (PostgreSQL): see
    # ecabinet/audit/linker.py. False chains every entry at its commit.
    app.config.setdefault("AUDIT_LINK_AFTER_COMMIT", True)
    install()
    linker.install()
    checkpoint_schedule.install()
    app.register_blueprint(bp)
    api.register(app, blp)
    app.cli.add_command(audit_cli)
