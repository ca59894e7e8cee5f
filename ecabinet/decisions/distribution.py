"""Distribution (Nơi nhận): the one list of a decision's recipients, its delivery on issue and
each recipient's first opening.

The "Nơi nhận" block is a list of lines (:class:`DecisionRecipient`). A line naming an
organisation of the directory (or a person) is a recipient: it is printed, its people read the
issued decision (:mod:`.access` reads these rows and nothing else), they are told on issue
(the dashboard, e-mail when configured), and the clerk sees when it was delivered and first
opened. A line naming nobody ("Như Điều 3", "Lưu: VT, TCCV") is printed only. Before this list
the printed text and the readers were two fields that could disagree (issue 9, point 18).

Services flush and raise domain errors; the caller commits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update

from ecabinet.audit import services as audit
from ecabinet.database import unit_of_work
from ecabinet.decisions import access
from ecabinet.decisions.models import Decision, DecisionRecipient, DecisionState
from ecabinet.errors import Invalid
from ecabinet.extensions import db
from ecabinet.identity.models import Organisation, User
from ecabinet.interchange.outgoing import register as exchange_register
from ecabinet.interchange.outgoing import services as outgoing

#: The archive line, last in the block (Decree 30, Appendix I); added when the drafter left it out.
ARCHIVE = "Lưu"
DEFAULT_ARCHIVE = "Lưu: VT"
#: A reference to the body ("Như Điều 3", "Như trên"): first in the block.
REFERENCE = "Như "
MAX_LINES = 100
#: What the drafter may have typed around a line: a leading dash, the final ";" or ".".
_DECORATION = re.compile(r"^[\s\-–•+]+|[\s;.,]+$")
#: "(để thực hiện)", "(để báo cáo)" after a recipient's name.
_PURPOSE = re.compile(r"\s*\([^)]*\)$")


def bare(line: str) -> str:
    """A line without the dash and the final punctuation the printed block adds."""
    return _DECORATION.sub("", line or "").strip()


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


# --- building the list ---------------------------------------------------------------------------

def build(text: str | None, organisation_ids=None, user_ids=None, *,
          labels: dict[int, str] | None = None) -> list[DecisionRecipient]:
    """The block from what the drafter gave: lines of text and the organisations (and people)
    chosen. A typed line naming an organisation of the directory makes it a recipient, so
    nothing is printed that does not also read it.

    Order (Decree 30 practice): references ("Như Điều 3"), the recipients (as typed, then as
    chosen), the other lines, the archive line last ("Lưu: VT" when none was given).
    ``labels``: how a chosen organisation was printed before (a correction keeps
    "Bộ Tư pháp (để thực hiện)"); else its name."""
    lines = [bare(line) for line in (text or "").replace("\r\n", "\n").split("\n")]
    lines = [line[:300] for line in lines if line]
    directory = {_key(o.name): o for o in db.session.scalars(select(Organisation))}
    references, named, others, archive = [], [], [], []
    for line in lines:
        organisation = directory.get(_key(line)) or directory.get(_key(_PURPOSE.sub("", line)))
        if organisation is not None:
            if all(r.organisation_id != organisation.id for r in named):  # typed twice
                named.append(DecisionRecipient(organisation_id=organisation.id, label=line))
        elif line.startswith(ARCHIVE):
            archive.append(DecisionRecipient(label=line))
        elif line.startswith(REFERENCE):
            references.append(DecisionRecipient(label=line))
        else:
            others.append(DecisionRecipient(label=line))
    chosen = {r.organisation_id for r in named}
    for organisation_id in dict.fromkeys(organisation_ids or []):
        organisation = db.session.get(Organisation, organisation_id)
        if organisation is None:
            raise Invalid(_("No such recipient."),
                          details={"recipient_organisation_ids": [organisation_id]})
        if organisation.id not in chosen:
            chosen.add(organisation.id)
            named.append(DecisionRecipient(
                organisation_id=organisation.id,
                label=(labels or {}).get(organisation.id) or organisation.name))
    for user_id in dict.fromkeys(user_ids or []):
        user = db.session.get(User, user_id)
        if user is None:
            raise Invalid(_("No such recipient."), details={"recipient_user_ids": [user_id]})
        named.append(DecisionRecipient(user_id=user.id, label=user.name))
    rows = references + named + others + (archive or [DecisionRecipient(label=DEFAULT_ARCHIVE)])
    if len(rows) > MAX_LINES:
        raise Invalid(_("Too many recipients."), details={"recipients": ["too_many"]})
    for position, row in enumerate(rows, start=1):
        row.position = position
    return rows


def text_lines(decision: Decision) -> list[str]:
    """The lines naming nobody (what the drafter types; the recipients are chosen)."""
    return [r.label for r in decision.recipients if not r.is_addressee]


def replace(decision: Decision, rows: list[DecisionRecipient]) -> bool:
    """A draft's block changed (nothing was delivered yet); whether it changed at all."""
    def shape(items):
        return [(r.label, r.organisation_id, r.user_id) for r in items]

    if shape(rows) == shape(decision.recipients):
        return False
    decision.recipients = []
    db.session.flush()  # the old rows go first: the new may name the same organisations
    decision.recipients = rows
    return True


# --- on issue: the notices -----------------------------------------------------------------------

