"""Verifying the audit chain against its signed checkpoints without trusting the database.

What is trusted: the checkpoint files, the CA roots of the configuration (``SIGNING_TRUST_ROOTS``
or the PKI's root file) and the name of the organisation whose seal signs the trail
(``AUDIT_SEAL_ORGANISATION``). The database only supplies the entries, whose hashes are
recomputed. What is found and named:

- a checkpoint whose signature does not match its statement, is not by that organisation's seal
  (a seal certificate names the organisation as both its holder and its organisation), or does
  not chain to the trusted CA; a time-stamp that does not cover the signature or is untrusted;
- a checkpoint deleted between others (a gap in the numbers), or replaced (its successor's
  ``previous`` digest no longer matches);
- the chain rewritten before a checkpoint (the entry it covers does not have the signed hash)
  or truncated (a checkpoint covers an entry past the end of the chain).

The newest checkpoints deleted together cannot be told from checkpoints never made: keep a
copy of the latest one elsewhere (``GET /api/v1/audit/checkpoints/{n}``), as CT's monitors do.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from flask import current_app

from ecabinet.audit import checkpoints
from ecabinet.audit import services as audit
from ecabinet.audit.checkpoints import Checkpoint

#: A time-stamp earlier than the time its statement claims, by more than this, is refused.
CLOCK_SKEW = timedelta(minutes=5)


@dataclass
class CheckpointReport:
    checked: int = 0  # checkpoints found good
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    latest: Checkpoint | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(kept: list[Checkpoint] = ()) -> tuple[audit.ChainReport, CheckpointReport]:
    """The chain's own report and the checkpoints'; call with an app context. ``kept``:
    copies of checkpoints kept elsewhere (:func:`load_copies`), which must be on the server
    unchanged — what shows the newest checkpoints deleted together."""
    found, unreadable = checkpoints.scan()
    chain = audit.verify_chain(at={c.tree_size for c in [*found, *kept]})
    report = CheckpointReport(problems=list(unreadable), latest=found[-1] if found else None)
    good = _check_copies(kept, {c.checkpoint: c for c in found}, report)
    if not found:
        if chain.checked and not kept:
            report.warnings.append("no checkpoint: the trail is protected only by its own "
                                   "hashes (run `ecabinet audit checkpoint`)")
        _check_against_chain(good, chain, report)
        return chain, report
    _check_sequence(found, report)
    for number in sorted(checkpoints.orphans()):
        if number > found[-1].checkpoint:
            report.warnings.append(f"checkpoint {number} has files but no statement: deleted, "
                                   "or the server stopped while writing it")
    for item in found:
        problem = _check_signature(item, report)
        if problem:
            report.problems.append(f"checkpoint {item.checkpoint}: {problem}")
        else:
            good.append(item)
            report.checked += 1
    # Only checkpoints the seal really signed say anything about the chain.
    _check_against_chain(sorted(good, key=lambda c: (c.tree_size, c.checkpoint)), chain,
                         report)
    return chain, report


def _check_copies(kept: list[Checkpoint], on_server: dict[int, Checkpoint],
                  report: CheckpointReport) -> list[Checkpoint]:
    good = []
    for copy in kept:
        problem = _check_signature(copy, report)
        if problem:
            report.problems.append(f"the copy of checkpoint {copy.checkpoint}: {problem}")
            continue
        good.append(copy)
        server = on_server.get(copy.checkpoint)
        if server is None:
            report.problems.append(f"checkpoint {copy.checkpoint} is missing from the server "
                                   "(deleted): a copy was kept elsewhere")
        elif server.raw != copy.raw:
            report.problems.append(f"checkpoint {copy.checkpoint} on the server is not the one "
                                   "kept elsewhere (replaced)")
    return good


def load_copies(path: Path, into: Path) -> list[Checkpoint]:
    """Checkpoints kept elsewhere: a downloaded archive (.zip), a statement (.json) with its
    .p7s/.tst beside it, or a folder of them. Archive members are copied into ``into`` by
    their checkpoint name only (never by a path the archive gives). ValueError: unreadable."""
    import zipfile

    if path.is_dir():
        found, problems = checkpoints.scan(path)
    elif zipfile.is_zipfile(path):
        into.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(path) as archive:
            for member in archive.infolist():
                name = Path(member.filename).name
                if checkpoints.FILE_NAME.fullmatch(name) and member.file_size < 1 << 20:
                    (into / name).write_bytes(archive.read(member))
        found, problems = checkpoints.scan(into)
    else:
        try:
            found = [checkpoints.parse(path.read_bytes(), path.parent)]
            problems = []
        except (ValueError, KeyError, TypeError, OSError) as exc:
            raise ValueError(f"{path.name} is not a checkpoint ({exc})") from exc
    if problems or not found:
        raise ValueError("; ".join(problems) or f"no checkpoint in {path.name}")
    return found


def _check_sequence(found: list[Checkpoint], report: CheckpointReport) -> None:
    numbers = {c.checkpoint: c for c in found}
    for number in range(1, found[-1].checkpoint + 1):
        if number not in numbers:
            report.problems.append(f"checkpoint {number} is missing (deleted?)")
    for item in found:
        before = numbers.get(item.checkpoint - 1)
        if item.checkpoint == 1 and item.previous != checkpoints.ZERO:
            report.problems.append("checkpoint 1 names a previous checkpoint: earlier ones "
                                   "were removed and the numbers restarted")
        if before is None:
            continue
        if item.previous != before.digest:
            report.problems.append(f"checkpoint {item.checkpoint} does not follow checkpoint "
                                   f"{before.checkpoint} (one of them was replaced)")
        if item.tree_size < before.tree_size or item.time < before.time:
            report.problems.append(f"checkpoint {item.checkpoint} goes back in size or time "
                                   f"from checkpoint {before.checkpoint}")


def _check_against_chain(found: list[Checkpoint], chain: audit.ChainReport,
                         report: CheckpointReport) -> None:
    end = chain.checked  # entries intact from the first one
    since = 1
    for item in found:
        if item.tree_size == 0:
            continue
        if item.tree_size > end:
            if chain.ok:
                report.problems.append(
                    f"truncated: checkpoint {item.checkpoint} covers entry {item.tree_size} "
                    f"but the chain ends at entry {end}")
            else:
                report.problems.append(
                    f"rewritten before checkpoint {item.checkpoint}: it covers entry "
                    f"{item.tree_size}, and the chain breaks at entry {chain.broken_seq}")
            return  # later checkpoints cover more: the same finding
        if chain.hashes.get(item.tree_size) != item.head_hash:
            report.problems.append(
                f"rewritten before checkpoint {item.checkpoint}: entry {item.tree_size} does "
                f"not have the signed hash (the change is in entries {since}–{item.tree_size})")
            return
        since = item.tree_size + 1


# --- signatures and time-stamps ------------------------------------------------------------------

def _context(moment=None):
    from asn1crypto import x509
    from pyhanko_certvalidator import ValidationContext

    # The configured roots and the PKI's intermediate, read from files, not the database.
    from ecabinet.signing.trust import intermediates, trust_roots

    return ValidationContext(
        trust_roots=[x509.Certificate.load(c) for c in trust_roots()],
        other_certs=[x509.Certificate.load(c) for c in intermediates()],
        allow_fetching=False, revocation_mode="soft-fail", moment=moment)


def _check_signature(item: Checkpoint, report: CheckpointReport) -> str | None:
    """What is wrong with the checkpoint's signature or time-stamp (None: good)."""
    from asn1crypto import cms

    try:
        signature = item.path(".p7s").read_bytes()
    except OSError:
        return "its signature file is missing"
    moment = None
    try:
        token = item.path(".tst").read_bytes()
    except OSError:
        report.warnings.append(f"checkpoint {item.checkpoint} is not time-stamped (the TSA was "
                               "unreachable; the next `ecabinet audit checkpoint` stamps it)")
    else:
        moment, problem = _check_timestamp(token, signature)
        if problem:
            return problem
        if moment < item.time - CLOCK_SKEW:
            return f"its time-stamp ({moment:%Y-%m-%d %H:%M}) predates its statement"
    try:
        signed_data = cms.ContentInfo.load(signature)["content"]
        status = _validate_signature(item.raw, signed_data, moment)
    except Exception:  # noqa: BLE001 - whatever the parser or validator says, it is not good
        return "the signature cannot be read or checked"
    if not (status.intact and status.valid):
        return "the signature does not match its statement"
    organisation = current_app.config.get("AUDIT_SEAL_ORGANISATION")
    subject = status.signing_cert.subject.native
    # A seal's certificate names the organisation as holder and has no person's e-mail: a
    # person of the organisation, even one named like it, has one (signing/enrolment.py).
    if subject.get("common_name") != organisation or \
            subject.get("organization_name") != organisation or "email_address" in subject:
        holder = subject.get("common_name", "?")
        return f"not signed by the seal of {organisation} (signed by {holder})"
    if not status.trusted:
        return "the seal's certificate is not trusted by this system"
    pinned = _pinned()
    if pinned and status.signing_cert.dump() not in pinned:
        return ("not signed by a seal certificate of AUDIT_SEAL_CERTIFICATES (serial "
                f"{status.signing_cert.serial_number:x})")
    return None


