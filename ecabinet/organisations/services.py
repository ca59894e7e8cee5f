"""The organisations directory: who documents come from and go to. Services flush; the caller
commits (the request, the CLI command).

Every way in (the API, the admin page, ``ecabinet orgs add`` and ``import``, provisioning)
goes through :func:`check` — one set of rules, one set of messages.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from ecabinet.audit import services as audit
from ecabinet.errors import Conflict, DomainError, Invalid, NotFound
from ecabinet.extensions import db
from ecabinet.identity.models import Organisation

#: The electronic identifier (mã định danh) of QCVN 102:2016 and Decree 30/2020 Annex VI:
#: ``V1V2V3.Z1Z2.Y1Y2.MX1X2`` — three groups of digits for the third, second and first levels
#: under the top one, then the top level: a letter (the kind of body: G ministries and
#: Government agencies, H provinces, …) and two digits. E.g. ``000.00.00.G22`` (the
#: Government Office), ``000.00.18.G12`` (a department of the Ministry of Finance). The
#: standard's own text was not at hand: the shape is taken from published identifiers.
IDENTIFIER_PATTERN = re.compile(r"[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2}")
#: A symbol code goes into a document's number/symbol ("7816/VPCP-TTĐT") and its edXML
#: DocumentId ("000.00.00.G22,2015/09/30,7816/VPCP-TTĐT"): letters (Vietnamese ones too) and
#: digits, joined by hyphens or dots ("TTg", "BKHĐT", "UBND-HN"); never a space, slash or comma.
CODE_PATTERN = re.compile(r"[^\W_]+(?:[-.][^\W_]+)*")
EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
PHONE_PATTERN = re.compile(r"[0-9+()./ -]+")
WEBSITE_PATTERN = re.compile(r"[^\s\x00-\x1f]+\.[^\s\x00-\x1f]+")

#: Text fields with their longest length (the columns') and whether a new organisation needs
#: them. The identifier and the code are required: without them the organisation can neither
#: be addressed on the interchange axis nor put in a document's symbol.
FIELDS = {"identifier": (13, True), "code": (20, True), "name": (200, True),
          "address": (300, False), "email": (254, False), "telephone": (50, False),
          "fax": (50, False), "website": (200, False)}


def get(organisation_id: int) -> Organisation:
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound(_("No such organisation."))
    return organisation


def by_identifier(identifier: str) -> Organisation | None:
    """The organisation with this mã định danh (the interchange axis names senders so)."""
    return db.session.scalar(select(Organisation).where(
        Organisation.identifier == (identifier or "").strip().upper()))


def find(reference: str) -> Organisation | None:
    """The organisation with this identifier, symbol code or name (the command line's way)."""
    reference = (reference or "").strip()
    return db.session.scalar(select(Organisation).where(or_(
        Organisation.identifier == reference.upper(), Organisation.code == reference,
        Organisation.name == reference)).order_by(Organisation.id).limit(1))


def directory_query(search: str | None = None, *, active: bool | None = None,
                    with_parents: bool = False):
    """The directory by name; ``search`` matches a part of the name, the code or the identifier.
    ``with_parents`` loads each one's parent with the page (for lists that show it)."""
    query = select(Organisation).order_by(func.lower(Organisation.name), Organisation.id)
    if with_parents:
        query = query.options(selectinload(Organisation.parent))
    if search and search.strip():
        pattern = "%" + search.strip().lower().replace("\\", "\\\\").replace("%", "\\%") \
            .replace("_", "\\_") + "%"
        query = query.where(or_(*(func.lower(column).like(pattern, escape="\\") for column in
                                  (Organisation.name, Organisation.code,
                                   Organisation.identifier))))
    if active is not None:
        query = query.where(Organisation.active.is_(active))
    return query


# --- the rules -----------------------------------------------------------------------------------

def clean(values: Mapping, *, creating: bool) -> tuple[dict, dict[str, list[str]]]:
    """The given fields tidied (stripped, empty as None, the identifier in upper case) and what
    is wrong with them, by field. Pure: no database."""
    cleaned, errors = {}, {}
    for name, (longest, required) in FIELDS.items():
        if name not in values:
            if creating and required:
                errors[name] = [_("Fill in this field.")]
            continue
        value = values[name]
        value = value.strip() if isinstance(value, str) else value
        value = value or None
        if name == "identifier" and value:
            value = value.upper()
        if value is None:
            if required:
                errors[name] = [_("Fill in this field.")]
            cleaned[name] = None
            continue
        if not isinstance(value, str):
            errors[name] = [_("Not text.")]
        elif len(value) > longest:
            errors[name] = [_("At most %(max)d characters.", max=longest)]
        elif problem := _format_problem(name, value):
            errors[name] = [problem]
        cleaned[name] = value
    return cleaned, errors


def _format_problem(name: str, value: str) -> str | None:
    if name == "identifier" and not IDENTIFIER_PATTERN.fullmatch(value):
        return _("%(value)s is not an identifier (mã định danh): it has the form "
                 "000.00.00.G22.", value=value)
    if name == "code" and not CODE_PATTERN.fullmatch(value):
        return _("A symbol code is letters and digits, joined by hyphens: no spaces, "
                 "slashes or commas.")
    if name == "email" and not EMAIL_PATTERN.fullmatch(value):
        return _("%(email)s is not an e-mail address.", email=value)
    if name in ("telephone", "fax") and not PHONE_PATTERN.fullmatch(value):
        return _("Digits, spaces and + ( ) . - only.")
    if name == "website" and not WEBSITE_PATTERN.fullmatch(value):
        return _("Not a web address.")
    return None


def taken(organisation: Organisation | None, cleaned: dict) -> dict[str, list[str]]:
    """Identifier, code and name held by another organisation (names and codes compared
    without case: "TTG" beside "TTg" would be a trap)."""
    errors = {}
    for name in ("identifier", "code", "name"):
        value = cleaned.get(name)
        if not value:
            continue
        column = getattr(Organisation, name)
        query = select(Organisation.id).where(func.lower(column) == value.lower())
        if organisation is not None and organisation.id is not None:
            query = query.where(Organisation.id != organisation.id)
        if db.session.scalar(query.limit(1)) is not None:
            errors[name] = [_("%(value)s belongs to another organisation.", value=value)]
    return errors


def _check_parent(organisation: Organisation | None, parent_id: int | None) -> Organisation | None:
    """The parent, which must exist and must not be the organisation or one of its own."""
    if parent_id is None:
        return None
    parent = db.session.get(Organisation, parent_id)
    if parent is None:
        raise Invalid(_("No such parent organisation."), details={"parent_id": ["unknown"]})
    if organisation is not None and organisation.id is not None:
        seen, step = set(), parent
        while step is not None and step.id not in seen:
            if step.id == organisation.id:
                raise Invalid(_("%(parent)s belongs to %(name)s: it cannot be its parent.",
                                parent=parent.name, name=organisation.name),
                              details={"parent_id": ["cycle"]})
            seen.add(step.id)
            step = step.parent
    return parent


def _refuse(errors: dict[str, list[str]], kind: type[DomainError] = Invalid) -> None:
    """One refusal naming every field that is wrong; ``details`` keeps them by field."""
    if errors:
        raise kind(" ".join(f"{field}: {' '.join(problems)}"
                            for field, problems in errors.items()), details=errors)


# --- changes -------------------------------------------------------------------------------------

def create(*, actor=None, parent_id: int | None = None, active: bool = True,
           **values) -> Organisation:
    cleaned, errors = clean(values, creating=True)
    _refuse(errors)
    _refuse(taken(None, cleaned), Conflict)
    parent = _check_parent(None, parent_id)
    organisation = Organisation(**cleaned, parent=parent, active=active)
    db.session.add(organisation)
    db.session.flush()
    audit.record("organisation.create", actor=actor, target=organisation,
                 details={**cleaned, "parent": parent.identifier if parent else None,
                          "active": active})
    return organisation


_UNSET = object()


def update(organisation: Organisation, *, actor=None, parent_id=_UNSET,
           active: bool | None = None, **values) -> Organisation:
    """Change what is given. An identifier or a code once set can be changed, never removed:
    documents and the axis name the organisation by them."""
    cleaned, errors = clean(values, creating=False)  # required fields refuse to be emptied
    _refuse(errors)
    _refuse(taken(organisation, cleaned), Conflict)
    changes = {name: value for name, value in cleaned.items()
               if value != getattr(organisation, name)}
    if parent_id is not _UNSET and parent_id != organisation.parent_id:
        parent = _check_parent(organisation, parent_id)
        organisation.parent = parent
        changes["parent"] = (parent.identifier or parent.name) if parent else None
    if active is not None and active != organisation.active:
        organisation.active = changes["active"] = active
    for name, value in changes.items():
        if name in FIELDS:
            setattr(organisation, name, value)
    if changes:
        db.session.flush()
        audit.record("organisation.update", actor=actor, target=organisation, details=changes)
    return organisation
