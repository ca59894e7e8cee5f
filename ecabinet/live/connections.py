"""Who is connected to /live, so that ending a user's sessions or revoking a token cuts their
open connections at once.

Every event a connection sends is checked again (:func:`ecabinet.live.handlers.connected_user`),
but broadcasts are not: a connection stays in its meeting rooms until it disconnects. So the
connect handler registers each connection (its sid, user id and token id) and
:func:`end_connections` disconnects them once the transaction that revoked commits.

With ``REDIS_URL`` set a connection may live on any worker, so the registry is in Redis and the
disconnect goes through the Socket.IO message queue (python-socketio's ``PubSubManager``
forwards it to the worker that holds the sid). Without Redis there is one process, and a dict
of that process is the whole truth.

A connection that authenticates just while its credentials are being revoked can slip past
(read before the revocation commits, registered after it looked): harmless, because every room
is joined through an event, and events from it are refused. Broadcasts to the whole namespace
would change that; there are none.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import redis
from flask import current_app

from ecabinet.database import on_commit
from ecabinet.extensions import socketio
from ecabinet.live.namespace import NAMESPACE
from ecabinet.redis_pools import shared_client

log = logging.getLogger(__name__)

#: Each worker writes its own connections again every REFRESH_SECONDS; an entry not written
#: again within EXPIRY_SECONDS is gone. A crashed worker's connections died with it (their
#: tablets reconnect elsewhere and register anew), so its entries only cost a disconnect
#: message for a sid nobody holds: they must not live forever, but need not go fast. A live
#: connection's entry must never lapse, or a revocation would miss it: five refreshes fit in an
#: expiry, so a slow loop or a Redis hiccup of a few minutes costs nothing, and the next
#: successful refresh writes everything again. Scores are wall-clock seconds: the workers'
#: clocks are assumed NTP-synchronised (seconds of skew against minutes of expiry).
REFRESH_SECONDS = 60
EXPIRY_SECONDS = 300

_EXTENSION_KEY = "ecabinet_live_connections"

#: What a connection is known by: (user id, token id, sign-in id). A bearer token's connection
#: has a token id; a browser's has the id of the sign-in its cookie carries (``login_id`` in the
#: session, new at each sign-in), so signing out cuts that browser's connections only.
Entry = tuple[int, int | None, str | None]


class RegistryUnavailable(Exception):
    """The shared registry (Redis) could not be reached."""


class LocalRegistry:
    """The connections of this process; all of them when there is one process (no Redis)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, Entry] = {}  # sid -> entry

    def add(self, sid: str, user_id: int, token_id: int | None,
            login_id: str | None = None) -> None:
        with self._lock:
            self._entries[sid] = (user_id, token_id, login_id)

    def remove(self, sid: str) -> Entry | None:
        with self._lock:
            return self._entries.pop(sid, None)

    def sids(self, *, user_id: int | None = None, token_id: int | None = None,
             login_id: str | None = None) -> list[str]:
        """The sids of one token, or one sign-in, or else of one user."""
        with self._lock:
            if token_id is not None:
                return [sid for sid, entry in self._entries.items() if entry[1] == token_id]
            if login_id is not None:
                return [sid for sid, entry in self._entries.items() if entry[2] == login_id]
            return [sid for sid, entry in self._entries.items() if entry[0] == user_id]

    def entries(self) -> dict[str, Entry]:
        with self._lock:
            return dict(self._entries)

    def own_entries(self) -> dict[str, Entry]:
        """The connections this process holds (all of them, here)."""
        return self.entries()

    def start_refreshing(self) -> None:
        """Nothing expires here: a process's dict dies with the process."""


