"""Redis clients that a process's many greenlets share.

redis-py's default pool opens a connection per concurrent command up to 100 and then *fails*
the next one with ``MaxConnectionsError`` ("Too many connections"). Under gevent a hall of 500
tablets disconnecting (or connecting, or joining) at once runs 500 greenlets that each send one
short command: past the 100th they failed — a disconnect left its registry entry behind (to
lapse minutes later), a connect was refused, a join lost its shared snapshot. A blocking pool
makes the greenlet past the limit wait for a connection instead: each command takes a
millisecond or less, so a queue of hundreds drains in well under :data:`WAIT_SECONDS`, and a
Redis that is really gone still fails fast (connecting fails; waiting is only for a free one).
"""

from __future__ import annotations

import redis

#: Connections per client and process: more would not make one Redis (single-threaded) answer
#: sooner, and two workers' clients stay far below its ``maxclients``.
MAX_CONNECTIONS = 32
#: How long a command waits for a free connection before it fails (``ConnectionError``).
WAIT_SECONDS = 10


def shared_client(url: str, **connection_options) -> redis.Redis:
    """A client over a blocking pool of :data:`MAX_CONNECTIONS`; closing it closes the pool."""
    pool = redis.BlockingConnectionPool.from_url(
        url, max_connections=MAX_CONNECTIONS, timeout=WAIT_SECONDS, **connection_options)
    return redis.Redis.from_pool(pool)
