"""The Socket.IO namespace /live, and what services send on it.

Its own module, below everything else of :mod:`ecabinet.live`: features and the live plumbing
import it, and the package's ``init_app`` imports them.
"""

from __future__ import annotations

from ecabinet.database import on_commit
from ecabinet.extensions import socketio

NAMESPACE = "/live"


def emit_after_commit(name: str, payload: dict, *, room: str) -> None:
    """Send ``name`` to ``room`` once the current transaction commits, never if it rolls back:
    a tablet never hears of a change that did not happen."""
    on_commit(lambda: socketio.emit(name, payload, to=room, namespace=NAMESPACE))
