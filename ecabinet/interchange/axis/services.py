"""The outbox and the inbox: nothing sent is lost, nothing received is lost or kept twice.

Outgoing (:func:`queue_package`, then :func:`send_pending`): the package is stored and its row
committed before any attempt; each attempt claims the row (so two senders never send it twice
at once), and a service that does not answer is tried again after 1, 2, 4, … minutes (capped)
until ``AXIS_SEND_MAX_TRIES`` attempts have failed; the service refusing the package (too
large, unknown recipient, wrong secret) fails it at once, since sending it again cannot help.

Incoming (:func:`poll_once`): for each message listed, one not stored yet is fetched, stored
and committed *before* the service is told it was delivered; a crash anywhere in between leaves
it listed at the service, and the next run fetches it again (a crash before the commit) or only
acknowledges it (after): the unique remote id keeps one row either way. A message too large to
take is recorded without its bytes and told "fail" (:func:`_refuse`). Then each stored
message is handed to :func:`on_received` in a transaction of its own; one that fails stays
stored, with its error, and the poller goes on with the next.

Every step is in the audit trail (``axis.*``); the service's secret never is.

Services flush; the commits here are the poller's own units of work, one per message, because
a batch committed at the end would lose (or repeat) every message of a run that dies midway.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ecabinet import storage
from ecabinet.audit import services as audit
from ecabinet.database import unit_of_work
from ecabinet.errors import DomainError, Invalid, NotFound
from ecabinet.extensions import db
from ecabinet.interchange.axis.models import (
    AxisIncoming,
    AxisOutgoing,
    IncomingState,
    OutgoingState,
)
from ecabinet.interchange.axis.transport import (
    MESSAGE_TYPES,
    AxisRefused,
    AxisUnavailable,
    Transport,
    to_list,
    transport_for,
)

log = logging.getLogger(__name__)

DEFAULTS = {
    "AXIS_SEND_MAX_TRIES": 8,
    "AXIS_RETRY_BASE_SECONDS": 60,
    "AXIS_RETRY_MAX_SECONDS": 3600,
    #: How long an attempt holds its row: a sender that died mid-send frees it after this.
    "AXIS_SEND_LEASE_SECONDS": 600,
}


class PackageTooLarge(DomainError):
    status, code = 413, "package_too_large"


def _config(key: str) -> int:
    return int(current_app.config.get(key) or DEFAULTS[key])


def _now() -> datetime:
    return datetime.now(UTC)


def configured_transport() -> Transport:
    transport = transport_for(current_app.config)
    if transport is None:
        raise Invalid("no exchange service configured: set ECABINET_AXIS_URL, "
                      "ECABINET_AXIS_SYSTEM_ID and ECABINET_AXIS_SECRET", code="axis_off")
    return transport


def _short(error: Exception) -> str:
    """An error as the audit trail and the clerk see it: the message only (a transport's
    messages never carry the secret; a traceback would carry local variables' names)."""
    return (getattr(error, "message", None) or str(error) or type(error).__name__)[:1000]


# --- outgoing ------------------------------------------------------------------------------------

def queue_package(package: bytes, to: list[str] | str, messagetype: str = "edoc", *,
                  actor=None) -> AxisOutgoing:
    """Put ``package`` in the outbox for ``to`` (OrganIds): stored now, sent by
    :func:`send_pending` after the caller's commit. Flushes; the caller commits."""
    recipients = to_list(to)
    if messagetype not in MESSAGE_TYPES:
        raise Invalid(f"messagetype must be one of {', '.join(MESSAGE_TYPES)}")
    if not recipients or not all(isinstance(code, str) and 0 < len(code) <= 100
                                 for code in recipients):
        raise Invalid("a package needs at least one recipient (an OrganId)")
    if not package:
        raise Invalid("an empty package cannot be sent")
    limit = int(current_app.config.get("AXIS_MAX_BYTES") or 0)
    if limit and len(package) > limit:
        raise PackageTooLarge(f"the package weighs {len(package)} bytes, more than the "
                              f"{limit} bytes the exchange allows")
    digest = storage.put(package)
    row = AxisOutgoing(recipients=json.dumps(recipients), messagetype=messagetype,
                       package_sha256=digest, size=len(package), state=OutgoingState.QUEUED,
                       tries=0, next_attempt_at=_now())
    db.session.add(row)
    db.session.flush()
    audit.record("axis.queued", actor=actor, target=row, details={
        "to": recipients, "messagetype": messagetype, "sha256": digest, "size": len(package)})
    return row


def backoff(tries: int) -> timedelta:
    """The wait after the ``tries``-th failed attempt: base, 2×base, 4×base, … capped."""
    base, cap = _config("AXIS_RETRY_BASE_SECONDS"), _config("AXIS_RETRY_MAX_SECONDS")
    return timedelta(seconds=min(cap, base * 2 ** max(0, tries - 1)))


@dataclass
class SendReport:
    sent: list[int] = field(default_factory=list)
    retried: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def send_pending(transport: Transport | None = None, *, now: datetime | None = None
                 ) -> SendReport:
    """Attempt every queued package whose time has come, one transaction per step. Call it with
    an app context and no transaction open (the poller, ``ecabinet axis poll``)."""
    transport = transport or configured_transport()
    now = now or _now()
    report = SendReport()
    due = db.session.scalars(select(AxisOutgoing.id).where(
        AxisOutgoing.state == OutgoingState.QUEUED, AxisOutgoing.next_attempt_at <= now)
        .order_by(AxisOutgoing.id)).all()
    db.session.rollback()
    for outgoing_id in due:
        if _claim(outgoing_id, now) and not _attempt(transport, outgoing_id, now, report):
            # The service is down: every other package would wait for the same timeout. They
            # keep their place and their count of tries for the next run.
            break
    return report


def _claim(outgoing_id: int, now: datetime) -> bool:
    """Take the row for one attempt: another sender running at the same moment finds it
    taken (the conditional UPDATE matches one of them), and a sender that dies mid-send
    leaves it to be taken again after the lease."""
    lease = now + timedelta(seconds=_config("AXIS_SEND_LEASE_SECONDS"))
    with unit_of_work():
        result = db.session.execute(
            update(AxisOutgoing)
            .where(AxisOutgoing.id == outgoing_id, AxisOutgoing.state == OutgoingState.QUEUED,
                   AxisOutgoing.next_attempt_at <= now)
            .values(next_attempt_at=lease)
            .execution_options(synchronize_session=False))
    return result.rowcount == 1


def _attempt(transport: Transport, outgoing_id: int, now: datetime, report: SendReport) -> bool:
    """One attempt; False when the service could not be reached (nor answered)."""
    with unit_of_work():
        row = db.session.get(AxisOutgoing, outgoing_id)
        recipients, messagetype, digest = json.loads(row.recipients), row.messagetype, \
            row.package_sha256
    error: Exception | None = None
    remote_id = None
    try:
        remote_id = transport.send(storage.get(digest), recipients, messagetype)
    except (AxisUnavailable, AxisRefused, OSError) as exc:
        error = exc
    with unit_of_work():
        row = db.session.get(AxisOutgoing, outgoing_id)
        row.tries += 1
        if error is None:
            row.state, row.remote_id, row.sent_at, row.last_error = \
                OutgoingState.SENT, remote_id, _now(), None
            audit.record("axis.sent", target=row, details={
                "to": recipients, "remote_id": remote_id, "tries": row.tries})
            report.sent.append(outgoing_id)
            return True
        row.last_error = _short(error)
        final = isinstance(error, AxisRefused | OSError) \
            or row.tries >= _config("AXIS_SEND_MAX_TRIES")
        if final:
            row.state = OutgoingState.FAILED
            audit.record("axis.send_failed", target=row, details={
                "to": recipients, "tries": row.tries, "reason": row.last_error})
            report.failed.append(outgoing_id)
        else:
            row.next_attempt_at = now + backoff(row.tries)
            audit.record("axis.send_retry", target=row, details={
                "to": recipients, "tries": row.tries, "reason": row.last_error,
                "next_attempt_at": row.next_attempt_at.isoformat()})
            report.retried.append(outgoing_id)
        tries, reason = row.tries, row.last_error
    log.warning("axis: package %s not sent (try %s): %s", outgoing_id, tries, reason)
    return not isinstance(error, AxisUnavailable)


def deliveries(transport: Transport | None = None) -> dict[str, dict[str, str]]:
    """What the service says of each package this system sent: ``{remote_id: {OrganId:
    delivery}}``, delivery being the recipient's ``pending``, ``processing``, ``done`` or
    ``fail`` (the clerk's "delivered"; the business statuses 01–06 come back as status
    messages instead)."""
    transport = transport or configured_transport()
    found: dict[str, dict[str, str]] = {}
    for item in transport.sent():
        found.setdefault(item.id, {})[item.to] = item.delivery
    return found


def retry_outgoing(outgoing_id: int, *, actor=None) -> AxisOutgoing:
    """A failed package queued again from its first try (the clerk fixed the cause). Flushes."""
    row = db.session.get(AxisOutgoing, outgoing_id, with_for_update=True)
    if row is None:
        raise NotFound(f"no outgoing package {outgoing_id}")
    if row.state != OutgoingState.FAILED:
        raise Invalid(f"package {outgoing_id} is {row.state}, not failed", code="not_failed")
    row.state, row.tries, row.next_attempt_at = OutgoingState.QUEUED, 0, _now()
    audit.record("axis.requeued", actor=actor, target=row, details={"previous": row.last_error})
    db.session.flush()
    return row


# --- incoming ------------------------------------------------------------------------------------

@dataclass
class PollReport:
    stored: list[str] = field(default_factory=list)  # remote ids fetched and kept this run
    acknowledged: list[str] = field(default_factory=list)
    handed_over: list[int] = field(default_factory=list)
    #: Remote ids (not fetched, or refused) and row ids (not handed over).
    failed: list[str] = field(default_factory=list)


def poll_once(transport: Transport | None = None) -> PollReport:
    """Fetch, keep and acknowledge every message waiting, then hand each one over. Call it with
    an app context and no transaction open. The service being down raises
    :class:`~.transport.AxisUnavailable` (nothing was listed, nothing is lost)."""
    transport = transport or configured_transport()
    report = PollReport()
    listing = transport.received()
    for item in listing:
        try:
            _take(transport, item, report)
        except Exception as exc:  # noqa: BLE001 - one bad message must not stop the others
            log.warning("axis: message %s not taken: %s", item.id, _short(exc))
            report.failed.append(item.id)
            with unit_of_work():
                audit.record("axis.fetch_failed", object_type="axis_incoming",
                             object_id=item.id, details={
                                 "remote_id": item.id, "sender": item.sender,
                                 "reason": _short(exc)})
    hand_over_pending(report)
    return report


def _take(transport: Transport, item, report: PollReport) -> None:
    row = db.session.execute(select(AxisIncoming.id, AxisIncoming.state)
                             .where(AxisIncoming.remote_id == item.id)).first()
    db.session.rollback()
    if row is not None:
        row_id, refused = row.id, row.state == IncomingState.REFUSED
    else:
        refused = False
        try:
            package = transport.fetch(item.id)
            limit = int(current_app.config.get("AXIS_MAX_BYTES") or 0)
            if limit and len(package) > limit:
                raise PackageTooLarge(f"message {item.id} weighs {len(package)} bytes, more "
                                      f"than the {limit} bytes this installation takes")
        except (AxisRefused, PackageTooLarge) as refusal:
            if isinstance(refusal, AxisRefused) and refusal.error_code != "too_large":
                raise  # not ours, or the service's own trouble: left for the next run
            row_id, refused = _refuse(item, refusal, report), True
        else:
            row_id = _store(item, package, report)
    # A refused message is told "fail" (the sender sees it was not delivered), a kept one
    # "done"; either way only once its row is committed.
    transport.update_status(item.id, "fail" if refused else "done")
    with unit_of_work():
        row = db.session.get(AxisIncoming, row_id)
        if row.acknowledged_at is None:
            row.acknowledged_at = _now()
            audit.record("axis.acknowledged", target=row, details={
                "remote_id": item.id, "delivery": "fail" if refused else "done"})
    report.acknowledged.append(item.id)


def _refuse(item, refusal: DomainError, report: PollReport) -> int:
    """A message too large to take: a row without bytes records it (the clerk sees what was
    refused and why, the sender can be answered), and the next run does not fetch it again."""
    try:
        with unit_of_work():
            row = AxisIncoming(remote_id=item.id, sender=item.sender or "",
                               messagetype=item.messagetype or "edoc", package_sha256="",
                               size=0, state=IncomingState.REFUSED,
                               last_error=_short(refusal))
            db.session.add(row)
            db.session.flush()
            audit.record("axis.refused", target=row, details={
                "remote_id": item.id, "sender": item.sender, "reason": row.last_error})
            row_id = row.id
    except IntegrityError:  # another poller recorded it first
        row_id = db.session.scalar(select(AxisIncoming.id)
                                   .where(AxisIncoming.remote_id == item.id))
        db.session.rollback()
        if row_id is None:
            raise
        return row_id
    report.failed.append(item.id)
    return row_id


def _store(item, package: bytes, report: PollReport) -> int:
    """Keep the fetched package; the commit is what makes it ours (before any "done")."""
    digest = storage.put(package)
    try:
        with unit_of_work():
            row = AxisIncoming(remote_id=item.id, sender=item.sender or "",
                               messagetype=item.messagetype or "edoc", package_sha256=digest,
                               size=len(package), state=IncomingState.STORED)
            db.session.add(row)
            db.session.flush()
            audit.record("axis.received", target=row, details={
                "remote_id": item.id, "sender": item.sender, "messagetype": row.messagetype,
                "sha256": digest, "size": len(package)})
            row_id = row.id
    except IntegrityError:
        # Another poller stored it between our look and our insert: theirs is the one (the
        # bytes are the same file in storage, content-addressed).
        row_id = db.session.scalar(select(AxisIncoming.id)
                                   .where(AxisIncoming.remote_id == item.id))
        db.session.rollback()
        if row_id is None:
            raise
        return row_id
    report.stored.append(item.id)
    return row_id


def hand_over_pending(report: PollReport | None = None) -> PollReport:
    """Hand every stored message to :func:`on_received`, each in its own transaction."""
    report = report or PollReport()
    pending = db.session.scalars(select(AxisIncoming.id)
                                 .where(AxisIncoming.state == IncomingState.STORED)
                                 .order_by(AxisIncoming.id)).all()
    db.session.rollback()
    for incoming_id in pending:
        try:
            with unit_of_work():
                # Locked, and looked at again: a concurrent poller handing the same message
                # over waits here, then finds it received.
                row = db.session.get(AxisIncoming, incoming_id, with_for_update=True,
                                     populate_existing=True)
                if row.state != IncomingState.STORED:
                    continue
                on_received(row)
        except Exception as exc:  # noqa: BLE001 - the next message is not this one's hostage
            log.warning("axis: message %s not handed over: %s", incoming_id, _short(exc))
            report.failed.append(str(incoming_id))
            with unit_of_work():
                row = db.session.get(AxisIncoming, incoming_id)
                row.last_error = _short(exc)
                audit.record("axis.handover_failed", target=row, details={
                    "remote_id": row.remote_id, "reason": row.last_error})
            continue
        report.handed_over.append(incoming_id)
    return report


def package_of(message: AxisIncoming) -> bytes:
    """The bytes of a received message, checked against their hash."""
    if not message.package_sha256:
        raise NotFound(f"message {message.remote_id} was refused: its bytes were never fetched")
    return storage.get(message.package_sha256)


def on_received(message: AxisIncoming) -> None:
    """Where a received package goes once kept: called inside the transaction that marks it
    received, so that whatever this registers commits with that mark, or neither does.

    The receiver registered for its messagetype (:data:`.installation.RECEIVERS`: the incoming
    register for "edoc", the outgoing register for "status") reads :func:`package_of`, checks and
    registers it (or quarantines it); raising leaves it stored for the next run. With no
    receiver registered it is only marked."""
    from ecabinet.interchange.installation import RECEIVERS

    receiver = RECEIVERS.get(message.messagetype)
    if receiver is not None:
        receiver(message, package_of(message))
    message.state = IncomingState.RECEIVED
    message.last_error = None
    audit.record("axis.handed_over", target=message, details={
        "remote_id": message.remote_id, "sender": message.sender,
        "messagetype": message.messagetype})