def _pinned() -> set[bytes]:
    from asn1crypto import pem

    pinned = set()
    for path in current_app.config.get("AUDIT_SEAL_CERTIFICATES") or ():
        data = Path(path).read_bytes()
        pinned.add(pem.unarmor(data)[2] if pem.detect(data) else data)
    return pinned


def _validate_signature(data: bytes, signed_data, moment):
    from pyhanko.sign.validation.generic_cms import async_validate_detached_cms

    from ecabinet.asyncio_bridge import run_async

    context = _context(moment)
    return run_async(lambda: async_validate_detached_cms(
        data, signed_data, signer_validation_context=context))


def _check_timestamp(token: bytes, signature: bytes):
    """(the time-stamp's time, a problem or None)."""
    from asn1crypto import cms
    from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
    from pyhanko.sign.validation.status import TimestampSignatureStatus

    from ecabinet.asyncio_bridge import run_async

    def imprint(algorithm: str) -> bytes:
        return hashlib.new(algorithm, signature).digest()

    try:
        signed_data = cms.ContentInfo.load(token)["content"]
        # The context reads the app's config: made here, not in the coroutine, which may run
        # in a helper thread outside the app context (see asyncio_bridge).
        context = _context()
        found = run_async(lambda: validate_tst_signed_data(signed_data, context, imprint))
        status = TimestampSignatureStatus(**found)
    except Exception:  # noqa: BLE001
        return None, "its time-stamp cannot be read or checked"
    if not (status.intact and status.valid):
        return None, "its time-stamp does not cover its signature"
    if not status.trusted:
        return None, "its time-stamp is not by a trusted TSA"
    return status.timestamp, None