def people_of(recipient: DecisionRecipient) -> list[User]:
    """Who is told: an organisation's active users, or the person named."""
    if recipient.user_id is not None:
        user = recipient.user
        return [user] if user is not None and user.active else []
    return list(db.session.scalars(
        select(User).where(User.organisation_id == recipient.organisation_id,
                           User.active.is_(True)).order_by(User.id)))


def deliver(actor: User, decision: Decision, now: datetime) -> None:
    """The decision is issued: every recipient is told -- the notice on their people's
    dashboard (:func:`received_by`) and e-mail when SMTP is configured, sent after the commit.
    Delivered is the moment the notice exists: the issue's transaction."""
    from ecabinet.notify.decisions import send_issue_notices

    told, delivered = [], []
    for recipient in decision.addressees:
        recipient.delivered_at = now
        people = people_of(recipient)
        told.extend(people)
        delivered.append({"recipient_id": recipient.id, "label": recipient.label,
                          "organisation_id": recipient.organisation_id,
                          "user_id": recipient.user_id, "people": len(people)})
    db.session.flush()
    # The organisations reached through the interchange axis get the sealed package too, queued
    # in this transaction: stored before sent, never sent for an issue that rolls back.
    outgoing.send_decision(actor, decision, now)
    told = list({user.id: user for user in told}.values())
    send_issue_notices(decision, told)
    audit.record("decision.delivered", actor=actor, target=decision, details={
        "symbol": decision.symbol, "recipients": delivered,
        "email": bool(current_app.config.get("SMTP_URL"))})


def received_by(user: User, limit: int = 10) -> list[DecisionRecipient]:
    """The user's notices: issued decisions delivered to them or their organisation, newest
    first (the dashboard)."""
    return list(db.session.scalars(
        select(DecisionRecipient).join(Decision, Decision.id == DecisionRecipient.decision_id)
        .where(Decision.state == DecisionState.ISSUED.value,
               DecisionRecipient.delivered_at.is_not(None), access.addressed_to(user))
        .order_by(DecisionRecipient.delivered_at.desc(), DecisionRecipient.id.desc())
        .limit(limit)))


# --- the first opening ---------------------------------------------------------------------------

def unopened_for(user: User, decision: Decision) -> list[DecisionRecipient]:
    """The recipients ``user`` opens the issued decision for, not opened by anyone yet: a
    page view that finds none writes nothing."""
    if decision.state != DecisionState.ISSUED:
        return []
    return [r for r in decision.addressees
            if r.first_opened_at is None and access.is_addressed_to(user, r)]


def record_opening(user: User, decision: Decision) -> list[DecisionRecipient]:
    """``user`` opened the issued decision (its page or its PDF): the first opening of each
    recipient it is addressed to through them is kept, with who; a later or concurrent one
    changes nothing (the UPDATE only touches a row not opened yet). Each first opening is
    audited: it is the delivery record the sender relies on."""
    opened = []
    now = datetime.now(UTC)
    for recipient in unopened_for(user, decision):
        result = db.session.execute(
            update(DecisionRecipient)
            .where(DecisionRecipient.id == recipient.id,
                   DecisionRecipient.first_opened_at.is_(None))
            .values(first_opened_at=now, first_opened_by_id=user.id)
            .execution_options(synchronize_session=False))
        if result.rowcount:
            db.session.refresh(recipient)
            opened.append(recipient)
            audit.record("decision.opened", actor=user, target=decision, details={
                "recipient_id": recipient.id, "label": recipient.label,
                "organisation_id": recipient.organisation_id})
    return opened


def note_opening(user: User, decision: Decision) -> None:
    """For the pages and the API that hand the issued decision to a reader (as
    :func:`ecabinet.packs.delivery.send_reader_pdf` does for documents): the first opening is
    committed in its own unit of work; a later view begins no transaction at all."""
    if unopened_for(user, decision):
        with unit_of_work():
            record_opening(user, decision)


# --- what the clerk sees -------------------------------------------------------------------------

@dataclass(frozen=True)
class RecipientStatus:
    id: int
    position: int
    label: str
    organisation_id: int | None
    user_id: int | None
    #: How many people were told (an organisation's active users).
    people: int
    delivered_at: datetime | None
    first_opened_at: datetime | None
    first_opened_by: dict | None
    #: Sent through the interchange axis: sent, delivered, the business status and its trace
    #: (:func:`ecabinet.interchange.outgoing.register.describe`); None for a local recipient.
    exchange: dict | None = None


def statuses(viewer: User, decision: Decision) -> list[RecipientStatus]:
    """Delivered and opened, per recipient: the clerks and the secretariat only (a recipient
    does not see another organisation's reading)."""
    access.require_distribution_follower(viewer)
    counts = dict(db.session.execute(
        select(User.organisation_id, db.func.count(User.id))
        .where(User.active.is_(True), User.organisation_id.in_(
            [r.organisation_id for r in decision.addressees if r.organisation_id]))
        .group_by(User.organisation_id)).all())
    exchanges = exchange_register.by_recipient(decision)
    return [RecipientStatus(
        id=r.id, position=r.position, label=r.label, organisation_id=r.organisation_id,
        user_id=r.user_id,
        people=counts.get(r.organisation_id, 0) if r.organisation_id else 1,
        delivered_at=r.delivered_at, first_opened_at=r.first_opened_at,
        first_opened_by=({"id": r.first_opened_by.id, "name": r.first_opened_by.name}
                         if r.first_opened_by is not None else None),
        exchange=exchanges.get(r.id))
        for r in decision.addressees]
