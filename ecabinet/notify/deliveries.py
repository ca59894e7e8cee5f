"""What became of the e-mails the app queued (:class:`~ecabinet.notify.models.MailDelivery`).

A tracked mail gets its row in the transaction that queues it (so a rolled-back change leaves
no "queued" mail behind), and the background sender writes the outcome after each attempt:
sent, or failed with a short reason. The batch's outcome is one audit line ("mail.delivered":
how many left, to whom it failed), not one a mail. Pages read the latest row per person
(:func:`latest_by_user`).
"""

from __future__ import annotations

import smtplib
from collections.abc import Iterable
from datetime import UTC, datetime
from urllib.parse import unquote, urlsplit

from sqlalchemy import func, select

from ecabinet.audit import services as audit
from ecabinet.extensions import db
from ecabinet.notify.models import DeliveryState, MailDelivery

#: At most this much of a reason is kept (the column's size).
REASON_LENGTH = 200


def queue(mails: Iterable) -> None:
    """Give each tracked mail (one with a ``kind`` and what it is ``about``) its "queued" row,
    in the current transaction. Flushes."""
    rows = []
    for mail in mails:
        if mail.kind is None or mail.about is None:
            continue
        row = MailDelivery(kind=mail.kind, about_type=mail.about[0], about_id=mail.about[1],
                           user_id=mail.user_id, address=mail.to[:320],
                           state=DeliveryState.QUEUED.value, queued_at=datetime.now(UTC))
        db.session.add(row)
        rows.append((mail, row))
    if rows:
        db.session.flush()
        for mail, row in rows:
            mail.delivery_id = row.id


def record_attempt(delivery_id: int, reason: str | None) -> None:
    """The sender tried: sent (``reason`` None) or failed. Flushes; the caller commits."""
    row = db.session.get(MailDelivery, delivery_id)
    if row is None:  # the meeting and its mails are gone meanwhile
        return
    row.state = (DeliveryState.SENT if reason is None else DeliveryState.FAILED).value
    row.reason = None if reason is None else reason[:REASON_LENGTH]
    row.attempted_at = datetime.now(UTC)
    db.session.flush()


def record_batch(mails: list, failures: dict[int, str]) -> None:
    """One audit line per thing the tracked mails of a batch were about: how many were sent,
    to whom it failed and why (``failures``: the reasons by the mail's index)."""
    groups: dict[tuple, list[int]] = {}
    for index, mail in enumerate(mails):
        if mail.delivery_id is not None:
            groups.setdefault((mail.kind, *mail.about), []).append(index)
    for (kind, about_type, about_id), indexes in groups.items():
        failed = [i for i in indexes if i in failures]
        audit.record("mail.delivered", object_type=about_type, object_id=about_id,
                     details={"kind": kind, "sent": len(indexes) - len(failed),
                              "failed": [mails[i].to for i in failed],
                              "reasons": sorted({failures[i] for i in failed})})


def latest_by_user(about_type: str, about_id: int, kind: str,
                   since: datetime | None = None) -> dict[int, MailDelivery]:
    """Each person's latest mail of this kind about this thing (queued since ``since``, when
    given: the invitation of the meeting's latest publication). One statement."""
    newest = (select(func.max(MailDelivery.id))
              .where(MailDelivery.about_type == about_type, MailDelivery.about_id == about_id,
                     MailDelivery.kind == kind, MailDelivery.user_id.is_not(None))
              .group_by(MailDelivery.user_id))
    if since is not None:
        newest = newest.where(MailDelivery.queued_at >= since)
    rows = db.session.scalars(select(MailDelivery).where(MailDelivery.id.in_(newest)))
    return {row.user_id: row for row in rows}


#: A failure's kind, the first word of its reason (the page words it: :func:`reason_code`).
UNREACHABLE, LOGIN_REFUSED, ADDRESS_REFUSED, REFUSED = (
    "unreachable", "login_refused", "address_refused", "refused")


def reason_of(exc: BaseException, smtp_url: str) -> str:
    """Why a mail did not leave: ``<kind>: <the error>``, short, never the mail account's
    password (nor the URL that holds it)."""
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        what = LOGIN_REFUSED
    elif isinstance(exc, smtplib.SMTPRecipientsRefused | smtplib.SMTPSenderRefused):
        what = ADDRESS_REFUSED
    elif isinstance(exc, smtplib.SMTPException):
        what = REFUSED
    else:
        what = UNREACHABLE
    detail = str(exc) or type(exc).__name__
    url = urlsplit(smtp_url)
    for secret in {url.password, unquote(url.password or "")} - {None, ""}:
        detail = detail.replace(secret, "***")
    detail = detail.replace(smtp_url, "***")
    return f"{what}: {detail}"[:REASON_LENGTH]


def reason_code(reason: str | None) -> str | None:
    return None if not reason else reason.split(":", 1)[0]
