"""Signed checkpoints of the audit chain's head, kept outside the database.

The chain is plain SHA-256 and its head lives in the same database: whoever holds the database
can edit an entry and recompute every hash after it. A checkpoint is what Certificate
Transparency calls a signed tree head (RFC 6962 §3.5, RFC 9162 §4.10): a small statement

    {"checkpoint": N, "tree_size": S, "head_hash": H, "time": T, "previous": D, "reason": R,
     "log": "ecabinet-audit", "version": 1}

— the hash of entry S is H, and D is the SHA-256 of checkpoint N-1's statement, so the
checkpoints chain to each other — serialised canonically (:func:`canonical`), signed with the
organisation's seal key (a detached CMS signature, the key in its PKCS#11 token) and
time-stamped by the TSA (RFC 3161, over the signature file: the token proves the signed
statement existed at that time). Its files live in ``<storage>/audit-checkpoints/``:
``0000000N.json`` (the exact signed bytes), ``.p7s`` (the signature), ``.tst`` (the time-stamp
token). No database row describes them: :mod:`.checkpoint_verify` trusts the files, the
configured CA and the configured organisation name, never the database.

Made automatically after the commit, off the request's path (the in-process job thread), and
best-effort — a missing key or PIN, or a TSA down, is logged and never undoes the audited
change: every ``AUDIT_CHECKPOINT_EVERY`` entries, at each action of
``AUDIT_CHECKPOINT_ACTIONS`` (a decision issued, a vote or poll closed), and at the first commit
after ``AUDIT_CHECKPOINT_INTERVAL_SECONDS`` without one; ``ecabinet audit checkpoint`` from cron
covers an idle hour. With the TSA down a checkpoint is made signed only (no ``.tst``: listed
as not time-stamped) and the next run, automatic or by the command, time-stamps it.

The server refuses to sign a head that does not extend its last checkpoint (a rewrite or a cut
before it): it never countersigns a rewritten history.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from ecabinet.audit import services as audit
from ecabinet.audit.models import AuditEntry, AuditHead
from ecabinet.extensions import db

log = logging.getLogger(__name__)

VERSION = 1
LOG_ID = "ecabinet-audit"
ZERO = "0" * 64
SUFFIXES = (".json", ".p7s", ".tst")
_NAME = re.compile(r"^([0-9]{8})\.json$")
#: The names of a checkpoint's files.
FILE_NAME = re.compile(r"[0-9]{8}\.(json|p7s|tst)")

DEFAULTS = {
    #: A checkpoint each time the chain passes a multiple of this many entries (0: never).
    "AUDIT_CHECKPOINT_EVERY": 1000,
    #: A checkpoint at the first commit once the last one is older than this (None: never).
    "AUDIT_CHECKPOINT_INTERVAL_SECONDS": 3600,
    #: A checkpoint right after the commit of any of these actions.
    "AUDIT_CHECKPOINT_ACTIONS": ("decision.issue", "vote.close", "poll.close"),
    #: The organisation whose seal signs checkpoints, and the PIN of its token.
    "AUDIT_SEAL_ORGANISATION": "Văn phòng Chính phủ",
    "AUDIT_SEAL_PIN": None,
    #: Certificate files (PEM/DER) of the seal allowed to sign checkpoints; None: any
    #: certificate from the trusted CA naming the organisation as holder (see verification).
    "AUDIT_SEAL_CERTIFICATES": None,
    #: Where checkpoints are written; default ``<STORAGE_DIR>/audit-checkpoints``.
    "AUDIT_CHECKPOINT_DIR": None,
}


class CheckpointError(Exception):
    """No checkpoint was made; the message says why (never a secret)."""


class Refused(CheckpointError):
    """The chain in the database does not extend the last checkpoint."""


@dataclass(frozen=True)
class Checkpoint:
    checkpoint: int
    tree_size: int
    head_hash: str
    time: datetime
    previous: str
    reason: str
    raw: bytes = field(repr=False)
    folder: Path = field(repr=False)

    def path(self, suffix: str) -> Path:
        return self.folder / f"{self.checkpoint:08d}{suffix}"

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()

    @property
    def timestamped(self) -> bool:
        return self.path(".tst").exists()

    def as_json(self) -> dict:
        return {"checkpoint": self.checkpoint, "tree_size": self.tree_size,
                "head_hash": self.head_hash, "time": self.time.isoformat(),
                "previous": self.previous, "reason": self.reason, "digest": self.digest,
                "signed": self.path(".p7s").exists(), "timestamped": self.timestamped}


def canonical(statement: dict) -> bytes:
    """The bytes signed: sorted keys, no spaces, UTF-8 (one serialisation per statement)."""
    return json.dumps(statement, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode()


def folder() -> Path:
    configured = current_app.config.get("AUDIT_CHECKPOINT_DIR")
    return Path(configured or Path(current_app.config["STORAGE_DIR"]) / "audit-checkpoints")


def parse(raw: bytes, where: Path) -> Checkpoint:
    """A statement read back; ValueError when it is not one this module writes."""
    statement = json.loads(raw)
    if not isinstance(statement, dict) or statement.get("version") != VERSION or \
            statement.get("log") != LOG_ID or canonical(statement) != raw:
        raise ValueError("not a canonical checkpoint statement")
    number, size = statement["checkpoint"], statement["tree_size"]
    head, previous = statement["head_hash"], statement["previous"]
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (number, size)) or \
            number < 1 or size < 0 or not all(
                isinstance(v, str) and re.fullmatch(r"[0-9a-f]{64}", v) for v in (head, previous)):
        raise ValueError("bad fields")
    moment = datetime.fromisoformat(statement["time"])
    if moment.tzinfo is None:
        raise ValueError("time without a zone")
    return Checkpoint(number, size, head, moment, previous, str(statement.get("reason", "")),
                      raw, where)


def scan(where: Path | None = None) -> tuple[list[Checkpoint], list[str]]:
    """The stored checkpoints in order, and what could not be read (named by file)."""
    where = where or folder()
    found, problems = [], []
    if not where.is_dir():
        return found, problems
    for path in sorted(where.iterdir()):
        match = _NAME.match(path.name)
        if not match:
            continue
        try:
            item = parse(path.read_bytes(), where)
            if item.checkpoint != int(match.group(1)):
                raise ValueError("its number is not its file name")
        except (ValueError, KeyError, TypeError, OSError) as exc:
            problems.append(f"{path.name} is not a readable checkpoint ({exc})")
            continue
        found.append(item)
    return found, problems


def orphans(where: Path | None = None) -> set[int]:
    """Numbers with a signature or time-stamp file but no statement."""
    where = where or folder()
    if not where.is_dir():
        return set()
    numbers = {name[:8] for name in os.listdir(where)
               if re.fullmatch(r"[0-9]{8}\.(p7s|tst)", name)}
    return {int(n) for n in numbers if not (where / f"{n}.json").exists()}


def stored() -> list[Checkpoint]:
    return scan()[0]


def latest(where: Path | None = None) -> Checkpoint | None:
    """The newest checkpoint, reading only its file (None: none, or not readable)."""
    where = where or folder()
    try:
        names = [p.name for p in where.iterdir() if _NAME.match(p.name)]
    except OSError:
        return None
    if not names:
        return None
    try:
        return parse((where / max(names)).read_bytes(), where)
    except (ValueError, KeyError, TypeError, OSError):
        return None


def find(number: int) -> Checkpoint | None:
    return next((c for c in stored() if c.checkpoint == number), None)


# --- making one ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Made:
    checkpoint: Checkpoint | None  # None: nothing new since the last one
    stamped_later: list[int]  # earlier checkpoints time-stamped by this run


@contextmanager
def _locked(where: Path):
    """One maker at a time per folder (processes and threads): numbers are never reused."""
    where.mkdir(parents=True, exist_ok=True)
    with _thread_lock, open(where / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


_thread_lock = threading.Lock()


def make(reason: str = "manual") -> Made:
    """Time-stamp earlier checkpoints that lack it, then checkpoint the head if it moved.

    Call with an app context and no transaction open. Raises :class:`Refused` when the chain
    does not extend the last checkpoint, :class:`CheckpointError` when the seal cannot sign.
    """
    signer = _seal_signer_settings()
    where = folder()
    with _locked(where):
        existing, problems = scan(where)
        if problems:
            raise Refused("; ".join(problems))
        unstamped = [c for c in existing if not c.timestamped]
        last = existing[-1] if existing else None
        try:
            size, head = _consistent_head(last)
            key = _seal_key(*signer) if last is None or size != last.tree_size else None
        finally:
            db.session.rollback()  # no transaction (SQLite: the write lock) while signing
        if key is None:
            return Made(None, _stamp_all(unstamped))
        raw = canonical({
            "version": VERSION, "log": LOG_ID, "checkpoint": (last.checkpoint + 1) if last else 1,
            "tree_size": size, "head_hash": head, "previous": last.digest if last else ZERO,
            "time": datetime.now(UTC).isoformat(timespec="seconds"), "reason": reason})
        made = parse(raw, where)
        signature = _sign(key, signer[1], raw)
        _write(made.path(".p7s"), signature)
        token = _timestamp(signature)
        if token is not None:
            _write(made.path(".tst"), token)
        _write(made.path(".json"), raw)  # last: the statement's presence makes it exist
        # The TSA answered again: stamp what was made while it was down.
        stamped = _stamp_all(unstamped) if token is not None else []
    log.info("audit checkpoint %s: entries 1-%s (%s)%s", made.checkpoint, size, reason,
             "" if token else ", not time-stamped")
    return Made(made, stamped)


def _write(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".tmp-{path.name}")
    with open(temporary, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)


def _consistent_head(last: Checkpoint | None) -> tuple[int, str]:
    """The head, after checking that the chain from the last checkpoint leads to it."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    if last is None:
        report = audit.verify_chain()
        if not report.ok:
            raise Refused(f"the chain is broken at entry {report.broken_seq}: {report.reason}")
    else:
        entry = db.session.scalars(select(AuditEntry).where(
            AuditEntry.seq == last.tree_size)).one_or_none() if last.tree_size else None
        head_seq = db.session.scalar(select(AuditHead.last_seq).where(
            AuditHead.id == audit.HEAD_ID)) or 0
        if head_seq < last.tree_size:
            raise Refused(f"truncated: checkpoint {last.checkpoint} covers entry "
                          f"{last.tree_size} but the chain ends at entry {head_seq}")
        if entry is not None and (entry.hash != last.head_hash or
                                  audit.entry_hash(entry.prev_hash, entry) != entry.hash):
            raise Refused(f"the chain was rewritten before checkpoint {last.checkpoint}")
        report = audit.verify_chain(after=(last.tree_size, last.head_hash))
        if not report.ok:
            raise Refused(f"the chain is broken at entry {report.broken_seq} after checkpoint "
                          f"{last.checkpoint}: {report.reason}")
    row = db.session.execute(select(AuditHead.last_seq, AuditHead.last_hash).where(
        AuditHead.id == audit.HEAD_ID)).one_or_none()
    return (row[0], row[1]) if row else (0, audit.GENESIS_HASH)


