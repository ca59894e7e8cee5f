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

# The fixtures, by subject, in tests/fixtures/ (imported here so that every folder sees them),
# and the helpers tests import from here.
from tests.fixtures.apps import app, app_pool, client, db_url, make_app, runner  # noqa: F401
from tests.fixtures.converter import (  # noqa: F401
    _fake_converter_command,
    _libreoffice_output_cached,
)
from tests.fixtures.database import (  # noqa: F401
    POSTGRES_URL,
    REDIS_URL,
    _migrate,
    _test_config,
    database,
)
from tests.fixtures.mail import smtp  # noqa: F401
from tests.fixtures.snapshots import _scenarios, scenario  # noqa: F401
from tests.fixtures.users import (  # noqa: F401
    PASSWORD,
    AuthActions,
    UserRef,
    _totp_follows_the_test_clock,
    auth,
    bearer,
    csrf_from,
    make_user,
    token_for,
    totp_clock,
    totp_code,
    unused_code,
)

# The demo PKI's fixtures, defined once for the whole suite (see tests/pki.py).
from tests.pki import demo_pki, pki_app, signing_keys  # noqa: E402, F401


def pytest_collection_modifyitems(config, items):
    """The PostgreSQL pass is there for what the database does: a test that touches no database
    (pure protocol, redirects, vote arithmetic), or whose subject is not the database (marked
    ``one_database``: LibreOffice's layout, a real PKI), runs once, in the SQLite pass."""
    if not POSTGRES_URL:
        return
    kept, once = [], []
    for item in items:
        touches = "database" in getattr(item, "fixturenames", ())
        (kept if touches and not item.get_closest_marker("one_database") else once).append(item)
    if once:
        config.hook.pytest_deselected(items=once)
        items[:] = kept
