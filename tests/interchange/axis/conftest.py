"""Two installations and the local exchange service between them, over real HTTP.

- ``axis_service``: ``ecabinet axis serve``'s app on a free port of this process, its own
  SQLite file, with two systems registered: the Government Office (``vpcp``, agency
  ``000.00.00.G22``) and the Ministry of Finance (``btc``, ``000.00.00.G12``);
- ``gov``: the test app (the suite's database) pointed at it as ``vpcp``;
- ``ministry``: a second app of its own, on a SQLite copy of the migrated schema and its own
  storage folder, pointed at it as ``btc``.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from ecabinet.interchange.axis.server import LiveServer, create_server_app
from ecabinet.interchange.axis.server_store import open_store
from ecabinet.interchange.axis.transport import DEFAULT_TIMEOUT, HttpAxisTransport
from tests.fixtures.database import _migrate

GOV, MINISTRY = "000.00.00.G22", "000.00.00.G12"
SECRETS = {"vpcp": "vpcp-secret-7f3a91c2", "btc": "btc-secret-55e0d1aa"}


@dataclass
class Service:
    url: str
    store: object
    server: LiveServer

    def transport(self, system_id: str, secret: str | None = None, **options):
        # The transport's default time-out: 5 s failed a CI run on a loaded machine; the tests
        # of time-outs set their own.
        return HttpAxisTransport(self.url, system_id, secret or SECRETS[system_id],
                                 timeout=options.pop("timeout", DEFAULT_TIMEOUT), **options)


def start_service(folder: Path, *, max_bytes: int = 2 * 1024 * 1024) -> Service:
    # Few PBKDF2 iterations: the tests check the hashing, not its cost.
    store = open_store(f"sqlite:///{folder / 'axis-service.db'}", iterations=1000)
    store.add_agency(GOV, "Văn phòng Chính phủ", "vpcp", SECRETS["vpcp"])
    store.add_agency(MINISTRY, "Bộ Tài chính", "btc", SECRETS["btc"])
    server = LiveServer(create_server_app(store, max_bytes=max_bytes)).start()
    return Service(server.url, store, server)


@pytest.fixture(autouse=True)
def _no_registers(monkeypatch):
    """The transport's tests hand messages to no register: the apps register the incoming
    register's "edoc" receiver (and the outgoing one's "status"), which have tests of their
    own (tests/interchange/incoming/). Apps built during the test (the ministry's) register
    nothing either."""
    from ecabinet.interchange import installation

    monkeypatch.setattr(installation, "RECEIVERS", {})
    monkeypatch.setattr(installation, "register_receiver", lambda *_args: None)


@pytest.fixture
def axis_service(tmp_path):
    service = start_service(tmp_path)
    yield service
    service.server.stop()
    service.store.engine.dispose()


def axis_config(service_url: str, system_id: str, **extra) -> dict:
    return {"AXIS_URL": service_url, "AXIS_SYSTEM_ID": system_id,
            "AXIS_SECRET": SECRETS[system_id], "AXIS_TIMEOUT_SECONDS": DEFAULT_TIMEOUT, **extra}


@pytest.fixture
def gov(app, axis_service):
    """The Government Office's installation: the suite's app and database."""
    app.config.update(axis_config(axis_service.url, "vpcp"))
    return app


@pytest.fixture(scope="session")
def sqlite_schema(database, tmp_path_factory) -> Path:
    """A migrated SQLite file to copy: the suite's own on the SQLite pass, made once on the
    PostgreSQL pass (a second installation needs a database of its own)."""
    if database["kind"] == "sqlite":
        return database["template"]
    folder = tmp_path_factory.mktemp("second-installation")
    _migrate(f"sqlite:///{folder / 'template.db'}", folder)
    return folder / "template.db"


@pytest.fixture
def ministry_db(sqlite_schema, tmp_path) -> str:
    target = tmp_path / "ministry" / "ecabinet.db"
    target.parent.mkdir()
    shutil.copyfile(sqlite_schema, target)
    return f"sqlite:///{target}"


@pytest.fixture
def ministry(make_app, gov, ministry_db, axis_service, tmp_path):
    """The Ministry of Finance's installation: an app of its own, its own database and files."""
    folder = tmp_path / "ministry"
    return make_app(fresh_app=True, SQLALCHEMY_DATABASE_URI=ministry_db,
                    INSTANCE_PATH=str(folder / "instance"), STORAGE_DIR=str(folder / "files"),
                    **axis_config(axis_service.url, "btc"))
