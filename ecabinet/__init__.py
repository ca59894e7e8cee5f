"""ecabinet: paperless cabinet meetings, document circulation and signed decisions."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from ecabinet import config as config_module
from ecabinet.extensions import babel, csrf, db, limiter, login_manager, migrate, socketio
from ecabinet.live.packets import Packet


def create_app(config: dict | None = None) -> Flask:
    """Build the application: defaults, then the environment, then ``config`` (tests)."""
    instance = (config or {}).get("INSTANCE_PATH") or os.environ.get("ECABINET_INSTANCE_DIR")
    app = Flask(__name__, instance_path=instance or None)
    app.config.from_mapping(config_module.FIXED)
    environ = {} if config and config.get("TESTING") else os.environ
    app.config.from_mapping(config_module.from_environment(Path(app.instance_path), environ))
    if config:
        app.config.from_mapping(config)
    config_module.make_private_folder(Path(app.instance_path))
    if app.config.get("TRUSTED_PROXIES"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        # The client's address is what the nearest trusted proxy saw; with no proxy declared,
        # X-Forwarded-For is a header anyone can write and is ignored.
        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    _init_extensions(app)
    _register_features(app)
    return app


def _init_extensions(app: Flask) -> None:
    from ecabinet import database, i18n, inputs, security

    inputs.init_app(app)  # first: the id converter must be there before any URL rule
    db.init_app(app)
    database.configure_engine_events()
    migrate.init_app(app, db, directory=str(Path(__file__).parent.parent / "migrations"),
                     render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    # Counters shared by every worker when Redis is there; per process otherwise.
    if not app.config.get("RATELIMIT_STORAGE_URI"):
        app.config["RATELIMIT_STORAGE_URI"] = app.config.get("REDIS_URL") or "memory://"
    if app.config["RATELIMIT_STORAGE_URI"].startswith(("redis", "rediss")):
        # A Redis that does not answer fails the check quickly and the in-memory fallback
        # takes over, instead of every sign-in hanging on it.
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {
            "socket_connect_timeout": 1, "socket_timeout": 1})
    limiter.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    i18n.init_app(app)
    login_manager.init_app(app)
    security.init_app(app)
    live_options = {"async_mode": app.config.get("ASYNC_MODE", "threading"),
                    "cors_allowed_origins": app.config.get("SOCKETIO_CORS_ORIGINS"),
                    "serializer": Packet}  # a faster look for bytes in what is sent
    if app.config.get("REDIS_URL"):
        live_options["message_queue"] = app.config["REDIS_URL"]
        # Its own channel: two deployments (or test runs) on one Redis never hear each other.
        live_options["channel"] = app.config.get("LIVE_CHANNEL", "ecabinet")
    else:
        # The singleton keeps options between apps; an app without Redis gets the in-process
        # manager, not the previous app's queue.
        live_options["client_manager"] = None
    socketio.init_app(app, **live_options)


def _register_features(app: Flask) -> None:
    from ecabinet import (
        api,
        audit,
        consultation,
        dashboard,
        decisions,
        demo,
        docs,
        error_handlers,
        identity,
        live,
        meetings,
        notify,
        organisations,
        packs,
        polls,
        search,
        signing,
        tasks,
    )
    from ecabinet.interchange import axis, incoming, outgoing

    error_handlers.init_app(app)
    api.init_app(app)
    identity.init_app(app)
    organisations.init_app(app)
    audit.init_app(app)
    dashboard.init_app(app)
    meetings.init_app(app)
    notify.init_app(app)
    polls.init_app(app)
    docs.init_app(app)
    consultation.init_app(app)
    packs.init_app(app)
    search.init_app(app)
    signing.init_app(app)
    decisions.init_app(app)
    axis.init_app(app)
    tasks.init_app(app)
    incoming.init_app(app)
    outgoing.init_app(app)
    live.init_app(app)  # last: binds every feature's socket handlers
    demo.init_app(app)

    from ecabinet.storage_cli import storage_cli

    app.cli.add_command(storage_cli)
