"""E-mail about issued documents: the notice to each recipient's people on issue."""

from __future__ import annotations

from ecabinet.decisions.layout import KINDS
from ecabinet.decisions.models import Decision
from ecabinet.i18n import vietnamese_date
from ecabinet.notify.mail import Mail, letters, public_link, send_after_commit


def issue_mails(decision: Decision, users) -> list[Mail]:
    """One mail a person: what was issued, by whom, and where to read it (the document itself
    stays in the app, where reading it is recorded)."""
    kind = (KINDS[decision.kind].type_name or "Công văn").capitalize()
    return letters(
        users, f"{kind} số {decision.symbol}: {decision.summary}",
        f"{decision.issuer.name} đã ban hành {kind.lower()} số {decision.symbol}, "
        f"{vietnamese_date(decision.issued_at)}, về: {decision.summary}\n"
        f"Xem văn bản: {public_link(f'/decisions/{decision.id}')}\n")


def send_issue_notices(decision: Decision, users) -> None:
    """After the commit, when SMTP is configured; the dashboard shows the notice either way."""
    send_after_commit(issue_mails(decision, users))
