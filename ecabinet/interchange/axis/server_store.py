"""The local exchange service's own tables and what it does with them (SQLAlchemy Core).

Its own metadata and its own database (a SQLite file or a PostgreSQL URL): the service stands
for the Government Office's, which no installation shares tables with, so it is not part of the
app's migrations; :func:`open_store` creates the tables when missing.

- ``axis_systems``: a connected system (an installation): its id and the hash of its secret;
- ``axis_agencies``: the organisations (OrganId) a system speaks for;
- ``axis_sent``: one package as sent, its bytes stored once;
- ``axis_deliveries``: one row per recipient, the queue of that recipient, with its delivery
  status (``pending`` until the recipient says ``done``, ``fail`` or ``processing``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    create_engine,
    event,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

metadata = MetaData()

systems = Table(
    "axis_systems", metadata,
    Column("system_id", String(100), primary_key=True),
    # "pbkdf2_sha256$<iterations>$<salt hex>$<hash hex>": a stolen copy of this database does
    # not give the secrets of the systems that connect.
    Column("secret_hash", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

agencies = Table(
    "axis_agencies", metadata,
    Column("code", String(13), primary_key=True),  # the OrganId (mã định danh)
    Column("name", String(300), nullable=False),
    Column("system_id", String(100), ForeignKey("axis_systems.system_id"), nullable=False,
           index=True),
)

sent = Table(
    "axis_sent", metadata,
    Column("id", Integer, primary_key=True),
    Column("doc_id", String(36), nullable=False, unique=True),  # the sender's DocId
    Column("sender_code", String(13), nullable=False, index=True),
    Column("service_type", String(20), nullable=False),
    Column("message_type", String(20), nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

deliveries = Table(
    "axis_deliveries", metadata,
    Column("id", Integer, primary_key=True),
    Column("doc_id", String(36), nullable=False, unique=True),  # the receiver's docId
    Column("sent_id", Integer, ForeignKey("axis_sent.id"), nullable=False, index=True),
    Column("receiver_code", String(13), nullable=False, index=True),
    Column("status", String(20), nullable=False, default="pending"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

PBKDF2_ITERATIONS = 200_000


class StoreError(Exception):
    """A refusal, with the HTTP status and the protocol's ErrorCode."""

    def __init__(self, status: int, error_code: str, message: str):
        super().__init__(message)
        self.status, self.error_code, self.message = status, error_code, message


def hash_secret(secret: str, *, iterations: int = PBKDF2_ITERATIONS) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", secret.encode(), salt, iterations)
    return f"pbkdf2_sha256${iterations}${salt.hex()}${digest.hex()}"


def secret_matches(secret: str, stored: str) -> bool:
    try:
        scheme, iterations, salt, expected = stored.split("$")
    except ValueError:
        return False
    if scheme != "pbkdf2_sha256":
        return False
    digest = hashlib.pbkdf2_hmac("sha256", secret.encode(), bytes.fromhex(salt),
                                 int(iterations))
    return hmac.compare_digest(digest.hex(), expected)


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class System:
    system_id: str
    codes: tuple[str, ...]