# --- the seal and the TSA ------------------------------------------------------------------------

_refused_pins: set[tuple[str, str]] = set()


def _seal_signer_settings() -> tuple[str, str]:
    config = current_app.config
    name, pin = config.get("AUDIT_SEAL_ORGANISATION"), config.get("AUDIT_SEAL_PIN")
    if not name or not pin:
        raise CheckpointError("audit checkpoints are not signed: set AUDIT_SEAL_PIN "
                              "(ECABINET_AUDIT_SEAL_PIN) and AUDIT_SEAL_ORGANISATION")
    if (name, hashlib.sha256(pin.encode()).hexdigest()) in _refused_pins:
        raise CheckpointError(f"the seal token of {name} refused the configured PIN; "
                              "not trying it again in this process")
    return name, pin


def _seal_key(name: str, _pin: str):
    """The organisation's current seal key, detached from the session (signing comes after
    the read transaction ends)."""
    from ecabinet.errors import DomainError
    from ecabinet.identity.models import Organisation
    from ecabinet.signing import keys

    organisation = db.session.scalar(select(Organisation).where(Organisation.name == name))
    if organisation is None:
        raise CheckpointError(f"no organisation named {name} (AUDIT_SEAL_ORGANISATION)")
    try:
        key = keys.seal_key(organisation)
    except DomainError as exc:
        raise CheckpointError(f"the seal of {name}: {exc.message}") from exc
    db.session.expunge(key)
    return key


