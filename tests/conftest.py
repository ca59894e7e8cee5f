"""Fixtures in the style of Flask's tutorial: app, client, runner, and users per role.

Each test gets a clean database it created itself:
- SQLite (default): the migrated schema is built once, and each test gets its own copy of the file;
- PostgreSQL (ECABINET_TEST_DATABASE_URL set): the migrations run once into a throwaway schema,
  which is emptied before each test and dropped at the end.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import time
import uuid
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from ecabinet import create_app
from ecabinet.database import unit_of_work
from ecabinet.docs.jobs import local_worker
from ecabinet.extensions import db
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
    if url.startswith("postgresql"):
        # No pool between tests: a connection a background thread (vote progress, conversions)
        # returns after its app's engine was disposed is closed at once, instead of being
        # garbage-collected during some later test as an unclosed connection.
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"poolclass": NullPool}
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
    the TRUNCATE needs (PostgreSQL then picks one side of the deadlock): wait and try again."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        for attempt in range(1, attempts + 1):
            try:
                _truncate_all(engine)
                return
            except DBAPIError as error:
                if attempt == attempts or not _is_lock_conflict(error):
                    raise
                time.sleep(0.2 * attempt)
    finally:
        engine.dispose()


def _truncate_all(engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL lock_timeout = '5s'"))
        tables = [row[0] for row in conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
            "AND tablename <> 'alembic_version'"))]
        conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        conn.execute(text("INSERT INTO audit_head (id, last_seq, last_hash) "
                          "VALUES (1, 0, :genesis)"), {"genesis": "0" * 64})


def _is_lock_conflict(error: DBAPIError) -> bool:
    # 40P01 deadlock_detected, 55P03 lock_not_available (lock_timeout)
    return getattr(error.orig, "sqlstate", None) in {"40P01", "55P03"}


@pytest.fixture
def db_url(database, tmp_path) -> str:
    if database["kind"] == "postgresql":
        _clean_postgres(database["url"])
        return database["url"]
    copy = tmp_path / "ecabinet.db"
    shutil.copyfile(database["template"], copy)
    return f"sqlite:///{copy}"


@pytest.fixture
def make_app(db_url, tmp_path):
    """Build an app on this test's database, with extra config."""
    apps = []

    def factory(**overrides):
        app = create_app(_test_config(db_url, tmp_path / "instance", **overrides))
        apps.append(app)
        return app

    yield factory
    # Background work a test started (conversions, coalesced broadcasts) ends here, not while
    # the next test empties the database.
    local_worker().wait_idle(timeout=120)
    for app in apps:
        connections.stop_watching(app)
        broadcast_throttle.wait_idle(app)
        with app.app_context():
            db.session.remove()
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


# --- users ---------------------------------------------------------------------------------------

def totp_code(user_or_secret, *, offset_steps: int = 0) -> str:
    """A code an authenticator would show; ``offset_steps`` picks a neighbouring 30 s window."""
    secret = getattr(user_or_secret, "totp_secret", user_or_secret)
    return pyotp.TOTP(secret).at(time.time() + 30 * offset_steps)


def unused_code(app, email: str) -> str:
    """A valid code the user has not used yet (the server refuses a replayed one)."""
    with app.app_context():
        user = identity.user_by_email(email)
        now = time.time()
        current = int(now // 30)
        last = user.totp_last_step or -1
        # The server accepts the steps next to its own: the previous step's code dies when this
        # window ends. On a loaded machine the check may come seconds later, so near the end of
        # a window the previous step is not offered (a loaded CI run failed on it once).
        earliest = current - 1 if now % 30 < 20 else current
        step = max(earliest, last + 1)
        assert step <= current + 1, "three sign-ins within one 30 s window: wait in the test"
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
