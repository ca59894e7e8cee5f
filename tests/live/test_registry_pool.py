"""A hall of tablets disconnecting at once: every greenlet removes its connection from the Redis
registry at the same moment. redis-py's default pool failed each command past its 100th
connection ("Too many connections", seen in every 500-tablet bench run); the registry's pool
makes them wait for a free connection instead (ecabinet/redis_pools.py)."""

from __future__ import annotations

import secrets
import threading

import pytest
import redis

from ecabinet.live import connections
from tests.live.test_production_server import REDIS_URL, _redis_available

needs_redis = pytest.mark.skipif(not _redis_available(), reason=f"no Redis at {REDIS_URL}")


@pytest.fixture
def registry():
    prefix = f"ecabinet-test-{secrets.token_hex(6)}:live-connections"
    found = connections.RedisRegistry(REDIS_URL, prefix=prefix)
    yield found
    found.close()
    with redis.Redis.from_url(REDIS_URL) as client:
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)


@needs_redis
def test_a_disconnect_waits_for_a_connection_when_every_one_is_busy(registry):
    """Every connection of the pool busy (as when hundreds of disconnects run at once): the next
    removal waits for one to come back, and succeeds."""
    registry.add("tablet", 7, 70)
    pool = registry._redis.connection_pool
    held = [pool.get_connection() for _ in range(pool.max_connections)]
    outcome = []

    def remove():
        try:
            registry.remove("tablet")
            outcome.append("removed")
        except connections.RegistryUnavailable as error:
            outcome.append(error)

    remover = threading.Thread(target=remove)
    remover.start()
    remover.join(0.2)
    assert remover.is_alive() and not outcome, outcome  # waiting, not failed
    for connection in held:
        pool.release(connection)
    remover.join(5)
    assert outcome == ["removed"]
    assert registry.sids(token_id=70) == []


@needs_redis
def test_many_disconnects_at_once_all_succeed(registry):
    """More removals at once than the pool has connections: none fails."""
    count = registry._redis.connection_pool.max_connections * 4
    for number in range(count):
        registry.add(f"tablet-{number}", 7, 70)
    start, failures = threading.Barrier(count), []

    def remove(sid):
        start.wait()
        try:
            registry.remove(sid)
        except connections.RegistryUnavailable as error:
            failures.append(error)

    removers = [threading.Thread(target=remove, args=(f"tablet-{n}",)) for n in range(count)]
    for remover in removers:
        remover.start()
    for remover in removers:
        remover.join(10)
    assert failures == []
    assert registry.sids(user_id=7) == []