def _sign(key, pin: str, data: bytes) -> bytes:
    """A detached CMS signature (DER) of ``data`` with the seal. A wrong PIN is not counted
    against the clerks' key (an unattended retry loop would lock it) but stops this process
    from trying it again."""
    from ecabinet.asyncio_bridge import run_async
    from ecabinet.errors import DomainError
    from ecabinet.signing import keys, tokens
    from ecabinet.signing.failures import WrongPin

    # The same lock and opener as a decision's seal: one PKCS#11 session per key at a time.
    try:
        with tokens.key_lock(f"key-{key.id}-{key.token_label or 'p12'}"), \
                keys.OpenedKey(key, pin) as signer:
            content = run_async(
                lambda: signer.async_sign_general_data(data, "sha256", detached=True))
    except WrongPin as exc:
        organisation = current_app.config["AUDIT_SEAL_ORGANISATION"]
        _refused_pins.add((organisation, hashlib.sha256(pin.encode()).hexdigest()))
        raise CheckpointError(f"the seal token of {organisation} refused the PIN") from exc
    except DomainError as exc:  # the token is missing, the PIN locked by the token…
        raise CheckpointError(f"the seal could not sign: {exc.message}") from exc
    except Exception as exc:  # the token or its library failed: say so, lose nothing
        raise CheckpointError(f"the seal could not sign: {type(exc).__name__}") from exc
    return content.dump()


