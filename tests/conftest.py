"""Fixtures in the style of Flask's tutorial and Indico's: app, client, runner, users per role.

Apps are built once per test process (one per configuration, :class:`AppPool`), and each test
gets a clean database:
- SQLite (default): the migrated schema is built once, and each test gets a fresh copy of it;
- PostgreSQL (ECABINET_TEST_DATABASE_URL set): the migrations run once into a throwaway schema,
  whose rows are deleted before each test, and which is dropped at the end.
Time-based one-time codes follow a clock the tests can move (:data:`totp_clock`), so that no test
waits for the next 30 s step.
"""

from __future__ import annotations

import copy
import hashlib
import io
import os
import re
import secrets
import shutil
import sys
import textwrap
import time
import uuid
import zipfile
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from ecabinet import create_app
from ecabinet.database import unit_of_work
from ecabinet.docs import converter
from ecabinet.docs.jobs import local_worker
from ecabinet.extensions import db, limiter, socketio
from ecabinet.identity import services as identity
from ecabinet.identity.models import ROLES_REQUIRING_TOTP
from ecabinet.live import connections
from ecabinet.meetings import broadcast_throttle

PASSWORD = "correct horse battery staple"
POSTGRES_URL = os.environ.get("ECABINET_TEST_DATABASE_URL")
REDIS_URL = os.environ.get("ECABINET_TEST_REDIS_URL")


def _migrate(url: str, instance: Path) -> None:
    from flask_migrate import upgrade

    app = create_app(_test_config(url, instance))
    with app.app_context():
        upgrade()
        db.engine.dispose()


def _test_config(url: str, instance: Path, **overrides) -> dict:
    config = {
        "TESTING": True,
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": secrets.token_hex(16),
        "SQLALCHEMY_DATABASE_URI": url,
        "STORAGE_DIR": str(instance / "files"),
        "RATELIMIT_STORAGE_URI": "memory://",
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "SESSION_COOKIE_SECURE": False,
        "PASSWORD_HASH_CHEAP": True,
        "REMEMBER_COOKIE_SECURE": False,
    }
    config.update(overrides)
    return config


@pytest.fixture(scope="session")
def database(tmp_path_factory):
    """The migrated test database: a template SQLite file, or a PostgreSQL schema."""
    instance = tmp_path_factory.mktemp("instance")
    if POSTGRES_URL:
        schema = f"ecabinet_test_{uuid.uuid4().hex[:12]}"
        admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(POSTGRES_URL).update_query_dict(
            {"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
        _migrate(url, instance)
        yield {"kind": "postgresql", "url": url}
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    else:
        template = instance / "template.db"
        _migrate(f"sqlite:///{template}", instance)
        yield {"kind": "sqlite", "template": template}


def _clean_postgres(url: str, attempts: int = 5) -> None:
    """Empty every table. A straggling connection of the previous test can still hold a lock
    a DELETE needs (PostgreSQL then picks one side of the deadlock): wait and try again."""
    engine = _cleaners.get(url)
    if engine is None:
        engine = _cleaners[url] = create_engine(url, poolclass=NullPool)
    for attempt in range(1, attempts + 1):
        try:
            _delete_all(engine)
            return
        except DBAPIError as error:
            if attempt == attempts or not _is_lock_conflict(error):
                raise
            time.sleep(0.2 * attempt)


_cleaners: dict = {}


def _delete_all(engine) -> None:
    """DELETE rather than TRUNCATE: on the few rows a test writes it takes milliseconds, where
    TRUNCATE makes new files for every table (a tenth of a second to a second each time).
    Foreign keys are not checked meanwhile (replica role), so the order does not matter; the
    sequences start again at 1, as in a new database."""
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL lock_timeout = '5s'"))
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        tables = [row[0] for row in conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
            "AND tablename <> 'alembic_version'"))]
        conn.execute(text("; ".join(f'DELETE FROM "{table}"' for table in tables)))  # noqa: S608
        conn.execute(text(
            "SELECT setval(c.oid, 1, false) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind = 'S' AND n.nspname = current_schema()"))
        conn.execute(text("INSERT INTO audit_head (id, last_seq, last_hash) "
                          "VALUES (1, 0, :genesis)"), {"genesis": "0" * 64})


