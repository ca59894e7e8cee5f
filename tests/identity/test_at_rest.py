"""What a copy of the instance folder or the database gives away (issue 8, point 13).

The instance folder holds the database (and its WAL), the session key and the data key: only
the service's user may read them. TOTP secrets are encrypted under the data key, which is
never in the database.
"""

from __future__ import annotations

import os
import stat

import pytest
from cryptography.fernet import Fernet
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from ecabinet import config, create_app
from ecabinet.extensions import db
from ecabinet.identity import services
from tests.conftest import PASSWORD, csrf_from, totp_code


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def open_umask():
    """The usual umask (022), which makes new files world-readable unless told otherwise."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_instance_files_are_private(tmp_path, open_umask):
    instance = tmp_path / "instance"
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(instance),
                      "PASSWORD_HASH_CHEAP": True})
    with app.app_context():
        upgrade()
        with db.engine.begin() as connection:  # something in the WAL
            connection.execute(text("UPDATE users SET locale = 'vi' WHERE 1 = 0"))
        files = {name: mode(instance / name) for name in
                 ("ecabinet.db", "ecabinet.db-wal", "ecabinet.db-shm", "secret_key", "data_key")}
        db.engine.dispose()
    assert files == dict.fromkeys(files, 0o600)
    assert mode(instance) == 0o700


def test_an_existing_world_readable_instance_is_closed(tmp_path, open_umask):
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    (instance / "ecabinet.db").touch(mode=0o644)
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(instance)})
    with app.app_context():
        db.session.execute(text("SELECT 1"))
        db.session.remove()
        db.engine.dispose()
    assert mode(instance) == 0o700
    assert mode(instance / "ecabinet.db") == 0o600


def test_the_data_key_is_generated_once_or_taken_from_the_environment(tmp_path):
    first = config.load_data_key(tmp_path, {})
    assert config.load_data_key(tmp_path, {}) == first
    Fernet(first)  # a valid Fernet key
    assert mode(tmp_path / "data_key") == 0o600
    mine = Fernet.generate_key().decode()
    assert config.load_data_key(tmp_path, {"ECABINET_DATA_KEY": mine}) == mine


def test_totp_secrets_are_stored_encrypted(app, client, make_user):
    signer = make_user("signer")
    with app.app_context():
        stored = db.session.execute(text("SELECT totp_secret FROM users WHERE id = :id"),
                                    {"id": signer.id}).scalar_one()
        key = app.config["DATA_KEY"]
    assert signer.totp_secret not in stored
    assert Fernet(key).decrypt(stored.encode()).decode() == signer.totp_secret
    # Checked transparently at sign-in.
    page = client.get("/login")
    client.post("/login", data={"email": signer.email, "password": PASSWORD,
                                "csrf_token": csrf_from(page.text)})
    otp_page = client.get("/login/otp")
    assert client.post("/login/otp", data={"code": totp_code(signer),
                                           "csrf_token": csrf_from(otp_page.text)}
                       ).status_code == 302


def test_a_pending_enrolment_secret_is_encrypted_too(app, make_user):
    admin = make_user("admin", totp=False)
    with app.app_context():
        secret = services.pending_totp_secret(services.get_user(admin.id))
        db.session.commit()
        stored = db.session.execute(text("SELECT totp_pending_secret FROM users WHERE id = :id"),
                                    {"id": admin.id}).scalar_one()
    assert secret not in stored


def test_the_wrong_data_key_is_a_clear_error(make_app, make_user):
    signer = make_user("signer")
    other = make_app(DATA_KEY=Fernet.generate_key().decode())
    with other.app_context(), pytest.raises(RuntimeError, match="ECABINET_DATA_KEY"):
        services.get_user(signer.id).totp_secret  # noqa: B018


def test_the_migration_encrypts_clear_secrets_and_back(make_app, tmp_path):
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/secrets.db")
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    with app.app_context():
        upgrade(revision="d7fa0d18d9e7")
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO users (email, name, totp_secret, locale, active, session_version, "
                "created_at) VALUES ('s@example.gov.vn', 'S', :secret, 'vi', 1, 1, "
                "'2026-01-01 00:00:00')"), {"secret": secret})
        upgrade()
        with db.engine.connect() as connection:
            stored = connection.execute(text("SELECT totp_secret FROM users")).scalar_one()
        assert stored != secret
        assert Fernet(app.config["DATA_KEY"]).decrypt(stored.encode()).decode() == secret
        assert services.user_by_email("s@example.gov.vn").totp_secret == secret
        db.session.remove()
        downgrade(revision="d7fa0d18d9e7")
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT totp_secret FROM users")).scalar_one() == \
                secret
        db.engine.dispose()


def test_a_malformed_data_key_stops_the_start(tmp_path):
    with pytest.raises(ValueError, match="ECABINET_DATA_KEY"):
        config.load_data_key(tmp_path, {"ECABINET_DATA_KEY": "not-a-key"})
