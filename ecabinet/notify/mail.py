"""Sending e-mail over SMTP (stdlib smtplib): configured by ECABINET_SMTP_URL.

Mails leave after the commit, from a background task; a mail that says what it is (``kind``)
and what it is ``about`` is tracked (:mod:`.deliveries`): queued with the change, then sent or
failed as the sender found, for the pages that report on it.
"""

from __future__ import annotations

import logging
import smtplib
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from flask import Flask, current_app

from ecabinet.database import on_commit, unit_of_work
from ecabinet.extensions import socketio
from ecabinet.notify import deliveries

log = logging.getLogger(__name__)


@dataclass
class Mail:
    to: str
    subject: str
    text: str
    attachments: list[tuple[str, str, bytes]] = field(default_factory=list)  # name, type, bytes
    #: Tracked when both are given: what the mail is ("meeting.invitation") and what it is
    #: about (("meetings", 12)); the person it goes to.
    kind: str | None = None
    about: tuple[str, int] | None = None
    user_id: int | None = None
    #: Its row in :class:`~ecabinet.notify.models.MailDelivery`, once queued.
    delivery_id: int | None = None


def public_link(path: str) -> str:
    """The address of a page of the app as the reader's mail client must open it."""
    return f"{current_app.config['PUBLIC_URL'].rstrip('/')}{path}"


def letters(users, subject: str, body: str) -> list[Mail]:
    """The same notice to each person, addressed to them by name: the form every notice of
    the app takes (the meeting invitations add the person's title)."""
    return [Mail(to=user.email, subject=subject[:200],
                 text=f"Kính gửi đồng chí {user.name},\n\n{body}")
            for user in users]


def enabled(app: Flask | None = None) -> bool:
    return bool((app or current_app).config.get("SMTP_URL"))


def send_after_commit(mails: list[Mail]) -> int:
    """Queue mails to leave once the current transaction commits (nothing if SMTP is off); the
    tracked ones are recorded as queued in this transaction. Returns how many were queued."""
    if not mails or not enabled():
        return 0
    deliveries.queue(mails)
    app = current_app._get_current_object()
    on_commit(lambda: _start(app, mails))
    return len(mails)


def _sending(app: Flask) -> dict:
    """How many batches this process is sending for ``app`` (process state, not a
    connection's: a graceful stop, or a test, waits for them with :func:`wait_idle`)."""
    return app.extensions.setdefault("ecabinet_mail_sending", {
        "lock": threading.Lock(), "count": 0})


def _start(app: Flask, mails: list[Mail]) -> None:
    sending = _sending(app)
    with sending["lock"]:
        sending["count"] += 1
    socketio.start_background_task(_send_in_background, app, mails)


def _send_in_background(app: Flask, mails: list[Mail]) -> None:
    try:
        deliver(app, mails)
    finally:
        sending = _sending(app)
        with sending["lock"]:
            sending["count"] -= 1


def wait_idle(app: Flask, timeout: float = 30) -> bool:
    """True once no batch is being sent for ``app``: its outcomes are written (the next
    test's database is not this one's)."""
    deadline = time.monotonic() + timeout
    while True:
        sending = _sending(app)
        with sending["lock"]:
            if sending["count"] == 0:
                return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)


def _message(app: Flask, mail: Mail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = app.config["MAIL_FROM"]
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message.set_content(mail.text)
    for name, content_type, data in mail.attachments:
        maintype, subtype = content_type.split("/", 1)
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message


def deliver(app: Flask, mails: list[Mail]) -> int:
    """Send; a failure is logged (never with the password) and does not stop the others. Each
    tracked mail's outcome is written after its attempt (a server down: every one failed, with
    the reason). Returns how many were sent."""
    with app.app_context():
        failures = _send(app, mails)
        try:
            with unit_of_work():
                deliveries.record_batch(mails, failures)
        except Exception:  # the mails are what matters; their record is second
            log.exception("could not record the outcome of %d mails", len(mails))
    return len(mails) - len(failures)


def _send(app: Flask, mails: list[Mail]) -> dict[int, str]:
    """Send every mail over one connection; the failures' reasons, by the mail's index."""
    smtp_url = app.config["SMTP_URL"]
    url = urlsplit(smtp_url)
    failures: dict[int, str] = {}
    done: set[int] = set()

    def attempted(mail: Mail, index: int, exc: BaseException | None) -> None:
        done.add(index)
        reason = None if exc is None else deliveries.reason_of(exc, smtp_url)
        if reason is not None:
            failures[index] = reason
        _record(mail, reason)

    try:
        smtp_class = smtplib.SMTP_SSL if url.scheme == "smtps" else smtplib.SMTP
        with smtp_class(url.hostname or "localhost", url.port or 25, timeout=30) as smtp:
            if url.scheme == "smtp+starttls":
                smtp.starttls()
            if url.username:
                smtp.login(unquote(url.username), unquote(url.password or ""))
            for index, mail in enumerate(mails):
                try:
                    smtp.send_message(_message(app, mail))
                except smtplib.SMTPException as exc:
                    log.warning("mail to %s refused: %s", mail.to, exc)
                    attempted(mail, index, exc)
                else:
                    attempted(mail, index, None)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("SMTP server %s:%s unavailable: %s", url.hostname, url.port, exc)
        for index, mail in enumerate(mails):
            if index not in done:
                attempted(mail, index, exc)
    return failures


def _record(mail: Mail, reason: str | None) -> None:
    """The attempt's outcome on the mail's row, in a transaction of its own (a mail sent is
    sent: a later failure must not roll its record back)."""
    if mail.delivery_id is None:
        return
    try:
        with unit_of_work():
            deliveries.record_attempt(mail.delivery_id, reason)
    except Exception:
        log.exception("could not record the delivery of mail %s", mail.delivery_id)
