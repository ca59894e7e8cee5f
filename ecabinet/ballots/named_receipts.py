"""A named vote's receipt: the server's signed statement of a member's recorded choice.

A named (open) vote's ballots are public by law: the closed vote publishes the named list
(``GET /api/v1/votes/{id}/record``, format ``ecabinet/named-vote-record/1``). What a member
needs besides is proof of what the server recorded *when it took the ballot*: a receipt the
member keeps, signed with the server's receipt key (Ed25519, libsodium through PyNaCl; the key
is in the instance folder or ``ECABINET_RECEIPT_KEY``, never in the database), which anyone can
check against the published list without the server (``ecabinet votes verify-receipt``). A list
that later says otherwise than a valid receipt shows the record was changed.

Receipt (JSON)::

    {"format": "ecabinet/named-ballot-receipt/1",
     "statement": {"vote_id": int, "meeting_id": int, "question": str,
                   "member": {"id": int, "name": str}, "choice": "yes"|"no"|"abstain",
                   "cast_at": ISO 8601},
     "public_key": hex,          # the receipt key's public half
     "signature": hex}           # Ed25519 over the statement's canonical JSON

Canonical JSON: keys sorted, no spaces, UTF-8 (``ensure_ascii`` off), prefixed by the format
and a NUL byte so that a signature over a receipt is never a signature over anything else.
The last ballot counts: a member who changes theirs gets a new receipt, and an earlier one
no longer matches the list (the verifier says so, with both times).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field

import nacl.signing
from nacl.exceptions import BadSignatureError

FORMAT = "ecabinet/named-ballot-receipt/1"
RECORD_FORMAT = "ecabinet/named-vote-record/1"


def _message(statement: dict) -> bytes:
    body = json.dumps(statement, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return FORMAT.encode() + b"\x00" + body.encode("utf-8")


def public_key(seed_hex: str) -> str:
    return nacl.signing.SigningKey(bytes.fromhex(seed_hex)).verify_key.encode().hex()


@functools.lru_cache(maxsize=4)
def _key(seed_hex: str) -> tuple[nacl.signing.SigningKey, str]:
    """The key and its public half, derived once per process (every named ballot signs)."""
    key = nacl.signing.SigningKey(bytes.fromhex(seed_hex))
    return key, key.verify_key.encode().hex()


def sign(seed_hex: str, statement: dict) -> dict:
    """The receipt of ``statement`` under the key whose 32-byte seed is ``seed_hex``."""
    key, public = _key(seed_hex)
    return {"format": FORMAT, "statement": statement, "public_key": public,
            "signature": key.sign(_message(statement)).signature.hex()}


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_receipt(receipt: dict, record: dict | None = None, key: str | None = None) -> Report:
    """Checks the signature (under ``key`` if given, else the record's receipt key, else the
    receipt's own), then, with ``record``, that the published list says the same choice for
    the same member in the same vote. Each failure says where."""
    report = Report()
    try:
        statement, signature = receipt["statement"], bytes.fromhex(receipt["signature"])
        if receipt.get("format") != FORMAT:
            report.problems.append(f"receipt: format is not {FORMAT}")
        trusted = key or (record or {}).get("receipt_key") or receipt["public_key"]
        if receipt["public_key"] != trusted:
            report.problems.append("receipt: signed by another key than the record's receipt "
                                   "key")
        nacl.signing.VerifyKey(bytes.fromhex(trusted)).verify(_message(statement), signature)
    except BadSignatureError:
        report.problems.append("receipt: the signature does not match the statement (changed "
                               "after signing, or not the server's)")
        return report
    except (KeyError, TypeError, ValueError) as exc:
        report.problems.append(f"receipt: malformed ({exc})")
        return report
    if record is not None:
        _against(report, statement, record)
    return report


def _against(report: Report, statement: dict, record: dict) -> None:
    if record.get("format") != RECORD_FORMAT:
        report.problems.append(f"record: format is not {RECORD_FORMAT}")
        return
    if record.get("vote_id") != statement.get("vote_id"):
        report.problems.append(f"record: vote {record.get('vote_id')}, the receipt is of vote "
                               f"{statement.get('vote_id')}")
        return
    member = statement.get("member", {}).get("id")
    listed = [b for b in record.get("ballots", []) if b.get("member_id") == member]
    if not listed:
        report.problems.append(f"record: member {member} is not in the named list")
        return
    ballot = listed[0]
    if ballot.get("choice") != statement.get("choice"):
        when = ballot.get("cast_at")
        later = when and statement.get("cast_at") and when > statement["cast_at"]
        report.problems.append(
            f"record: member {member} is listed with {ballot.get('choice')!r}, the receipt "
            f"says {statement.get('choice')!r}" + (
                f" (the list's ballot was cast later, at {when}: this receipt is of an "
                f"earlier ballot)" if later else ""))