def _timestamp(signature: bytes) -> bytes | None:
    """An RFC 3161 token over SHA-256(signature); None (logged) when the TSA cannot answer."""
    from pyhanko.sign.timestamps import HTTPTimeStamper

    from ecabinet.asyncio_bridge import run_async

    url = current_app.config.get("TSA_URL")
    digest = hashlib.sha256(signature).digest()
    try:
        token = run_async(lambda: HTTPTimeStamper(url, timeout=10).async_timestamp(
            digest, "sha256"))
    except Exception as exc:  # noqa: BLE001 - any failure of the TSA means the same here
        log.warning("audit checkpoint not time-stamped: the TSA at %s failed (%s)", url,
                    type(exc).__name__)
        return None
    return token.dump()


def _stamp_all(items: list[Checkpoint]) -> list[int]:
    """Time-stamp these, stopping at the first failure: a TSA that does not answer costs one
    timeout per run, not one per checkpoint (the job thread is shared with conversions)."""
    done = []
    for item in items:
        if not _stamp(item):
            break
        done.append(item.checkpoint)
    return done


def _stamp(item: Checkpoint) -> bool:
    """Time-stamp a checkpoint made while the TSA was down."""
    try:
        signature = item.path(".p7s").read_bytes()
    except OSError:
        return False
    token = _timestamp(signature)
    if token is None:
        return False
    _write(item.path(".tst"), token)
    log.info("audit checkpoint %s time-stamped later", item.checkpoint)
    return True
