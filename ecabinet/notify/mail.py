"""Sending e-mail over SMTP (stdlib smtplib): configured by ECABINET_SMTP_URL."""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass, field
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from flask import Flask, current_app

from ecabinet.database import on_commit
from ecabinet.extensions import socketio

log = logging.getLogger(__name__)


@dataclass
class Mail:
    to: str
    subject: str
    text: str
    attachments: list[tuple[str, str, bytes]] = field(default_factory=list)  # name, type, bytes


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


def send_after_commit(mails: list[Mail]) -> None:
    """Queue mails to leave once the current transaction commits (nothing if SMTP is off)."""
    if not mails or not enabled():
        return
    app = current_app._get_current_object()
    on_commit(lambda: socketio.start_background_task(deliver, app, mails))


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
    """Send; a failure is logged (never with the password) and does not stop the others."""
    url = urlsplit(app.config["SMTP_URL"])
    sent = 0
    try:
        smtp_class = smtplib.SMTP_SSL if url.scheme == "smtps" else smtplib.SMTP
        with smtp_class(url.hostname or "localhost", url.port or 25, timeout=30) as smtp:
            if url.scheme == "smtp+starttls":
                smtp.starttls()
            if url.username:
                smtp.login(unquote(url.username), unquote(url.password or ""))
            for mail in mails:
                try:
                    smtp.send_message(_message(app, mail))
                    sent += 1
                except smtplib.SMTPException as exc:
                    log.warning("mail to %s refused: %s", mail.to, exc)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("SMTP server %s:%s unavailable: %s", url.hostname, url.port, exc)
    return sent
