"""Live plumbing: the Socket.IO namespace /live, authenticated at connect.

Features add their events with :func:`ecabinet.live.handlers.live_event`, which gives every
handler the same order as a route: load the caller → check access → call a service → commit once
→ acknowledge with ``{"ok": true, …}`` or ``{"ok": false, "error": {"code", "message"}}``.
"""

from flask import Flask

NAMESPACE = "/live"


def init_app(app: Flask) -> None:
    """Bind every feature's handlers to this app's server; call after the features are loaded."""
    from ecabinet.live import (
        events,  # noqa: F401 - declares the shared handlers
        outbox,
    )
    from ecabinet.live.handlers import bind_handlers

    outbox.install()
    bind_handlers()