class Store:
    """The service's operations on its database, each in one short transaction."""

    def __init__(self, engine: Engine, *, iterations: int = PBKDF2_ITERATIONS):
        self.engine = engine
        self.iterations = iterations
        # A verified secret is remembered by a keyed digest for this process: PBKDF2 is slow on
        # purpose, and paying it on every call would cap the service at a few calls a second.
        self._verified: dict[str, tuple[str, bytes]] = {}
        self._key = secrets.token_bytes(32)
        self._lock = threading.Lock()
        self._decoy = hash_secret(secrets.token_hex(16), iterations=iterations)

    # --- systems and agencies ----------------------------------------------------------------

    def add_agency(self, code: str, name: str, system_id: str, secret: str) -> bool:
        """Register ``code`` for ``system_id``; the system is created with ``secret`` if new,
        else ``secret`` must be its secret. Returns True when the agency is new."""
        if not code or len(code) > 13 or not name or not system_id or not secret:
            raise StoreError(400, "invalid", "an agency needs a code (at most 13 characters), "
                                             "a name, a system id and a secret")
        with self.engine.begin() as conn:
            row = conn.execute(select(systems.c.secret_hash)
                               .where(systems.c.system_id == system_id)).first()
            if row is None:
                conn.execute(insert(systems).values(system_id=system_id, created_at=_now(),
                                                    secret_hash=hash_secret(
                                                        secret, iterations=self.iterations)))
            elif not secret_matches(secret, row.secret_hash):
                raise StoreError(403, "auth", f"system {system_id} exists with another secret")
            owner = conn.execute(select(agencies.c.system_id)
                                 .where(agencies.c.code == code)).scalar()
            if owner is not None and owner != system_id:
                raise StoreError(409, "conflict", f"agency {code} belongs to another system")
            if owner is None:
                conn.execute(insert(agencies).values(code=code, name=name, system_id=system_id))
                return True
            conn.execute(update(agencies).where(agencies.c.code == code).values(name=name))
            return False

    def authenticate(self, system_id: str, secret: str) -> System:
        if not system_id or not secret:
            raise StoreError(401, "auth", "systemid and secret headers are required")
        with self.engine.connect() as conn:
            stored = conn.execute(select(systems.c.secret_hash)
                                  .where(systems.c.system_id == system_id)).scalar()
            codes = tuple(conn.execute(select(agencies.c.code)
                                       .where(agencies.c.system_id == system_id)
                                       .order_by(agencies.c.code)).scalars())
        presented = hmac.new(self._key, secret.encode(), "sha256").digest()
        with self._lock:
            known = self._verified.get(system_id)
        if stored is not None and known is not None and known[0] == stored \
                and hmac.compare_digest(known[1], presented):
            return System(system_id, codes)
        if stored is None:
            # Hash anyway: an unknown system must not answer faster than a wrong secret.
            secret_matches(secret, self._decoy)
            raise StoreError(401, "auth", "unknown system or wrong secret")
        if not secret_matches(secret, stored):
            # One answer for an unknown system and a wrong secret: no probing for system ids.
            raise StoreError(401, "auth", "unknown system or wrong secret")
        with self._lock:
            self._verified[system_id] = (stored, presented)
        return System(system_id, codes)

    def agencies(self) -> list[dict]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(agencies.c.code, agencies.c.name)
                                .order_by(agencies.c.code)).all()
        return [{"code": row.code, "name": row.name} for row in rows]

    # --- messages ----------------------------------------------------------------------------

    def send(self, system: System, sender: str | None, to: list[str], service_type: str,
             message_type: str, body: bytes) -> str:
        sender = sender or (system.codes[0] if len(system.codes) == 1 else "")
        if sender not in system.codes:
            raise StoreError(403, "from", f"system {system.system_id} does not speak for "
                                          f"agency {sender or '(none given)'}")
        with self.engine.begin() as conn:
            known = set(conn.execute(select(agencies.c.code)
                                     .where(agencies.c.code.in_(to))).scalars())
            unknown = [code for code in to if code not in known]
            if unknown:
                raise StoreError(400, "to", f"unknown recipient(s): {', '.join(unknown)}")
            now, doc_id = _now(), str(uuid.uuid4())
            sent_id = conn.execute(insert(sent).values(
                doc_id=doc_id, sender_code=sender, service_type=service_type,
                message_type=message_type, body=body, size=len(body),
                sha256=hashlib.sha256(body).hexdigest(), created_at=now)).inserted_primary_key[0]
            conn.execute(insert(deliveries), [
                {"doc_id": str(uuid.uuid4()), "sent_id": sent_id, "receiver_code": code,
                 "status": "pending", "created_at": now, "updated_at": now}
                for code in dict.fromkeys(to)])
        return doc_id

    def received(self, system: System) -> list[dict]:
        """What waits for the system's agencies: every delivery it has not said ``done`` or
        ``fail`` to (``processing`` stays listed, as the SDK's clients expect to see it)."""
        query = (select(deliveries, sent.c.sender_code, sent.c.service_type,
                        sent.c.message_type)
                 .join(sent, sent.c.id == deliveries.c.sent_id)
                 .where(deliveries.c.receiver_code.in_(system.codes),
                        deliveries.c.status.in_(("pending", "processing")))
                 .order_by(deliveries.c.id))
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [{"docId": row.doc_id, "from": row.sender_code, "to": row.receiver_code,
                 "serviceType": row.service_type, "messageType": row.message_type,
                 "created_time": row.created_at.isoformat(),
                 "updated_time": row.updated_at.isoformat(),
                 "status": row.status, "status_desc": row.status} for row in rows]

    def _delivery_of(self, conn, system: System, doc_id: str):
        row = conn.execute(select(deliveries.c.id, deliveries.c.receiver_code,
                                  deliveries.c.sent_id)
                           .where(deliveries.c.doc_id == doc_id)).first()
        # Another system's message answers as a missing one would: its existence is not told.
        if row is None or row.receiver_code not in system.codes:
            raise StoreError(404, "not_found", f"no message {doc_id} for this system")
        return row

    def fetch(self, system: System, doc_id: str) -> bytes:
        with self.engine.connect() as conn:
            row = self._delivery_of(conn, system, doc_id)
            return conn.execute(select(sent.c.body).where(sent.c.id == row.sent_id)).scalar()

    def update_status(self, system: System, doc_id: str, status: str) -> None:
        if status not in ("done", "fail", "processing"):
            raise StoreError(400, "status", "status must be done, fail or processing")
        with self.engine.begin() as conn:
            row = self._delivery_of(conn, system, doc_id)
            conn.execute(update(deliveries).where(deliveries.c.id == row.id)
                         .values(status=status, updated_at=_now()))

    def sent_list(self, system: System) -> list[dict]:
        query = (select(deliveries, sent.c.doc_id.label("sender_doc_id"), sent.c.sender_code,
                        sent.c.service_type, sent.c.message_type,
                        sent.c.created_at.label("sent_at"))
                 .join(sent, sent.c.id == deliveries.c.sent_id)
                 .where(sent.c.sender_code.in_(system.codes)).order_by(deliveries.c.id))
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [{"senderDocId": row.sender_doc_id, "receiverDocId": row.doc_id,
                 "fromCode": row.sender_code, "toCode": row.receiver_code,
                 "serviceType": row.service_type, "messageType": row.message_type,
                 "sendStatus": "done", "receiveStatus": row.status,
                 "sentTime": row.sent_at.isoformat(),
                 "receivedTime": row.updated_at.isoformat() if row.status == "done" else ""}
                for row in rows]


def open_store(url: str, *, iterations: int = PBKDF2_ITERATIONS) -> Store:
    """The service's database at ``url``, its tables created when missing."""
    options = {}
    if url.startswith("sqlite"):
        # One file shared by the service's threads; writers wait for one another.
        options["connect_args"] = {"check_same_thread": False, "timeout": 30}
    engine = create_engine(url, pool_pre_ping=True, **options)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    try:
        metadata.create_all(engine)
    except IntegrityError:  # another process created them at the same moment
        pass
    return Store(engine, iterations=iterations)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
