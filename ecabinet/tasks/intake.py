"""Turning a notice's or a decision's text into tasks in one screen: the text read into
proposed lines (:mod:`.parsing`), the lines the secretariat checked and corrected, created
together or not at all."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from ecabinet.errors import DomainError, Invalid
from ecabinet.extensions import db
from ecabinet.identity.models import Organisation, User
from ecabinet.tasks import access, services
from ecabinet.tasks.figures import today
from ecabinet.tasks.models import SourceKind, Task
from ecabinet.tasks.parsing import TaskLine, parse
from ecabinet.tasks.sources import NOTICE_KIND

#: The most lines one screen creates at once.
MAX_ROWS = 100


def directory() -> list[tuple[int, str]]:
    return [tuple(row) for row in db.session.execute(
        select(Organisation.id, Organisation.name).order_by(Organisation.name))]


def source_documents(user: User, limit: int = 50) -> list:
    """The notices and decisions the user may read, newest first (the screen's choice)."""
    from ecabinet.decisions.access import listed

    return list(db.session.scalars(listed(user).limit(limit)))


def source_kind_of(decision) -> str:
    return (SourceKind.NOTICE if decision.kind == NOTICE_KIND else SourceKind.DECISION).value


def problem_words() -> dict[str, str]:
    return {
        "invalid_date": _("This date does not exist: check it."),
        "year_missing": _("The date has no year: give the full date."),
        "date_past": _("The date read is already past: check it."),
        "deadline_missing": _("No deadline found: give one, or tick ongoing."),
        "organisation_unknown": _("No organisation of the directory found: choose the lead."),
    }


@dataclass
class Row:
    """A line on the screen, as read or as the secretariat corrected it."""

    title: str = ""
    lead_id: int | None = None
    coordinator_ids: list[int] = field(default_factory=list)
    deadline: str = ""
    ongoing: bool = False
    expected_product: str = ""
    article: str = ""
    deadline_text: str = ""
    include: bool = True
    problems: list[str] = field(default_factory=list)
    error: str | None = None

    @classmethod
    def from_line(cls, line: TaskLine) -> Row:
        return cls(title=line.title, lead_id=line.lead_id,
                   coordinator_ids=list(line.coordinator_ids),
                   deadline=line.deadline.isoformat() if line.deadline else "",
                   ongoing=line.ongoing, expected_product=line.expected_product or "",
                   deadline_text=line.deadline_text or "", problems=list(line.problems))


def read(text: str) -> list[Row]:
    return [Row.from_line(line) for line in parse(text, directory(), today())][:MAX_ROWS]


def rows_from_form(form) -> list[Row]:
    """The screen's rows: fields ``row-<n>-<name>`` (n from 0)."""
    rows = []
    for n in range(MAX_ROWS):
        prefix = f"row-{n}-"
        if f"{prefix}title" not in form:
            break
        rows.append(Row(
            title=form.get(f"{prefix}title", ""),
            lead_id=_int(form.get(f"{prefix}lead_id")),
            coordinator_ids=[i for i in map(_int, form.getlist(f"{prefix}coordinator_ids"))
                             if i],
            deadline=form.get(f"{prefix}deadline", ""),
            ongoing=bool(form.get(f"{prefix}ongoing")),
            expected_product=form.get(f"{prefix}expected_product", ""),
            article=form.get(f"{prefix}article", ""),
            deadline_text=form.get(f"{prefix}deadline_text", ""),
            include=bool(form.get(f"{prefix}include"))))
    return rows


def _int(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**31 else None


def _day(text: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid(_("Not a date: %(text)s.", text=text),
                      details={"deadline": [text]}) from None


def create_rows(actor: User, rows: list[Row], *, source_kind: str,
                source_id: int | None) -> list[Task]:
    """Create the ticked rows, all or none: each row's refusal is noted on it (``error``) and
    the whole is refused, so the caller's unit of work rolls back what was flushed."""
    access.require_manager(actor)
    chosen = [row for row in rows if row.include]
    if not chosen:
        raise Invalid(_("Tick at least one line to assign."), details={"rows": ["none"]})
    created, refused = [], False
    for row in chosen:
        try:
            created.append(services.create_task(
                actor, title=row.title, lead_id=row.lead_id,
                coordinator_ids=row.coordinator_ids, deadline=_day(row.deadline),
                ongoing=row.ongoing, expected_product=row.expected_product or None,
                source_kind=source_kind, source_id=source_id, article=row.article or None))
        except DomainError as exc:
            row.error, refused = exc.message, True
    if refused:
        raise Invalid(_("Some lines need correcting: nothing was assigned."),
                      code="rows_refused")
    return created
