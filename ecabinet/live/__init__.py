"""Live plumbing: the Socket.IO namespace /live (:mod:`.namespace`), authenticated at connect.

Features add their events with :func:`ecabinet.live.handlers.live_event`, which gives every
handler the same order as a route: load the caller → check access → call a service → commit once
→ acknowledge with ``{"ok": true, …}`` or ``{"ok": false, "error": {"code", "message"}}``.
"""

from flask import Flask


def init_app(app: Flask) -> None:
    """Bind every feature's handlers to this app's server; call after the features are loaded."""
    from ecabinet.identity import signals as identity_signals
    from ecabinet.live import (
        connections,
        events,  # noqa: F401 - declares the shared handlers
    )
    from ecabinet.live.handlers import bind_handlers

    bind_handlers()
    # Module-level functions: blinker keeps each once however many apps are built.
    identity_signals.sessions_ended.connect(connections.on_sessions_ended)
    identity_signals.token_revoked.connect(connections.on_token_revoked)
    identity_signals.signed_out.connect(connections.on_signed_out)
