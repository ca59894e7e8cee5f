"""``ecabinet orgs import FILE.csv``: the directory from a spreadsheet, all of it or nothing.

Each line is matched to an organisation by its identifier (an organisation made before the
directory had identifiers is matched by its exact name, and gets the identifier); a known one is
updated, a new one created, so importing the same file twice changes nothing. The whole file is
checked before anything is written, and every bad line is named with its number.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from ecabinet.errors import DomainError, Invalid
from ecabinet.extensions import db
from ecabinet.identity.models import Organisation
from ecabinet.organisations import services

COLUMNS = ["identifier", "code", "name", "address", "email", "telephone", "fax", "website",
           "parent_identifier", "active"]
REQUIRED_COLUMNS = ["identifier", "code", "name"]
#: Past this many, the refusal says "and N more" instead of listing every bad line.
ERRORS_SHOWN = 20
TRUE, FALSE = {"", "1", "true", "yes", "y", "có", "x"}, {"0", "false", "no", "n", "không"}


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class _Line:
    number: int
    values: dict
    #: None when the file has no such column: then the import leaves it as it is.
    parent_identifier: str | None
    parent_given: bool
    active: bool | None
    existing: Organisation | None = None


def check_header(header: list[str]) -> None:
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise Invalid(_("The file's header lacks %(missing)s; the columns are %(columns)s.",
                        missing=", ".join(missing), columns=",".join(COLUMNS)),
                      details={"header": missing})


def import_rows(rows: list[dict], *, actor=None) -> ImportResult:
    """Create or update the organisations of ``rows`` (dicts by column; line 1 is the header).

    Raises :class:`Invalid` naming every bad line, before any write.
    """
    lines, errors = _checked_lines(rows)
    if not errors:
        errors = _graph_errors(lines)
    if errors:
        shown = errors[:ERRORS_SHOWN]
        more = len(errors) - len(shown)
        message = "\n".join(shown) + (f"\n(+{more})" if more else "")
        raise Invalid(message, details={"lines": errors})
    return _apply(lines, actor=actor)


def _checked_lines(rows: list[dict]) -> tuple[list[_Line], list[str]]:
    lines, errors = [], []
    seen: dict[str, dict[str, int]] = {"identifier": {}, "code": {}, "name": {}}
    for number, row in enumerate(rows, start=2):
        values = {name: row.get(name) or None for name in services.FIELDS if name in row
                  or name in REQUIRED_COLUMNS}
        cleaned, problems = services.clean(values, creating=True)
        active_text = (row.get("active") or "").strip().lower()
        if active_text not in TRUE | FALSE:
            problems["active"] = [_("Write 1 or 0.")]
        parent = (row.get("parent_identifier") or "").strip().upper() or None
        line = _Line(number, cleaned, parent, "parent_identifier" in row,
                     active_text not in FALSE if "active" in row else None)
        if not problems:
            line.existing = services.by_identifier(cleaned["identifier"]) or db.session.scalar(
                select(Organisation).where(Organisation.name == cleaned["name"],
                                           Organisation.identifier.is_(None)))
            problems.update(services.taken(line.existing, cleaned))
        for name, numbers in seen.items():
            value = (cleaned.get(name) or "").lower()
            if value and value in numbers:
                problems.setdefault(name, []).append(
                    _("The same as on line %(line)d.", line=numbers[value]))
            elif value:
                numbers[value] = number
        if problems:
            errors.append(_("Line %(line)d: %(problems)s", line=number, problems=" ".join(
                f"{name}: {' '.join(texts)}" for name, texts in problems.items())))
        lines.append(line)
    return lines, errors


def _graph_errors(lines: list[_Line]) -> list[str]:
    """Unknown parents and cycles, in the directory as it will be after the import."""
    rows = db.session.execute(select(Organisation.id, Organisation.identifier,
                                     Organisation.parent_id)).all()
    key = {org_id: identifier or f"#{org_id}" for org_id, identifier, _parent in rows}
    # Every organisation by a key (its identifier, or "#id" without one) → its parent's key.
    parents = {key[org_id]: key.get(parent_id) for org_id, _identifier, parent_id in rows}
    for line in lines:
        if line.existing is not None and line.existing.identifier is None:
            old = f"#{line.existing.id}"  # it takes its identifier now
            parents[line.values["identifier"]] = parents.pop(old, None)
            parents = {child: line.values["identifier"] if parent == old else parent
                       for child, parent in parents.items()}
        if line.parent_given:
            parents[line.values["identifier"]] = line.parent_identifier
        else:
            parents.setdefault(line.values["identifier"], None)
    errors = []
    for line in lines:
        if line.parent_identifier and line.parent_identifier not in parents:
            errors.append(_("Line %(line)d: no organisation has the identifier %(parent)s.",
                            line=line.number, parent=line.parent_identifier))
            continue
        seen, step = set(), parents.get(line.values["identifier"])
        while step is not None and step not in seen:
            if step == line.values["identifier"]:
                errors.append(_("Line %(line)d: %(identifier)s would be its own ancestor.",
                                line=line.number, identifier=step))
                break
            seen.add(step)
            step = parents.get(step)
    return errors


def _apply(lines: list[_Line], *, actor) -> ImportResult:
    result = ImportResult()
    organisations = {}
    for line in lines:
        organisation = line.existing
        if organisation is None:
            with _at(line):
                organisation = services.create(actor=actor, active=line.active is not False,
                                               **line.values)
            result.created += 1
        organisations[line.values["identifier"]] = (line, organisation)
    # Parents once every line's organisation exists: a line may name one further down.
    for line, organisation in organisations.values():
        changes = {}
        if line.parent_given:
            parent = None
            if line.parent_identifier:
                parent = organisations.get(line.parent_identifier, (None, None))[1] \
                    or services.by_identifier(line.parent_identifier)
            changes["parent_id"] = parent.id if parent is not None else None
        if line.existing is None:
            if changes.get("parent_id") is not None:
                with _at(line):
                    services.update(organisation, actor=actor, **changes)
            continue
        if line.active is not None:
            changes["active"] = line.active
        before = _snapshot(organisation)
        with _at(line):
            services.update(organisation, actor=actor, **changes, **line.values)
        if _snapshot(organisation) != before:
            result.updated += 1
        else:
            result.unchanged += 1
    return result


@contextmanager
def _at(line: _Line):
    """A refusal the checks before writing did not foresee still names its line (the caller's
    unit of work rolls the whole import back)."""
    try:
        yield
    except DomainError as exc:
        raise Invalid(_("Line %(line)d: %(problems)s", line=line.number, problems=exc.message),
                      details={"lines": [line.number]}) from exc


def _snapshot(organisation: Organisation) -> tuple:
    return tuple(getattr(organisation, name) for name in (*services.FIELDS, "parent_id",
                                                          "active"))