class RedisRegistry:
    """The connections of every worker: a sorted set per user and per token, members the sids,
    scores the time each entry lapses unless its worker writes it again (see
    :data:`EXPIRY_SECONDS`); the keys expire too, so a user who is gone leaves nothing."""

    def __init__(self, url: str, *, prefix: str, clock: Callable[[], float] = time.time):
        # Blocking pool: 500 tablets disconnecting at once must wait their turn for a
        # connection, not fail past the default pool's 100 (ecabinet/redis_pools.py).
        self._redis = shared_client(url, socket_timeout=5, socket_connect_timeout=5)
        self._prefix = prefix
        self._clock = clock
        self._own = LocalRegistry()  # this worker's connections: what it refreshes
        self._lock = threading.Lock()
        self._refreshing = False

    def user_key(self, user_id: int) -> str:
        return f"{self._prefix}:user:{user_id}"

    def token_key(self, token_id: int) -> str:
        return f"{self._prefix}:token:{token_id}"

    def login_key(self, login_id: str) -> str:
        return f"{self._prefix}:login:{login_id}"

    def _keys(self, user_id: int, token_id: int | None, login_id: str | None = None
              ) -> list[str]:
        keys = [self.user_key(user_id)]
        if token_id is not None:
            keys.append(self.token_key(token_id))
        if login_id is not None:
            keys.append(self.login_key(login_id))
        return keys

    def add(self, sid: str, user_id: int, token_id: int | None,
            login_id: str | None = None) -> None:
        self._write({sid: (user_id, token_id, login_id)})
        self._own.add(sid, user_id, token_id, login_id)

    def remove(self, sid: str) -> None:
        entry = self._own.remove(sid)  # no longer refreshed: it lapses even if Redis fails now
        if entry is None:
            return
        try:
            with self._redis.pipeline() as pipe:
                for key in self._keys(*entry):
                    pipe.zrem(key, sid)
                pipe.execute()
        except redis.RedisError as error:
            raise RegistryUnavailable(str(error)) from error

    def sids(self, *, user_id: int | None = None, token_id: int | None = None,
             login_id: str | None = None) -> list[str]:
        if token_id is not None:
            key = self.token_key(token_id)
        elif login_id is not None:
            key = self.login_key(login_id)
        else:
            key = self.user_key(user_id)
        try:
            members = self._redis.zrangebyscore(key, self._clock(), "+inf")
        except redis.RedisError as error:
            raise RegistryUnavailable(str(error)) from error
        return [member.decode() for member in members]

    def own_entries(self) -> dict[str, Entry]:
        """The connections this worker holds."""
        return self._own.entries()

    def refresh(self) -> None:
        """Write this worker's connections again with a new expiry."""
        entries = self._own.entries()
        if entries:
            self._write(entries)

    def _write(self, entries: dict[str, Entry]) -> None:
        now = self._clock()
        try:
            with self._redis.pipeline() as pipe:  # MULTI: all the keys of a sid or none
                for sid, entry in entries.items():
                    for key in self._keys(*entry):
                        pipe.zadd(key, {sid: now + EXPIRY_SECONDS})
                        pipe.zremrangebyscore(key, "-inf", now)  # lapsed entries
                        # Every write pushes the key's expiry to its newest member's.
                        pipe.expire(key, EXPIRY_SECONDS)
                pipe.execute()
        except redis.RedisError as error:
            raise RegistryUnavailable(str(error)) from error

    def close(self) -> None:
        """Let go of the Redis connections (a worker keeps its registry for its whole life)."""
        self._redis.close()

    def start_refreshing(self) -> None:
        """Start this worker's refresh loop once (a greenlet under gevent, a thread otherwise)."""
        with self._lock:
            if self._refreshing:
                return
            self._refreshing = True
        socketio.start_background_task(self._refresh_forever)

    def _refresh_forever(self) -> None:
        while True:
            socketio.sleep(REFRESH_SECONDS)
            try:
                self.refresh()
            except Exception:  # the loop must outlive any failure, or the entries lapse
                log.exception("could not refresh the live connections in Redis")


Registry = LocalRegistry | RedisRegistry


def registry() -> Registry:
    """This app's registry: in Redis when the app has ``REDIS_URL``, else in this process."""
    app = current_app._get_current_object()
    found = app.extensions.get(_EXTENSION_KEY)
    if found is None:
        if app.config.get("REDIS_URL"):
            # The deployment's channel names the keys too: two deployments (or test runs)
            # sharing one Redis never see each other's connections.
            prefix = f"{app.config.get('LIVE_CHANNEL', 'ecabinet')}:live-connections"
            found = RedisRegistry(app.config["REDIS_URL"], prefix=prefix)
        else:
            found = LocalRegistry()
        found = app.extensions.setdefault(_EXTENSION_KEY, found)
    return found


def register(sid: str, user_id: int, token_id: int | None, login_id: str | None = None) -> None:
    """Note a connection that has just authenticated: with a token, or (``token_id`` None) a
    browser's sign-in.

    Raises :class:`RegistryUnavailable` when it cannot be noted: the caller refuses the
    connection then, since a revocation could not find it.
    """
    found = registry()
    found.add(sid, user_id, token_id, login_id)
    found.start_refreshing()
    _start_watching(current_app._get_current_object())


# --- what the registry cannot be told ------------------------------------------------------------

#: How often each process checks the credentials of the connections it holds.
WATCH_SECONDS = 30


def lapsed(entries: dict[str, Entry]) -> list[str]:
    """The sids among ``entries`` whose token ran out or was revoked, whose browser sign-in
    ran out or was ended, or whose account is switched off: what no revocation announced — a
    token or a sign-in reaching its expiry, or a change made by another process that has no way
    to the registry (``ecabinet import-users`` without Redis, an administrator's SQL). Three
    queries at most, whatever the number of connections."""
    from datetime import UTC, datetime

    from sqlalchemy import or_, select

    from ecabinet.extensions import db
    from ecabinet.identity.models import ApiToken, SignIn, User

    if not entries:
        return []
    now = datetime.now(UTC)
    token_ids = {entry[1] for entry in entries.values() if entry[1] is not None}
    login_ids = {entry[2] for entry in entries.values() if entry[1] is None and entry[2]}
    user_ids = {entry[0] for entry in entries.values()}
    dead_tokens = set(db.session.scalars(select(ApiToken.id).where(
        ApiToken.id.in_(token_ids),
        or_(ApiToken.revoked_at.is_not(None), ApiToken.expires_at <= now)))
    ) if token_ids else set()
    live_logins = set(db.session.scalars(select(SignIn.key).where(
        SignIn.key.in_(login_ids), SignIn.ended_at.is_(None), SignIn.expires_at > now))
    ) if login_ids else set()
    dead_users = set(db.session.scalars(select(User.id).where(User.id.in_(user_ids),
                                                              User.active.is_(False))))
    return [sid for sid, entry in entries.items()
            if entry[0] in dead_users or entry[1] in dead_tokens
            or (entry[1] is None and entry[2] not in live_logins)]