def _is_lock_conflict(error: DBAPIError) -> bool:
    # 40P01 deadlock_detected, 55P03 lock_not_available (lock_timeout)
    return getattr(error.orig, "sqlstate", None) in {"40P01", "55P03"}


class PooledApp:
    """An app as built: its configuration and the process-wide extensions' state."""

    def __init__(self, app, overrides: dict):
        self.app, self.overrides = app, overrides
        self.config = copy.deepcopy(dict(app.config))
        # Socket.IO and the rate limiter are singletons that the last built app configured.
        self.singletons = [(target, dict(vars(target))) for target in (socketio, limiter)]
        server = socketio.server
        self.handlers_mode = (server.async_handlers, server.eio.async_handlers)

    def reset_live_server(self) -> None:
        """Flask-SocketIO's test client patches the server it connects to for good (packets go
        to test clients only, handlers run inline): a browser test after it needs the server as
        built."""
        server = socketio.server
        for patched in ("_send_packet", "_send_eio_packet"):
            vars(server).pop(patched, None)
        server.async_handlers, server.eio.async_handlers = self.handlers_mode
        server.environ.clear()

    def bind_singletons(self) -> None:
        for target, state in self.singletons:
            vars(target).clear()
            vars(target).update(state)


class AppPool:
    """The apps of this test process, each built once, as Indico's fixtures do: building an app
    takes a fifth of a second, which a test paid a thousand times over.

    One app per distinct configuration (``make_app(**overrides)``), all on one database that is
    reset before each test (a fresh copy of the migrated SQLite file; PostgreSQL's rows
    deleted). Before each test the chosen app gets back its configuration as built, an instance
    folder and a storage folder of the test's own, the Socket.IO server and rate limiter it was
    built with, and empty rate-limit counters.
    """

    def __init__(self, database: dict, root: Path):
        self.database, self.root = database, root
        self._apps: dict[str, PooledApp] = {}
        if database["kind"] == "postgresql":
            self.url = database["url"]
        else:
            self.url = f"sqlite:///{root / 'ecabinet.db'}"

    def get(self, overrides: dict) -> PooledApp:
        key = repr(sorted(overrides.items()))
        if key not in self._apps:
            self._apps[key] = self.build(overrides)
        return self._apps[key]

    def build(self, overrides: dict) -> PooledApp:
        app = create_app(_test_config(self.url, self.root / "instance", **overrides))
        return PooledApp(app, overrides)

    def reset_database(self) -> None:
        if self.database["kind"] == "postgresql":
            _clean_postgres(self.url)
            return
        target = self.root / "ecabinet.db"
        for leftover in (Path(f"{target}-wal"), Path(f"{target}-shm")):
            leftover.unlink(missing_ok=True)
        shutil.copyfile(self.database["template"], target)

    @staticmethod
    def activate(pooled: PooledApp, instance: Path) -> None:
        app = pooled.app
        app.config.clear()
        app.config.update(copy.deepcopy(pooled.config))
        app.instance_path = str(instance)
        if "STORAGE_DIR" not in pooled.overrides:
            app.config["STORAGE_DIR"] = str(instance / "files")
        pooled.bind_singletons()
        pooled.reset_live_server()
        if app.config["RATELIMIT_STORAGE_URI"].startswith("memory"):
            limiter.reset()  # a Redis store is shared, as it was before apps were reused

    def release(self, pooled: PooledApp) -> None:
        """What a test leaves behind ends with it: background work, live connections, and the
        database connections (but the default app's on PostgreSQL, which stay pooled)."""
        app = pooled.app
        local_worker().wait_idle(timeout=120)
        broadcast_throttle.wait_idle(app)
        _disconnect_everyone(app)
        with app.app_context():
            db.session.remove()
            if self.database["kind"] == "sqlite" or pooled.overrides:
                db.engine.dispose()

    def close(self) -> None:
        for pooled in self._apps.values():
            connections.stop_watching(pooled.app)
            with pooled.app.app_context():
                db.engine.dispose()
        for engine in _cleaners.values():
            engine.dispose()


def _disconnect_everyone(app) -> None:
    """Live connections a test left open (a test client it did not disconnect) are closed, so
    that the next test on this app starts with none."""
    from ecabinet.live.namespace import NAMESPACE

    with app.app_context():
        for sid in list(connections.registry().own_entries()):
            try:
                socketio.server.disconnect(sid, namespace=NAMESPACE)
            except Exception:  # noqa: BLE001, S110 - already gone
                pass
            connections.forget(sid)  # and those a test listed by hand
    connections.stop_watching(app)


