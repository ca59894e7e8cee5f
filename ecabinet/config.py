"""Configuration read from the environment, with embedded defaults.

Every key a deployment may set is listed in :data:`ENVIRONMENT` and in the README's table.
"""

from __future__ import annotations

import logging
import os
import secrets
import stat
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

#: The variables of CONTRACT.md (and a few of our own), with what they mean.
ENVIRONMENT = {
    "ECABINET_DATABASE_URL": "SQLAlchemy URL; default sqlite:///<instance>/ecabinet.db",
    "ECABINET_REDIS_URL": "Redis: Socket.IO message queue, job queue, rate-limit store",
    "ECABINET_SECRET_KEY": "session signing key; generated once into <instance>/secret_key",
    "ECABINET_STORAGE_DIR": "document and PDF bytes; default <instance>/files",
    "ECABINET_TSA_URL": "RFC 3161 time-stamping authority; default the local demo TSA",
    "ECABINET_PKCS11_MODULE": "PKCS#11 module holding signing keys; default SoftHSM2",
    "ECABINET_INSTANCE_DIR": "the instance folder (database, secret key, files); ./instance",
    "ECABINET_SMTP_URL": "smtp://[user:password@]host:port (or smtps://, smtp+starttls://); "
                         "e-mail is off when unset",
    "ECABINET_MAIL_FROM": "sender of invitations and reminders (default e-cabinet@localhost)",
    "ECABINET_PUBLIC_URL": "the address people open, for links in e-mail "
                           "(default http://127.0.0.1:5000)",
    "ECABINET_DOCUMENT_MAX_BYTES": "largest document accepted (default 52428800, 50 MB)",
    "ECABINET_CONVERT_TIMEOUT_SECONDS": "a .docx conversion taking longer fails (default 60)",
    "ECABINET_LIVE_CHANNEL": "Redis channel the workers of one deployment share (default ecabinet)",
    "ECABINET_ASYNC_MODE": "Socket.IO async mode: threading (default) or gevent (production)",
    "ECABINET_COOKIE_SECURE": "send session cookies over HTTPS only (default 1)",
    "ECABINET_TOKEN_TTL_HOURS": "lifetime of API bearer tokens (default 12)",
    "ECABINET_AUDIT_CHECKPOINT_EVERY": "sign a checkpoint of the audit chain every N entries "
                                       "(default 1000; also hourly and at each issue/vote close)",
    "ECABINET_AUDIT_SEAL_ORGANISATION": "the organisation whose seal signs audit checkpoints "
                                        "(default Văn phòng Chính phủ)",
    "ECABINET_AUDIT_SEAL_PIN": "the PIN of that seal's token; unset: no checkpoints are made",
    "ECABINET_LOGIN_RATE_LIMIT": "refused sign-in attempts per client address (default 300 per "
                                 "minute): a cap on one address spraying many accounts, generous "
                                 "because a cabinet hall signs in through one NAT or proxy",
    "ECABINET_LOGIN_FAILURES_ALLOWED": "wrong passwords or codes an account may get before it "
                                       "backs off (default 5); then 30 s, doubling each failure",
    "ECABINET_LOGIN_BACKOFF_MAX_SECONDS": "the longest an account backs off (default 900)",
    "ECABINET_TRUSTED_PROXIES": "how many reverse proxies in front set X-Forwarded-For and "
                                "X-Forwarded-Proto (werkzeug ProxyFix; default 0: the header is "
                                "ignored, the socket's address is the client's)",
    "ECABINET_DATA_KEY": "Fernet key encrypting secrets at rest (TOTP secrets); generated once "
                         "into <instance>/data_key; never in the database. Several keys "
                         "separated by commas: the first encrypts, all decrypt (rotation)",
    "ECABINET_AGENDA_MAX_ITEMS": "most items one meeting's agenda may hold (default 300)",
    "ECABINET_AXIS_URL": "the document exchange service (the national axis, or `ecabinet axis "
                         "serve`); unset: this installation exchanges nothing",
    "ECABINET_AXIS_SYSTEM_ID": "this installation's system id at the exchange service",
    "ECABINET_AXIS_SECRET": "its secret there (never logged nor audited)",
    "ECABINET_AXIS_ORGAN_ID": "the OrganId sent as `from` (needed when the system speaks for "
                              "several agencies)",
    "ECABINET_AXIS_SEAL_PIN": "the PIN of this installation's seal (the organisation of "
                              "ECABINET_AXIS_ORGAN_ID), which signs the packages and statuses it "
                              "sends; unset: nothing is sent",
    "ECABINET_AXIS_FETCH_REVOCATION": "1 (default): a received package's certificate is checked "
                                      "for revocation (OCSP/CRL); 0: not (tests, offline demo)",
    "ECABINET_AXIS_TIMEOUT_SECONDS": "a call to the exchange service taking longer fails "
                                     "(default 30)",
    "ECABINET_AXIS_MAX_BYTES": "largest package sent or fetched (default 52428800, 50 MB)",
    "ECABINET_AXIS_SEND_MAX_TRIES": "attempts before an outgoing package is shown as failed "
                                    "(default 8: 1, 2, 4 … minutes apart, capped at an hour)",
    "ECABINET_AXIS_POLL_INTERVAL_SECONDS": "how often a web process sends and polls (default "
                                           "60; 0: never, run `ecabinet axis poll` instead)",
    "ECABINET_AXIS_SERVE_DATABASE_URL": "`ecabinet axis serve`'s own database (default "
                                        "<instance>/axis-service.db)",
    "ECABINET_AXIS_SERVE_MAX_BYTES": "largest package `ecabinet axis serve` takes (default "
                                     "31457280, 30 MB)",
    "ECABINET_RECEIPT_KEY": "Ed25519 seed (64 hex digits) signing named ballots' receipts; "
                            "generated once into <instance>/receipt_key; never in the "
                            "database. Its public half is in every named vote's record",
}