def check_once(app) -> list[str]:
    """Disconnect this process's connections whose credentials lapsed; their sids."""
    from ecabinet.extensions import db

    with app.app_context():
        try:
            cut = lapsed(registry().own_entries())
        finally:
            db.session.remove()
    _disconnect_all(cut)
    return cut


@dataclass
class _Watch:
    lock: threading.Lock = field(default_factory=threading.Lock)
    running: bool = False
    stopped: bool = False  # the app is going away (tests; a graceful stop)


def _watch_of(app) -> _Watch:
    return app.extensions.setdefault("ecabinet_live_watch", _Watch())


def _start_watching(app) -> None:
    watch = _watch_of(app)
    with watch.lock:
        start = not watch.running and not watch.stopped
        watch.running = watch.running or start
    if start:
        socketio.start_background_task(_watch_forever, app, watch)


def stop_watching(app) -> None:
    """The running checks end: the task ends at its next wake-up without a query. A connection
    made later starts a watch of its own (the test suite reuses one app from test to test)."""
    watch = app.extensions.pop("ecabinet_live_watch", None)
    if watch is not None:
        with watch.lock:
            watch.stopped = True


def _watch_forever(app, watch: _Watch) -> None:
    """Every :data:`WATCH_SECONDS` while this process holds connections; the task ends when it
    holds none (the next connection starts it again), so none outlives its connections."""
    while True:
        socketio.sleep(WATCH_SECONDS)
        with watch.lock:
            if watch.stopped or not app.extensions[_EXTENSION_KEY].own_entries():
                watch.running = False
                return
        try:
            check_once(app)
        except Exception:  # keep watching: the next round may reach the database again
            log.exception("could not check the live connections' credentials")


def forget(sid: str) -> None:
    """The connection has gone; without Redis at this moment its entry lapses on its own."""
    try:
        registry().remove(sid)
    except RegistryUnavailable:
        log.exception("could not remove live connection %s from the registry", sid)


def end_connections(*, user_id: int | None = None, token_id: int | None = None,
                    login_id: str | None = None) -> None:
    """Disconnect every live connection of the user, or only those of one token or of one
    browser sign-in, once the current transaction commits; if it rolls back, nobody is cut."""
    selector = {name: value for name, value in (("user_id", user_id), ("token_id", token_id),
                                                ("login_id", login_id)) if value is not None}
    if len(selector) != 1:
        raise ValueError("end_connections takes one of a user_id, a token_id or a login_id")
    found = registry()
    on_commit(lambda: _disconnect(found, **selector))


def on_sessions_ended(user, **_kwargs) -> None:
    """identity's ``sessions_ended``: every connection of the user goes."""
    end_connections(user_id=user.id)


def on_token_revoked(token, **_kwargs) -> None:
    """identity's ``token_revoked``: the connections made with that token go."""
    end_connections(token_id=token.id)


def on_signed_out(user, *, login_id: str | None = None, **_kwargs) -> None:
    """identity's ``signed_out``: that browser's connections go (not the user's others)."""
    if login_id:
        end_connections(login_id=login_id)


def leave_rooms(user_id: int, rooms: list[str]) -> None:
    """Once the current transaction commits, take every live connection of the user out of
    ``rooms`` (on whichever worker holds it: the message queue forwards it)."""
    found = registry()
    on_commit(lambda: _leave(found, user_id, rooms))


def _leave(found: Registry, user_id: int, rooms: list[str]) -> None:
    for sid in _sids(found, user_id=user_id):
        for room in rooms:
            try:
                socketio.server.leave_room(sid, room, namespace=NAMESPACE)
            except Exception:  # the other rooms and connections still go
                log.exception("could not take live connection %s out of %s", sid, room)


def _sids(found: Registry, **selector) -> list[str]:
    """The registered sids (none, logged, when the registry cannot be reached)."""
    try:
        return found.sids(**selector)
    except RegistryUnavailable:
        log.exception("could not find the live connections of %s", selector)
        return []


def _disconnect(found: Registry, **selector) -> None:
    _disconnect_all(_sids(found, **selector))


def _disconnect_all(sids: list[str]) -> None:
    for sid in sids:
        # Local sid: disconnected here, and the disconnect handler forgets it. With the message
        # queue, another worker's sid is disconnected there; a sid nobody holds any more (a
        # dropped connection, a crashed worker's) is a no-op everywhere.
        try:
            socketio.server.disconnect(sid, namespace=NAMESPACE)
        except Exception:  # the others are still cut
            log.exception("could not disconnect live connection %s", sid)