@pytest.fixture(scope="session")
def app_pool(database, tmp_path_factory):
    pool = AppPool(database, tmp_path_factory.mktemp("apps"))
    yield pool
    pool.close()


@pytest.fixture
def db_url(app_pool) -> str:
    app_pool.reset_database()
    return app_pool.url


@pytest.fixture
def make_app(app_pool, db_url, tmp_path):
    """The app with these config overrides, on this test's clean database; the same overrides
    give the same app. ``make_app(fresh=True, ...)`` builds one of its own (two workers)."""
    used: list[PooledApp] = []
    fresh: list[PooledApp] = []

    def factory(*, fresh_app: bool = False, **overrides):
        if fresh_app:
            pooled = app_pool.build(overrides)
            fresh.append(pooled)
        else:
            pooled = app_pool.get(overrides)
        if pooled not in used:
            app_pool.activate(pooled, tmp_path / "instance")
            used.append(pooled)
        else:
            pooled.bind_singletons()
        return pooled.app

    yield factory
    for pooled in used:
        app_pool.release(pooled)
    for pooled in fresh:
        connections.stop_watching(pooled.app)
        broadcast_throttle.wait_idle(pooled.app)
        with pooled.app.app_context():
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# --- the document converter ---------------------------------------------------------------------

@pytest.fixture(scope="session")
def _fake_converter_command(tmp_path_factory):
    """A converter process speaking the bridge's protocol without LibreOffice: it answers with
    a one-page PDF, hangs on a document containing HANG, takes half a second over SLOW, exits on
    CRASH, refuses REFUSE and makes five pages of FIVE. Returns the CONVERTER_COMMAND. One
    script for the run, so that the tests share one app and one converter process."""
    script = tmp_path_factory.mktemp("converter") / "fake_converter.py"
    script.write_text(textwrap.dedent('''
        import json, sys, time, zipfile
        from pypdf import PdfWriter

        print(json.dumps({"ready": True, "mode": "fake"}), flush=True)
        for line in sys.stdin:
            request = json.loads(line)
            with zipfile.ZipFile(request["in"]) as archive:
                text = archive.read("word/document.xml")
            if b"HANG" in text:
                time.sleep(3600)
            if b"SLOW" in text:
                time.sleep(0.5)
            if b"CRASH" in text:
                sys.exit(3)
            if b"REFUSE" in text:
                print(json.dumps({"ok": False, "error": "cannot read"}), flush=True)
                continue
            writer = PdfWriter()
            for _ in range(5 if b"FIVE" in text else 1):
                writer.add_blank_page(width=595, height=842)
            with open(request["out"], "wb") as out:
                writer.write(out)
            print(json.dumps({"ok": True}), flush=True)
    '''))
    command = [sys.executable, str(script)]
    yield command
    converter.close_for({"CONVERTER_COMMAND": command})