DEFAULT_PKCS11_MODULE = "/usr/lib/softhsm/libsofthsm2.so"
DEFAULT_TSA_URL = "http://127.0.0.1:9281/tsa"


def make_private_folder(path: Path) -> None:
    """Create ``path`` (and its parents) readable by this user only (0700), or close an existing
    one: it holds the database, its WAL and the keys."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        if stat.S_IMODE(path.stat().st_mode) != 0o700:
            path.chmod(0o700)
    except OSError:  # not ours (a mounted volume): say so, and go on
        log.warning("could not make %s private (0700)", path)


def _instance_secret(instance_path: Path, name: str, generate) -> str:
    """A secret generated once into the instance folder, readable by this user only (0600)."""
    key_file = instance_path / name
    if not key_file.exists():
        make_private_folder(instance_path)
        # Written whole under a name of its own, then linked into place: two workers starting
        # together (gunicorn -w 2) each write theirs, the first link wins and the other reads
        # it — never a file still being written (an empty key failed the second worker's
        # start: a CI run of tests/live/test_two_workers.py).
        fd, draft = tempfile.mkstemp(dir=instance_path, prefix=f".{name}.")  # 0600
        try:
            with os.fdopen(fd, "w") as out:
                out.write(generate())
            try:
                os.link(draft, key_file)
            except FileExistsError:  # another worker's came first: use theirs
                pass
        finally:
            os.unlink(draft)
    elif stat.S_IMODE(key_file.stat().st_mode) & 0o077:
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def load_secret_key(instance_path: Path, environ) -> str:
    """The session key: from the environment, else generated once into the instance folder.

    Never a literal in code: a key that ships in the source signs nobody's sessions safely.
    """
    return environ.get("ECABINET_SECRET_KEY") or _instance_secret(
        instance_path, "secret_key", lambda: secrets.token_hex(32))


def load_data_key(instance_path: Path, environ) -> str:
    """The key encrypting secrets at rest (Fernet): from the environment, else generated once
    into the instance folder. Kept out of the database, so a copy of the database (a backup, a
    dump) does not carry the means to read the TOTP secrets in it."""
    from cryptography.fernet import Fernet

    key = environ.get("ECABINET_DATA_KEY") or _instance_secret(
        instance_path, "data_key", lambda: Fernet.generate_key().decode())
    try:  # a wrong key fails here, at start, not at some user's sign-in
        for part in key.split(","):
            Fernet(part.strip())
    except ValueError:
        raise ValueError("ECABINET_DATA_KEY must be Fernet keys (32 url-safe base64-encoded "
                         "bytes, as Fernet.generate_key() makes), separated by commas") from None
    return key


def load_receipt_key(instance_path: Path, environ) -> str:
    """The seed of the key signing named ballots' receipts (:mod:`ecabinet.ballots.
    named_receipts`): from the environment, else generated once into the instance folder; out
    of the database, so a copy of the database cannot forge receipts."""
    key = environ.get("ECABINET_RECEIPT_KEY") or _instance_secret(
        instance_path, "receipt_key", lambda: secrets.token_hex(32))
    try:
        if len(bytes.fromhex(key)) != 32:
            raise ValueError
    except ValueError:
        raise ValueError("ECABINET_RECEIPT_KEY must be 32 bytes in hex (64 digits)") from None
    return key


def _flag(environ, name: str, default: bool) -> bool:
    value = environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def from_environment(instance_path: Path, environ=os.environ) -> dict:
    """The configuration of a deployment (``make run``, gunicorn, the CLI).

    Tests pass an empty ``environ`` to get the embedded defaults whatever the machine has set.
    """
    redis_url = environ.get("ECABINET_REDIS_URL") or None
    secure = _flag(environ, "ECABINET_COOKIE_SECURE", True)
    return {
        "SECRET_KEY": load_secret_key(instance_path, environ),
        "SQLALCHEMY_DATABASE_URI": environ.get(
            "ECABINET_DATABASE_URL", f"sqlite:///{instance_path / 'ecabinet.db'}"
        ),
        "REDIS_URL": redis_url,
        "STORAGE_DIR": environ.get("ECABINET_STORAGE_DIR", str(instance_path / "files")),
        "TSA_URL": environ.get("ECABINET_TSA_URL", DEFAULT_TSA_URL),
        "PKCS11_MODULE": environ.get("ECABINET_PKCS11_MODULE", DEFAULT_PKCS11_MODULE),
        "ASYNC_MODE": environ.get("ECABINET_ASYNC_MODE", "threading"),
        "LIVE_CHANNEL": environ.get("ECABINET_LIVE_CHANNEL", "ecabinet"),
        "DOCUMENT_MAX_BYTES": int(environ.get("ECABINET_DOCUMENT_MAX_BYTES", 50 * 1024 * 1024)),
        "CONVERT_TIMEOUT_SECONDS": int(environ.get("ECABINET_CONVERT_TIMEOUT_SECONDS", 60)),
        "SMTP_URL": environ.get("ECABINET_SMTP_URL") or None,
        "MAIL_FROM": environ.get("ECABINET_MAIL_FROM", "e-cabinet@localhost"),
        "PUBLIC_URL": environ.get("ECABINET_PUBLIC_URL", "http://127.0.0.1:5000"),
        "SESSION_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_SECURE": secure,
        "TOKEN_TTL_HOURS": int(environ.get("ECABINET_TOKEN_TTL_HOURS", "12")),
        "AUDIT_CHECKPOINT_EVERY": int(environ.get("ECABINET_AUDIT_CHECKPOINT_EVERY", "1000")),
        "AUDIT_SEAL_ORGANISATION": environ.get("ECABINET_AUDIT_SEAL_ORGANISATION",
                                               "Văn phòng Chính phủ"),
        "AUDIT_SEAL_PIN": environ.get("ECABINET_AUDIT_SEAL_PIN") or None,
        "LOGIN_RATE_LIMIT": environ.get("ECABINET_LOGIN_RATE_LIMIT", "300 per minute"),
        "LOGIN_FAILURES_ALLOWED": int(environ.get("ECABINET_LOGIN_FAILURES_ALLOWED", "5")),
        "LOGIN_BACKOFF_MAX_SECONDS": int(environ.get("ECABINET_LOGIN_BACKOFF_MAX_SECONDS",
                                                     "900")),
        "TRUSTED_PROXIES": int(environ.get("ECABINET_TRUSTED_PROXIES", "0")),
        "DATA_KEY": load_data_key(instance_path, environ),
        "RECEIPT_KEY": load_receipt_key(instance_path, environ),
        "AGENDA_MAX_ITEMS": int(environ.get("ECABINET_AGENDA_MAX_ITEMS", "300")),
        **_axis(environ),
    }


def _axis(environ) -> dict:
    """The exchange service's settings (the secret is only ever sent to the service)."""
    return {
        "AXIS_URL": environ.get("ECABINET_AXIS_URL") or None,
        "AXIS_SYSTEM_ID": environ.get("ECABINET_AXIS_SYSTEM_ID") or None,
        "AXIS_SECRET": environ.get("ECABINET_AXIS_SECRET") or None,
        "AXIS_ORGAN_ID": environ.get("ECABINET_AXIS_ORGAN_ID") or None,
        "AXIS_SEAL_PIN": environ.get("ECABINET_AXIS_SEAL_PIN") or None,
        "AXIS_FETCH_REVOCATION": environ.get("ECABINET_AXIS_FETCH_REVOCATION", "1") == "1",
        "AXIS_TIMEOUT_SECONDS": float(environ.get("ECABINET_AXIS_TIMEOUT_SECONDS", "30")),
        "AXIS_MAX_BYTES": int(environ.get("ECABINET_AXIS_MAX_BYTES", 50 * 1024 * 1024)),
        "AXIS_SEND_MAX_TRIES": int(environ.get("ECABINET_AXIS_SEND_MAX_TRIES", "8")),
        "AXIS_POLL_INTERVAL_SECONDS": float(environ.get("ECABINET_AXIS_POLL_INTERVAL_SECONDS",
                                                        "60")),
        "AXIS_SERVE_DATABASE_URL": environ.get("ECABINET_AXIS_SERVE_DATABASE_URL") or None,
        "AXIS_SERVE_MAX_BYTES": int(environ.get("ECABINET_AXIS_SERVE_MAX_BYTES",
                                                30 * 1024 * 1024)),
    }


#: Settings that are the same everywhere; a deployment does not change them.
FIXED = {
    # No pre-ping on every checkout (a round trip per request or socket event): a connection
    # idle for a while is pinged instead (ecabinet.database.PING_AFTER_IDLE_SECONDS).
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": False},
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_NAME": "ecabinet_session",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "PERMANENT_SESSION_LIFETIME": 8 * 3600,
    # Uploads larger than this are refused with 413 before the body is read.
    "MAX_CONTENT_LENGTH": 50 * 1024 * 1024,
    # CSRF is checked in a before_request hook so that bearer-token API calls can skip it.
    "WTF_CSRF_CHECK_DEFAULT": False,
    "WTF_CSRF_TIME_LIMIT": None,
    "BABEL_DEFAULT_LOCALE": "vi",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
    "LANGUAGES": ("vi", "en"),
    "RATELIMIT_HEADERS_ENABLED": True,
    # Redis down must not lock everyone out: count in this process meanwhile (Flask-Limiter logs
    # "falling back to in-memory storage" and checks Redis again with a back-off).
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    "RATELIMIT_SWALLOW_ERRORS": True,
    "API_TITLE": "ecabinet",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
    "JSON_SORT_KEYS": False,
}