@pytest.fixture(scope="session", autouse=True)
def _libreoffice_output_cached():
    """LibreOffice's PDF of a document it already converted in this run is taken again, by the
    document's content (a .docx's parts but its timestamps): the decisions' tests draft the same
    text many times, at a second or more a conversion. Fake converters are not cached."""
    real = converter.Converter.convert
    cache: dict[tuple, bytes] = {}

    def convert(self, data: bytes, *, timeout: float, suffix: str = ".docx") -> bytes:
        if self.command != converter.default_command():
            return real(self, data, timeout=timeout, suffix=suffix)
        key = (suffix, _content_hash(data))
        if key not in cache:
            cache[key] = real(self, data, timeout=timeout, suffix=suffix)
        return cache[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(converter.Converter, "convert", convert)
        yield


def _content_hash(data: bytes) -> str:
    digest = hashlib.sha256()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name in sorted(archive.namelist()):
                if name != "docProps/core.xml":  # created / modified: the time it was written
                    digest.update(name.encode() + b"\0" + archive.read(name) + b"\0")
    except (zipfile.BadZipFile, ValueError, OSError, KeyError, RuntimeError):
        return hashlib.sha256(data).hexdigest()
    return digest.hexdigest()


# --- users ---------------------------------------------------------------------------------------

class TotpClock:
    """The clock the server checks codes against, which a test moves forward to the next 30 s
    step instead of sleeping until it comes (see :func:`unused_code`)."""

    def __init__(self):
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance_to_step(self, step: int) -> None:
        """Move forward so that ``step`` is the current step (a little way into it)."""
        self.offset += step * 30 + 1 - self()


totp_clock = TotpClock()


@pytest.fixture(autouse=True)
def _totp_follows_the_test_clock(monkeypatch):
    from ecabinet.identity import totp

    totp_clock.offset = 0.0
    monkeypatch.setattr(totp, "clock", totp_clock)


def totp_code(user_or_secret, *, offset_steps: int = 0) -> str:
    """A code an authenticator would show; ``offset_steps`` picks a neighbouring 30 s window."""
    secret = getattr(user_or_secret, "totp_secret", user_or_secret)
    return pyotp.TOTP(secret).at(totp_clock() + 30 * offset_steps)


def unused_code(app, email: str) -> str:
    """A valid code the user has not used yet (the server refuses a replayed one). When this
    user has used the codes of the steps the server accepts now, the clock moves on a step."""
    with app.app_context():
        user = identity.user_by_email(email)
        now = totp_clock()
        current = int(now // 30)
        last = user.totp_last_step or -1
        # The server accepts the steps next to its own: the previous step's code dies when this
        # window ends. On a loaded machine the check may come seconds later, so near the end of
        # a window the previous step is not offered (a loaded CI run failed on it once).
        earliest = current - 1 if now % 30 < 20 else current
        step = max(earliest, last + 1)
        if step > current:
            totp_clock.advance_to_step(step)
        return pyotp.TOTP(user.totp_secret).at(step * 30)


@pytest.fixture
def make_user(app):
    """Create a user: ``make_user("member")``; admins, signers and clerks get a second
    factor."""
    counter = iter(range(1, 10_000))

    def factory(*roles: str, email: str | None = None, name: str | None = None,
                totp: bool | None = None, password: str = PASSWORD, **kwargs):
        roles = roles or ("member",)
        n = next(counter)
        email = email or f"{roles[0]}{n}@example.gov.vn"
        needs_totp = totp if totp is not None else bool(ROLES_REQUIRING_TOTP & set(roles))
        with app.app_context(), unit_of_work():
            user = identity.create_user(
                email=email, name=name or f"Người dùng {roles[0]} {n}", roles=list(roles),
                password=password, totp_secret=pyotp.random_base32() if needs_totp else None,
                **kwargs)
            return UserRef(user.id, user.email, user.name, user.totp_secret, list(roles))

    return factory


class UserRef:
    """What a test needs of a user, usable outside the app context."""

    def __init__(self, id, email, name, totp_secret, roles):
        self.id, self.email, self.name, self.totp_secret, self.roles = \
            id, email, name, totp_secret, roles


CSRF_PATTERN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|'
                          r'<meta name="csrf-token" content="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_PATTERN.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


class AuthActions:
    def __init__(self, app, client):
        self._app, self._client = app, client

    def login(self, user, password: str = PASSWORD):
        page = self._client.get("/login")
        response = self._client.post("/login", data={
            "email": user.email, "password": password, "csrf_token": csrf_from(page.text)})
        if user.totp_secret and response.status_code == 302 and \
                response.headers["Location"].endswith("/login/otp"):
            page = self._client.get("/login/otp")
            response = self._client.post("/login/otp", data={
                "code": unused_code(self._app, user.email), "csrf_token": csrf_from(page.text)})
        return response

    def csrf(self) -> str:
        return csrf_from(self._client.get("/").text)

    def logout(self):
        return self._client.post("/logout", data={"csrf_token": self.csrf()})


@pytest.fixture
def auth(app, client):
    return AuthActions(app, client)


@pytest.fixture
def token_for(app):
    """A bearer token for a user, through the same service the API uses."""
    from datetime import timedelta

    def issue(user, ttl=timedelta(hours=1)) -> str:
        with app.app_context(), unit_of_work():
            otp = unused_code(app, user.email) if user.totp_secret else None
            secret, _ = identity.issue_token(email=user.email, password=PASSWORD, otp=otp,
                                             ttl=ttl)
            return secret

    return issue


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


# The demo PKI's fixtures, defined once for the whole suite (see tests/pki.py).
from tests.pki import demo_pki, pki_app, signing_keys  # noqa: E402, F401
